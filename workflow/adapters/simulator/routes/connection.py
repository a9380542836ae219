"""Connection: ``test-connexion`` (``OK`` for any account) and ``info-connexion`` (the account
behind the certificate and its collectivité, with the keys S²LOW prints: no SIREN among
them), and the web interface's home page, where calls without ``api=1`` are sent."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from workflow.adapters.simulator.accounts import Account
from workflow.adapters.simulator.routes.common import Guard, home_page, text
from workflow.adapters.simulator.world import World


def router(world: World) -> APIRouter:
    routes = APIRouter()
    guard = Guard(world.state)

    @routes.get("/")
    async def home(message: str = "") -> Response:
        return home_page(message or "Bienvenue sur S2LOW")

    @routes.get("/api/test-connexion.php")
    async def test_connexion(request: Request) -> Response:
        account = guard.account(request)
        return text("OK") if isinstance(account, Account) else text(f"KO\n{account}")

    @routes.get("/api/info-connexion.php")
    async def info_connexion(request: Request) -> Response:
        account = guard.account(request)  # the page sets api=1 itself
        if isinstance(account, str):
            return text(f"KO\n{account}")
        known = world.registry.collectivites if world.registry else ()
        found = [
            c
            for c in known
            if c.siren.value == account.siren or (not account.siren and len(known) == 1)
        ]
        collectivite = found[0] if found else None
        return JSONResponse(
            {
                "user_info": {
                    "id": "1",
                    "login": account.login,
                    "name": account.name or account.login,
                    "givenname": "",
                    "authority_id": "1",
                    "role": "USER",
                },
                "authority_info": {
                    "id": "1",
                    "authority_type_id": "31",
                    "status": "1",
                    "name": collectivite.name if collectivite else "",
                    "email": str(collectivite.emails[0])
                    if collectivite and collectivite.emails
                    else "",
                    "address": "",
                    "postal_code": "",
                    "city": "",
                    "telephone": "",
                    "department": str(collectivite.departement) if collectivite else "",
                    "district": "",
                    "authority_group_id": None,
                },
            }
        )

    return routes
