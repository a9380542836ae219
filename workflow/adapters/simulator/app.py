"""The simulator's HTTP application: S²LOW's endpoints (PROTOCOL.md §6.3) and a control API.

Replies follow S²LOW: ``api=1`` text ``OK``/``KO`` in ISO-8859-1, JSON for the ``api/``
listings. Faults (5xx, latency, lost replies, resets) are injected before or after the work
as configured through ``/control/faults``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import random
import sqlite3
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse

from workflow.adapters.simulator import documents
from workflow.adapters.simulator.state import Faults, paris_day
from workflow.adapters.simulator.world import Refused, World
from workflow.protocol import messages as m
from workflow.protocol import xml_in, xml_out
from workflow.protocol.nomenclature import NATIONAL_VERSION, national_classification

_ACTES = "/modules/actes"


def _text(body: str, status: int = 200) -> Response:
    return PlainTextResponse(
        body.encode("iso-8859-1", errors="replace"),
        status_code=status,
        media_type="text/plain; charset=ISO-8859-1",
    )


def _ko(message: str) -> Response:
    return _text(f"KO\n{message}")


class _Reset(Exception):
    """Raised to drop the connection without an answer."""


async def _read_form(
    request: Request,
) -> tuple[dict[str, list[str]], dict[str, list[tuple[str, bytes]]]]:
    """A multipart form as S²LOW's PHP sees it: repeated names (``type_pj[]``) kept in order."""
    fields: dict[str, list[str]] = {}
    files: dict[str, list[tuple[str, bytes]]] = {}
    async with request.form() as form:
        for name, value in form.multi_items():
            if isinstance(value, str):
                fields.setdefault(name, []).append(value)
            else:
                files.setdefault(name, []).append((value.filename or name, await value.read()))
    return fields, files


def create_app(world: World, *, seed: int | None = None) -> FastAPI:
    app = FastAPI(title="actes-workflow platform simulator", docs_url=None, redoc_url=None)
    state = world.state
    chance = random.Random(seed)  # noqa: S311 - fault injection, not cryptography

    async def faults_before() -> Response | None:
        faults = state.faults()
        if faults.latency_ms:
            await asyncio.sleep(faults.latency_ms / 1000)
        if faults.reset_rate and chance.random() < faults.reset_rate:
            raise _Reset
        if faults.error_rate and chance.random() < faults.error_rate:
            return _text("Service temporairement indisponible", 503)
        return None

    def reply_lost() -> bool:
        rate = state.faults().lost_reply_rate
        return bool(rate) and chance.random() < rate

    @app.middleware("http")
    async def inject(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if request.url.path.startswith("/control"):
            return await call_next(request)
        early = await faults_before()
        if early is not None:
            return early
        world.advance()
        return await call_next(request)

    @app.exception_handler(_Reset)
    async def reset(request: Request, exc: _Reset) -> Response:
        # closing the transport is what a reset looks like to the client
        transport = request.scope.get("transport") or getattr(request, "_transport", None)
        if transport is not None:
            transport.abort()
        return Response(status_code=499)

    @app.get("/api/test-connexion.php")
    async def test_connexion() -> Response:
        return _text("OK")

    @app.post(f"{_ACTES}/actes_transac_submit.php")
    async def submit(request: Request) -> Response:
        async with request.form() as form:
            upload = form.get("enveloppe")
            if upload is None or isinstance(upload, str):
                return _ko("Aucune enveloppe n'a été postée")
            data = await upload.read()
            name = upload.filename or ""
        try:
            accepted = world.submit_archive(name, data)
        except Refused as exc:
            return _ko(exc.message)
        if reply_lost():
            return _text("Gateway Timeout", 504)  # stored, but the client never learns its id
        return _text(f"OK\n1\n{accepted.transaction_id}")

    @app.post(f"{_ACTES}/actes_transac_create.php")
    async def create(request: Request) -> Response:
        fields, files = await _read_form(request)
        try:
            accepted = world.submit_form(fields, files)
        except Refused as exc:
            return _ko(exc.message)
        if reply_lost():
            return _text("Gateway Timeout", 504)
        return _text(f"OK\n{accepted.transaction_id}")

    @app.post(f"{_ACTES}/actes_transac_reponse_create.php")
    async def reply(request: Request) -> Response:
        fields, files = await _read_form(request)
        raw_id = (fields.get("id") or [""])[0]
        raw_type = (fields.get("type_envoie") or ["4"])[0]
        try:
            new_id = world.reply(
                int(raw_id) if raw_id.isdigit() else 0,
                int(raw_type) if raw_type.isdigit() else 0,
                files,
                fields.get("type_pj[]", []),
            )
        except Refused as exc:
            return _text(f"KO : {exc.message}")
        return _text(f"OK : id généré : {new_id}")

    @app.get(f"{_ACTES}/actes_transac_get_status.php")
    async def get_status(transaction: str = "", unique_id: str = "") -> Response:
        rows = (
            state.query("SELECT * FROM transactions WHERE id = ?", transaction)
            if transaction
            else state.query("SELECT * FROM transactions WHERE id_acte = ? AND type = 1", unique_id)
        )
        if not rows:
            return _ko("Numéro de transaction invalide.")
        row = rows[0]
        body = f"OK\n{row['status']}\n"
        if row["status"] == -1:
            body += (row["error"] or "") + "\n"
            if row["message_xml"]:
                body += bytes(row["message_xml"]).decode("iso-8859-1")
        elif row["message_xml"]:
            body += bytes(row["message_xml"]).decode("iso-8859-1")
        return _text(body)

    @app.get(f"{_ACTES}/api/list_actes.php")
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

    @app.get(f"{_ACTES}/api/list_document_prefecture.php")
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

    @app.get(f"{_ACTES}/api/document_prefecture_mark_as_read.php")
    async def mark_read(transaction_id: int) -> Response:
        with state.transaction() as db:
            db.execute(
                "UPDATE transactions SET read = 1 WHERE id = ? AND type IN (2, 3, 4, 5)",
                (transaction_id,),
            )
        return JSONResponse({"result": "ok"})

    @app.get(f"{_ACTES}/actes_transac_get_document.php")
    async def get_document(id: int) -> Response:
        rows = state.query("SELECT * FROM transactions WHERE id = ?", id)
        if not rows:
            return _ko("Numéro de transaction invalide.")
        row = rows[0]
        if row["type"] == 1:
            related = state.query(
                "SELECT id, type, status FROM transactions WHERE related_id = ?", id
            )
            return _text("\n".join(f"{r['type']}-{r['status']}-{r['id']}" for r in related))
        return Response(bytes(row["message_archive"] or b""), media_type="application/x-gzip")

    def _acknowledged(transaction: int) -> tuple[sqlite3.Row, m.ARActe] | None:
        rows = state.query("SELECT * FROM transactions WHERE id = ? AND type = 1", transaction)
        if not rows or rows[0]["status"] not in (4, 0) or not rows[0]["message_xml"]:
            return None
        ar = xml_in.parse_message(bytes(rows[0]["message_xml"]))
        return (rows[0], ar) if isinstance(ar, m.ARActe) else None

    @app.get(f"{_ACTES}/actes_transac_get_files_list.php")
    async def files_list(transaction: int = 0) -> Response:
        rows = state.query("SELECT * FROM transactions WHERE id = ?", transaction)
        if not rows:
            return _ko("Numéro de transaction invalide.")
        if rows[0]["type"] == 1 and rows[0]["status"] in (1, 2, 3):
            return _ko("Pas d'acquittement recu")
        files = documents.files_of(transaction, bytes(rows[0]["message_archive"] or b""))
        return JSONResponse([f.as_json() for f, _ in files])

    @app.get(f"{_ACTES}/actes_download_file.php")
    async def download(
        file: int = 0, env: int = 0, tampon: str = "", date_affichage: str = ""
    ) -> Response:
        if env:
            rows = state.query("SELECT message_archive FROM transactions WHERE id = ?", env)
            if not rows or not rows[0]["message_archive"]:
                return _ko("Fichier introuvable")
            return Response(bytes(rows[0]["message_archive"]), media_type="application/x-gzip")
        transaction, _index = divmod(file, documents.FILE_ID_FACTOR)
        rows = state.query("SELECT * FROM transactions WHERE id = ?", transaction)
        found = [
            (f, data)
            for f, data in (
                documents.files_of(transaction, bytes(rows[0]["message_archive"] or b""))
                if rows
                else []
            )
            if f.id == file
        ]
        if not found:
            return _ko("Fichier introuvable")
        info, data = found[0]
        acknowledged = (
            _acknowledged(transaction)
            if tampon == "true" and info.mimetype == "application/pdf"
            else None
        )
        if acknowledged is not None:
            row, ar = acknowledged
            published = dt.date.fromisoformat(date_affichage) if date_affichage else None
            data = documents.stamp(
                data,
                id_acte=ar.id_acte,
                sent=paris_day(row["created_at"]),
                received=ar.date_reception,
                published=published,
            )
        return Response(
            data,
            media_type=info.mimetype,
            headers={"Content-Disposition": f'attachment; filename="{info.name}"'},
        )

    @app.get(f"{_ACTES}/actes_create_pdf.php")
    async def bordereau(trans_id: int = 0) -> Response:
        acknowledged = _acknowledged(trans_id)
        if acknowledged is None:
            return _ko("Pas d'acquittement recu")
        row, ar = acknowledged
        names = [
            f.name
            for f, _ in documents.files_of(trans_id, bytes(row["message_archive"] or b""))[1:]
        ]
        pdf = documents.bordereau(
            id_acte=ar.id_acte,
            number=row["number"],
            subject=row["subject"],
            nature=row["nature"],
            classification=row["classification"],
            sent=paris_day(row["created_at"]),
            received=ar.date_reception,
            files=names,
        )
        return Response(pdf, media_type="application/pdf")

    @app.api_route(f"{_ACTES}/actes_classification_request.php", methods=["GET", "POST"])
    async def classification_request() -> Response:
        with state.transaction() as db:
            now = state.now()
            cursor = db.execute(
                "INSERT INTO transactions(type, siren, status, status_at, created_at) VALUES (7, '', 1, ?, ?)",
                (now, now),
            )
            return _text(f"OK\n{cursor.lastrowid}")

    @app.post(f"{_ACTES}/actes_transac_cancel.php")
    async def cancel(request: Request) -> Response:
        async with request.form() as form:
            raw_id = str(form.get("id", "0"))
        try:
            new_id = world.cancel(int(raw_id) if raw_id.isdigit() else 0)
        except Refused as exc:
            return _ko(exc.message)
        return _text(f"OK\n{new_id}")

    @app.get(f"{_ACTES}/actes_classification_fetch.php")
    async def classification() -> Response:
        xml = xml_out.to_xml(national_classification(NATIONAL_VERSION))
        return Response(xml, media_type="text/xml; charset=ISO-8859-1")

    # ------------------------------------------------------------------ control API

    @app.post("/control/refuse")
    async def control_refuse(request: Request) -> Response:
        body = await request.json()
        state.refuse(
            str(body.get("number", "*")),
            str(body.get("nature", "042")),
            str(body.get("detail", "Acte refusé")),
        )
        return JSONResponse({"result": "ok"})

    @app.post("/control/park")
    async def control_park(request: Request) -> Response:
        """Hold an act in 17 (waiting to be posted, S²LOW's ``en_attente``) or 18: only a
        person confirming it on the platform would move it on (PROTOCOL.md §6.6)."""
        body = await request.json()
        status = int(body.get("status", 17))
        if status not in (17, 18):
            return JSONResponse({"error": "status is 17 or 18"}, status_code=422)
        with state.transaction() as db:
            held = db.execute(
                "UPDATE transactions SET status = ? WHERE type = 1 AND number = ? AND status = 1",
                (status, str(body.get("number"))),
            ).rowcount
        if not held:
            return JSONResponse({"error": "no act just posted with that number"}, status_code=404)
        return JSONResponse({"result": "ok"})

    @app.post("/control/letter")
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

    @app.post("/control/faults")
    async def control_faults(request: Request) -> Response:
        state.set_faults(Faults(**await request.json()))
        return JSONResponse({"result": "ok"})

    @app.post("/control/advance")
    async def control_advance(request: Request) -> Response:
        state.advance_clock(float((await request.json()).get("seconds", 0)))
        world.advance()
        return JSONResponse({"now": state.now()})

    @app.get("/control/state")
    async def control_state() -> Response:
        rows = state.query(
            "SELECT type, status, COUNT(*) AS n FROM transactions GROUP BY type, status"
        )
        return JSONResponse(
            {"counts": [dict(r) for r in rows], "faults": dataclasses.asdict(state.faults())}
        )

    return app
