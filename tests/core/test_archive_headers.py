"""Extended tar headers (PAX, GNU long names) are bounded before ``tarfile`` reads them.

CPython before 3.11.10 / 3.12.6 scans a PAX header with a quadratic expression
(CVE-2024-6232) and reads a GNU long name whole: a 141-byte archive took seconds and a
1 MB one hung at 1.1 GB (issue 14 #2). Each hostile archive is opened in a child process
with a time and memory limit, so a regression fails the test instead of hanging it.
"""

from __future__ import annotations

import gzip
import subprocess
import sys
import tarfile
import zlib
from pathlib import Path

import pytest

from workflow.errors import UnsafeArchive
from workflow.protocol.archive import ReceivedArchive


def _header(name: str, kind: bytes, size: int) -> bytes:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.size = size
    return info.tobuf(format=tarfile.USTAR_FORMAT)


def _pax_bomb() -> bytes:
    """A PAX header of digits with no record: ~300 bytes that CPython 3.11.7 chews for seconds
    (the campaign's was 141)."""
    size = 160_000
    body = _header("././@PaxHeader", tarfile.XHDTYPE, size) + b"1" * size
    body += b"\0" * (-len(body) % 512) + _header("a.xml", tarfile.REGTYPE, 0) + b"\0" * 1024
    return gzip.compress(body, compresslevel=9, mtime=0)


def _long_name_bomb(path: Path) -> None:
    """A GNU long name declaring 1 GB, compressed to about 1 MB."""
    size = 1024**3
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    with path.open("wb") as out:
        out.write(compressor.compress(_header("././@LongLink", tarfile.GNUTYPE_LONGNAME, size)))
        chunk = b"a" * (16 * 1024 * 1024)
        for _ in range(size // len(chunk)):
            out.write(compressor.compress(chunk))
        out.write(compressor.flush())


_CHILD = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (700 * 1024**2, 700 * 1024**2))
from pathlib import Path
from workflow.errors import UnsafeArchive
from workflow.protocol.archive import ReceivedArchive
try:
    with ReceivedArchive.open(Path(sys.argv[1])):
        print("opened")
except UnsafeArchive as error:
    print("refused:", error.rule)
"""


def _open_in_child(path: Path, timeout: float) -> str:
    try:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, str(path)],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"opening {path.name} took more than {timeout} s")
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


def test_a_tiny_pax_header_is_refused_at_once(tmp_path: Path) -> None:
    data = _pax_bomb()
    assert len(data) < 400
    path = tmp_path / "pax.tar.gz"
    path.write_bytes(data)
    assert _open_in_child(path, timeout=3).startswith("refused: extended header")


@pytest.mark.slow
def test_a_1_mb_long_name_is_refused_in_bounded_time_and_memory(tmp_path: Path) -> None:
    path = tmp_path / "longname.tar.gz"
    _long_name_bomb(path)
    assert path.stat().st_size < 2 * 1024**2
    assert _open_in_child(path, timeout=10).startswith("refused: extended header")


def test_small_extended_headers_still_read() -> None:
    """An archive written by GNU tar or in PAX format with a long (but safe) name opens."""
    import io

    name = "A" * 120 + ".xml"
    for fmt in (tarfile.PAX_FORMAT, tarfile.GNU_FORMAT):
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz", format=fmt) as tar:
            info = tarfile.TarInfo(name)
            info.size = 3
            info.pax_headers = {"comment": "é"} if fmt == tarfile.PAX_FORMAT else {}
            tar.addfile(info, io.BytesIO(b"<a>"))
        with ReceivedArchive.open(buffer.getvalue()) as archive:
            assert archive.read(name) == b"<a>"


@pytest.mark.parametrize(
    "data",
    [
        gzip.compress(_header("a.xml", tarfile.REGTYPE, 10)[:300]),  # truncated header
        gzip.compress(_header("a.xml", tarfile.REGTYPE, 10) + b"abc")[:-12],  # corrupt deflate
        gzip.compress(b"x" * 100)[:20] + b"\xff" * 40,  # broken deflate stream
    ],
)
def test_truncated_and_corrupt_streams_are_unsafe_archives(data: bytes) -> None:
    def read_all() -> None:
        with ReceivedArchive.open(data) as archive:
            for name in archive.names():
                archive.read(name)

    with pytest.raises(UnsafeArchive):
        read_all()
