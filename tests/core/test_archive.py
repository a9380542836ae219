"""Archives: deterministic writing, and reading from outside without trusting the content."""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflow.errors import InvalidDocument, UnsafeArchive
from workflow.protocol.archive import ArchiveLimits, ReceivedArchive, is_safe_member_name
from workflow.protocol.archive_out import OutgoingMember, write_archive


def _tar_gz(entries: list[tuple[tarfile.TarInfo, bytes | None]]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for info, data in entries:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return buffer.getvalue()


def _file(name: str, data: bytes) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def test_same_members_give_the_same_bytes(tmp_path: Path) -> None:
    doc = tmp_path / "doc.pdf"
    doc.write_bytes(b"%PDF-1.4 x %%EOF")
    members = [OutgoingMember("b.xml", b"<b/>"), OutgoingMember("a.pdf", doc)]
    first = write_archive(tmp_path / "one" / "x.tar.gz", members, mtime=1_700_000_000)
    second = write_archive(
        tmp_path / "two" / "x.tar.gz", list(reversed(members)), mtime=1_700_000_000
    )
    assert first.path.read_bytes() == second.path.read_bytes()
    assert first.sha256 == second.sha256
    assert first.size == first.path.stat().st_size
    with tarfile.open(first.path) as tar:
        assert tar.getnames() == ["a.pdf", "b.xml"]
        assert {m.mtime for m in tar.getmembers()} == {1_700_000_000}
        assert {(m.uid, m.gid, m.uname) for m in tar.getmembers()} == {(0, 0, "")}
    with gzip.open(first.path) as stream:
        assert stream.read()  # a plain gzip stream


@settings(max_examples=25, deadline=None)
@given(
    st.dictionaries(
        st.from_regex(r"\A[a-z][a-z0-9_]{0,8}\.xml\Z"),
        st.binary(max_size=200),
        min_size=1,
        max_size=5,
    )
)
def test_write_then_read_round_trip(
    tmp_path_factory: pytest.TempPathFactory, files: dict[str, bytes]
) -> None:
    path = tmp_path_factory.mktemp("rt") / "a.tar.gz"
    write_archive(path, [OutgoingMember(n, d) for n, d in files.items()], mtime=0)
    with ReceivedArchive.open(path) as archive:
        assert sorted(archive.names()) == sorted(files)
        for name, data in files.items():
            assert archive.read(name) == data


def test_writer_refuses_unsafe_or_duplicate_names(tmp_path: Path) -> None:
    with pytest.raises(InvalidDocument, match="flat"):
        write_archive(tmp_path / "x.tar.gz", [OutgoingMember("../x.xml", b"")], mtime=0)
    with pytest.raises(InvalidDocument, match="same name"):
        write_archive(
            tmp_path / "x.tar.gz", [OutgoingMember("a", b""), OutgoingMember("a", b"")], mtime=0
        )
    assert not list(tmp_path.iterdir())  # nothing half-written


def test_failed_write_leaves_nothing(tmp_path: Path) -> None:
    missing = OutgoingMember("gone.pdf", tmp_path / "missing.pdf")
    with pytest.raises(FileNotFoundError):
        write_archive(
            tmp_path / "out" / "x.tar.gz", [OutgoingMember("a.xml", b"<a/>"), missing], mtime=0
        )
    assert list((tmp_path / "out").iterdir()) == []


@pytest.mark.parametrize(
    "name", ["../evil.xml", "/etc/passwd", "dir/a.xml", ".hidden", "a..b", "é.xml", ""]
)
def test_unsafe_names(name: str) -> None:
    assert not is_safe_member_name(name)


@pytest.mark.parametrize(
    "name",
    ["99_DE-028-212801344-20221018-DEL2022_148-DE-1-1_1.pdf", "EACT--212801344--20221018-1.xml"],
)
def test_protocol_names_are_safe(name: str) -> None:
    assert is_safe_member_name(name)


def _traversal() -> bytes:
    return _tar_gz([_file("../../etc/cron.d/x", b"boom")])


def _symlink() -> bytes:
    info = tarfile.TarInfo("link.xml")
    info.type = tarfile.SYMTYPE
    info.linkname = "/etc/passwd"
    return _tar_gz([(info, None)])


def _hardlink() -> bytes:
    info = tarfile.TarInfo("hard.xml")
    info.type = tarfile.LNKTYPE
    info.linkname = "a.xml"
    return _tar_gz([_file("a.xml", b"<a/>"), (info, None)])


def _directory() -> bytes:
    info = tarfile.TarInfo("dir")
    info.type = tarfile.DIRTYPE
    return _tar_gz([(info, None)])


def _device() -> bytes:
    info = tarfile.TarInfo("dev")
    info.type = tarfile.CHRTYPE
    return _tar_gz([(info, None)])


def _duplicate() -> bytes:
    return _tar_gz([_file("a.xml", b"<a/>"), _file("a.xml", b"<b/>")])


@pytest.mark.parametrize(
    ("build", "why"),
    [
        (_traversal, "flat"),
        (_symlink, "link"),
        (_hardlink, "link"),
        (_directory, "directory"),
        (_device, "special file"),
        (_duplicate, "twice"),
        (lambda: b"not an archive at all", ".tar.gz"),
        (lambda: gzip.compress(b"x" * 1000), "corrupt|.tar.gz"),
        (lambda: _tar_gz([]), "empty"),
    ],
)
def test_hostile_archives_are_refused(build: object, why: str) -> None:
    assert callable(build)
    with (
        pytest.raises(UnsafeArchive, match=why),
        ReceivedArchive.open(build(), name="hostile.tar.gz"),
    ):
        pass


def test_bomb_is_refused_from_headers_before_inflating() -> None:
    # 1 GiB of zeros compresses to about 1 MiB; the declared size alone must stop it. Build
    # the header by hand so the test does not need to inflate it either.
    info = tarfile.TarInfo("bomb.pdf")
    info.size = 1024 * 1024 * 1024
    header = info.tobuf(format=tarfile.USTAR_FORMAT)
    data = gzip.compress(header + b"\0" * 4096)  # truncated content: we must not get that far
    with pytest.raises(UnsafeArchive, match="declares"), ReceivedArchive.open(data):
        pass


def test_member_count_and_total_limits() -> None:
    many = _tar_gz([_file(f"m{i}.xml", b"<a/>") for i in range(6)])
    with (
        pytest.raises(UnsafeArchive, match="more than 5 members"),
        ReceivedArchive.open(many, limits=ArchiveLimits(max_members=5)),
    ):
        pass
    big = _tar_gz([_file(f"m{i}.xml", b"x" * 600) for i in range(2)])
    with (
        pytest.raises(UnsafeArchive, match="inflates"),
        ReceivedArchive.open(big, limits=ArchiveLimits(max_total_bytes=1000)),
    ):
        pass


def test_reading_limits_and_streaming(tmp_path: Path) -> None:
    data = _tar_gz([_file("big.pdf", b"%PDF-" + b"x" * 5000)])
    with ReceivedArchive.open(data) as archive:
        with pytest.raises(UnsafeArchive, match="in memory"):
            archive.read("big.pdf", max_bytes=100)
        target = io.BytesIO()
        assert archive.copy_to("big.pdf", target) == 5005
        assert target.getvalue().startswith(b"%PDF-")
        with pytest.raises(InvalidDocument, match="no member"):
            archive.read("other.pdf")


def test_one_gzip_stream_stores_what_does_not_compress_and_deflates_xml(tmp_path: Path) -> None:
    import os
    import zlib

    noise = tmp_path / "scan.pdf"
    noise.write_bytes(b"%PDF-1.7\n" + os.urandom(300_000) + b"\n%%EOF\n")
    xml = b"<a>" + b"<b>deliberation</b>" * 5000 + b"</a>"
    written = write_archive(
        tmp_path / "x.tar.gz",
        [OutgoingMember("a.xml", xml), OutgoingMember("scan.pdf", noise, level=0)],
        mtime=0,
    )
    data = written.path.read_bytes()
    inflater = zlib.decompressobj(wbits=31)  # one gzip member, as every reader expects
    tar_bytes = inflater.decompress(data)
    assert inflater.eof and inflater.unused_data == b""
    assert gzip.decompress(data) == tar_bytes
    with tarfile.open(fileobj=io.BytesIO(tar_bytes)) as tar:
        assert tar.extractfile("scan.pdf").read() == noise.read_bytes()  # type: ignore[union-attr]
        assert tar.extractfile("a.xml").read() == xml  # type: ignore[union-attr]
    # stored: the PDF costs its own size plus 5 bytes a block; the XML shrinks to almost nothing
    assert noise.stat().st_size < written.size < noise.stat().st_size + 10_000
    alone = write_archive(tmp_path / "xml.tar.gz", [OutgoingMember("a.xml", xml)], mtime=0)
    assert alone.size < len(xml) // 20


def test_deflate_level_follows_the_content(tmp_path: Path) -> None:
    import os

    from workflow.protocol.documents import examine

    text_pdf = tmp_path / "text.pdf"
    text_pdf.write_bytes(b"%PDF-1.4\n" + b"BT /F1 12 Tf (Deliberation) Tj ET\n" * 3000 + b"%%EOF\n")
    scanned = tmp_path / "scan.pdf"
    scanned.write_bytes(b"%PDF-1.4\n" + os.urandom(200_000) + b"\n%%EOF\n")
    png = tmp_path / "plan.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 50_000)
    xml = tmp_path / "budget.xml"
    xml.write_bytes(b'<?xml version="1.0"?><a>' + os.urandom(10).hex().encode() + b"</a>")
    assert examine(text_pdf, field="d").deflate_level == 1
    assert examine(scanned, field="d").deflate_level == 0
    assert examine(png, field="d").deflate_level == 0  # compressed already, whatever it holds
    assert examine(xml, field="d").deflate_level == 6
