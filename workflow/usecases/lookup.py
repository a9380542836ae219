"""Finding acts the way people name them: by the service's id, by the IDActe the préfecture
gave, or by the collectivité's own number; and listing them by state and age."""

from __future__ import annotations

import datetime as dt
import re

from workflow.errors import InvalidInput, NotFound
from workflow.lifecycle import ActState
from workflow.store import ActFilter, ActRecord, Store

_AGE = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_ID_ACTE = re.compile(r"^\d{3}-\d{9}-\d{8}-[A-Za-z0-9_\-]{1,15}-[A-Z]{2}$")


def parse_age(text: str, *, field: str = "older-than") -> dt.timedelta:
    """``45m``, ``12h``, ``2d``, ``1w`` → a duration."""
    match = _AGE.match(text)
    if match is None:
        raise InvalidInput(
            f"--{field} must be a number followed by m, h, d or w (such as 2d), got {text!r}",
            field=field,
            rule="N followed by m, h, d or w",
            value=text,
        )
    return dt.timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def parse_states(names: tuple[str, ...] | list[str]) -> tuple[ActState, ...] | None:
    """State names → states (None when none is given: every state)."""
    if not names:
        return None
    known = {s.value: s for s in ActState}
    states = []
    for name in names:
        for part in name.split(","):
            if part.strip() not in known:
                raise InvalidInput(
                    f"unknown state {part.strip()!r}; one of: {', '.join(known)}",
                    field="state",
                    rule="a state of the act lifecycle",
                    value=part,
                )
            states.append(known[part.strip()])
    return tuple(states)


def find_act(store: Store, ref: str, *, sirens: frozenset[str] | None = None) -> ActRecord:
    """The act named ``ref``: its id (``12``), its IDActe (``028-212801344-20221018-…-DE``)
    or its number (``DEL2022_148``); only among ``sirens`` when given (else NotFound)."""
    text = ref.strip()
    if text.isdigit() and len(text) < 10:
        act = store.get_act(int(text))
        if sirens is None or act.siren in sirens:
            return act
        raise NotFound(f"no act {text}", field="act", value=text)
    where = (
        ActFilter(sirens=sirens, id_acte=text)
        if _ID_ACTE.match(text)
        else ActFilter(sirens=sirens, numero=text)
    )
    found = store.list_acts(where=where)
    if not found:
        raise NotFound(f"no act with the id, IDActe or number {text}", field="act", value=text)
    if len(found) > 1:
        raise InvalidInput(
            f"{len(found)} collectivités have an act numbered {text}: give its id or IDActe",
            field="act",
            rule="one act per reference",
            value=text,
        )
    return found[0]
