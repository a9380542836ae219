"""Every API request has an id: the caller's X-Request-ID when sane, else a new one; bound to
the request's logs (the token check included) and returned with every answer, refusals too."""

from __future__ import annotations

import asyncio
from typing import Any

import structlog

from workflow.interfaces.api.request_ids import RequestIds


def _call(headers: list[tuple[bytes, bytes]]) -> tuple[dict[str, str], dict[str, Any]]:
    seen: dict[str, Any] = {}
    sent: list[dict[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.update(structlog.contextvars.get_contextvars())
        await send({"type": "http.response.start", "status": 401, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def request() -> dict[str, Any]:
        scope = {"type": "http", "method": "GET", "path": "/api/acts", "headers": headers}
        await RequestIds(app)(scope, receive, send)
        return structlog.contextvars.get_contextvars()  # the same task, after the request

    after = asyncio.run(request())
    assert "request_id" not in after  # unbound once answered: the next request starts clean
    answered = {k.decode(): v.decode() for k, v in sent[0]["headers"]}
    return answered, seen


def test_a_sane_id_is_kept_in_the_logs_and_the_answer() -> None:
    answered, bound = _call([(b"x-request-id", b"vote-2026.148_a")])
    assert answered["x-request-id"] == "vote-2026.148_a"
    assert bound["request_id"] == "vote-2026.148_a"


def test_a_missing_or_insane_id_is_replaced_by_a_new_one() -> None:
    ids = set()
    for headers in (
        [],
        [(b"x-request-id", b"a b\r\nSet-Cookie: x")],
        [(b"x-request-id", b"x" * 65)],
    ):
        answered, bound = _call(headers)
        assert len(answered["x-request-id"]) == 32 and answered["x-request-id"].isalnum()
        assert bound["request_id"] == answered["x-request-id"]
        ids.add(answered["x-request-id"])
    assert len(ids) == 3
