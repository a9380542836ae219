"""Who is calling: S²LOW finds the account by the TLS client certificate, and asks for a
login and password (HTTP Basic) only when several accounts share that certificate
(PROTOCOL.md §6.1, §6.6). An account belongs to one collectivité, holds rights (``CS`` to
create and answer, ``TT`` to transmit: confirm, cancel, ask the classification) and may be an
RGS connection, which creating, confirming and cancelling require.

Without TLS (``actes simulator --http``) there is no certificate: accounts whose certificate
is ``*`` match any caller, which is how the default account works.
"""

from __future__ import annotations

import base64
import hmac
from dataclasses import dataclass

from workflow.adapters.simulator.state import SimulatorState

AUTHENTICATION_FAILED = "Échec de l'authentification"
ACCESS_REFUSED = "Accès refusé"
RGS_REQUIRED = "La télétransmission nécessite un certificat RGS"


@dataclass(frozen=True, slots=True)
class Account:
    login: str
    siren: str  # '' sees every collectivité (the development default)
    rights: frozenset[str]
    rgs: bool
    name: str = ""

    def may(self, right: str) -> bool:
        return right in self.rights


class AccessDenied(Exception):
    """No account, or not this right: the platform's KO (with ``api=1``) or a redirect."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _basic(header: str) -> tuple[str, str] | None:
    if not header.lower().startswith("basic "):
        return None
    try:
        login, _, password = base64.b64decode(header[6:]).decode("utf-8").partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return login, password


def authenticate(state: SimulatorState, certificate: str | None, authorization: str) -> Account:
    """The account behind this certificate (SHA-256, ``None`` without TLS) and, when the
    certificate is shared, this HTTP Basic login."""
    rows = state.query(
        "SELECT * FROM accounts WHERE certificate = ? OR certificate = '*' ORDER BY login",
        certificate or "",
    )
    if not rows:
        raise AccessDenied(AUTHENTICATION_FAILED)
    if len(rows) > 1:
        given = _basic(authorization)
        rows = [
            r
            for r in rows
            if given is not None
            and r["login"] == given[0]
            and hmac.compare_digest(str(r["password"]), given[1])
        ]
        if len(rows) != 1:
            raise AccessDenied(AUTHENTICATION_FAILED)
    row = rows[0]
    return Account(
        row["login"],
        row["siren"],
        frozenset(r.strip() for r in str(row["rights"]).split(",") if r.strip()),
        bool(row["rgs"]),
        row["name"],
    )


def ensure_default(state: SimulatorState, siren: str, name: str) -> None:
    """One account for any certificate, with every right, when none was configured."""
    if state.query("SELECT login FROM accounts LIMIT 1"):
        return
    save(state, login="collectivite", siren=siren, name=name)


def save(
    state: SimulatorState,
    *,
    login: str,
    password: str = "",
    certificate: str = "*",
    siren: str = "",
    rights: str = "CS,TT",
    rgs: bool = True,
    name: str = "",
) -> None:
    with state.transaction() as db:
        db.execute(
            "INSERT OR REPLACE INTO accounts(login, password, certificate, siren, rights, rgs, name)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (login, password, certificate, siren, rights, int(rgs), name),
        )


def replace_all(state: SimulatorState, accounts: list[dict[str, object]]) -> None:
    with state.transaction() as db:
        db.execute("DELETE FROM accounts")
    for account in accounts:
        save(
            state,
            login=str(account["login"]),
            password=str(account.get("password", "")),
            certificate=str(account.get("certificate", "*")),
            siren=str(account.get("siren", "")),
            rights=str(account.get("rights", "CS,TT")),
            rgs=bool(account.get("rgs", True)),
            name=str(account.get("name", "")),
        )
