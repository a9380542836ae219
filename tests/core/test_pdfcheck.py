"""A PDF is read to its last page before anything is sent: every content stream decoded, and
what pypdf's lenient reading smooths over (a corrupt or truncated flate stream, a missing
object, a looping page tree, a decompression bomb) is a fault — a draft, never a refused act.

The fixtures are made here: a PDF from fpdf2 (through the service's own text renderer), its
first page's content stream replaced through pypdf's writer (so that the file's structure
stays sound and only the stream is damaged), or its bytes edited."""

from __future__ import annotations

import io
import zlib
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DecodedStreamObject, EncodedStreamObject, NameObject, StreamObject

from workflow.adapters.textpdf import text_pdf
from workflow.protocol import pdfcheck
from workflow.protocol.pdfcheck import pdf_fault

TEXT = "Délibération du conseil municipal\n" + "Le conseil, après en avoir délibéré.\n" * 90


def _pdf() -> bytes:
    return text_pdf(TEXT)


def _first_content(pdf: bytes) -> bytes:
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    contents = page.get_contents()
    assert contents is not None
    data: bytes = contents.get_data()
    return data


def _with_stream(pdf: bytes, raw: bytes, filters: str | None = "/FlateDecode") -> bytes:
    """``pdf`` with its first page's content replaced by a stream of ``raw`` encoded bytes."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    stream = EncodedStreamObject() if filters else DecodedStreamObject()
    stream._data = raw
    if filters:
        stream[NameObject("/Filter")] = NameObject(filters)
    writer.pages[0][NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _write(tmp_path: Path, data: bytes, name: str = "act.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_the_undamaged_pdf_and_its_rewritten_copy_pass(tmp_path: Path) -> None:
    pdf = _pdf()
    assert len(PdfReader(io.BytesIO(pdf)).pages) >= 2  # the fault must name the page
    assert pdf_fault(_write(tmp_path, pdf)) is None
    rewritten = _with_stream(pdf, zlib.compress(_first_content(pdf)))
    assert pdf_fault(_write(tmp_path, rewritten, "copy.pdf")) is None


def test_a_corrupt_flate_content_stream_is_a_fault_though_pypdf_reads_it(tmp_path: Path) -> None:
    pdf = _pdf()
    compressed = bytearray(zlib.compress(_first_content(pdf)))
    middle = len(compressed) // 2
    compressed[middle : middle + 16] = bytes(b ^ 0x5A for b in compressed[middle : middle + 16])
    damaged = _with_stream(pdf, bytes(compressed))
    lenient = PdfReader(io.BytesIO(damaged)).pages[0]["/Contents"].get_object()
    assert (
        isinstance(lenient, StreamObject) and lenient.get_data()
    )  # pypdf's lenient decoding gets something out of it
    fault = pdf_fault(_write(tmp_path, damaged))
    assert fault is not None and fault.startswith("page 1 of "), fault
    assert "flate content stream" in fault


def test_a_truncated_content_stream_is_a_fault(tmp_path: Path) -> None:
    pdf = _pdf()
    compressed = zlib.compress(_first_content(pdf))
    fault = pdf_fault(_write(tmp_path, _with_stream(pdf, compressed[: len(compressed) // 2])))
    assert fault is not None and "truncated" in fault, fault


def test_a_bad_checksum_is_a_fault(tmp_path: Path) -> None:
    pdf = _pdf()
    compressed = bytearray(zlib.compress(_first_content(pdf)))
    compressed[-1] ^= 0xFF  # the Adler-32 at the end: all the data inflates, the check fails
    fault = pdf_fault(_write(tmp_path, _with_stream(pdf, bytes(compressed))))
    assert fault is not None and "incorrect data check" in fault, fault


def test_raw_deflate_and_ascii_filters_are_read(tmp_path: Path) -> None:
    pdf = _pdf()
    content = _first_content(pdf)
    deflater = zlib.compressobj(wbits=-15)
    raw = deflater.compress(content) + deflater.flush()
    assert pdf_fault(_write(tmp_path, _with_stream(pdf, raw), "raw.pdf")) is None
    hexed = _with_stream(pdf, content.hex().encode() + b">", "/ASCIIHexDecode")
    assert pdf_fault(_write(tmp_path, hexed, "hex.pdf")) is None
    plain = _with_stream(pdf, content, None)
    assert pdf_fault(_write(tmp_path, plain, "plain.pdf")) is None


def test_a_missing_page_object_is_a_fault(tmp_path: Path) -> None:
    pdf = _pdf()
    kids = pdf[pdf.index(b"/Kids") : pdf.index(b"]", pdf.index(b"/Kids")) + 1]
    last = kids.rsplit(b"[", 1)[-1].split()[-3]  # the last kid's object number
    damaged = pdf.replace(kids, kids.replace(last + b" 0 R]", b"9" + last + b" 0 R]"))
    assert damaged != pdf
    assert len(PdfReader(io.BytesIO(damaged)).pages) >= 1  # the lenient reading goes on
    fault = pdf_fault(_write(tmp_path, damaged))
    assert fault is not None and "is missing" in fault and "a page" in fault, fault


def test_a_missing_content_stream_is_a_fault(tmp_path: Path) -> None:
    pdf = _pdf()
    start = pdf.index(b"/Contents ") + len(b"/Contents ")
    damaged = pdf[:start] + b"9" + pdf[start:]  # /Contents 94 0 R: nothing at that number
    fault = pdf_fault(_write(tmp_path, damaged))
    assert fault is not None and fault.startswith("page 1 of ") and "is missing" in fault, fault


def test_a_looping_page_tree_is_a_fault(tmp_path: Path) -> None:
    pdf = _pdf()
    kids = pdf[pdf.index(b"/Kids") : pdf.index(b"]", pdf.index(b"/Kids")) + 1]
    pages_number = pdf[: pdf.index(b"/Kids")].rsplit(b" 0 obj", 1)[0].split()[-1]
    damaged = pdf.replace(kids, b"/Kids [" + pages_number + b" 0 R]")
    fault = pdf_fault(_write(tmp_path, damaged))
    assert fault is not None and "loops" in fault, fault


def _bomb(size: int) -> bytes:
    """``size`` bytes of spaces, deflated by chunks: about a thousand times smaller."""
    deflater = zlib.compressobj(9)
    chunk = b" " * (1024 * 1024)
    parts = [deflater.compress(chunk) for _ in range(size // len(chunk))]
    return b"".join(parts) + deflater.flush()


def test_a_decompression_bomb_is_refused_not_inflated(tmp_path: Path) -> None:
    """The real limit: one stream inflating past MAX_STREAM_BYTES is refused."""
    bomb = _bomb(pdfcheck.MAX_STREAM_BYTES + 1024 * 1024)
    assert len(bomb) < pdfcheck.MAX_STREAM_BYTES // 500
    fault = pdf_fault(_write(tmp_path, _with_stream(_pdf(), bomb)))
    assert fault is not None and "decompression bomb" in fault, fault
    assert f"past {pdfcheck.MAX_STREAM_BYTES} bytes" in fault


def test_the_document_total_and_the_page_count_are_bounded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pdf = _pdf()
    path = _write(tmp_path, pdf)
    monkeypatch.setattr(pdfcheck, "MAX_DECODED_BYTES", 1000)
    fault = pdf_fault(path)
    assert fault is not None and "more than 1000 bytes in all" in fault, fault
    monkeypatch.setattr(pdfcheck, "MAX_DECODED_BYTES", 10**9)
    monkeypatch.setattr(pdfcheck, "MAX_PAGES", 1)
    fault = pdf_fault(path)
    assert fault is not None and "more than 1 pages" in fault, fault


def test_a_file_that_is_no_pdf_structure_is_a_fault(tmp_path: Path) -> None:
    corrupt = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 9 0 R>>endobj\ngarbage\n%%EOF\n"
    assert pdf_fault(_write(tmp_path, corrupt)) is not None


@pytest.mark.shared
def test_every_real_act_reads_to_its_last_page(shared_dir: Path) -> None:
    pdfs = sorted((shared_dir / "fixtures" / "real-acts").glob("*.pdf"))
    assert len(pdfs) >= 17
    assert {p.name: pdf_fault(p) for p in pdfs} == {p.name: None for p in pdfs}
