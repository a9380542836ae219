"""``GET /api/acts``: a page of the caller's acts, newest first, filtered and scoped in SQL.

The cursor is the id of the last act of the previous page (``next_cursor``; ``null`` on the
last page). A token sees the acts of its own collectivités only; asking for another's is
refused (403), as submitting for it is.
"""

from __future__ import annotations

from typing import Any

from workflow.errors import InvalidInput, SecurityError
from workflow.identifiers import ascii_digits
from workflow.intake.requests import Principal
from workflow.lifecycle import ActState
from workflow.store import ActFilter, Store

MAX_PAGE = 200


def acts_page(
    store: Store,
    caller: Principal,
    *,
    state: str | None = None,
    siren: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
    where: ActFilter | None = None,
) -> dict[str, Any]:
    """One page of acts as the API answers it: ``{"acts": [...], "next_cursor": ...}``."""
    states = None if state is None else [_state(state)]
    sirens = caller.sirens
    if siren is not None:
        if not caller.allows(siren):
            raise SecurityError(
                f"ce jeton ne donne pas accès aux actes du SIREN {siren}",
                field="siren",
                rule="a token sees its own collectivités only",
                value=siren,
            )
        sirens = frozenset({siren})
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(
            f"limit doit être compris entre 1 et {MAX_PAGE} (reçu : {limit})",
            field="limit",
            rule=f"1 to {MAX_PAGE}",
            value=limit,
        )
    acts = store.page_acts(
        sirens=sirens, states=states, before=_cursor(cursor), limit=limit, where=where
    )
    return {
        "acts": [act.as_dict() for act in acts],
        "next_cursor": str(acts[-1].id) if len(acts) == limit else None,
    }


def _state(value: str) -> ActState:
    try:
        return ActState(value)
    except ValueError:
        raise InvalidInput(
            f"état inconnu : {value!r} (états possibles : "
            + ", ".join(s.value for s in ActState)
            + ")",
            field="state",
            rule="one of the act states",
            value=value,
        ) from None


def _cursor(value: str | None) -> int | None:
    if value is None:
        return None
    if not ascii_digits(value) or len(value) > 18:
        raise InvalidInput(
            f"curseur invalide : {value!r} (reprendre next_cursor de la page précédente)",
            field="cursor",
            rule="the next_cursor of a previous page",
            value=value,
        )
    return int(value)
