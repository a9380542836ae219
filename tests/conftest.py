"""Fixtures shared by every layer of tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fpdf import FPDF

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture
def shared_dir() -> Path:
    """The read-only reference folder beside the repository; tests using it skip without it."""
    if not SHARED.is_dir():
        pytest.skip(f"reference material not found at {SHARED}")
    return SHARED


def make_pdf(text: str = "Délibération de test") -> bytes:
    """A small real PDF with a text layer."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


@pytest.fixture
def pdf_factory(tmp_path: Path) -> Callable[..., Path]:
    counter = iter(range(1_000_000))

    def build(text: str = "Délibération de test", name: str | None = None) -> Path:
        path = tmp_path / (name or f"doc{next(counter)}.pdf")
        path.write_bytes(make_pdf(text))
        return path

    return build
