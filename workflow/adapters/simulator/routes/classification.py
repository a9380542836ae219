"""Classification: the collectivité's 7-2 (``CS``), and a 7-1 request (``TT``)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from workflow.adapters.simulator.accounts import Account
from workflow.adapters.simulator.routes.common import ACTES, Guard, read_fields, text
from workflow.adapters.simulator.validation import classification_xml
from workflow.adapters.simulator.world import World


def router(world: World) -> APIRouter:
    routes = APIRouter()
    state = world.state
    guard = Guard(state)

    @routes.api_route(f"{ACTES}/actes_classification_request.php", methods=["GET", "POST"])
    async def classification_request(request: Request) -> Response:
        fields = (await read_fields(request)) if request.method == "POST" else None
        account = guard(request, fields, right="TT")
        if not isinstance(account, Account):
            return account
        with state.transaction() as db:
            now = state.now()
            cursor = db.execute(
                "INSERT INTO transactions(type, siren, status, status_at, created_at, account)"
                " VALUES (7, ?, 1, ?, ?, ?)",
                (account.siren, now, now, account.login),
            )
            return text(f"OK\n{cursor.lastrowid}")

    @routes.get(f"{ACTES}/actes_classification_fetch.php")
    async def classification(request: Request) -> Response:
        account = guard(request, right="CS")
        if not isinstance(account, Account):
            return account
        siren = account.siren or (
            world.registry.collectivites[0].siren.value
            if world.registry and world.registry.collectivites
            else ""
        )
        return Response(
            classification_xml(state, siren),
            media_type="text/xml; charset=ISO-8859-1",
            headers={"Content-Disposition": 'attachment; filename="classification.xml"'},
        )

    return routes
