"""Listings: transactions by status (``api/list_actes.php``) and unread préfecture documents
(``api/list_document_prefecture.php``), as S²LOW lists them (PROTOCOL.md §6.6; libriciel/s2low
``class/actes/ActesTransactionsSQL.php``@852c3c63 ``getListByStatusAndAuthority``,
``controller/ActesAPIController.php``@b62b266c ``listActesAction``):

- every transaction type, ``ORDER BY id DESC`` (the transaction's id, given at its creation,
  not the moment it entered the status), values as strings;
- a row's ``date`` is the act's decision date, never when it entered the status;
- ``min_date`` keeps the transactions that entered the status at or after it, ``max_date``
  at or before it (``date >= ?`` / ``date <= ?`` on the moment of entry; a day is its
  midnight, so ``max_date`` leaves that day out);
- ``type_acte`` is read as an act's nature (``99_DE``…) and filters nothing; a value that is
  not one puts S²LOW's error object before the listing, in the same body.

The collectivité's own answers are never préfecture documents."""

from __future__ import annotations

import datetime as dt
import json

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from workflow.adapters.simulator.accounts import Account
from workflow.adapters.simulator.routes.common import ACTES, Guard
from workflow.adapters.simulator.state import PARIS
from workflow.adapters.simulator.world import World

#: ``NaturesActes::getFromString`` (libriciel/s2low ``NaturesActes``): the only codes it takes
NATURE_CODES = ("99_DE", "99_AR", "99_AI", "99_CC", "99_BF", "99_AU")


def _midnight(day: str) -> float | None:
    try:
        parsed = dt.date.fromisoformat(day[:10])
    except ValueError:
        return None
    return dt.datetime.combine(parsed, dt.time(), PARIS).timestamp()


def _compact(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def router(world: World) -> APIRouter:
    # long by nature: the factory holds this resource's routes, each a short closure
    routes = APIRouter()
    state = world.state
    guard = Guard(state)

    @routes.get(f"{ACTES}/api/list_actes.php")
    async def list_actes(
        request: Request,
        status_id: int = 0,
        offset: int = 0,
        limit: int = 100,
        type_acte: str = "",
        min_date: str = "",
        max_date: str = "",
    ) -> Response:
        account = guard(request)
        if not isinstance(account, Account):
            return account
        sql = (
            "SELECT id, type, subject, number, decision_date, nature, classification"
            " FROM transactions WHERE status = ?"
        )
        args: list[object] = [status_id]
        if account.siren:
            sql += " AND siren = ?"
            args.append(account.siren)
        low = _midnight(min_date) if min_date else None
        if low is not None:
            sql += " AND status_at >= ?"
            args.append(low)
        high = _midnight(max_date) if max_date else None
        if high is not None:
            sql += " AND status_at <= ?"
            args.append(high)
        sql += " ORDER BY id DESC LIMIT ? OFFSET ?"
        args += [min(max(limit, 0), 1000), max(offset, 0)]
        transactions = [
            {
                "id": str(r["id"]),
                "subject": r["subject"],
                "number": r["number"],
                "date": r["decision_date"],
                "nature_descr": r["nature"],
                "classification": r["classification"],
                "type": str(r["type"]),
            }
            for r in state.query(sql, *args)
        ]
        listing = {
            "status_id": str(status_id),
            "authority_id": "1",
            "offset": str(offset),
            "limit": str(limit),
            "transactions": transactions,
        }
        # PHP's empty(): "" and "0" are no value; any other non-nature is reported, then
        # the listing follows anyway (the controller does not stop on it)
        if type_acte in ("", "0") or type_acte in NATURE_CODES:
            return JSONResponse(listing)
        error = {
            "error": f"Code invalide : valeur parmi {', '.join(NATURE_CODES)} attendue,"
            f" {type_acte} fourni"
        }
        return Response(_compact(error) + _compact(listing), media_type="application/json")

    @routes.get(f"{ACTES}/api/list_document_prefecture.php")
    async def list_documents(request: Request) -> Response:
        account = guard(request)
        if not isinstance(account, Account):
            return account
        sql = (
            "SELECT id, type, related_id, number, id_acte, status FROM transactions"
            " WHERE type IN (2, 3, 4, 5) AND read = 0 AND type_reponse IS NULL"
        )
        args: list[object] = []
        if account.siren:
            sql += " AND siren = ?"
            args.append(account.siren)
        return JSONResponse(
            [
                {
                    "id": str(r["id"]),
                    "type": str(r["type"]),
                    "related_transaction_id": str(r["related_id"]),
                    "number": r["number"],
                    "unique_id": r["id_acte"],
                    "last_status_id": str(r["status"]),
                }
                for r in state.query(sql + " ORDER BY id", *args)
            ]
        )

    @routes.get(f"{ACTES}/api/document_prefecture_mark_as_read.php")
    async def mark_read(request: Request, transaction_id: int = 0) -> Response:
        account = guard(request)
        if not isinstance(account, Account):
            return account
        with state.transaction() as db:
            db.execute(
                "UPDATE transactions SET read = 1 WHERE id = ? AND type IN (2, 3, 4, 5)"
                " AND (? = '' OR siren = ?)",
                (transaction_id, account.siren, account.siren),
            )
        return JSONResponse({"result": "ok"})

    return routes
