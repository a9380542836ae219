"""S²LOW's wire format, as its source shows it (PROTOCOL.md §6.2, §6.6): requests in
ISO-8859-1, multipart forms with index-aligned file parts, the ``get_status`` body with the
reply XML before the workflow message, and the shapes of a body that is not an API reply
(a redirect to the web interface, an HTML page).

Pure functions: the HTTP adapter (:mod:`workflow.adapters.platform_http`) and the
conformance tests use them; nothing here does I/O (a file part may name a file on disk: the
body that reads it by chunks is :class:`workflow.adapters.upload.MultipartBody`).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from workflow.packaging import TRANSLITERATION
from workflow.platform import PlatformStatus

#: the four bytes every PDF starts with, and gzip's magic (a préfecture message's archive)
PDF_MAGIC = b"%PDF-"
GZIP_MAGIC = b"\x1f\x8b"


def latin1(text: str) -> tuple[str, tuple[str, ...]]:
    """``text`` made of ISO-8859-1 characters only, and each replacement made.

    Known characters (€, œ, typographic quotes, dashes…) get their usual rendering, any
    other character outside ISO-8859-1 becomes ``?``: S²LOW reads every field as
    ISO-8859-1, so what is not replaced here arrives garbled at the préfecture."""
    out: list[str] = []
    changes: list[str] = []
    for char in text:
        if ord(char) < 256:
            out.append(char)
            continue
        replacement = TRANSLITERATION.get(char, "?")
        out.append(replacement)
        change = f"{char!r} → {replacement!r}"
        if change not in changes:
            changes.append(change)
    return "".join(out), tuple(changes)


@dataclass(frozen=True, slots=True)
class FilePart:
    """One file input of a form; an empty ``name`` and ``data`` is an input left empty
    (PHP's ``UPLOAD_ERR_NO_FILE``), which keeps the next parts at their index. ``data`` is
    the content, or the file on disk holding it (sent by chunks, never read whole)."""

    field: str
    name: str
    data: bytes | Path
    content_type: str = "application/octet-stream"


def _quoted(value: str) -> bytes:
    # HTML5 multipart escaping of a header parameter, then ISO-8859-1 (S²LOW's charset)
    escaped = value.replace("\r", "%0D").replace("\n", "%0A").replace('"', "%22")
    return escaped.encode("iso-8859-1")


#: a multipart body as a sequence of bytes and files on disk, sent in order
Segments = list[bytes | Path]


def multipart_segments(
    fields: Sequence[tuple[str, str]], files: Sequence[FilePart]
) -> tuple[Segments, str]:
    """A ``multipart/form-data`` body with every field value and file name in ISO-8859-1
    (after :func:`latin1`), and its ``Content-Type``. Parts keep the order given; a file part
    on disk stays a :class:`~pathlib.Path` among the bytes."""
    boundary = secrets.token_hex(16)
    marker = f"--{boundary}\r\n".encode("ascii")
    chunks: Segments = []
    for name, value in fields:
        chunks += [
            marker,
            b'Content-Disposition: form-data; name="' + _quoted(name) + b'"\r\n\r\n',
            latin1(value)[0].encode("iso-8859-1"),
            b"\r\n",
        ]
    for part in files:
        chunks += [
            marker,
            b'Content-Disposition: form-data; name="'
            + _quoted(part.field)
            + b'"; filename="'
            + _quoted(latin1(part.name)[0])
            + b'"\r\n',
            f"Content-Type: {part.content_type}\r\n\r\n".encode("ascii"),
            part.data,
            b"\r\n",
        ]
    chunks.append(f"--{boundary}--\r\n".encode("ascii"))
    return chunks, f"multipart/form-data; boundary={boundary}"


def multipart(fields: Sequence[tuple[str, str]], files: Sequence[FilePart]) -> tuple[bytes, str]:
    """The same body in memory, for parts given as bytes (small forms, tests)."""
    segments, content_type = multipart_segments(fields, files)
    body = [s for s in segments if isinstance(s, bytes)]
    if len(body) != len(segments):
        raise TypeError("multipart() takes file parts in memory: stream files with MultipartBody")
    return b"".join(body), content_type


_ROOT = re.compile(r"<([A-Za-z_][\w.:-]*)[\s>/]")


def split_status_body(rest: str) -> tuple[str | None, str | None]:
    """The part of a ``get_status`` reply after ``OK\\n<status>\\n``: the stored reply XML
    (when there is one), then the workflow message with no separator — S²LOW's order
    (``actes_transac_get_status.php``). Returns ``(xml, message)``."""
    text = rest.lstrip("\r\n")
    if not text.startswith("<"):
        message = text.strip()
        return None, message or None
    body = re.sub(r"^<\?xml[^>]*\?>\s*", "", text)
    root = _ROOT.match(body)
    if root is None:
        return None, text.strip() or None
    closing = f"</{root.group(1)}>"
    end = text.rfind(closing)
    if end < 0:
        return text.strip(), None
    end += len(closing)
    message = text[end:].strip()
    return text[:end], message or None


def looks_like_html(content: bytes) -> bool:
    """A web page where an API reply was expected (the login page, a flash message)."""
    head = content[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<body"))


#: where the platform would send a browser after ``post_confirm``: never followed, only read
CONFIRM_RETURN = "https://actes-workflow.invalid/confirm?error=%%ERROR%%&message=%%MESSAGE%%"
#: statuses where a transmitted act can be found again by its number (lost-reply check)
LIVE_STATUSES = (
    PlatformStatus.POSTE,
    PlatformStatus.EN_ATTENTE_DE_TRANSMISSION,
    PlatformStatus.TRANSMIS,
    PlatformStatus.ACQUITTEMENT_RECU,
    PlatformStatus.ERREUR,
    PlatformStatus.EN_ATTENTE_D_ETRE_POSTEE,
    PlatformStatus.EN_ATTENTE_D_ETRE_SIGNE,
)
#: S²LOW lists a transaction's files only once it has left these statuses
NO_FILES_YET = frozenset(
    {
        PlatformStatus.POSTE,
        PlatformStatus.EN_ATTENTE_DE_TRANSMISSION,
        PlatformStatus.TRANSMIS,
        PlatformStatus.EN_ATTENTE_D_ETRE_POSTEE,
        PlatformStatus.EN_ATTENTE_D_ETRE_SIGNE,
    }
)
