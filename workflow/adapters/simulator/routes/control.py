"""The control API the tests and the demo drive the simulator with (not part of S²LOW):
refusals, préfecture letters, faults, the clock, the accounts (certificate, login, rights,
RGS), a collectivité's 7-2, a summary of the state."""

from __future__ import annotations

import dataclasses

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from workflow.adapters.simulator import accounts
from workflow.adapters.simulator.state import Faults
from workflow.adapters.simulator.validation import Invalid, set_classification
from workflow.adapters.simulator.world import World


def router(world: World) -> APIRouter:
    routes = APIRouter(prefix="/control")
    state = world.state

    @routes.post("/refuse")
    async def control_refuse(request: Request) -> Response:
        body = await request.json()
        state.refuse(
            str(body.get("number", "*")),
            str(body.get("nature", "042")),
            str(body.get("detail", "Acte refusé")),
        )
        return JSONResponse({"result": "ok"})

    @routes.post("/letter")
    async def control_letter(request: Request) -> Response:
        body = await request.json()
        rows = state.query(
            "SELECT id, status FROM transactions WHERE type = 1 AND (id = ? OR id_acte = ?)",
            body.get("transaction_id", -1),
            body.get("id_acte", ""),
        )
        if not rows or rows[0]["status"] != 4:
            return JSONResponse({"error": "no acknowledged act with that id"}, status_code=404)
        letter = state.schedule_letter(
            rows[0]["id"],
            str(body["code"]),
            float(body.get("after_seconds", 0)),
            str(body.get("text", "")),
        )
        return JSONResponse({"letter": letter})

    @routes.post("/faults")
    async def control_faults(request: Request) -> Response:
        state.set_faults(Faults(**await request.json()))
        return JSONResponse({"result": "ok"})

    @routes.post("/advance")
    async def control_advance(request: Request) -> Response:
        state.advance_clock(float((await request.json()).get("seconds", 0)))
        world.advance()
        return JSONResponse({"now": state.now()})

    @routes.post("/accounts")
    async def control_accounts(request: Request) -> Response:
        """Replace the accounts: ``[{"login", "password", "certificate" (SHA-256 or "*"),
        "siren", "rights" ("CS,TT"), "rgs"}]``."""
        accounts.replace_all(world.state, list(await request.json()))
        return JSONResponse({"result": "ok"})

    @routes.post("/classification/{siren}")
    async def control_classification(siren: str, request: Request) -> Response:
        """Give a collectivité its own 7-2 (raw XML body): typologies per nature."""
        try:
            message = set_classification(world.state, siren, await request.body())
        except Invalid as exc:
            return JSONResponse({"error": str(exc)}, status_code=422)
        return JSONResponse({"date": message.date_classification.isoformat()})

    @routes.get("/state")
    async def control_state() -> Response:
        rows = state.query(
            "SELECT type, status, COUNT(*) AS n FROM transactions GROUP BY type, status"
        )
        return JSONResponse(
            {"counts": [dict(r) for r in rows], "faults": dataclasses.asdict(state.faults())}
        )

    return routes
