"""A document's text, line by line, each line knowing its page (and, read by OCR, how sure
the OCR was of it).

PDFs are read through their text layer (pypdf); a page whose text layer is (almost) empty — a
scan, or a scan whose only text is the stamp the platform added — is also read through OCR
(:mod:`workflow.intake.ocr`), as are PNG and JPEG images. Without OCR on the machine such a
document is refused with the reason (the caller can give the metadata instead), as is an
encrypted PDF. Plain text is read as UTF-8, falling back to Windows-1252 (what office software
exports on French machines).
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from pathlib import Path

from pypdf import PageObject, PdfReader

from workflow.errors import InvalidDocument
from workflow.intake.ocr import ocr_image, ocr_missing, ocr_pdf_page
from workflow.protocol.documents import DocumentKind, sniff_kind

#: fewer letters than this in the whole text layer: the PDF is taken for a scan
MIN_LETTERS = 40
#: a deliberation's text is a few pages: a bigger text file is refused before it is read
MAX_TEXT_BYTES = 4 * 1024 * 1024
#: pages read at most (a deliberation's metadata is at its start; its annexes may be long)
MAX_PAGES = 50
#: a page with fewer letters than this in its text layer is read through OCR as well
PAGE_MIN_LETTERS = 200
#: pages read through OCR at most (a few seconds each)
MAX_OCR_PAGES = 10

_IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg"})
_EMPHASIS = re.compile(r"\*{1,3}|_{2,}")


@dataclass(frozen=True, slots=True)
class Line:
    number: int  # 1-based, over the whole document
    page: int  # 1-based; 1 for plain text
    text: str  # stripped, emphasis markers removed
    ocr: float | None = None  # OCR's confidence in the line (0–1); None: not read by OCR


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

    @classmethod
    def from_pages(
        cls, pages: list[list[tuple[str, float | None]]], *, source: str
    ) -> TextDocument:
        """Pages of (line, OCR confidence or ``None``)."""
        lines: list[Line] = []
        for page_number, page in enumerate(pages, start=1):
            for raw, confidence in page:
                cleaned = " ".join(_EMPHASIS.sub("", raw).split())
                lines.append(Line(len(lines) + 1, page_number, cleaned, confidence))
        return cls(tuple(lines), len(pages), source)

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
    if kind in (DocumentKind.PNG, DocumentKind.JPEG) and path.suffix.lower() in _IMAGE_SUFFIXES:
        return _read_image(path, field=field)  # an image that says it is one: a scan
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
    with contextlib.ExitStack() as files:
        try:
            # an open file, not the path: pypdf reads a path whole into memory (issue 13)
            reader = PdfReader(files.enter_context(path.open("rb")))
            if reader.is_encrypted:
                raise InvalidDocument(
                    f"{path.name} is an encrypted PDF: the préfecture must be able to open the act",
                    field=field,
                    rule="PDF not encrypted",
                    value=path.name,
                )
            pages = [page.extract_text() or "" for page in reader.pages[:MAX_PAGES]]
            pictured = {
                n for n, page in enumerate(reader.pages[:MAX_PAGES], start=1) if _has_image(page)
            }
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
    return _with_ocr(path, pages, pictured, field=field)


def _has_image(page: PageObject) -> bool:
    """Whether the page draws an image (a scan), looking only at its resources."""
    resources = page.get("/Resources")
    xobjects = resources.get_object().get("/XObject") if resources is not None else None
    if xobjects is None:
        return False
    return any(
        xobject.get_object().get("/Subtype") == "/Image"
        for xobject in xobjects.get_object().values()
    )


def _letters(text: str) -> int:
    return sum(ch.isalpha() for ch in text)


def _no_ocr(name: str, letters: int, pages: int, missing: str, *, field: str) -> InvalidDocument:
    from workflow.i18n import _  # the catalogs are read only when a clerk is told

    return InvalidDocument(
        f"{name} has no text layer ({letters} letters on {pages} page(s)). "
        + _(
            "It is a scan and OCR is not installed on this server (package {missing} "
            "missing): it cannot be read; give its metadata (number, date, nature, objet)",
            missing=missing,
        ),
        field=field,
        rule="a PDF with a text layer",
        value=name,
    )


def _with_ocr(path: Path, pages: list[str], pictured: set[int], *, field: str) -> TextDocument:
    """The text layer, and OCR's reading of each page that is a picture with (almost) no text
    layer (a page without any text or image is read too: a scan may be drawn otherwise)."""
    letters = sum(_letters(page) for page in pages)
    scanned = [
        n for n, page in enumerate(pages, start=1)
        if (n in pictured and _letters(page) < PAGE_MIN_LETTERS) or _letters(page) == 0
    ]  # fmt: skip
    missing = ocr_missing() if scanned else None
    if missing is not None or not scanned:
        if letters < MIN_LETTERS:
            raise _no_ocr(path.name, letters, len(pages), missing or "?", field=field)
        return TextDocument.from_text("", pages=pages, source="pdf")
    read: list[list[tuple[str, float | None]]] = []
    for number, page in enumerate(pages, start=1):
        layer: list[tuple[str, float | None]] = [(raw, None) for raw in page.splitlines()]
        if number in scanned[:MAX_OCR_PAGES]:
            layer += [
                (line.text, line.confidence) for line in ocr_pdf_page(path, number, field=field)
            ]
        read.append(layer)
    document = TextDocument.from_pages(read, source="pdf+ocr")
    if document.letters < MIN_LETTERS:
        raise InvalidDocument(
            f"{path.name} has no text layer and OCR read almost nothing ({document.letters} "
            f"letters on {len(pages)} page(s)): give its metadata",
            field=field,
            rule="a PDF with a text layer",
            value=path.name,
        )
    return document


def _read_image(path: Path, *, field: str) -> TextDocument:
    missing = ocr_missing()
    if missing is not None:
        raise _no_ocr(path.name, 0, 1, missing, field=field)
    lines = ocr_image(path, field=field)
    return TextDocument.from_pages([[(line.text, line.confidence) for line in lines]], source="ocr")
