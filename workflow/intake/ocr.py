"""Reading a scan: each page rendered to an image (poppler's ``pdftoppm``) and read by
Tesseract with its French data (through pytesseract), line by line with Tesseract's own
confidence, so that every field read from a line carries it.

Tesseract is a program of the machine (Debian: ``tesseract-ocr tesseract-ocr-fra``, and
``poppler-utils`` for ``pdftoppm``): :func:`ocr_missing` says what is missing, and a scan
read where it is missing is refused with that reason instead of being read as empty.
Pages are rendered one at a time into a temporary folder (bounded memory and time).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workflow.errors import InvalidDocument

#: rendering resolution: Tesseract reads best at about 300 dpi
DPI = 300
#: seconds allowed to render or read one page
PAGE_TIMEOUT = 120
LANGUAGE = "fra"
#: a word read with less confidence than this (Tesseract's 0–100) ...
WEAK_WORD = 60
#: ... caps its line's confidence here, below what a confident field needs
WEAK_LINE = 0.69
#: an image narrower than this (an A4 page at 300 dpi is 2480 px) is enlarged before OCR
MIN_WIDTH = 2400


@dataclass(frozen=True, slots=True)
class OcrLine:
    text: str
    confidence: float  # 0–1, the mean of Tesseract's word confidences


def ocr_missing() -> str | None:
    """What this machine lacks to read a scan (a package to install), or ``None``."""
    if shutil.which("tesseract") is None:
        return "tesseract-ocr"
    if shutil.which("pdftoppm") is None:
        return "poppler-utils"
    try:
        import pytesseract

        languages = pytesseract.get_languages(config="")
    except (ImportError, OSError, RuntimeError):
        return "pytesseract"
    return None if LANGUAGE in languages else "tesseract-ocr-fra"


def ocr_pdf_page(path: Path, page: int, *, field: str = "document") -> list[OcrLine]:
    """The lines of one page (1-based) of a PDF, read by OCR."""
    with tempfile.TemporaryDirectory(prefix="actes-ocr-") as folder:
        image = Path(folder) / "page"
        try:
            subprocess.run(  # noqa: S603 - fixed program, arguments are ours
                [  # noqa: S607 - pdftoppm found on PATH, as Tesseract is
                    "pdftoppm",
                    "-r",
                    str(DPI),
                    "-f",
                    str(page),
                    "-l",
                    str(page),
                    "-png",
                    "-singlefile",
                    str(path),
                    str(image),
                ],
                check=True,
                capture_output=True,
                timeout=PAGE_TIMEOUT,
            )
        except (subprocess.SubprocessError, OSError) as exc:
            raise InvalidDocument(
                f"{path.name}: page {page} cannot be rendered for OCR ({exc})",
                field=field,
                rule="a readable PDF",
                value=path.name,
            ) from exc
        return ocr_image(image.with_suffix(".png"), field=field)


def ocr_image(path: Path, *, field: str = "document") -> list[OcrLine]:
    """The lines of an image (PNG, JPEG), read by OCR."""
    import pytesseract

    # one thread per page: on a shared machine Tesseract's own threads make it several times slower
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    try:
        data: dict[str, list[Any]] = pytesseract.image_to_data(
            _at_reading_size(path),
            lang=LANGUAGE,
            output_type=pytesseract.Output.DICT,
            timeout=PAGE_TIMEOUT,
        )
    except (pytesseract.TesseractError, RuntimeError, OSError) as exc:
        raise InvalidDocument(
            f"{path.name}: OCR failed ({exc})", field=field, rule="a readable scan", value=path.name
        ) from exc
    return _lines(data)


def _at_reading_size(path: Path) -> Any:
    """The image, enlarged when it is smaller than a page at about 300 dpi (a screenshot or a
    web image of a page): Tesseract misreads small print below that."""
    from PIL import Image  # only a scan pays for it

    with Image.open(path) as image:
        image.load()
        if image.width >= MIN_WIDTH:
            return image.copy()
        factor = min(4.0, MIN_WIDTH / image.width)
        size = (round(image.width * factor), round(image.height * factor))
        return image.resize(size, Image.Resampling.LANCZOS)


def _lines(data: dict[str, list[Any]]) -> list[OcrLine]:
    """Tesseract's words grouped into its lines, each with the mean of its words' confidence."""
    lines: dict[tuple[int, int, int], list[tuple[str, float]]] = {}
    for index, word in enumerate(data["text"]):
        confidence = float(data["conf"][index])
        if not str(word).strip() or confidence < 0:
            continue
        key = (int(data["block_num"][index]), int(data["par_num"][index]),
               int(data["line_num"][index]))  # fmt: skip
        lines.setdefault(key, []).append((str(word), confidence))
    out: list[OcrLine] = []
    previous_block: tuple[int, int] | None = None
    for (block, paragraph, _), words in lines.items():
        if previous_block is not None and previous_block != (block, paragraph):
            out.append(OcrLine("", 1.0))  # a blank line between paragraphs, as in a text layer
        previous_block = (block, paragraph)
        mean = sum(c for _, c in words) / len(words) / 100
        if any(c < WEAK_WORD and any(ch.isalnum() for ch in w) for w, c in words):
            mean = min(mean, WEAK_LINE)  # one word Tesseract was unsure of: the line needs an eye
        out.append(OcrLine(" ".join(w for w, _ in words), round(mean, 3)))
    return out
