"""Documents: a transaction's files, downloads (the act stamped with its AR), the bordereau,
and a préfecture message's archive. As in S²LOW, a download that cannot be served is a
redirect to the home page, never a ``KO`` (PROTOCOL.md §6.6); with the ``stamp_fails`` fault
the act comes back unstamped, silently, as S²LOW sends it when stamping fails."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse
from starlette.background import BackgroundTask

from workflow.adapters.simulator import documents
from workflow.adapters.simulator.accounts import Account
from workflow.adapters.simulator.routes.common import (
    ACTES,
    Guard,
    home_redirect,
    ko,
    text,
    visible,
)
from workflow.adapters.simulator.state import paris_day
from workflow.adapters.simulator.uploads import CHUNK
from workflow.adapters.simulator.world import World
from workflow.protocol import messages as m
from workflow.protocol import xml_in


def router(world: World) -> APIRouter:
    # long by nature: the factory holds this resource's routes, each a short closure
    routes = APIRouter()
    state = world.state
    guard = Guard(state)

    def acknowledged(transaction: int, account: Account) -> tuple[sqlite3.Row, m.ARActe] | None:
        rows = state.query("SELECT * FROM transactions WHERE id = ? AND type = 1", transaction)
        if not rows or not rows[0]["ar_xml"] or not visible(rows[0], account):
            return None
        ar = xml_in.parse_message(bytes(rows[0]["ar_xml"]))
        return (rows[0], ar) if isinstance(ar, m.ARActe) else None

    @routes.get(f"{ACTES}/actes_transac_get_document.php")
    async def get_document(request: Request, id: int = 0) -> Response:
        account = guard(request)
        if not isinstance(account, Account):
            return account
        rows = state.query("SELECT * FROM transactions WHERE id = ?", id)
        if not rows or not visible(rows[0], account):
            return ko("Numéro de transaction invalide.")
        row = rows[0]
        if row["type"] == 1:
            related = state.query(
                "SELECT id, type, status FROM transactions WHERE related_id = ?", id
            )
            return text("\n".join(f"{r['type']}-{r['status']}-{r['id']}" for r in related))
        return Response(state.archive_of(row), media_type="application/x-gzip")

    @routes.get(f"{ACTES}/actes_transac_get_files_list.php")
    async def files_list(request: Request, transaction: int = 0) -> Response:
        account = guard(request)
        if not isinstance(account, Account):
            return account
        rows = state.query("SELECT * FROM transactions WHERE id = ?", transaction)
        if not rows or not visible(rows[0], account):
            return ko("Numéro de transaction invalide.")
        if rows[0]["type"] == 1 and rows[0]["status"] in (1, 2, 3):
            return ko("Pas d'acquittement recu")
        files = documents.files_of(transaction, state.archive_of(rows[0]))
        return JSONResponse([f.as_json() for f in files])

    @routes.get(f"{ACTES}/actes_download_file.php")
    async def download(
        request: Request, file: int = 0, env: int = 0, tampon: str = "", date_affichage: str = ""
    ) -> Response:
        account = guard(request)
        if not isinstance(account, Account):
            return account
        if env:
            rows = state.query("SELECT * FROM transactions WHERE id = ?", env)
            archive = state.archive_of(rows[0]) if rows and visible(rows[0], account) else b""
            if not archive:
                return home_redirect("Fichier introuvable")
            if isinstance(archive, Path):  # an act's archive, sent from its file by chunks
                return FileResponse(archive, media_type="application/x-gzip")
            return Response(archive, media_type="application/x-gzip")
        transaction, _index = divmod(file, documents.FILE_ID_FACTOR)
        rows = state.query("SELECT * FROM transactions WHERE id = ?", transaction)
        found = [
            f
            for f in (
                documents.files_of(transaction, state.archive_of(rows[0]))
                if rows and visible(rows[0], account)
                else []
            )
            if f.id == file
        ]
        if not found:
            return home_redirect("Fichier introuvable")
        info = found[0]
        stamped = (
            acknowledged(transaction, account)
            if tampon == "true"
            and info.mimetype == "application/pdf"
            and not state.faults().stamp_fails
            else None
        )
        content = documents.open_file(state.archive_of(rows[0]), info.name)
        disposition = {"Content-Disposition": f'attachment; filename="{info.name}"'}
        if stamped is None:  # sent from its temporary file by chunks, then closed
            return StreamingResponse(
                iter(lambda: content.read(CHUNK), b""),
                media_type=info.mimetype,
                headers=disposition,
                background=BackgroundTask(content.close),
            )
        with content:
            row, ar = stamped
            published = dt.date.fromisoformat(date_affichage) if date_affichage else None
            data = documents.stamp(
                content.read(),  # the stamp rewrites the PDF: pypdf holds it whole
                id_acte=ar.id_acte,
                sent=paris_day(row["created_at"]),
                received=ar.date_reception,
                published=published,
            )
        return Response(data, media_type=info.mimetype, headers=disposition)

    @routes.get(f"{ACTES}/actes_create_pdf.php")
    async def bordereau(request: Request, trans_id: int = 0) -> Response:
        account = guard(request)
        if not isinstance(account, Account):
            return account
        found = acknowledged(trans_id, account)
        if found is None:
            return home_redirect("Pas d'acquittement recu")
        row, ar = found
        names = [f.name for f in documents.files_of(trans_id, state.archive_of(row))[1:]]
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

    return routes
