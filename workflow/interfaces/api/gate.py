"""Authenticate before reading a body: an API request that carries one (POST, PUT, PATCH
to ``/api/…``) must show a valid bearer token before a single byte of it is read, so an
unauthenticated 100 MB upload costs the service its headers only (issue 14 #7). The routes
authenticate again (the same check) to learn who the caller is; the clerks' pages have
their own sessions."""

from __future__ import annotations

from collections.abc import Callable

from starlette.concurrency import run_in_threadpool

from workflow.errors import SecurityError
from workflow.interfaces.api.errors import error_response
from workflow.interfaces.api.limits import ASGIApp, Receive, Scope, Send

_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})


#: the request state's key for the caller the gate authenticated
GATE_CALLER = "actes_gate_caller"


class AuthFirst:
    """ASGI middleware: ``check(token)`` (raising :class:`SecurityError`) before the body."""

    def __init__(self, app: ASGIApp, check: Callable[[str | None], object]) -> None:
        self.app = app
        self.check = check

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope.get("method") in _WITH_BODY
            and str(scope.get("path", "")).startswith("/api/")  # the pages have their sessions
        ):
            try:
                caller = await run_in_threadpool(self.check, _bearer(scope))
            except SecurityError as error:
                response = error_response(error)
                await response(scope, _nothing, send)  # the body is never read
                return
            # the route takes the caller from here: the token is not looked up twice
            scope.setdefault("state", {})[GATE_CALLER] = caller
        await self.app(scope, receive, send)


def _bearer(scope: Scope) -> str | None:
    for name, value in scope.get("headers") or []:
        if name.lower() == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token.strip() or None if scheme.lower() == "bearer" else None
    return None


async def _nothing() -> dict[str, object]:  # pragma: no cover - a response never reads
    return {"type": "http.disconnect"}
