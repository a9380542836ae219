"""Hostile inputs shared by the integrity tests: hand-built PDFs and the like (issue 14)."""

from __future__ import annotations

import functools
import zlib

TEXT = (
    b"BT /F1 12 Tf 72 700 Td (Deliberation du conseil municipal portant sur le budget "
    b"primitif de la commune) Tj ET"
)


def pdf(objects: dict[int, bytes], *, info: int | None = None) -> bytes:
    """A PDF with a correct cross-reference table over ``objects`` (number → body)."""
    out = bytearray(b"%PDF-1.4\n")
    offsets: dict[int, int] = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    start = len(out)
    size = max(objects) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        out += b"%010d 00000 n \n" % offsets.get(number, 0)
    trailer = b"<< /Size %d /Root 1 0 R" % size + (b" /Info %d 0 R" % info if info else b"")
    out += b"trailer\n" + trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % start
    return bytes(out)


def stream(dictionary: bytes, data: bytes) -> bytes:
    return dictionary + b"\nstream\n" + data + b"\nendstream"


def text_pdf_with(hostile: bytes, *, info: bytes | None = None) -> bytes:
    """A one-page PDF whose text layer reads fine, plus a hostile object 4 (a second content
    stream of the page) and, optionally, a hostile document information dictionary."""
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents [6 0 R 4 0 R]"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        4: hostile,
        5: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        6: stream(b"<< /Length %d >>" % len(TEXT), TEXT),
    }
    if info is not None:
        objects[7] = info
    return pdf(objects, info=7 if info is not None else None)


@functools.cache
def hostile_pdfs() -> dict[str, bytes]:
    """The PDFs of the campaign that escaped the error tree."""
    bomb = zlib.compress(b"0" * (80 * 1024 * 1024), 9)  # pypdf stops at 75 MB
    nested = b"[" * 1000 + b"]" * 1000
    deep_info = b"<< /A " * 1000 + b">>" * 1000
    return {
        "unknown filter": text_pdf_with(
            stream(b"<< /Length 10 /Filter /FooDecode >>", b"0123456789")
        ),
        "self-referencing length": text_pdf_with(stream(b"<< /Length 4 0 R >>", b"BT ET")),
        "corrupt deflate": text_pdf_with(
            stream(b"<< /Length 20 /Filter /FlateDecode >>", b"x\x9c" + b"\xff" * 18)
        ),
        "stream inflating past the limit": text_pdf_with(
            stream(b"<< /Length %d /Filter /FlateDecode >>" % len(bomb), bomb)
        ),
        "nested 1000 deep": text_pdf_with(
            stream(b"<< /Length 5 /Foo " + nested + b" >>", b"BT ET")
        ),
        "metadata nested 1000 deep": text_pdf_with(
            stream(b"<< /Length 5 >>", b"BT ET"), info=deep_info
        ),
    }
