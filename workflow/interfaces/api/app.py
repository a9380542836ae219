"""The REST API for the deliberation software: post an act after the vote, follow it.

A thin adapter over :class:`workflow.intake.service.Intake` and the store: it authenticates
the bearer token, turns the multipart request into uploads on disk (streamed, never held
whole in memory), calls one use case, and maps domain errors to HTTP statuses in one place
(:func:`_error_response`). The body size limit is enforced by :class:`BodyLimit` before the
body is read: a ``Content-Length`` over the limit is refused at once, and a chunked body is
cut off as soon as it passes the limit.

``POST /api/acts`` answers ``201`` with a new act, ``200`` with the act an earlier request
with the same ``Idempotency-Key`` created, and ``202`` with a draft (held for a person, with
its problems; the same key returns the same draft).
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, File, Form, Header, Query, Request, UploadFile
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from workflow.errors import (
    ActesError,
    Conflict,
    InvalidInput,
    NotFound,
    Rejected,
    SecurityError,
    TransientError,
)
from workflow.intake.metadata import ActMetadata, parse_metadata
from workflow.intake.service import Intake, IntakeResult, Principal, Upload
from workflow.interfaces.api.listing import MAX_PAGE, acts_page
from workflow.store import ActRecord
from workflow.tokens import authenticate

log = logging.getLogger(__name__)

#: 150 MiB of documents (the protocol's archive limit) plus room for the multipart framing
DEFAULT_MAX_BODY = 150 * 1024 * 1024 + 1024 * 1024

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class BodyLimit:
    """ASGI middleware: refuse a request body over ``limit`` bytes before reading it whole."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(send, int(declared))
            return
        seen = 0
        exceeded = False
        started = False

        async def counting_receive() -> Message:
            nonlocal seen, exceeded
            if exceeded:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    exceeded = True  # stop reading: the app sees a disconnected client
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded:
                return  # whatever the app answers to a cut-off body, the answer is 413
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not exceeded:
                raise
        if exceeded and not started:
            await self._refuse(send, seen)

    async def _refuse(self, send: Send, size: int) -> None:
        response = JSONResponse(
            {
                "error": "invalid_input",
                "message": f"the request body ({size} bytes or more) is over the limit "
                f"of {self.limit} bytes",
                "field": "body",
                "rule": f"at most {self.limit} bytes",
            },
            status_code=413,
        )
        await response({"type": "http"}, _no_receive, send)


async def _no_receive() -> Message:  # pragma: no cover - a response never reads the request
    return {"type": "http.disconnect"}


def _status_for(error: ActesError) -> int:
    if isinstance(error, SecurityError):
        return 401 if error.field == "authorization" else 403
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, Conflict):
        return 409
    if isinstance(error, InvalidInput):
        return 422
    if isinstance(error, Rejected):
        return 422
    if isinstance(error, TransientError):
        return 503
    return 500


def _error_response(error: ActesError) -> JSONResponse:
    status = _status_for(error)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(error.as_dict(), status_code=status, headers=headers)


_bearer = HTTPBearer(auto_error=False, description="A token from `actes token issue`.")


def _principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    token = credentials.credentials if credentials else None
    intake: Intake = request.app.state.intake()
    return authenticate(intake.services.store, token)


Caller = Annotated[Principal, Depends(_principal)]


class ProblemOut(BaseModel):
    field: str
    rule: str
    message: str
    severity: str
    value: Any = None


class CancelIn(BaseModel):
    reason: str = Field(min_length=1, max_length=500, description="Why the act is withdrawn")


class IntakeOut(BaseModel):
    """``status`` is ``act`` (recorded, on its way to the préfecture) or ``draft`` (held: see
    ``problems``; complete it with ``PATCH /api/drafts/{id}``)."""

    status: str
    created: bool
    act: dict[str, Any] | None = None
    draft: dict[str, Any]
    problems: list[ProblemOut]


def create_api(
    intake_factory: Callable[[], Intake],
    *,
    enqueue: Callable[[int], None] | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY,
    upload_dir: Path | None = None,
) -> ASGIApp:
    """The API app. ``intake_factory`` builds the use cases (once, on first use);
    ``enqueue(act_id)`` hands a new act to the workers (if it fails, the beat sweep re-enqueues
    the act from the store: nothing is lost)."""
    app = FastAPI(
        title="actes-workflow",
        version="1",
        summary="Send a collectivité's acts to the préfecture (ACTES) and follow them.",
        docs_url=None,  # the interactive pages would load scripts from a CDN
        redoc_url=None,
        openapi_url=None,  # served below, behind authentication
    )
    state: dict[str, Intake] = {}

    def intake() -> Intake:
        if "intake" not in state:
            state["intake"] = intake_factory()
        return state["intake"]

    app.state.intake = intake

    def own_act(caller: Principal, act_id: int) -> ActRecord:
        """The act if it belongs to one of the caller's collectivités; else 404, as if absent."""
        act = intake().services.store.get_act(act_id)
        if not caller.allows(act.siren):
            raise NotFound(f"no act {act_id}", field="act", value=act_id)
        return act

    @app.exception_handler(ActesError)
    async def _domain_error(_: Request, error: ActesError) -> JSONResponse:
        return _error_response(error)

    def _answer(result: IntakeResult) -> JSONResponse:
        if result.to_send and result.act is not None and enqueue is not None:
            try:
                enqueue(result.act.id)
            except Exception:  # the sweep will find the act in the store
                log.exception("could not enqueue act %s; the sweep will pick it up", result.act.id)
        status = 202 if result.act is None else (201 if result.created else 200)
        return JSONResponse(result.as_dict(), status_code=status)

    @app.post(
        "/api/acts",
        response_model=IntakeOut,
        status_code=201,
        responses={
            200: {
                "model": IntakeOut,
                "description": "The act an earlier request with this key created",
            },
            202: {"model": IntakeOut, "description": "Held as a draft: see `problems`"},
            401: {"description": "No token, an unknown or a revoked token"},
            403: {"description": "The token may not submit for this collectivité"},
            413: {"description": "The body is over the size limit"},
            422: {"description": "Malformed request (the error names the field and the rule)"},
        },
        summary="Submit an act (the document, its annexes and what is known of it)",
    )
    def post_act(
        caller: Caller,
        document: Annotated[UploadFile, File(description="The act itself: a PDF")],
        idempotency_key: Annotated[
            str,
            Header(
                min_length=1,
                max_length=150,
                description="The caller's key for this act: "
                "a repeated request returns the same act or draft",
            ),
        ],
        annexes: Annotated[
            list[UploadFile] | None, File(description="Annexes: PDF, XML, PNG or JPEG")
        ] = None,
        metadata: Annotated[
            str | None,
            Form(
                description="JSON object (see ActMetadata); each field given wins over the document"
            ),
        ] = None,
    ) -> JSONResponse:
        parsed = parse_metadata(metadata)
        with tempfile.TemporaryDirectory(dir=upload_dir) as work:
            uploads = [
                _save(upload, Path(work), i)
                for i, upload in enumerate([document, *(annexes or [])])
            ]
            return _answer(intake().submit(caller, uploads, parsed, idempotency_key))

    @app.get("/api/acts", summary="The caller's acts, newest first, a page at a time")
    def list_acts(
        caller: Caller,
        state: str | None = None,
        siren: str | None = None,
        cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    ) -> dict[str, Any]:
        store = intake().services.store
        return acts_page(store, caller, state=state, siren=siren, cursor=cursor, limit=limit)

    @app.get("/api/acts/{act_id}", summary="One act: state, IDActe, date of reception, history")
    def get_act(caller: Caller, act_id: int) -> dict[str, Any]:
        store = intake().services.store
        act = own_act(caller, act_id)
        events = [
            {
                "at": e.at.isoformat(),
                "event": e.event,
                "from": e.from_state,
                "to": e.to_state,
                "reason": e.reason,
            }
            for e in store.events(act_id)
        ]
        return {**act.as_dict(), "events": events}

    @app.post(
        "/api/acts/{act_id}/cancel",
        summary="Withdraw an acknowledged act (6-1); it becomes cancelled on the ARAnnulation",
    )
    def cancel_act(caller: Caller, act_id: int, body: CancelIn) -> dict[str, Any]:
        act = own_act(caller, act_id)
        return intake().services.cancel(act.id, reason=body.reason, siren=act.siren).as_dict()

    @app.get("/api/drafts", summary="The caller's open drafts")
    def list_drafts(caller: Caller) -> dict[str, Any]:
        return {"drafts": [d.as_dict() for d in intake().drafts(caller)]}

    @app.get("/api/drafts/{draft_id}", summary="One draft and its problems")
    def get_draft(caller: Caller, draft_id: int) -> dict[str, Any]:
        return intake().draft(caller, draft_id).as_dict()

    @app.patch(
        "/api/drafts/{draft_id}",
        response_model=IntakeOut,
        responses={202: {"model": IntakeOut, "description": "Still a draft: see `problems`"}},
        summary="Complete a draft with what a person settled; sent when nothing is left",
    )
    def complete_draft(caller: Caller, draft_id: int, metadata: ActMetadata) -> JSONResponse:
        return _answer(intake().complete(caller, draft_id, metadata))

    @app.delete("/api/drafts/{draft_id}", summary="Discard a draft (it is kept, marked discarded)")
    def discard_draft(caller: Caller, draft_id: int) -> dict[str, Any]:
        return intake().discard(caller, draft_id).as_dict()

    @app.get("/api/openapi.json", include_in_schema=False)
    def openapi(_: Caller) -> dict[str, Any]:
        return app.openapi()

    return BodyLimit(app, max_body_bytes)


def _save(upload: UploadFile, directory: Path, position: int) -> Upload:
    """Copy an upload to a file in chunks (Starlette has already spooled it to disk)."""
    name = Path(upload.filename or f"document-{position}").name or f"document-{position}"
    target = directory / f"{position:03d}"
    with target.open("wb") as out:
        shutil.copyfileobj(upload.file, out, length=1024 * 1024)
    return Upload(target, name)


def openapi_document(app: ASGIApp) -> dict[str, Any]:
    """The OpenAPI description of an app made by :func:`create_api` (for ``actes openapi``)."""
    inner = app.app if isinstance(app, BodyLimit) else app
    assert isinstance(inner, FastAPI)  # noqa: S101 - a programming error, not an input error
    return inner.openapi()
