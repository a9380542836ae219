"""Transactions: create (form, or archive on a pre-6.0 platform), answer, confirm, cancel,
read a status or the ARActe (PROTOCOL.md §6.3, §6.6)."""

from __future__ import annotations

import sqlite3

from fastapi import APIRouter, Request, Response

from workflow.adapters.simulator import forms
from workflow.adapters.simulator.accounts import Account
from workflow.adapters.simulator.routes.common import (
    ACTES,
    FaultInjector,
    Guard,
    ko,
    php_escape,
    read_fields,
    read_form,
    text,
    visible,
)
from workflow.adapters.simulator.world import Refused, World
from workflow.identifiers import ascii_digits


def router(world: World, faults: FaultInjector) -> APIRouter:
    # long by nature: the factory holds this resource's routes, each a short closure
    routes = APIRouter()
    state = world.state
    guard = Guard(state)

    @routes.post(f"{ACTES}/actes_transac_submit.php")
    async def submit(request: Request) -> Response:
        async with read_form(request) as (fields, files):
            account = guard(request, fields, right="CS")
            if not isinstance(account, Account):
                return account
            uploads = files.get("enveloppe") or []
            if not uploads:
                return ko("Aucune enveloppe n'a été postée")
            try:
                accepted = world.submit_archive(uploads[0], account)
            except Refused as exc:
                return ko(exc.message)
        if faults.reply_lost():
            return text("Gateway Timeout", 504)  # stored, but the client never learns its id
        return text(f"OK\n1\n{accepted.transaction_id}")

    @routes.post(f"{ACTES}/actes_transac_create.php")
    async def create(request: Request) -> Response:
        async with read_form(request) as (fields, files):
            account = guard(request, fields, right="CS")
            if not isinstance(account, Account):
                return account
            try:
                accepted = forms.create(world, fields, files, account)
            except Refused as exc:
                return ko(exc.message)
        if faults.reply_lost():
            return text("Gateway Timeout", 504)
        return text(f"OK\n{accepted.transaction_id}")

    @routes.post(f"{ACTES}/actes_transac_reponse_create.php")
    async def reply(request: Request) -> Response:
        async with read_form(request) as (fields, files):
            account = guard(request, fields, right="CS")
            if not isinstance(account, Account):
                return account
            raw_id = (fields.get("id") or [""])[0]
            in_query = request.query_params.get("api") == "1"
            try:
                new_id = forms.reply(
                    world, int(raw_id) if ascii_digits(raw_id) else 0, fields, files, account
                )
            except Refused as exc:
                return text(f"KO : {php_escape(exc.message)}") if in_query else ko(exc.message)
        # api in the query string: "OK : id généré : <id>"; in the POST body: "OK\n<id>"
        return text(f"OK : id généré : {new_id}") if in_query else text(f"OK\n{new_id}")

    def lookup(transaction: str, unique_id: str, account: Account) -> sqlite3.Row | None:
        rows = (
            state.query("SELECT * FROM transactions WHERE id = ?", transaction)
            if transaction
            else state.query("SELECT * FROM transactions WHERE id_acte = ? AND type = 1", unique_id)
        )
        return rows[0] if rows and visible(rows[0], account) else None

    @routes.get(f"{ACTES}/actes_transac_get_status.php")
    async def get_status(request: Request, transaction: str = "", unique_id: str = "") -> Response:
        account = guard(request)
        if not isinstance(account, Account):
            return account
        row = lookup(transaction, unique_id, account)
        if row is None:
            return ko("Numéro de transaction invalide.")
        # the stored reply XML first, then the workflow message, with no separator
        body = f"OK\n{row['status']}\n"
        if row["message_xml"]:
            body += bytes(row["message_xml"]).decode("iso-8859-1")
        if row["status"] == -1:
            body += row["error"] or ""
        return text(body)

    @routes.get(f"{ACTES}/actes_transac_get_ARActe.php")
    async def get_ar_acte(request: Request, id: str = "") -> Response:
        account = guard(request)
        if not isinstance(account, Account):
            return account
        row = lookup(id, "", account)
        if row is None or row["type"] != 1 or not row["ar_xml"]:
            return ko("Pas d'accusé de réception pour cette transaction")
        return Response(bytes(row["ar_xml"]), media_type="application/xml")

    @routes.get(f"{ACTES}/actes_transac_post_confirm_api.php")
    async def post_confirm(request: Request, id: str = "", url_return: str = "") -> Response:
        def back(error: int, message: str) -> Response:
            # S²LOW fills the placeholders raw (no URL encoding) in "Location:  <url>"
            target = url_return.replace("%%ERROR%%", str(error)).replace("%%MESSAGE%%", message)
            # PHP sends the header's bytes as they are: UTF-8 (Starlette writes latin-1)
            raw = target.encode("utf-8").decode("latin-1")
            return Response(status_code=302, headers={"Location": raw})

        account = guard.account(request, right="TT", rgs=True)
        if isinstance(account, str):
            return back(1, account)
        if not id:
            return back(1, "Pas d'identifiant de transaction spécifié")
        try:
            world.confirm(int(id) if ascii_digits(id) else 0, account)
        except Refused as exc:
            return back(1, exc.message)
        return back(0, "")

    @routes.post(f"{ACTES}/actes_transac_cancel.php")
    async def cancel(request: Request) -> Response:
        fields = await read_fields(request)
        account = guard(request, fields, right="TT", rgs=True)
        if not isinstance(account, Account):
            return account
        raw_id = (fields.get("id") or ["0"])[0]
        try:
            new_id = world.cancel(int(raw_id) if ascii_digits(raw_id) else 0, account)
        except Refused as exc:
            return ko(exc.message)
        return text(f"OK\n{new_id}")

    return routes
