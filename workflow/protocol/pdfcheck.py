"""The platform opens every PDF of an act after accepting it (``pdfinfo``; "Fichier pdf corrompu
dans l'archive", PROTOCOL.md §9) and refuses the act for good when one does not open: the same
check, run before anything is sent, reads each page to the last one."""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import PdfReadError, PyPdfError

RULE = "a PDF readable to its last page"
#: past this, a PDF is read page by page all the same; only the count is bounded in messages
_REPORTED_PAGES = 100_000


def pdf_fault(path: Path) -> str | None:
    """Why ``path`` is not a PDF the platform can open, or None when every page reads."""
    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted:
            return None  # reported by its own rule (PDF not encrypted)
        count = len(reader.pages)
        if count == 0:
            return "the PDF has no page"
        for number, page in enumerate(reader.pages, start=1):
            try:
                contents = page.get_contents()
                if contents is not None:
                    contents.get_data()  # decompressed: a broken stream fails here
                _ = page.mediabox
            except (PyPdfError, ValueError, KeyError, TypeError, AttributeError) as exc:
                return f"page {min(number, _REPORTED_PAGES)} of {count} cannot be read ({exc})"
    except (PyPdfError, PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        return f"the PDF structure is broken ({type(exc).__name__})"
    except RecursionError:
        return "the PDF structure is broken (nested too deeply)"
    return None
