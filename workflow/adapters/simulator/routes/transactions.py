"""Transactions: create (form or archive), answer, cancel, and read a status (§6.3)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from workflow.adapters.simulator.routes.common import ACTES, FaultInjector, ko, read_form, text
from workflow.adapters.simulator.world import Refused, World


def router(world: World, faults: FaultInjector) -> APIRouter:
    routes = APIRouter()
    state = world.state

    @routes.get("/api/test-connexion.php")
    async def test_connexion() -> Response:
        return text("OK")

    @routes.post(f"{ACTES}/actes_transac_submit.php")
    async def submit(request: Request) -> Response:
        async with request.form() as form:
            upload = form.get("enveloppe")
            if upload is None or isinstance(upload, str):
                return ko("Aucune enveloppe n'a été postée")
            data = await upload.read()
            name = upload.filename or ""
        try:
            accepted = world.submit_archive(name, data)
        except Refused as exc:
            return ko(exc.message)
        if faults.reply_lost():
            return text("Gateway Timeout", 504)  # stored, but the client never learns its id
        return text(f"OK\n1\n{accepted.transaction_id}")

    @routes.post(f"{ACTES}/actes_transac_create.php")
    async def create(request: Request) -> Response:
        fields, files = await read_form(request)
        try:
            accepted = world.submit_form(fields, files)
        except Refused as exc:
            return ko(exc.message)
        if faults.reply_lost():
            return text("Gateway Timeout", 504)
        return text(f"OK\n{accepted.transaction_id}")

    @routes.post(f"{ACTES}/actes_transac_reponse_create.php")
    async def reply(request: Request) -> Response:
        fields, files = await read_form(request)
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
            return text(f"KO : {exc.message}")
        return text(f"OK : id généré : {new_id}")

    @routes.get(f"{ACTES}/actes_transac_get_status.php")
    async def get_status(transaction: str = "", unique_id: str = "") -> Response:
        rows = (
            state.query("SELECT * FROM transactions WHERE id = ?", transaction)
            if transaction
            else state.query("SELECT * FROM transactions WHERE id_acte = ? AND type = 1", unique_id)
        )
        if not rows:
            return ko("Numéro de transaction invalide.")
        row = rows[0]
        body = f"OK\n{row['status']}\n"
        if row["status"] == -1:
            body += (row["error"] or "") + "\n"
            if row["message_xml"]:
                body += bytes(row["message_xml"]).decode("iso-8859-1")
        elif row["message_xml"]:
            body += bytes(row["message_xml"]).decode("iso-8859-1")
        return text(body)

    @routes.post(f"{ACTES}/actes_transac_cancel.php")
    async def cancel(request: Request) -> Response:
        async with request.form() as form:
            raw_id = str(form.get("id", "0"))
        try:
            new_id = world.cancel(int(raw_id) if raw_id.isdigit() else 0)
        except Refused as exc:
            return ko(exc.message)
        return text(f"OK\n{new_id}")

    return routes
