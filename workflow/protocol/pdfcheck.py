"""The platform opens every PDF of an act after accepting it (``pdfinfo``; "Fichier pdf corrompu
dans l'archive", PROTOCOL.md §9) and refuses the act for good when one does not open. The same
check, run before anything is sent, reads each page to the last one — stricter than
``pdfinfo``, which reads the structure but never a page's content: a page whose content
cannot be decoded is a page the préfecture cannot read.

pypdf is lenient (it repairs what it can and logs the rest), so the structure is walked here
and every failure pypdf would smooth over is a fault: a page tree that refers to a missing
object or loops, a content stream that is missing, is not a stream, or whose filter fails to
decode (a corrupt or truncated flate stream). Work is bounded: at most :data:`MAX_PAGES`
pages, :data:`MAX_STREAM_BYTES` decoded per content stream and :data:`MAX_DECODED_BYTES` per
document (a decompression bomb is refused, never inflated), in chunks of :data:`_CHUNK`
bytes that are counted and dropped, so memory does not grow with the output.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from pypdf.errors import PyPdfError
from pypdf.filters import ASCII85Decode, ASCIIHexDecode
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NullObject,
    StreamObject,
)

RULE = "a PDF readable to its last page"
#: more pages than any act (a PLU runs to a few thousand); past this, the PDF is refused
MAX_PAGES = 20_000
#: decoded bytes of one content stream (a page of vector drawing is a few MiB)
MAX_STREAM_BYTES = 256 * 1024 * 1024
#: decoded bytes of every content stream of one document
MAX_DECODED_BYTES = 1024 * 1024 * 1024
#: nesting of the page tree (intermediate /Pages nodes)
MAX_TREE_DEPTH = 64
_CHUNK = 1024 * 1024
_FLATE = frozenset({"/FlateDecode", "/Fl"})
_ASCII: dict[str, Any] = {
    "/ASCII85Decode": ASCII85Decode,
    "/A85": ASCII85Decode,
    "/ASCIIHexDecode": ASCIIHexDecode,
    "/AHx": ASCIIHexDecode,
}


class _Fault(Exception):
    """Why the PDF cannot be read to its last page (the message is the fault)."""


def pdf_fault(path: Path) -> str | None:
    """Why ``path`` is not a PDF the préfecture can read, or None when every page decodes."""
    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted:
            return None  # reported by its own rule (PDF not encrypted)
        pages = list(_pages(reader))
        if not pages:
            return "the PDF has no page"
        budget = [MAX_DECODED_BYTES]
        for number, page in enumerate(pages, start=1):
            try:
                for stream in _contents(page):
                    _decode(stream, budget)
            except _Fault as fault:
                return f"page {number} of {len(pages)} cannot be read: {fault}"
    except _Fault as fault:
        return f"the PDF structure is broken: {fault}"
    except (
        PyPdfError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        IndexError,
        OSError,
    ) as exc:
        return f"the PDF structure is broken ({type(exc).__name__})"
    except (RecursionError, MemoryError):
        return "the PDF structure is broken (nested too deeply)"
    return None


def _resolve(value: Any, what: str) -> Any:
    """The object ``value`` refers to; a reference to an object the file lacks is a fault."""
    if isinstance(value, IndirectObject):
        resolved = value.get_object()
        if resolved is None or isinstance(resolved, NullObject):
            raise _Fault(f"{what} (object {value.idnum} {value.generation}) is missing")
        return resolved
    return value


def _pages(reader: PdfReader) -> Iterator[DictionaryObject]:
    """The page tree's leaves in order, walked here: a missing node, a loop, a tree nested
    deeper than :data:`MAX_TREE_DEPTH` or more than :data:`MAX_PAGES` pages is a fault."""
    root = _resolve(reader.trailer.raw_get("/Root"), "the catalog")
    if not isinstance(root, DictionaryObject) or "/Pages" not in root:
        raise _Fault("the catalog has no page tree")
    seen: set[tuple[int, int]] = set()
    stack: list[tuple[Any, int]] = [(root.raw_get("/Pages"), 0)]
    count = 0
    while stack:
        reference, depth = stack.pop()
        if isinstance(reference, IndirectObject):
            key = (reference.idnum, reference.generation)
            if key in seen:
                raise _Fault(f"the page tree loops (object {key[0]} {key[1]} appears twice)")
            seen.add(key)
        node = _resolve(reference, "a page")
        if not isinstance(node, DictionaryObject):
            raise _Fault(f"a page tree node is a {type(node).__name__}, not a dictionary")
        if node.get("/Type") == "/Pages" or "/Kids" in node:
            if depth >= MAX_TREE_DEPTH:
                raise _Fault(f"the page tree is nested deeper than {MAX_TREE_DEPTH} levels")
            kids = _resolve(node.raw_get("/Kids"), "the list of pages")
            if not isinstance(kids, ArrayObject):
                raise _Fault("a page tree node has no list of pages")
            stack.extend((kid, depth + 1) for kid in reversed(kids))
            continue
        count += 1
        if count > MAX_PAGES:
            raise _Fault(f"more than {MAX_PAGES} pages")
        yield node


def _contents(page: DictionaryObject) -> Iterator[StreamObject]:
    """The page's content streams (none for a blank page); a missing one is a fault."""
    if "/Contents" not in page:
        return
    contents = _resolve(page.raw_get("/Contents"), "its content")
    parts = contents if isinstance(contents, ArrayObject) else [contents]
    for part in parts:
        stream = _resolve(part, "its content stream")
        if not isinstance(stream, StreamObject):
            raise _Fault(f"its content is a {type(stream).__name__}, not a stream")
        yield stream


def _filters(stream: StreamObject) -> list[str]:
    value = _resolve(stream.get("/Filter"), "a stream filter") if "/Filter" in stream else None
    if value is None:
        return []
    items = value if isinstance(value, ArrayObject) else [value]
    return [str(_resolve(item, "a stream filter")) for item in items]


def _decode(stream: StreamObject, budget: list[int]) -> None:
    """Decode one content stream in full, counting its bytes against both limits."""
    filters = _filters(stream)
    raw: bytes = stream._data  # the encoded bytes, before pypdf's lenient decoding
    if not filters:
        _spend(len(raw), budget)
        return
    if all(f in _ASCII for f in filters[:-1]) and filters[-1] in _FLATE | set(_ASCII):
        for name in filters[:-1]:  # ASCII filters shrink: their output is bounded by the input
            raw = _ascii(name, raw)
        if filters[-1] in _FLATE:
            _inflate(raw, budget)
        else:
            _spend(len(_ascii(filters[-1], raw)), budget)
        return
    # another filter (LZW, run length…): pypdf decodes it under its own output limits
    try:
        data = stream.get_data()
    except (PyPdfError, ValueError, KeyError, TypeError, NotImplementedError, zlib.error) as exc:
        raise _Fault(f"its content stream ({', '.join(filters)}) does not decode ({exc})") from exc
    _spend(len(data), budget)


def _ascii(name: str, data: bytes) -> bytes:
    try:
        decoded = _ASCII[name].decode(data)
    except (PyPdfError, ValueError, TypeError) as exc:
        raise _Fault(f"its content stream ({name}) does not decode ({exc})") from exc
    return decoded if isinstance(decoded, bytes) else decoded.encode("latin-1")


def _inflate(data: bytes, budget: list[int]) -> None:
    """Inflate ``data`` strictly (zlib, or raw deflate as some writers emit), counting the
    output chunk by chunk: corrupt data, a checksum that does not match or data that ends
    before the compressed stream does is a fault, and so is output past the limits."""
    try:
        _inflate_with(zlib.MAX_WBITS, data, budget)
    except _Fault as fault:
        if not str(fault).startswith("incorrect header check"):
            raise
        _inflate_with(-zlib.MAX_WBITS, data, budget)


def _inflate_with(wbits: int, data: bytes, budget: list[int]) -> None:
    inflater = zlib.decompressobj(wbits)
    pending = data
    produced = 0
    try:
        while not inflater.eof:
            out = inflater.decompress(pending, _CHUNK)
            pending = inflater.unconsumed_tail
            produced += len(out)
            if produced > MAX_STREAM_BYTES:
                raise _Fault(
                    f"its content stream inflates past {MAX_STREAM_BYTES} bytes "
                    "(a decompression bomb?)"
                )
            _spend(len(out), budget)
            if not out and not pending:
                raise _Fault("its content stream is truncated (the compressed data stops short)")
    except zlib.error as exc:
        raise _Fault(f"{exc.args[0].split(': ', 1)[-1]} in its flate content stream") from exc


def _spend(size: int, budget: list[int]) -> None:
    budget[0] -= size
    if budget[0] < 0:
        raise _Fault(
            f"its content streams decode to more than {MAX_DECODED_BYTES} bytes in all "
            "(a decompression bomb?)"
        )
