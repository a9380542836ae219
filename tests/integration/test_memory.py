"""Constant memory in the size of the act (issue 13): a large act posted by the platform
client and received, packaged, stored and validated by the simulator, in this process, never
held whole in memory by either side."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support import DREUX
from workflow.adapters.platform_http import HttpPlatform
from workflow.adapters.simulator.routes import common
from workflow.adapters.simulator.server import BackgroundSimulator, SimulatorOptions
from workflow.adapters.simulator.state import Delays, SimulatorState
from workflow.collectivite import Registry
from workflow.errors import InvalidDocument, Rejected
from workflow.intake.text import read_document_text
from workflow.interfaces.cli.supervisor import free_port
from workflow.platform import FormSubmission, PlatformConfig, PlatformStatus
from workflow.protocol.archive import ReceivedArchive

LARGE = 48 * 1024 * 1024


def large_pdf(path: Path, size: int) -> Path:
    """A one-page PDF whose bulk is an incompressible stream, written by chunks."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    offsets = []
    with path.open("wb") as out:
        out.write(b"%PDF-1.7\n")
        for number, body in enumerate(objects, start=1):
            offsets.append(out.tell())
            out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
        offsets.append(out.tell())
        out.write(b"4 0 obj\n<< /Length %d >>\nstream\n" % size)
        for _ in range(size // (1024 * 1024)):
            out.write(os.urandom(1024 * 1024))
        out.write(b"\nendstream\nendobj\n")
        xref = out.tell()
        out.write(b"xref\n0 5\n0000000000 65535 f \n")
        out.writelines(b"%010d 00000 n \n" % offset for offset in offsets)
        out.write(b"trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref)
    return path


@pytest.fixture
def simulator(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    port = free_port()
    state_file = tmp_path / "sim.sqlite3"
    options = SimulatorOptions(
        port=port,
        state_file=state_file,
        delays=Delays(1, 1000, 1000),
        registry=Registry((DREUX,)),
    )
    with BackgroundSimulator(options):
        yield f"http://127.0.0.1:{port}", state_file


def _form(document: Path, number: str) -> FormSubmission:
    return FormSubmission(
        nature_code=1,
        classification=(8, 1),
        number=number,
        decision_date="2026-01-05",
        subject="Budget primitif",
        document=document,
        document_typology="99_DE",
        siren="212801344",
    )


def test_a_large_act_goes_through_client_and_simulator_in_bounded_memory(
    simulator: tuple[str, Path], tmp_path: Path
) -> None:
    url, state_file = simulator
    document = large_pdf(tmp_path / "budget.pdf", LARGE)
    digest = hashlib.sha256(document.read_bytes()).hexdigest()
    with HttpPlatform(PlatformConfig(base_url=url, read_timeout=120)) as platform:
        tracemalloc.start()
        try:
            transaction = platform.submit_form(_form(document, "BP2026_1")).transaction_id
            requests.post(f"{url}/control/advance", json={"seconds": 2}, timeout=10)
            status = platform.get_status(transaction).status  # validates the act (1 → 2)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert status is PlatformStatus.EN_ATTENTE_DE_TRANSMISSION, platform.get_status(transaction)
    # every step reads by chunks: one whole copy of the document alone would be 48 MiB
    assert peak < 24 * 1024 * 1024, f"peak {peak / 2**20:.1f} MiB for a 48 MiB act"
    state = SimulatorState(state_file)
    row = state.query("SELECT * FROM transactions WHERE id = ?", transaction)[0]
    archive = state.archive_of(row)
    assert isinstance(archive, Path) and row["message_archive"] is None  # on disk, not a BLOB
    with ReceivedArchive.open(archive) as received:
        name = next(n for n in received.names() if n.endswith(".pdf"))
        copy = hashlib.sha256()
        with (tmp_path / "copy.pdf").open("wb") as out:
            received.copy_to(name, out)
        with (tmp_path / "copy.pdf").open("rb") as stream:
            while chunk := stream.read(1024 * 1024):
                copy.update(chunk)
    assert copy.hexdigest() == digest  # the same bytes, received and stored


def test_an_upload_over_the_limit_is_refused_and_nothing_is_stored(
    simulator: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, state_file = simulator
    monkeypatch.setattr(common, "MAX_BODY", 256 * 1024)
    document = large_pdf(tmp_path / "budget.pdf", 1024 * 1024)
    with (
        HttpPlatform(PlatformConfig(base_url=url)) as platform,
        pytest.raises(Rejected, match="trop élevée"),  # Content-Length: refused at once
    ):
        platform.submit_form(_form(document, "BP2026_2"))

    def chunked() -> Iterator[bytes]:  # no Content-Length: cut off once past the limit
        yield b'--b\r\nContent-Disposition: form-data; name="api"\r\n\r\n1\r\n'
        yield b'--b\r\nContent-Disposition: form-data; name="acte_pdf_file"; filename="a.pdf"\r\n'
        yield b"Content-Type: application/pdf\r\n\r\n"
        for _ in range(8):
            yield b"x" * 64 * 1024

    response = requests.post(
        f"{url}/modules/actes/actes_transac_create.php?api=1",
        data=chunked(),
        headers={"Content-Type": "multipart/form-data; boundary=b"},
        timeout=10,
    )
    assert response.text.startswith("KO") and "trop élevée" in response.text
    assert SimulatorState(state_file).query("SELECT id FROM transactions") == []


def test_intake_reads_a_large_pdf_through_the_file_never_whole(tmp_path: Path) -> None:
    document = large_pdf(tmp_path / "budget.pdf", LARGE)
    tracemalloc.start()
    try:
        with contextlib.suppress(InvalidDocument):  # no text layer: said, after reading it
            read_document_text(document)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024 * 1024, f"peak {peak / 2**20:.1f} MiB for a 48 MiB PDF"
