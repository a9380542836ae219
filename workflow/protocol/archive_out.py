"""Writing ACTES archives: a flat ``.tar.gz`` (PROTOCOL.md §3.4).

Writing is deterministic (same members → same bytes: sorted names, fixed mtimes, owner 0, no
gzip file name or time), so an archive can be hashed and kept as evidence; it is written to a
temporary file and renamed, so a crash never leaves half an archive under the final name.
The archive is one gzip stream (one deflate stream, as every reader expects) whose deflate
fits each member: XML is compressed, while a member marked ``level=0`` (a PDF or an image,
already compressed inside) goes in stored blocks — gzip level 9 of 5 MB that do not compress
costs 15 times the rest of packaging and saves nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import struct
import tarfile
import tempfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from workflow.errors import InvalidDocument
from workflow.protocol.archive import COPY_CHUNK, is_safe_member_name


@dataclass(frozen=True, slots=True)
class OutgoingMember:
    """One file to put in an archive: its name, its content (a path or bytes), and the deflate
    level that fits it (0: stored as is, for content that is compressed already)."""

    name: str
    source: Path | bytes
    level: int = 9

    @property
    def size(self) -> int:
        if isinstance(self.source, bytes):
            return len(self.source)
        return self.source.stat().st_size


@dataclass(frozen=True, slots=True)
class WrittenArchive:
    path: Path
    size: int
    sha256: str


class _HashingWriter:
    """Writes to ``target`` and hashes and counts what passes through."""

    def __init__(self, target: BinaryIO) -> None:
        self._target = target
        self.digest = hashlib.sha256()
        self.count = 0

    def write(self, data: bytes | memoryview) -> None:
        self.digest.update(data)
        self.count += len(data)
        self._target.write(data)


# gzip member header (RFC 1952): deflate, no flag, mtime 0, no extra flag, OS "unknown"
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
_STORED_MAX = 0xFFFF


class _DeflateStream:
    """The write side of one gzip stream whose deflate level may change between members.

    A level change ends the current deflate run with a sync flush (byte-aligned, not final)
    and starts the next: the result is one valid deflate stream, readable by any inflater.
    Level 0 writes stored blocks directly (no copy through zlib's window). ``tell`` counts
    uncompressed bytes, as :mod:`tarfile` expects of its file.
    """

    def __init__(self, target: _HashingWriter) -> None:
        self._target = target
        self._level = -1
        self._deflater: Any = None
        self._crc = 0
        self._size = 0
        target.write(_GZIP_HEADER)

    def set_level(self, level: int) -> None:
        if level == self._level:
            return
        if self._deflater is not None:
            self._target.write(self._deflater.flush(zlib.Z_SYNC_FLUSH))
        self._level = level
        self._deflater = zlib.compressobj(level, zlib.DEFLATED, -15) if level else None

    def tell(self) -> int:
        return self._size

    def write(self, data: bytes) -> int:
        self._crc = zlib.crc32(data, self._crc)
        self._size += len(data)
        if self._deflater is not None:
            self._target.write(self._deflater.compress(data))
            return len(data)
        view = memoryview(data)
        for start in range(0, len(view), _STORED_MAX):
            block = view[start : start + _STORED_MAX]
            # a stored block, not final: BFINAL=0 BTYPE=00 (byte-aligned), LEN, NLEN, bytes
            self._target.write(struct.pack("<BHH", 0, len(block), len(block) ^ 0xFFFF))
            self._target.write(block)
        return len(data)

    def finish(self) -> None:
        if self._deflater is not None:
            self._target.write(self._deflater.flush(zlib.Z_FINISH))
        else:
            self._target.write(b"\x01\x00\x00\xff\xff")  # an empty final stored block
        self._target.write(struct.pack("<II", self._crc, self._size & 0xFFFFFFFF))


def write_archive(path: Path, members: Sequence[OutgoingMember], *, mtime: int) -> WrittenArchive:
    """Write ``members`` as a deterministic tar.gz at ``path`` (atomically) and hash it.

    ``mtime`` (seconds since the epoch) is stamped on every member: callers pass a value
    derived from the input (e.g. the envelope's date), never the clock.
    """
    _check_names([member.name for member in members])
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=".tmp-", suffix=".tar.gz", dir=path.parent)
    try:
        with os.fdopen(handle, "wb", buffering=COPY_CHUNK) as raw:
            hashing = _HashingWriter(raw)
            stream = _DeflateStream(hashing)
            with tarfile.open(
                fileobj=stream,  # type: ignore[call-overload]
                mode="w",
                format=tarfile.USTAR_FORMAT,
                copybufsize=COPY_CHUNK,
            ) as tar:
                for member in sorted(members, key=lambda m: m.name):
                    stream.set_level(member.level)
                    _add_member(tar, member, mtime)
                stream.set_level(9)  # the end-of-archive blocks
            stream.finish()
            raw.flush()
            os.fsync(raw.fileno())
        Path(temp_name).replace(path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            Path(temp_name).unlink()
        raise
    return WrittenArchive(path, hashing.count, hashing.digest.hexdigest())


def _check_names(names: list[str]) -> None:
    for name in names:
        if not is_safe_member_name(name):
            raise InvalidDocument(
                f"archive member name {name!r} is not a flat, safe file name",
                field="member",
                rule="flat file name of [A-Za-z0-9_.-]",
                value=name,
            )
    if len(set(names)) != len(names):
        raise InvalidDocument(
            "two archive members have the same name", field="member", rule="unique names"
        )


def _add_member(tar: tarfile.TarFile, member: OutgoingMember, mtime: int) -> None:
    info = tarfile.TarInfo(member.name)
    info.size = member.size
    info.mtime = mtime
    info.mode = 0o644
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    if isinstance(member.source, bytes):
        tar.addfile(info, io.BytesIO(member.source))
    else:
        with member.source.open("rb") as stream:
            tar.addfile(info, stream)
