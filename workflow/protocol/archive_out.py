"""Writing ACTES archives: a flat ``.tar.gz`` (PROTOCOL.md §3.4).

Writing is deterministic (same members → same bytes: sorted names, fixed mtimes, owner 0, no
gzip file name or time), so an archive can be hashed and kept as evidence; it is written to a
temporary file, fsynced and renamed, so a crash never leaves half an archive under the final
name.

The archive is one gzip stream (one deflate stream, as every reader expects) whose deflate
fits each member: XML is compressed, while a member marked ``level=0`` (a PDF or an image,
already compressed inside) goes in stored blocks — gzip level 9 of 5 MB that do not compress
costs 15 times the rest of packaging and saves nothing.

Everything is done in one pass over each document, with one buffer reused (memory does not
grow with the document): it is read into the buffer, its gzip CRC taken (zlib-ng's, which
uses the processor's carry-less multiply: 20 times the stdlib's), and its stored blocks
(5 bytes of header, then the buffer's own bytes) are hashed — the archive's SHA-256, kept
with the package as the evidence of what is sent — and written by one ``writev``.
The ustar headers are packed directly (the bytes ``TarInfo.tobuf`` gives, which a test
holds); ``tarfile``'s writing machinery (a copy of each header, a buffered file, a copy of
every byte) is not used. Messages are deflated at level 1: they are a few KB.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import struct
import tarfile
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zlib_ng import zlib_ng

from workflow.errors import InvalidDocument
from workflow.protocol.archive import is_safe_member_name
from workflow.protocol.buffers import CHUNK, read_buffer


@dataclass(frozen=True, slots=True)
class OutgoingMember:
    """One file to put in an archive: its name, its content (a path or bytes), and the deflate
    level that fits it (0: stored as is, for content that is compressed already; 1 by
    default, for our messages of a few KB: level 6 costs five times more for 20 % fewer
    bytes of a few hundred, level 9 thirty times more)."""

    name: str
    source: Path | bytes
    level: int = 1
    #: a file's size when the caller knows it (packaging: the size it examined, hashed and
    #: signed); else the file's size when the archive is written
    known_size: int | None = None
    #: a file's bytes when the caller read them already (packaging keeps a small act's from
    #: its examination): written in place of reading the file again, the same archive bytes
    content: bytes | None = None

    @property
    def size(self) -> int:
        if isinstance(self.source, bytes):
            return len(self.source)
        if self.content is not None:
            return len(self.content)
        if self.known_size is not None:
            return self.known_size
        return self.source.stat().st_size


@dataclass(frozen=True, slots=True)
class WrittenArchive:
    path: Path
    size: int
    sha256: str


# gzip member header (RFC 1952): deflate, no flag, mtime 0, no extra flag, OS "unknown"
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
_STORED_MAX = 0xFFFF
#: a full stored block's header, not final: BFINAL=0 BTYPE=00 (byte-aligned), LEN, NLEN
_FULL_STORED = struct.pack("<BHH", 0, _STORED_MAX, 0)
_BLOCK = tarfile.BLOCKSIZE
_RECORD = tarfile.RECORDSIZE


def _stored_header(length: int) -> bytes:
    return (
        _FULL_STORED if length == _STORED_MAX else struct.pack("<BHH", 0, length, length ^ 0xFFFF)
    )


class _Output:
    """The archive file (a raw descriptor): hashes and counts every byte it writes. Small
    pieces wait in ``pending`` and go out with the next large write (one system call)."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self.digest = hashlib.sha256()
        self.count = 0
        self._pending = bytearray()

    def put(self, data: bytes) -> None:
        self._pending += data

    def write(self, parts: list[Any]) -> None:
        if self._pending:
            parts.insert(0, self._pending)
        total = sum(len(part) for part in parts)
        written = os.writev(self._fd, parts) if parts else 0
        if written < total:  # a short write (a signal, a full disk): finish it piece by piece
            self._write_rest(parts, written)
        self.count += total
        update = self.digest.update
        for part in parts:
            update(part)
        self._pending = bytearray()

    def _write_rest(self, parts: list[Any], done: int) -> None:
        for part in parts:
            view = memoryview(part)[done:] if done < len(part) else memoryview(b"")
            done = max(0, done - len(part))
            while view:
                view = view[os.write(self._fd, view) :]

    def flush(self) -> None:
        self.write([])


class _GzipStream:
    """The write side of one gzip stream whose deflate level may change between members.

    A level change ends the current deflate run with a full flush (byte-aligned, not final,
    no reference to what came before) and the next run starts: the result is one valid
    deflate stream, readable by any inflater. One compressor per level is kept for the
    archive (making one costs more than compressing a message). Level 0 writes stored blocks.
    """

    def __init__(self, out: _Output) -> None:
        self.out = out
        self.crc = 0
        self.size = 0
        self._level = 0
        self._deflater: Any = None
        self._deflaters: dict[int, Any] = {}
        out.put(_GZIP_HEADER)

    def set_level(self, level: int) -> None:
        if level == self._level:
            return
        if self._deflater is not None:
            self.out.put(self._deflater.flush(zlib_ng.Z_FULL_FLUSH))
        self._level = level
        if level and level not in self._deflaters:
            self._deflaters[level] = zlib_ng.compressobj(level, zlib_ng.DEFLATED, -15)
        self._deflater = self._deflaters.get(level)

    def put(self, data: bytes) -> None:
        """A small piece (a header, a message, padding)."""
        self.crc = zlib_ng.crc32(data, self.crc)
        self.size += len(data)
        if self._deflater is not None:
            self.out.put(self._deflater.compress(data))
            return
        for start in range(0, len(data), _STORED_MAX):
            block = data[start : start + _STORED_MAX]
            self.out.put(_stored_header(len(block)))
            self.out.put(block)

    def copy(self, source: Path, size: int) -> None:
        """``size`` bytes of a file, read into one reused buffer."""
        buffer = read_buffer()
        left = size
        fd = os.open(source, os.O_RDONLY | os.O_CLOEXEC)
        try:
            while left:
                count = os.readv(fd, [buffer[: min(left, len(buffer))]])
                if not count:
                    raise OSError(f"{source} is shorter than its {size} bytes")
                self._chunk(buffer[:count])
                left -= count
        finally:
            os.close(fd)

    def feed(self, view: memoryview) -> None:
        """Bytes in memory, in the pieces :meth:`copy` reads a file in: the same archive."""
        for start in range(0, len(view), CHUNK):
            self._chunk(view[start : start + CHUNK])

    def _chunk(self, view: memoryview) -> None:
        self.crc = zlib_ng.crc32(view, self.crc)
        self.size += len(view)
        if self._deflater is not None:
            self.out.write([self._deflater.compress(view)])
            return
        parts: list[Any] = []
        for start in range(0, len(view), _STORED_MAX):
            block = view[start : start + _STORED_MAX]
            parts += (_stored_header(len(block)), block)
        self.out.write(parts)

    def finish(self) -> None:
        if self._deflater is not None:
            self.out.put(self._deflater.flush(zlib_ng.Z_FINISH))
        else:
            self.out.put(b"\x01\x00\x00\xff\xff")  # an empty final stored block
        self.out.put(struct.pack("<II", self.crc, self.size & 0xFFFFFFFF))
        self.out.flush()


def write_archive(path: Path, members: Sequence[OutgoingMember], *, mtime: int) -> WrittenArchive:
    """Write ``members`` as a deterministic tar.gz at ``path`` (atomically) and hash it.

    ``mtime`` (seconds since the epoch) is stamped on every member: callers pass a value
    derived from the input (e.g. the envelope's date), never the clock. Once this returns,
    the archive is on disk under its name: its bytes and its folder's entry are fsynced (the
    store then records it as the act's package).
    """
    _check_names([member.name for member in members])
    fd, temporary = _create_temporary(path)
    try:
        try:
            out = _Output(fd)
            stream = _GzipStream(out)
            for member in sorted(members, key=lambda m: m.name):
                stream.set_level(member.level)
                _add_member(stream, member, mtime)
            stream.set_level(1)  # the end-of-archive blocks, padded to a whole record (as tar)
            stream.put(bytes(2 * _BLOCK + (-(stream.size + 2 * _BLOCK) % _RECORD)))
            stream.finish()
            written = WrittenArchive(path, out.count, out.digest.hexdigest())
            os.fsync(fd)
        finally:
            os.close(fd)
        temporary.replace(path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise
    _fsync_directory(path.parent)  # the rename is data too (POSIX): durable before recorded
    return written


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY | os.O_CLOEXEC)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _create_temporary(path: Path) -> tuple[int, Path]:
    """A new file next to ``path``, under a hidden name (``.tmp-``: backups skip it); its
    folder is made when it is missing."""
    temporary = path.with_name(f".tmp-{os.urandom(6).hex()}-{path.name}")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
    try:
        return os.open(temporary, flags, 0o600), temporary
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        return os.open(temporary, flags, 0o600), temporary
    except FileExistsError:  # 48 random bits met a leftover: let tempfile find a free name
        fd, name = tempfile.mkstemp(prefix=".tmp-", suffix=".tar.gz", dir=path.parent)
        return fd, Path(name)


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


def _add_member(stream: _GzipStream, member: OutgoingMember, mtime: int) -> None:
    """A ustar header, the content, the padding to a whole block."""
    size = member.size
    header = _ustar_header(member.name, size, mtime)
    source = member.source
    if isinstance(source, bytes):  # a message: one piece, one call to the deflater
        stream.put(b"".join((header, source, bytes(-size % _BLOCK))))
        return
    stream.put(header)
    if member.content is None:
        stream.copy(source, size)
    else:
        stream.feed(memoryview(member.content))
    stream.put(bytes(-size % _BLOCK))


#: a regular file's ustar header, as :mod:`tarfile` writes it (mode 0644, owner 0, no owner
#: name): name, size, mtime and checksum filled in by :func:`_ustar_header`
_USTAR = struct.Struct("100s8s8s8s12s12s8sc100s8s32s32s8s8s155s12x")
_ZERO = b"0000000\0"


def _ustar(name: bytes, size: bytes, mtime: bytes, checksum: bytes) -> bytes:
    return _USTAR.pack(
        name,
        b"0000644\0",
        _ZERO,
        _ZERO,
        size,
        mtime,
        checksum,
        tarfile.REGTYPE,
        b"",
        tarfile.POSIX_MAGIC,
        b"",
        b"",
        b"",  # device numbers: none, for a regular file
        b"",
        b"",
    )


#: the sum of the bytes that are the same in every header (the checksum field counts as
#: eight spaces): a header's checksum is this plus the sum of its name, size and mtime
_USTAR_CONSTANT_SUM = sum(_ustar(b"", b"", b"", b" " * 8))


def _ustar_header(name: str, size: int, mtime: int) -> bytes:
    """The same 512 bytes as ``TarInfo.tobuf(USTAR_FORMAT)`` for a regular file (a test
    holds them equal), without building a ``TarInfo`` and its dozen fields each time."""
    encoded = name.encode("utf-8")
    if len(encoded) > 100:  # needs tarfile's prefix split, or its error for a name too long
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode, info.uname, info.gname = size, mtime, 0o644, "", ""
        return info.tobuf(tarfile.USTAR_FORMAT, "utf-8", "surrogateescape")
    size_field = b"%011o\0" % size
    mtime_field = b"%011o\0" % mtime
    checksum = _USTAR_CONSTANT_SUM + sum(encoded) + sum(size_field) + sum(mtime_field)
    return _ustar(encoded, size_field, mtime_field, b"%06o\0 " % checksum)
