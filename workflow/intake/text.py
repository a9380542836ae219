"""A document's text, line by line, each line knowing its page.

PDFs are read through their text layer (pypdf); a PDF without one (a scan) or an encrypted PDF
is refused with the reason, so the caller can ask for the metadata instead. Plain text is read
as UTF-8, falling back to Windows-1252 (what office software exports on French machines).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader

from workflow.errors import InvalidDocument
from workflow.protocol.documents import DocumentKind, sniff_kind

#: fewer letters than this in the whole text layer: the PDF is taken for a scan
MIN_LETTERS = 40
#: a deliberation's text is a few pages: a bigger text file is refused before it is read
MAX_TEXT_BYTES = 4 * 1024 * 1024
#: pages read at most (a deliberation's metadata is at its start; its annexes may be long)
MAX_PAGES = 50

_EMPHASIS = re.compile(r"\*{1,3}|_{2,}")


@dataclass(frozen=True, slots=True)
class Line:
    number: int  # 1-based, over the whole document
    page: int  # 1-based; 1 for plain text
    text: str  # stripped, emphasis markers removed


@dataclass(frozen=True, slots=True)
class TextDocument:
    lines: tuple[Line, ...]
    pages: int
    source: str  # "pdf" or "text"

    @classmethod
    def from_text(
        cls, text: str, *, pages: list[str] | None = None, source: str = "text"
    ) -> TextDocument:
        lines: list[Line] = []
        for page_number, page_text in enumerate(pages if pages is not None else [text], start=1):
            for raw in page_text.splitlines():
                cleaned = " ".join(_EMPHASIS.sub("", raw).split())
                lines.append(Line(len(lines) + 1, page_number, cleaned))
        return cls(tuple(lines), len(pages) if pages is not None else 1, source)

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    @property
    def letters(self) -> int:
        return sum(ch.isalpha() for line in self.lines for ch in line.text)


def read_document_text(path: Path, *, field: str = "document") -> TextDocument:
    """The text of a PDF's text layer, or of a text file.

    Raises :class:`InvalidDocument` for an encrypted PDF, a PDF without a text layer, a PDF
    that cannot be read, or a file that is neither PDF nor text.
    """
    with path.open("rb") as stream:
        head = stream.read(4096)
    kind = sniff_kind(head)
    if kind is DocumentKind.PDF:
        return _read_pdf(path, field=field)
    if kind is None and b"\x00" not in head:
        size = path.stat().st_size
        if size > MAX_TEXT_BYTES:
            raise InvalidDocument(
                f"{path.name} is {size} bytes of text; a deliberation's text is at most "
                f"{MAX_TEXT_BYTES}",
                field=field,
                rule=f"at most {MAX_TEXT_BYTES} bytes of text",
                value=path.name,
            )
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")
        return TextDocument.from_text(text)
    raise InvalidDocument(
        f"{path.name} is neither a PDF nor a text file: no text to read",
        field=field,
        rule="a PDF with a text layer, or text",
        value=path.name,
    )


def _read_pdf(path: Path, *, field: str) -> TextDocument:
    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            raise InvalidDocument(
                f"{path.name} is an encrypted PDF: the préfecture must be able to open the act",
                field=field,
                rule="PDF not encrypted",
                value=path.name,
            )
        pages = [page.extract_text() or "" for page in reader.pages[:MAX_PAGES]]
    except InvalidDocument:
        raise
    except Exception as exc:
        # pypdf raises its own errors, but also NotImplementedError (unknown filter),
        # RecursionError (deep nesting), zlib.error, LimitReachedError … (issue 14 #3)
        raise InvalidDocument(
            f"{path.name} cannot be read as a PDF ({type(exc).__name__}: {str(exc)[:200]})",
            field=field,
            rule="a readable PDF",
            value=path.name,
        ) from exc
    document = TextDocument.from_text("", pages=pages, source="pdf")
    if document.letters < MIN_LETTERS:
        raise InvalidDocument(
            f"{path.name} has no text layer ({document.letters} letters on {len(pages)} page(s)): "
            "a scanned PDF must be OCR'd, or its metadata given",
            field=field,
            rule="a PDF with a text layer",
            value=path.name,
        )
    return document
