"""API tokens for the deliberation software: issued per collectivité, kept only as a hash,
revocable. A token is 256 random bits, so a plain SHA-256 of it is enough to keep it: there is
nothing to brute-force, and the lookup is by hash (one indexed query; comparing hashes of a
secret leaks nothing useful about the secret through timing).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Sequence

from workflow.errors import InvalidInput, SecurityError
from workflow.identifiers import Siren
from workflow.intake.requests import Principal
from workflow.store import Store, TokenRecord

PREFIX = "actes_"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(
    store: Store, name: str, sirens: Sequence[str], *, at: dt.datetime
) -> tuple[int, str]:
    """A new token for ``sirens`` (each must be a registered collectivité); returns its id and
    the token itself — shown once, never stored."""
    if not name.strip():
        raise InvalidInput("a token needs a name (who uses it)", field="name", rule="not empty")
    if not sirens:
        raise InvalidInput(
            "a token submits for at least one collectivité", field="siren", rule="at least one"
        )
    for siren in sirens:
        Siren(siren)
        store.get_collectivite(siren)  # NotFound for an unknown collectivité
    token = PREFIX + secrets.token_urlsafe(32)
    token_id = store.add_token(name.strip(), sorted(set(sirens)), token_hash(token), at=at)
    return token_id, token


def authenticate(store: Store, token: str | None) -> Principal:
    """The principal a bearer token stands for; :class:`SecurityError` otherwise."""
    if not token:
        raise SecurityError(
            "an API token is required (Authorization: Bearer …)",
            field="authorization",
            rule="authenticated",
        )
    record: TokenRecord | None = store.token_by_hash(token_hash(token))
    if record is None:
        raise SecurityError(
            "unknown API token", field="authorization", rule="a token issued by `actes token issue`"
        )
    if record.revoked_at is not None:
        raise SecurityError(
            f"API token {record.id} ({record.name}) was revoked on {record.revoked_at:%Y-%m-%d}",
            field="authorization",
            rule="a token not revoked",
        )
    return Principal(f"token:{record.id}", record.sirens)
