"""People who use the clerks' pages: a login, a role, the collectivités they work for.

Passwords are kept only as argon2id hashes (argon2-cffi). Logging in is throttled per account:
after :data:`MAX_FAILURES` wrong passwords in a row the account is locked for
:data:`LOCK_DURATION` (the web adds a per-address limit on top). A user sees the acts, drafts,
letters, files and deadlines of their collectivités only.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from workflow.errors import InvalidInput, SecurityError
from workflow.i18n import _
from workflow.identifiers import Siren
from workflow.intake.requests import Principal
from workflow.store import Store

MAX_FAILURES = 5
LOCK_DURATION = dt.timedelta(minutes=15)
MIN_PASSWORD = 12

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Compared against when the login is unknown, so both cases cost the same time.

    Computed on first use, not at import: an argon2 hash costs ~64 MiB and ~0.6 s, which
    every process importing this module (workers, the simulator, the CLI) would pay."""
    return _hasher.hash("not a password of anyone")


class Role(enum.StrEnum):
    AGENT = "agent"  # sees and acts: sends, corrects, cancels, answers, publishes
    JURISTE = "juriste"  # sees, records publicity, answers the préfecture
    ADMIN = "admin"  # users, API tokens, collectivités


#: what each action needs
PERMISSIONS: dict[str, frozenset[Role]] = {
    "act": frozenset({Role.AGENT}),
    "answer": frozenset({Role.AGENT, Role.JURISTE}),
    "publish": frozenset({Role.AGENT, Role.JURISTE}),
    "admin": frozenset({Role.ADMIN}),
}


@dataclass(frozen=True, slots=True)
class UserRecord:
    id: int
    login: str
    name: str
    role: Role
    sirens: frozenset[str]
    password_hash: str
    created_at: dt.datetime
    disabled_at: dt.datetime | None = None
    failed_logins: int = 0
    locked_until: dt.datetime | None = None

    def may(self, action: str) -> bool:
        return self.role in PERMISSIONS[action]

    @property
    def principal(self) -> Principal:
        return Principal(f"user:{self.id}", self.sirens)

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "login": self.login,
            "name": self.name,
            "role": self.role.value,
            "sirens": sorted(self.sirens),
            "created_at": self.created_at.isoformat(),
            "disabled_at": self.disabled_at.isoformat() if self.disabled_at else None,
        }


class Users(Protocol):
    def add_user(
        self,
        login: str,
        name: str,
        role: Role,
        sirens: Sequence[str],
        password_hash: str,
        *,
        at: dt.datetime,
    ) -> UserRecord: ...

    def get_user(self, user_id: int) -> UserRecord: ...

    def user_by_login(self, login: str) -> UserRecord | None: ...

    def list_users(self) -> list[UserRecord]: ...

    def disable_user(self, login: str, *, at: dt.datetime) -> UserRecord: ...

    def record_login(
        self, user_id: int, *, failed_logins: int, locked_until: dt.datetime | None
    ) -> None: ...


def create_user(
    users: Users,
    store: Store,
    *,
    login: str,
    name: str,
    role: str,
    sirens: Sequence[str],
    password: str,
    at: dt.datetime,
) -> UserRecord:
    """A new user, after checking every field (each error names the field and the rule)."""
    login = login.strip().lower()
    if not login or len(login) > 100 or not all(c.isalnum() or c in "._-@" for c in login):
        raise InvalidInput(
            f"login {login!r}: letters, digits and . _ - @ only, 1 to 100 characters",
            field="login",
            rule="[a-z0-9._-@]{1,100}",
            value=login,
        )
    if not name.strip():
        raise InvalidInput("a user needs a name", field="name", rule="not empty")
    try:
        checked_role = Role(role)
    except ValueError:
        raise InvalidInput(
            f"role {role!r} is unknown",
            field="role",
            rule=" / ".join(r.value for r in Role),
            value=role,
        ) from None
    if not sirens:
        raise InvalidInput(
            "a user works for at least one collectivité", field="siren", rule="at least one"
        )
    for siren in sirens:
        Siren(siren)
        store.get_collectivite(siren)  # NotFound for an unknown collectivité
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(
            f"a password has at least {MIN_PASSWORD} characters",
            field="password",
            rule=f"at least {MIN_PASSWORD} characters",
        )
    if users.user_by_login(login) is not None:
        raise InvalidInput(
            f"login {login!r} is already taken", field="login", rule="unique", value=login
        )
    return users.add_user(
        login, name.strip(), checked_role, sorted(set(sirens)), _hasher.hash(password), at=at
    )


def authenticate_user(users: Users, login: str, password: str, *, now: dt.datetime) -> UserRecord:
    """The user whose login and password these are; :class:`SecurityError` otherwise (the
    same message whether the login or the password is wrong)."""
    refused = SecurityError(
        _("wrong login or password"), field="authorization", rule="a known login and its password"
    )
    user = users.user_by_login(login.strip().lower())
    if user is None:
        _verify(_dummy_hash(), password)
        raise refused
    if user.locked_until is not None and user.locked_until > now:
        raise SecurityError(
            _(
                "too many failed attempts: account locked until {time} UTC",
                time=f"{user.locked_until:%H:%M}",
            ),
            field="authorization",
            rule=f"at most {MAX_FAILURES} failed attempts in a row",
        )
    if not _verify(user.password_hash, password) or user.disabled_at is not None:
        failures = user.failed_logins + 1
        locked = now + LOCK_DURATION if failures >= MAX_FAILURES else None
        users.record_login(user.id, failed_logins=0 if locked else failures, locked_until=locked)
        raise refused
    users.record_login(user.id, failed_logins=0, locked_until=None)
    return user


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
