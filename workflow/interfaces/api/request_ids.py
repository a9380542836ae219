"""Every request has an id: the caller's ``X-Request-ID`` when it is sane, else a new one. It
is bound to every log line the request writes (the token check included) and returned in the
response's ``X-Request-ID``, refusals included.

Plain ASGI, not Starlette's ``BaseHTTPMiddleware``: that one runs the application in a task
of its own and streams its response through a queue, which cost the API a few percent of its
CPU per request (bench/pipeline.py, issue 13)."""

from __future__ import annotations

import re
import uuid

from starlette.datastructures import Headers, MutableHeaders

from workflow.adapters import logs
from workflow.interfaces.api.limits import ASGIApp, Message, Receive, Scope, Send

_SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class RequestIds:
    """ASGI middleware: the request's id in its logs and in its response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).get("x-request-id", "")
        request_id = given if _SANE_ID.fullmatch(given) else uuid.uuid4().hex

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])  # optional in ASGI
                MutableHeaders(scope=message)["X-Request-ID"] = request_id
            await send(message)

        with logs.bound(request_id=request_id):
            await self.app(scope, receive, send_with_id)
