"""Reading S²LOW's replies at the HTTP boundary (PROTOCOL.md §6.2, §6.6): HTTP statuses,
redirects and HTML pages where an API reply was expected, ``OK``/``KO`` text, JSON, and
downloads checked by their magic bytes. Each reading turns a foreign shape into our errors."""

from __future__ import annotations

import html
import json
import re
import urllib.parse
from typing import Any

import requests

from workflow.adapters.s2low_wire import GZIP_MAGIC, looks_like_html
from workflow.errors import PlatformAccessRefused, Rejected, TransientError

EXCERPT_LIMIT = 2048
ACCESS_CAUSE = (
    "the platform answered with its web interface instead of its API: most likely the client "
    "certificate is not an account's (ACTES_PLATFORM_CERT), the login/password is missing or "
    "wrong (needed when several accounts share the certificate), or the account lacks the "
    "right (CS to send and answer, TT to confirm, cancel or ask the classification)"
)
#: KO messages S²LOW gives for an access problem, not for the request itself
ACCESS_MESSAGES = ("Échec de l'authentification", "Accès refusé", "certificat RGS")


def excerpt(response: requests.Response) -> str:
    """A bounded, printable excerpt for the audit trail (a downloaded archive is summarised)."""
    head = response.content[:EXCERPT_LIMIT]
    if b"\x00" in head or response.content[:2] == GZIP_MAGIC:
        kind = response.headers.get("Content-Type", "binary")
        return f"<{len(response.content)} bytes of {kind}>"
    return head.decode("iso-8859-1", errors="replace")


def check_status(response: requests.Response, path: str, text: str, *, download: bool) -> None:
    status = response.status_code
    if status >= 500:
        raise TransientError(
            f"{path}: the platform answered HTTP {status}",
            field="platform",
            rule="HTTP 5xx is retried",
            value=status,
        )
    if status in (401, 403):  # the service's login, not the act, is wrong
        raise PlatformAccessRefused(
            f"{path}: the platform refused the service's login (HTTP {status})",
            field="platform_login",
            rule="the platform account (certificate, login) must be valid",
            value=status,
        )
    if status >= 400:
        raise Rejected(
            f"{path}: HTTP {status}: {text.strip()[:500]}", field="platform", value=status
        )
    location = response.headers.get("Location", "")
    if 300 <= status < 400 and download:
        raise Rejected(
            f"{path}: the platform redirected to {location!r} instead of sending the file "
            "(no such file, not available yet, or not this account's)",
            field="platform",
            rule="a download is the file itself (S²LOW answers errors with a redirect)",
            value=location,
        )
    if 300 <= status < 400:
        raise PlatformAccessRefused(
            f"{path}: HTTP {status} to {location!r}: {ACCESS_CAUSE}",
            field="platform",
            rule="an API reply, not a redirect",
            value=location,
        )
    if looks_like_html(response.content):
        raise PlatformAccessRefused(
            f"{path}: an HTML page: {ACCESS_CAUSE}",
            field="platform",
            rule="an API reply, not an HTML page",
            value=text[:120],
        )


def ok_lines(response: requests.Response, path: str) -> list[str]:
    """``OK\\n…`` → the following lines; ``KO\\n<msg>`` → Rejected with the message
    (HTML-unescaped: S²LOW escapes its KO messages)."""
    text = response.content.decode("iso-8859-1")
    lines = text.replace("\r\n", "\n").split("\n")
    head = lines[0].strip()
    if head.startswith("KO"):
        message = html.unescape("\n".join(lines[1:]).strip() or head[2:].strip(" :"))
        if any(known in message for known in ACCESS_MESSAGES):
            raise PlatformAccessRefused(
                f"{path}: {message}: {ACCESS_CAUSE}", field="platform", rule="account access"
            )
        raise Rejected(message, field="platform", rule=f"{path} answered KO")
    if not head.startswith("OK"):
        raise TransientError(
            f"{path}: unexpected reply {text[:200]!r}", field="platform", rule="OK/KO reply"
        )
    return lines[1:]


def read_json(response: requests.Response, path: str) -> Any:
    """JSON; an authentication or rights failure is S²LOW's ``KO`` text instead."""
    if response.content.startswith(b"KO"):
        ok_lines(response, path)
    try:
        return json.loads(response.content.decode("utf-8"))
    except ValueError as exc:
        raise TransientError(f"{path}: the reply is not JSON", field="platform") from exc


def binary(response: requests.Response, path: str, magic: bytes, kind: str) -> bytes:
    """A download: ``KO`` → Rejected; anything but ``kind`` → Rejected, never stored."""
    if response.content.startswith(b"KO"):
        ok_lines(response, path)
    if not response.content.startswith(magic):
        raise Rejected(
            f"{path}: the platform sent {len(response.content)} bytes that are not a {kind}",
            field="platform",
            rule=f"a {kind} starts with {magic!r}",
            value=response.content[:40],
        )
    return response.content


# ------------------------------------------------------------------ endpoints


def confirm_outcome(location: str) -> tuple[bool, str]:
    """``%%ERROR%%`` and ``%%MESSAGE%%`` as S²LOW filled them in ``url_return`` (the message is
    put in raw, not URL-encoded, so it is read as the rest of the URL)."""
    query = location.split("?", 1)[1] if "?" in location else ""
    error = re.search(r"(?:^|&)error=([01])", query)
    message = query.split("message=", 1)[1] if "message=" in query else ""
    return bool(error and error.group(1) == "1"), urllib.parse.unquote(message).strip()


def reference_of(params: dict[str, Any] | None) -> str | None:
    """The platform's transaction id a call is about, when its query names one (for the logs)."""
    for name in ("transaction", "transaction_id", "id"):
        if params and name in params:
            return str(params[name])
    return None
