"""Listings: transactions by status (``list_actes``) and unread préfecture documents."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from workflow.adapters.simulator.routes.common import ACTES
from workflow.adapters.simulator.world import World


def router(world: World) -> APIRouter:
    routes = APIRouter()
    state = world.state

    @routes.get(f"{ACTES}/api/list_actes.php")
    async def list_actes(status_id: int, offset: int = 0, limit: int = 100) -> Response:
        rows = state.query(
            "SELECT id, subject, number, decision_date, nature, classification FROM transactions"
            " WHERE type = 1 AND status = ? ORDER BY id LIMIT ? OFFSET ?",
            status_id,
            min(limit, 1000),
            offset,
        )
        transactions = [
            {
                "id": r["id"],
                "subject": r["subject"],
                "number": r["number"],
                "date": r["decision_date"],
                "nature_descr": r["nature"],
                "classification": r["classification"],
                "type": 1,
            }
            for r in rows
        ]
        return JSONResponse(
            {
                "status_id": status_id,
                "authority_id": 1,
                "offset": offset,
                "limit": limit,
                "transactions": transactions,
            }
        )

    @routes.get(f"{ACTES}/api/list_document_prefecture.php")
    async def list_documents() -> Response:
        rows = state.query(
            "SELECT id, type, related_id, number, id_acte, status FROM transactions"
            " WHERE type IN (2, 3, 4, 5) AND read = 0 ORDER BY id"
        )
        return JSONResponse(
            [
                {
                    "id": r["id"],
                    "type": r["type"],
                    "related_transaction_id": r["related_id"],
                    "number": r["number"],
                    "unique_id": r["id_acte"],
                    "last_status_id": r["status"],
                }
                for r in rows
            ]
        )

    @routes.get(f"{ACTES}/api/document_prefecture_mark_as_read.php")
    async def mark_read(transaction_id: int) -> Response:
        with state.transaction() as db:
            db.execute(
                "UPDATE transactions SET read = 1 WHERE id = ? AND type IN (2, 3, 4, 5)",
                (transaction_id,),
            )
        return JSONResponse({"result": "ok"})

    return routes
