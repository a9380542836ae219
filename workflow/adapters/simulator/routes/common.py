"""What every router of the simulator shares: S²LOW's reply shapes, the multipart form as
PHP sees it, and the fault injection (5xx, latency, resets, lost replies)."""

from __future__ import annotations

import asyncio
import random
import sqlite3
import urllib.parse
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Request, Response
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse
from starlette.datastructures import Headers
from starlette.formparsers import MultiPartException, MultiPartParser

from workflow.adapters.simulator.accounts import (
    ACCESS_REFUSED,
    RGS_REQUIRED,
    AccessDenied,
    Account,
    authenticate,
)
from workflow.adapters.simulator.state import SimulatorState
from workflow.adapters.simulator.uploads import Upload
from workflow.identifiers import ascii_digits
from workflow.protocol.documents import MAX_TOTAL_BYTES

ACTES = "/modules/actes"

Form = tuple[dict[str, list[str]], dict[str, list[Upload]]]


def text(body: str, status: int = 200) -> Response:
    """A text reply in ISO-8859-1, as S²LOW prints it."""
    return PlainTextResponse(
        body.encode("iso-8859-1", errors="replace"),
        status_code=status,
        media_type="text/plain; charset=ISO-8859-1",
    )


def php_escape(message: str) -> str:
    """``htmlspecialchars(…, ENT_QUOTES)``: S²LOW escapes its KO messages (``&#039;``)."""
    return (
        message.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#039;")
    )


def ko(message: str) -> Response:
    return text(f"KO\n{php_escape(message)}")


def home_redirect(message: str) -> Response:
    """What S²LOW answers a call without ``api=1`` (and a failed download): a redirect to
    its web interface, with the message for the page."""
    return RedirectResponse("/?message=" + urllib.parse.quote(message), status_code=302)


def home_page(message: str) -> Response:
    body = (
        "<!DOCTYPE html>\n<html><head><title>S2LOW</title></head><body>"
        f"<p class='alert'>{php_escape(message)}</p>"
        "<form action='/login.php' method='post'>Identifiant : <input name='login'></form>"
        "</body></html>"
    )
    return HTMLResponse(body)


def api_asked(request: Request, fields: dict[str, list[str]] | None = None) -> bool:
    """``api=1`` in the query string or, for a POST, in the form (S²LOW reads POST first)."""
    if request.query_params.get("api") == "1":
        return True
    return bool(fields) and (fields or {}).get("api", [""])[0] == "1"


def certificate_of(request: Request) -> str | None:
    state = request.scope.get("state") or {}
    value = state.get("client_certificate_sha256")
    return str(value) if value else None


class Guard:
    """Who may call: ``api=1`` first (else the redirect), then the account behind the
    certificate (and login), then its rights. Each route asks it before any work."""

    def __init__(self, state: SimulatorState) -> None:
        self.state = state

    def account(
        self, request: Request, *, right: str | None = None, rgs: bool = False
    ) -> Account | str:
        """The caller's account, or the platform's message saying why not."""
        try:
            account = authenticate(
                self.state, certificate_of(request), request.headers.get("authorization", "")
            )
            if right is not None and not account.may(right):
                raise AccessDenied(ACCESS_REFUSED)
            if rgs and not account.rgs:
                raise AccessDenied(RGS_REQUIRED)
        except AccessDenied as denied:
            return denied.message
        return account

    def __call__(
        self,
        request: Request,
        fields: dict[str, list[str]] | None = None,
        *,
        right: str | None = None,
        rgs: bool = False,
    ) -> Account | Response:
        api = api_asked(request, fields)
        account = self.account(request, right=right, rgs=rgs)
        if isinstance(account, str):
            return ko(account) if api else home_redirect(account)
        if not api:
            return home_redirect("Vous devez vous authentifier")
        return account


def visible(row: sqlite3.Row, account: Account) -> bool:
    """Each collectivité sees its own transactions only."""
    return not account.siren or row["siren"] in (account.siren, "")


class Reset(Exception):
    """Raised to drop the connection without an answer."""


class FaultInjector:
    """Faults configured through ``/control/faults``, drawn from one seeded generator."""

    def __init__(self, state: SimulatorState, seed: int | None = None) -> None:
        self.state = state
        self.chance = random.Random(seed)  # noqa: S311 - fault injection, not cryptography

    async def before(self) -> Response | None:
        """Latency, then maybe a reset or a 5xx instead of the work."""
        faults = self.state.faults()
        if faults.latency_ms:
            await asyncio.sleep(faults.latency_ms / 1000)
        if faults.reset_rate and self.chance.random() < faults.reset_rate:
            raise Reset
        if faults.error_rate and self.chance.random() < faults.error_rate:
            return text("Service temporairement indisponible", 503)
        return None

    def reply_lost(self) -> bool:
        """The work is done, and the reply is lost (the dangerous fault)."""
        rate = self.state.faults().lost_reply_rate
        return bool(rate) and self.chance.random() < rate


#: the largest request body taken: an archive at S²LOW's limit and room for the form around
#: it (PROTOCOL.md §9); a bigger body is refused before, or as soon as, it passes the limit
MAX_BODY = MAX_TOTAL_BYTES + 1024 * 1024
TOO_BIG = "La taille de l'envoi est trop élevée, {size} octets (maximum {limit} octets autorisés)"


class TooBig(MultiPartException):
    """The request body passed :data:`MAX_BODY` (Starlette then closes the files it began)."""

    def __init__(self, size: int) -> None:
        super().__init__(TOO_BIG.format(size=size, limit=MAX_BODY))


async def _bounded(request: Request) -> AsyncGenerator[bytes, None]:
    seen = 0
    async for chunk in request.stream():
        seen += len(chunk)
        if seen > MAX_BODY:
            raise TooBig(seen)
        yield chunk


@asynccontextmanager
async def read_form(request: Request) -> AsyncIterator[Form]:
    """A multipart form as S²LOW's PHP sees it with ``api=1``: repeated names (``type_pj[]``)
    kept in order, and every field value and file name read as ISO-8859-1 and converted to
    UTF-8 (``utf8_encode``, ``RequestHelper``): a client that posts UTF-8 gets mojibake,
    which is what S²LOW stores. An empty file input (no name, no bytes) stays in its place as
    an ``Upload`` with no name and size 0, so signature parts keep their index. Files
    stay in their temporary files until the block ends; a body over :data:`MAX_BODY` raises
    :class:`TooBig` (the routes answer ``KO``)."""
    fields: dict[str, list[str]] = {}
    files: dict[str, list[Upload]] = {}
    content_type = request.headers.get("content-type", "")
    declared = request.headers.get("content-length", "")
    if ascii_digits(declared) and int(declared) > MAX_BODY:
        raise TooBig(int(declared))
    if not content_type.startswith("multipart/form-data"):
        async with request.form() as form:
            for name, value in form.multi_items():
                if isinstance(value, str):
                    fields.setdefault(name, []).append(value)
        yield fields, files
        return
    headers = Headers(
        raw=[
            (b"content-type", f"{content_type}; charset=iso-8859-1".encode("latin-1")),
        ]
    )
    form = await MultiPartParser(headers, _bounded(request)).parse()
    try:
        for name, value in form.multi_items():
            if isinstance(value, str):
                fields.setdefault(name, []).append(value)
            else:
                size = value.size if value.size is not None else 0
                files.setdefault(name, []).append(Upload(value.filename or "", value.file, size))
        yield fields, files
    finally:
        await form.close()


async def read_fields(request: Request) -> dict[str, list[str]]:
    """The form's fields alone (any file posted along is dropped)."""
    async with read_form(request) as (fields, _):
        return fields
