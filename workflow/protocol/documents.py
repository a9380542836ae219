"""Documents that travel with an act: their kind is read from their content, never their name.

PROTOCOL.md §9: the main act must be a PDF (XML only for a budget document, nature BF with
classification 7.1); annexes and answer documents may be PDF, XML, PNG or JPEG; the whole
archive is at most 150 MiB.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from zlib_ng import zlib_ng

from workflow.errors import InvalidDocument
from workflow.protocol.buffers import read_buffer

#: ACTES_ARCHIVE_MAX_SIZE, S²LOW's default (PROTOCOL.md §3.4)
MAX_TOTAL_BYTES = 150 * 1024 * 1024

#: a ZIP ends with its 22-byte end-of-central-directory record and a comment of ≤ 65 535 bytes
_ZIP_TAIL = 22 + 65535
_ZIP_LOCAL = b"PK\x03\x04"
_ZIP_END = b"PK\x05\x06"


def is_zip_trailer(tail: bytes) -> bool:
    """Does ``tail`` (a file's last bytes) end with a ZIP end-of-central-directory record, as
    a ZIP reader finds it? The record's comment length must reach the end of the file exactly,
    which bytes of a compressed PDF stream do by chance with negligible odds."""
    position = tail.rfind(_ZIP_END)
    while position >= 0:
        if position + 22 <= len(tail):
            comment = int.from_bytes(tail[position + 20 : position + 22], "little")
            if position + 22 + comment == len(tail):
                return True
        position = tail.rfind(_ZIP_END, 0, position)
    return False


#: bytes of a document deflated at level 1 to tell whether its content still compresses
_PROBE = 8 * 1024


class DocumentKind(enum.Enum):
    """Document formats the protocol accepts; the value is the file extension it gets."""

    PDF = "pdf"
    XML = "xml"
    PNG = "png"
    JPEG = "jpg"

    @property
    def mime_type(self) -> str:
        return {
            DocumentKind.PDF: "application/pdf",
            DocumentKind.XML: "application/xml",
            DocumentKind.PNG: "image/png",
            DocumentKind.JPEG: "image/jpeg",
        }[self]


def sniff_kind(head: bytes, tail: bytes = b"") -> DocumentKind | None:
    """The kind of a document from its first bytes (and last, for PDF), or ``None``.

    A PDF must start with ``%PDF-`` (within the first 1 KiB, as readers allow) and hold an
    ``%%EOF`` marker in its last 2 KiB: a truncated upload is caught before it is sent.
    """
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return DocumentKind.PNG
    if head.startswith(b"\xff\xd8\xff"):
        return DocumentKind.JPEG
    if b"%PDF-" in head[:1024]:
        return DocumentKind.PDF if (not tail or b"%%EOF" in tail) else None
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"<?xml") or (stripped.startswith(b"<") and b">" in stripped):
        return DocumentKind.XML
    return None


@dataclass(frozen=True, slots=True)
class DocumentFacts:
    """What was learnt from one pass over a document: kind, size, SHA-256, and whether a
    sample of its content (past the first 4 KiB) shrank by a tenth at deflate level 1.

    ``content``: the document's bytes, when the caller asked to keep them and they came in
    one read (at most :data:`~workflow.protocol.buffers.CHUNK`): the archive takes them from
    here — the very bytes hashed and signed — instead of reading the file a second time.
    """

    path: Path
    kind: DocumentKind
    size: int
    sha256: str
    compressible: bool = True
    content: bytes | None = dataclasses.field(default=None, repr=False, compare=False)

    @property
    def deflate_level(self) -> int:
        """The archive's deflate level for this document: XML compresses well; images are
        compressed already (stored); a PDF is stored unless its content still compresses
        (uncompressed streams), then level 1 — level 9 costs ten times more for a few %."""
        if self.kind is DocumentKind.XML:
            return 6
        if self.kind is DocumentKind.PDF and self.compressible:
            return 1
        return 0


def examine(path: Path, *, field: str, keep: bool = False) -> DocumentFacts:
    """Read a document once, in chunks: detect its kind by content and hash it.

    The file is sized and typed by one ``stat`` and read by its descriptor up to that size
    (what the archive copies, and the signature covers); a document that fits in the read
    buffer (most acts) gives its ZIP tail from the buffer, without a second read, and with
    ``keep`` its bytes are kept in the facts (a copy in memory costs a tenth of reading the
    file again).

    Raises :class:`InvalidDocument` when the file is missing, empty, or of no accepted kind.
    """
    try:
        status = path.stat()
        if not stat.S_ISREG(status.st_mode):
            raise InvalidDocument(
                f"{path} is not a regular file", field=field, rule="a file", value=str(path)
            )
        size = status.st_size
        head, sample, zip_tail, sha256, content = _read(path, size, keep=keep)
    except FileNotFoundError as exc:
        raise InvalidDocument(
            f"file {path} does not exist", field=field, rule="an existing file", value=str(path)
        ) from exc
    except OSError as exc:
        raise InvalidDocument(
            f"cannot read {path}: {exc.strerror}", field=field, rule="a readable file"
        ) from exc
    tail = zip_tail[-2048:]
    if size == 0:
        raise InvalidDocument(f"{path} is empty", field=field, rule="not empty", value=str(path))
    kind = sniff_kind(head, tail)
    if kind is not None and (head.startswith(_ZIP_LOCAL) or is_zip_trailer(zip_tail)):
        raise InvalidDocument(
            f"{path.name} is also a ZIP archive (a polyglot file): the platform refuses it; "
            "export the document again",
            field=field,
            rule="one kind of document, not a ZIP archive",
            value=str(path),
        )
    if kind is None:
        raise InvalidDocument(
            f"{path.name} is not a PDF, XML, PNG or JPEG document (read from its content)",
            field=field,
            rule="PDF, XML, PNG or JPEG by content",
            value=str(path),
        )
    sample = sample or head
    compressible = len(zlib_ng.compress(sample, 1)) < 0.9 * len(sample)
    return DocumentFacts(path, kind, size, sha256, compressible, content)


def _read(path: Path, size: int, *, keep: bool) -> tuple[bytes, bytes, bytes, str, bytes | None]:
    """One pass over the file's first ``size`` bytes (a file grown since its ``stat`` is read
    up to that size: what the archive copies, what the signature covers): its head, the
    probe's sample, its ZIP tail (the last 64 KiB + 22 bytes), its SHA-256, and with
    ``keep`` its bytes when they came in one read."""
    digest = hashlib.sha256()
    buffer = read_buffer()  # this thread's, reused: no allocation per document or chunk
    head = sample = b""
    content = None
    done = count = 0
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        while done < size:
            count = os.readv(fd, [buffer[: min(size - done, len(buffer))]])
            if not count:
                break
            if not done:
                head = bytes(buffer[: min(count, 4096)])
                sample = bytes(buffer[4096 : min(count, 4096 + _PROBE)])
            digest.update(buffer[:count])
            done += count
        if done == count:  # the whole file is in the buffer (most documents): no second read
            zip_tail = bytes(buffer[max(0, done - _ZIP_TAIL) : done])
            content = bytes(buffer[:done]) if keep else None
        else:
            os.lseek(fd, max(0, done - _ZIP_TAIL), os.SEEK_SET)
            zip_tail = os.read(fd, min(done, _ZIP_TAIL))
    finally:
        os.close(fd)
    return head, sample, zip_tail, digest.hexdigest(), content
