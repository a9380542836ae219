"""The REST API for the deliberation software: post an act after the vote, follow it.

A thin adapter over :class:`workflow.intake.service.Intake` and the store: it authenticates
the bearer token (:mod:`.deps`), turns the multipart request into uploads on disk (streamed,
never held whole in memory), calls one use case, and maps domain errors to HTTP statuses in
one place (:mod:`.errors`). A request with a body is authenticated (:mod:`.gate`), then held
to the body size limit (:mod:`.limits`), before its body is read. One
router per resource (:mod:`.routes`); this module only assembles them.

``POST /api/acts`` answers ``201`` with a new act, ``200`` with the act an earlier request
with the same ``Idempotency-Key`` created, and ``202`` with a draft (held for a person, with
its problems; the same key returns the same draft).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from workflow.intake.requests import Principal
from workflow.intake.service import Intake
from workflow.interfaces.api import errors
from workflow.interfaces.api.deps import Caller
from workflow.interfaces.api.gate import AuthFirst
from workflow.interfaces.api.limits import DEFAULT_MAX_BODY, ASGIApp, BodyLimit
from workflow.interfaces.api.request_ids import RequestIds
from workflow.interfaces.api.routes import acts, drafts, health
from workflow.interfaces.web.security import WebOptions
from workflow.signing import Secret
from workflow.tokens import authenticate

__all__ = ["DEFAULT_MAX_BODY", "create_api", "fastapi_app", "openapi_document"]


def create_api(
    intake_factory: Callable[[], Intake],
    *,
    enqueue: Callable[[int], None] | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY,
    upload_dir: Path | None = None,
    readiness: health.Readiness | None = None,
    metrics: health.Metrics | None = None,
    metrics_token: Secret | None = None,
    web: WebOptions | None = None,
) -> ASGIApp:
    """The API app. ``intake_factory`` builds the use cases (once, on first use);
    ``enqueue(act_id)`` hands a new act to the workers (if it fails, the beat sweep re-enqueues
    the act from the store: nothing is lost). ``readiness`` and ``metrics`` serve ``/ready``
    and ``/metrics`` (:mod:`.routes.health`), the latter behind ``metrics_token`` if given.
    With ``web``, the clerks' pages are served at ``/`` beside the API
    (:mod:`workflow.interfaces.web`)."""
    app = FastAPI(
        title="actes-workflow",
        version="1",
        summary="Send a collectivité's acts to the préfecture (ACTES) and follow them.",
        docs_url=None,  # the interactive pages would load scripts from a CDN
        redoc_url=None,
        openapi_url=None,  # served below, behind authentication
    )
    built: dict[str, Intake] = {}

    def intake() -> Intake:
        if "intake" not in built:
            built["intake"] = intake_factory()
        return built["intake"]

    app.state.intake = intake
    app.state.enqueue = enqueue
    app.state.upload_dir = upload_dir
    app.state.readiness = readiness
    app.state.metrics = metrics
    app.state.metrics_token = metrics_token

    errors.install(app)  # one error shape: domain errors and FastAPI's validation errors

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        headers = dict(error.headers or {})
        if error.status_code == 405:  # Starlette names one route's methods: name them all
            headers["Allow"] = ", ".join(_methods_of(app, request.url.path))
        return errors.http_error_response(error.status_code, str(error.detail), headers)

    app.include_router(health.router)
    app.include_router(acts.router)
    app.include_router(drafts.router)

    @app.get("/api/openapi.json", include_in_schema=False)
    def openapi(_: Caller) -> dict[str, Any]:
        return app.openapi()

    if web is not None:
        from workflow.interfaces.web.app import create_web

        app.mount("/", create_web(intake, web, enqueue=enqueue, upload_dir=upload_dir))

    def check(token: str | None) -> Principal:
        return authenticate(intake().services.store, token)

    return RequestIds(AuthFirst(BodyLimit(app, max_body_bytes), check))


def _methods_of(app: FastAPI, path: str) -> list[str]:
    methods: set[str] = set()
    for route in app.routes:
        if isinstance(route, APIRoute) and route.path_regex.match(path):
            methods |= route.methods or set()
    return sorted(methods)


def fastapi_app(app: ASGIApp) -> FastAPI:
    """The FastAPI application inside what :func:`create_api` returns (its middlewares)."""
    inner = app
    while isinstance(inner, RequestIds | AuthFirst | BodyLimit):
        inner = inner.app
    assert isinstance(inner, FastAPI)  # noqa: S101 - a programming error, not an input error
    return inner


def openapi_document(app: ASGIApp) -> dict[str, Any]:
    """The OpenAPI description of an app made by :func:`create_api` (for ``actes openapi``)."""
    return fastapi_app(app).openapi()
