"""Classification: the préfecture's 7-2, and a 7-1 request."""

from __future__ import annotations

from fastapi import APIRouter, Response

from workflow.adapters.simulator.routes.common import ACTES, text
from workflow.adapters.simulator.world import World
from workflow.protocol import xml_out
from workflow.protocol.nomenclature import NATIONAL_VERSION, national_classification


def router(world: World) -> APIRouter:
    routes = APIRouter()
    state = world.state

    @routes.api_route(f"{ACTES}/actes_classification_request.php", methods=["GET", "POST"])
    async def classification_request() -> Response:
        with state.transaction() as db:
            now = state.now()
            cursor = db.execute(
                "INSERT INTO transactions(type, siren, status, status_at, created_at) VALUES (7, '', 1, ?, ?)",
                (now, now),
            )
            return text(f"OK\n{cursor.lastrowid}")

    @routes.get(f"{ACTES}/actes_classification_fetch.php")
    async def classification() -> Response:
        xml = xml_out.to_xml(national_classification(NATIONAL_VERSION))
        return Response(xml, media_type="text/xml; charset=ISO-8859-1")

    return routes
