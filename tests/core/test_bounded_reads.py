"""Outside files are sized before they are read (issue 14 #7): ``actes inspect`` and the
intake's text reader refuse a 2 GB file without reading it; a ZIP/PDF polyglot is refused."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import make_pdf
from workflow.errors import InvalidDocument
from workflow.protocol import documents
from workflow.protocol.buffers import CHUNK
from workflow.protocol.documents import examine

_CHILD = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (600 * 1024**2, 600 * 1024**2))
from pathlib import Path
from workflow.errors import ActesError
from workflow.intake.text import read_document_text
from workflow.protocol.inspection import inspect_file
reader = {"inspect": inspect_file, "text": read_document_text}[sys.argv[1]]
try:
    reader(Path(sys.argv[2]))
    print("read")
except ActesError as error:
    print("refused:", error.rule)
"""


@pytest.mark.parametrize(
    ("reader", "head"), [("inspect", b"<?xml version='1.0'?><a>"), ("text", b"Deliberation ")]
)
def test_a_2_gb_file_is_refused_before_it_is_read(reader: str, head: bytes, tmp_path: Path) -> None:
    path = tmp_path / "huge"
    with path.open("wb") as out:
        out.write(head + b"x" * 4096)
        out.truncate(2 * 1024**3)  # sparse: costs nothing on disk
    try:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, reader, str(path)],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{reader} read the 2 GB file")
    assert done.returncode == 0, done.stderr[-1500:]
    assert done.stdout.startswith("refused: at most"), done.stdout


def _polyglot() -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("payload.txt", "hidden")
    return make_pdf("Délibération du conseil municipal") + archive.getvalue()


def test_a_zip_pdf_polyglot_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "act.pdf"
    path.write_bytes(_polyglot())
    with pytest.raises(InvalidDocument, match="ZIP"):
        examine(path, field="document")
    zip_first = tmp_path / "zip-first.pdf"
    zip_first.write_bytes(b"PK\x03\x04" + b"\0" * 26 + make_pdf("x"))
    with pytest.raises(InvalidDocument):
        examine(zip_first, field="document")
    plain = tmp_path / "plain.pdf"
    plain.write_bytes(make_pdf("Délibération"))
    assert examine(plain, field="document").kind.value == "pdf"


def test_a_polyglot_larger_than_one_read_is_refused(tmp_path: Path) -> None:
    """Past the read buffer, the ZIP tail is read again from the file's end."""
    big = make_pdf("Délibération") + b"%" + os.urandom(CHUNK + 1000) + b"\n%%EOF\n"
    plain = tmp_path / "plain.pdf"
    plain.write_bytes(big)
    assert examine(plain, field="document").sha256 == hashlib.sha256(big).hexdigest()
    zipped = tmp_path / "zipped.pdf"
    zipped.write_bytes(big + _polyglot())
    with pytest.raises(InvalidDocument, match="ZIP"):
        examine(zipped, field="document")


@pytest.mark.parametrize("size", [10, 5000, CHUNK + 10])
def test_a_document_is_read_up_to_its_size(size: int, tmp_path: Path) -> None:
    """A file that grew after its ``stat`` is hashed as far as that size: the bytes the
    archive copies and the signature covers."""
    data = os.urandom(size + 3000)
    path = tmp_path / "growing.pdf"
    path.write_bytes(data)
    head, _, zip_tail, sha256, content = documents._read(path, size, keep=True)
    assert content == (data[:size] if size <= CHUNK else None)
    assert sha256 == hashlib.sha256(data[:size]).hexdigest()
    assert head == data[: min(size, 4096)]
    assert zip_tail == data[max(0, size - 22 - 65535) : size]


@pytest.mark.parametrize("size", [100, CHUNK, CHUNK + 1])
def test_a_document_is_kept_when_asked_and_in_one_read(size: int, tmp_path: Path) -> None:
    data = b"%PDF-1.7\n" + os.urandom(size - 15) + b"%%EOF\n"
    path = tmp_path / "act.pdf"
    path.write_bytes(data)
    assert examine(path, field="document").content is None
    kept = examine(path, field="document", keep=True)
    assert kept.content == (data if size <= CHUNK else None)
    assert kept.sha256 == hashlib.sha256(data).hexdigest()
