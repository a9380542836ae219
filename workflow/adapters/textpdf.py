"""Render plain text as a PDF with a text layer (fpdf2, built-in Helvetica): the demo's
deliberations, and test documents. Characters outside Latin-1, which the built-in fonts
cannot draw, are replaced by their usual ASCII spelling (œ → oe, € → EUR, ’ → ')."""

from __future__ import annotations

import datetime as dt
import unicodedata

from fpdf import FPDF

_REPLACEMENTS = {
    "œ": "oe", "Œ": "OE", "€": "EUR", "’": "'", "‘": "'", "“": '"', "”": '"', "–": "-",
    "—": "-", "…": "...", "\u202f": " ", "\u2009": " ", "\t": "    ",
}  # fmt: skip


def latin1(text: str) -> str:
    out = []
    for char in unicodedata.normalize("NFC", text):
        if char in _REPLACEMENTS:
            out.append(_REPLACEMENTS[char])
        elif ord(char) < 256:
            out.append(char)
        else:
            decomposed = (
                unicodedata.normalize("NFKD", char).encode("latin-1", "ignore").decode("latin-1")
            )
            out.append(decomposed or "?")
    return "".join(out)


def text_pdf(text: str, *, font_size: float = 10, created: dt.datetime | None = None) -> bytes:
    """One PDF line per text line (long lines wrap), so a reader finds the text's layout.

    ``created`` fixes the creation date (and so the file's /ID): the same text and date give the
    same bytes, which a caller re-posting "the same document" relies on."""
    pdf = FPDF()
    if created is not None:
        pdf.set_creation_date(created)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", size=font_size)
    for line in latin1(text).split("\n"):
        pdf.multi_cell(0, font_size * 0.5, line or " ", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
