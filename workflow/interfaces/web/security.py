"""Who is asking, and may they: the session (a signed cookie), the user it names, the role an
action needs, the CSRF token every form carries, and the login throttle."""

from __future__ import annotations

import collections
import hmac
import secrets
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from workflow.errors import NotFound, SecurityError
from workflow.i18n import _
from workflow.users import UserRecord, Users

SESSION_USER = "uid"
SESSION_CSRF = "csrf"


@dataclass(frozen=True)
class WebOptions:
    """How the pages are served: where users are kept, the session key, the cookie flags."""

    users_factory: Callable[[], Users]
    secret_key: str
    secure_cookies: bool = True
    session_hours: int = 8


class LoginRequired(Exception):
    """No session, or the session's user is gone or disabled: go to the login page."""


class Forbidden(SecurityError):
    """The user's role does not allow this action, or a form came without its CSRF token."""


class AddressThrottle:
    """At most ``limit`` failed logins per client address in ``window`` seconds (in memory:
    the per-account lock in the store holds across processes)."""

    def __init__(self, limit: int = 20, window: float = 900.0) -> None:
        self.limit = limit
        self.window = window
        self._failures: dict[str, collections.deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, address: str, now: float) -> collections.deque[float]:
        failures = self._failures.setdefault(address, collections.deque())
        while failures and failures[0] < now - self.window:
            failures.popleft()
        return failures

    def check(self, address: str) -> None:
        with self._lock:
            if len(self._recent(address, time.monotonic())) >= self.limit:
                raise SecurityError(
                    _("too many failed logins from this address: try again later"),
                    field="authorization",
                    rule=f"at most {self.limit} failed logins in {self.window / 60:g} minutes",
                )

    def failed(self, address: str) -> None:
        with self._lock:
            self._recent(address, time.monotonic()).append(time.monotonic())


def users_of(request: Request) -> Users:
    users: Users = request.app.state.users()
    return users


def csrf_token(request: Request) -> str:
    """The session's CSRF token (created on first use)."""
    token = request.session.get(SESSION_CSRF)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[SESSION_CSRF] = token
    return token


async def csrf_protect(request: Request) -> AsyncIterator[None]:
    """Every form posted carries the session's token (a router-wide dependency); the uploads
    the form spooled are closed once the request is answered, whatever the answer."""
    if request.method != "POST":
        yield
        return
    form = await request.form()
    try:
        sent = form.get("csrf")
        expected = request.session.get(SESSION_CSRF)
        if not (
            isinstance(sent, str)
            and isinstance(expected, str)
            and hmac.compare_digest(sent.encode(), expected.encode())
        ):
            raise Forbidden(
                _("the form has expired or did not come from these pages: reload it and try again"),
                field="csrf",
                rule="the session's CSRF token",
            )
        yield
    finally:
        await form.close()


def current_user(request: Request) -> UserRecord:
    user_id = request.session.get(SESSION_USER)
    if not isinstance(user_id, int):
        raise LoginRequired
    try:
        user = users_of(request).get_user(user_id)
    except NotFound:
        request.session.clear()
        raise LoginRequired from None
    if user.disabled_at is not None:
        request.session.clear()
        raise LoginRequired
    request.state.user = user
    return user


CurrentUser = Annotated[UserRecord, Depends(current_user)]


def require(action: str) -> Callable[[UserRecord], UserRecord]:
    """A dependency: the current user, if their role allows ``action``; else 403."""

    def check(user: CurrentUser) -> UserRecord:
        if not user.may(action):
            raise Forbidden(
                _("your role ({role}) does not allow this action", role=user.role.value),
                field="role",
                rule=action,
                value=user.role.value,
            )
        return user

    return check
