"""Archive writing's own machinery (issue 13): ustar headers without ``tarfile``, stored
blocks written from one buffer, short writes and temporary names — every archive the same tar
bytes as ``tarfile`` writes, in one gzip stream any reader opens."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import tarfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflow.protocol import archive_out
from workflow.protocol.archive_out import OutgoingMember, write_archive
from workflow.protocol.buffers import CHUNK


@settings(max_examples=200, deadline=None)
@given(
    st.from_regex(r"\A[A-Za-z0-9_][A-Za-z0-9_.\-]{0,99}\Z"),
    st.integers(min_value=0, max_value=8**11 - 1),
    st.integers(min_value=0, max_value=8**11 - 1),
)
def test_ustar_header_is_tarfiles(name: str, size: int, mtime: int) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode, info.uname, info.gname = size, mtime, 0o644, "", ""
    expected = info.tobuf(tarfile.USTAR_FORMAT, "utf-8", "surrogateescape")
    assert archive_out._ustar_header(name, size, mtime) == expected


def test_a_name_over_100_bytes_is_refused_as_tarfile_does() -> None:
    with pytest.raises(ValueError, match="too long"):
        archive_out._ustar_header("a" * 101, 1, 0)


def _tarfile_bytes(members: list[tuple[str, bytes]], mtime: int) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, data in sorted(members):
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode, info.uname, info.gname = (
                len(data),
                mtime,
                0o644,
                "",
                "",
            )
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.mark.parametrize(
    "size", [0, 1, 511, 512, 0xFFFF, 0x10000, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK + 4097]
)
@pytest.mark.parametrize("level", [0, 1, 6])
def test_every_size_gives_tarfiles_bytes_in_one_gzip_stream(
    tmp_path: Path, size: int, level: int
) -> None:
    document = tmp_path / "doc.pdf"
    document.write_bytes(os.urandom(size))
    message = b"<m>" + b"x" * 700 + b"</m>"
    members = [
        OutgoingMember("m.xml", message),
        OutgoingMember("doc.pdf", document, level),
        OutgoingMember("e.xml", b"<e/>"),
    ]
    written = write_archive(tmp_path / "out" / "a.tar.gz", members, mtime=1_767_657_600)
    data = written.path.read_bytes()
    assert written.size == len(data)
    assert written.sha256 == hashlib.sha256(data).hexdigest()  # the bytes on disk, hashed
    expected = _tarfile_bytes(
        [("m.xml", message), ("doc.pdf", document.read_bytes()), ("e.xml", b"<e/>")],
        1_767_657_600,
    )
    assert gzip.decompress(data) == expected
    assert [p.name for p in written.path.parent.iterdir()] == ["a.tar.gz"]  # no temporary left
    # the document held in memory (packaging keeps a small act's): the very same archive
    members[1] = OutgoingMember("doc.pdf", document, level, content=document.read_bytes())
    held = write_archive(tmp_path / "held" / "a.tar.gz", members, mtime=1_767_657_600)
    assert held.path.read_bytes() == data


def test_short_writes_are_finished(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    document = tmp_path / "doc.pdf"
    document.write_bytes(os.urandom(CHUNK + 10))
    members = [OutgoingMember("a.xml", b"<a/>"), OutgoingMember("doc.pdf", document, 0)]
    whole = write_archive(tmp_path / "one" / "a.tar.gz", members, mtime=0)
    writev = os.writev
    short: list[int] = []

    def half_of_the_first(fd: int, parts: list[bytes]) -> int:
        """As a signal may cut a write: only part of the first buffer goes out."""
        first = memoryview(parts[0])
        short.append(len(first))
        return writev(fd, [first[: max(1, len(first) // 2)]])

    monkeypatch.setattr(archive_out.os, "writev", half_of_the_first)
    cut = write_archive(tmp_path / "two" / "a.tar.gz", members, mtime=0)
    assert len(short) >= 2
    assert cut.path.read_bytes() == whole.path.read_bytes()
    assert cut.sha256 == whole.sha256


def test_a_leftover_temporary_name_is_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setattr(archive_out.os, "urandom", lambda n: b"\x00" * n)
    leftover = out / f".tmp-{'00' * 6}-a.tar.gz"
    leftover.write_bytes(b"someone else's")
    written = write_archive(out / "a.tar.gz", [OutgoingMember("a.xml", b"<a/>")], mtime=0)
    assert leftover.read_bytes() == b"someone else's"
    with tarfile.open(written.path) as tar:
        assert tar.getnames() == ["a.xml"]
    assert sorted(p.name for p in out.iterdir()) == sorted([leftover.name, "a.tar.gz"])


class _Shrunk(OutgoingMember):
    """A document that lost bytes between its size and its copy."""

    @property
    def size(self) -> int:
        return super().size + 10


def test_a_document_shorter_than_its_size_leaves_nothing(tmp_path: Path) -> None:
    document = tmp_path / "doc.pdf"
    document.write_bytes(b"%PDF-1.7 short %%EOF")
    out = tmp_path / "out"
    with pytest.raises(OSError, match="shorter"):
        write_archive(out / "a.tar.gz", [_Shrunk("doc.pdf", document, 0)], mtime=0)
    assert list(out.iterdir()) == []


def test_the_archive_and_its_folder_entry_are_fsynced_before_it_is_returned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a crash, the store's record of a package must name an archive that is there:
    its bytes are fsynced before the rename, and the folder (the rename) after it."""
    synced: list[tuple[str, bool]] = []  # (what the descriptor was, the final name present)
    target = tmp_path / "out" / "a.tar.gz"
    fsync = os.fsync

    def spying(descriptor: int) -> None:
        kind = "folder" if Path(f"/proc/self/fd/{descriptor}").is_dir() else "file"
        synced.append((kind, target.exists()))
        fsync(descriptor)

    monkeypatch.setattr(archive_out.os, "fsync", spying)
    write_archive(target, [OutgoingMember("m.xml", b"<m/>")], mtime=0)
    assert synced == [("file", False), ("folder", True)]
