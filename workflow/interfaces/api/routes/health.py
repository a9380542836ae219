"""``/health``, ``/ready`` and ``/metrics``: for the orchestrator and the monitoring, no token.

``/health`` says the process lives (it touches nothing). ``/ready`` runs the readiness checks
(store migrated and reachable, broker, signing certificate, platform) and answers 200 or 503
with each check's name and severity only: no message, no host, no path, so an unauthenticated
caller learns nothing it could use; ``actes doctor`` on the machine says what is wrong and
how to fix it. ``/metrics`` is the Prometheus exposition: it names the collectivités by SIREN
and counts their acts, so it asks for a bearer token when one is configured
(``ACTES_METRICS_TOKEN_FILE``); without one, serve it on the internal network only.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from workflow.ops.findings import Finding
from workflow.signing import Secret

# for the orchestrator and the monitoring, not the deliberation software: out of the API's
# OpenAPI description (a 503 from /ready is an answer, not a server error)
router = APIRouter(tags=["operations"], include_in_schema=False)

Readiness = Callable[[], list[Finding]]
Metrics = Callable[[], tuple[bytes, str]]


@router.get("/health", summary="The process lives")
def health() -> dict[str, Any]:
    return {"status": "ok"}


@router.get("/ready", summary="Store, broker, certificate and platform usable")
def ready(request: Request) -> JSONResponse:
    readiness: Readiness | None = request.app.state.readiness
    if readiness is None:
        return JSONResponse({"ready": False, "checks": {}}, status_code=503)
    checks: dict[str, str] = {}
    for finding in readiness():
        previous = checks.get(finding.check)
        if previous is None or previous in ("ok", "warning"):
            checks[finding.check] = finding.severity.value
    is_ready = all(value in ("ok", "warning") for value in checks.values())
    return JSONResponse({"ready": is_ready, "checks": checks}, status_code=200 if is_ready else 503)


@router.get("/metrics", summary="Prometheus metrics (text format)")
def metrics(request: Request) -> Response:
    render: Metrics | None = request.app.state.metrics
    if render is None:
        return Response("metrics are not configured\n", status_code=404, media_type="text/plain")
    token: Secret | None = request.app.state.metrics_token
    if token is not None:
        given = request.headers.get("Authorization", "").encode("utf-8")
        if not hmac.compare_digest(given, b"Bearer " + token.reveal()):
            return Response(
                "a bearer token is required\n",
                status_code=401,
                media_type="text/plain",
                headers={"WWW-Authenticate": "Bearer"},
            )
    body, content_type = render()
    return Response(body, media_type=content_type)
