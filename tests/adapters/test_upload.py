"""The platform client's multipart body, streamed from disk (issue 13)."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from workflow.adapters.s2low_wire import FilePart, multipart, multipart_segments
from workflow.adapters.upload import CHUNK, MultipartBody, streamed_form
from workflow.errors import InvalidDocument

FIELDS = [("api", "1"), ("subject", "Délibération – n°3 « cœur »")]


def _drain(body: MultipartBody, size: int) -> bytes:
    out = bytearray()
    while piece := body.read(size):
        assert len(piece) <= size
        out += piece
    return bytes(out)


def test_the_streamed_body_is_the_same_bytes_as_the_form_in_memory(tmp_path: Path) -> None:
    document = tmp_path / "délibération.pdf"
    document.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 700 + b"%%EOF\n")
    on_disk = [
        FilePart("acte_pdf_file", document.name, document),
        FilePart("acte_attachments_sign[]", "", b""),
    ]
    segments, content_type = multipart_segments(FIELDS, on_disk)
    boundary = content_type.split("boundary=")[1]
    expected = b"".join(s if isinstance(s, bytes) else s.read_bytes() for s in segments)
    assert boundary.encode() in expected
    assert "Délibération - n°3 « coeur »".encode("iso-8859-1") in expected
    assert 'filename="délibération.pdf"'.encode("iso-8859-1") in expected
    for size in (1, 7, 1000, CHUNK * 3):
        body = MultipartBody(segments)
        assert len(body) == len(expected)  # requests sends it as Content-Length
        assert _drain(body, size) == expected
    assert b"".join(MultipartBody(segments)) == expected
    in_memory = [FilePart(p.field, p.name, document.read_bytes()) for p in on_disk[:1]]
    in_memory.append(on_disk[1])
    body, _ = multipart(FIELDS, in_memory)
    assert len(body) == len(expected)  # same layout, another boundary
    with pytest.raises(TypeError):
        multipart(FIELDS, on_disk)  # a file on disk is never read whole into a body


def test_a_large_file_is_read_by_chunks_never_whole(tmp_path: Path) -> None:
    document = tmp_path / "large.pdf"
    size = 64 * 1024 * 1024
    with document.open("wb") as out:
        out.truncate(size)  # sparse: nothing written, 64 MiB read
    body, _ = streamed_form(FIELDS, [FilePart("acte_pdf_file", "large.pdf", document)])
    tracemalloc.start()
    try:
        total = 0
        while piece := body.read(1024 * 1024):
            total += len(piece)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert total == len(body) > size
    assert peak < 8 * 1024 * 1024  # a whole read would allocate 64 MiB at once


@pytest.mark.parametrize("change", ["shrink", "grow"])
def test_a_file_that_changes_while_sent_is_refused(tmp_path: Path, change: str) -> None:
    document = tmp_path / "acte.pdf"
    document.write_bytes(b"x" * 100_000)
    body, _ = streamed_form([], [FilePart("acte_pdf_file", "acte.pdf", document)])
    body.read(10)
    with document.open("r+b") as stream:
        stream.truncate(50_000 if change == "shrink" else 150_000)
    with pytest.raises(InvalidDocument, match=r"acte\.pdf (shrank|grew)"):
        _drain(body, CHUNK)
    body.close()
