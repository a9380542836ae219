"""The simulator's HTTP application: S²LOW's endpoints (PROTOCOL.md §6.3) and a control API.

Replies follow S²LOW: ``api=1`` text ``OK``/``KO`` in ISO-8859-1, JSON for the ``api/``
listings. Faults (5xx, latency, lost replies, resets) are injected before or after the work
as configured through ``/control/faults``. The routes live in :mod:`.routes`, one router per
resource; this factory only assembles them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

from workflow.adapters.simulator.routes import (
    classification,
    connection,
    control,
    documents,
    listings,
    transactions,
)
from workflow.adapters.simulator.routes.common import FaultInjector, Reset, TooBig, ko
from workflow.adapters.simulator.world import World


def create_app(world: World, *, seed: int | None = None) -> FastAPI:
    app = FastAPI(title="actes-workflow platform simulator", docs_url=None, redoc_url=None)
    faults = FaultInjector(world.state, seed)

    @app.middleware("http")
    async def inject(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if request.url.path.startswith("/control") or request.url.path == "/":
            return await call_next(request)
        early = await faults.before()
        if early is not None:
            return early
        world.advance()
        return await call_next(request)

    @app.exception_handler(Reset)
    async def reset(request: Request, exc: Reset) -> Response:
        # closing the transport is what a reset looks like to the client
        transport = request.scope.get("transport") or getattr(request, "_transport", None)
        if transport is not None:
            transport.abort()
        return Response(status_code=499)

    @app.exception_handler(TooBig)
    async def too_big(request: Request, exc: TooBig) -> Response:
        return ko(exc.message)  # the bounded upload: refused, nothing stored

    app.include_router(connection.router(world))
    app.include_router(transactions.router(world, faults))
    app.include_router(listings.router(world))
    app.include_router(documents.router(world))
    app.include_router(classification.router(world))
    app.include_router(control.router(world))
    return app
