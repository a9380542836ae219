"""ACTES archives received from outside: a flat ``.tar.gz`` (PROTOCOL.md §3.4), read without
ever being extracted (writing is :mod:`workflow.protocol.archive_out`).

Members are read one by one after checking name (flat, no traversal, no hidden file), type
(regular files only: no link, device or directory), count and sizes (declared size per member
and in total) — a decompression bomb is refused from its headers, before its content is
inflated.

``tarfile`` itself is never shown an unchecked header: a first pass reads the 512-byte
headers ourselves and refuses an extended header (PAX ``x``/``g``, GNU ``L``/``K``) larger
than :data:`MAX_EXTENDED_HEADER`. CPython before 3.11.10 / 3.12.6 reads such a header whole
and scans it with a quadratic expression (CVE-2024-6232); the bound makes every Python safe.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import re
import tarfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO

from workflow.errors import InvalidDocument, UnsafeArchive

_SAFE_NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,254}$")
COPY_CHUNK = 1024 * 1024
#: a PAX record or GNU long name we accept: a safe member name is at most 255 characters
MAX_EXTENDED_HEADER = 4096
_EXTENDED_TYPES = frozenset(b"xgLK")
_BLOCK = 512
#: what a broken gzip/deflate stream raises (zlib.error is no OSError)
_STREAM_ERRORS = (tarfile.TarError, OSError, EOFError, zlib.error)


def is_safe_member_name(name: str) -> bool:
    """A flat file name: no directory part, no ``..``, no leading dot, a known charset."""
    return bool(_SAFE_NAME_RE.match(name)) and ".." not in name


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True, slots=True)
class ArchiveLimits:
    """Bounds for an archive received from outside."""

    max_members: int = 500
    max_member_bytes: int = 150 * 1024 * 1024
    max_total_bytes: int = 160 * 1024 * 1024
    max_xml_bytes: int = 8 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class MemberInfo:
    name: str
    size: int


class ReceivedArchive:
    """A tar.gz from outside, checked member by member and read without extracting.

    Use as a context manager: ``with ReceivedArchive.open(path) as archive: ...``.
    """

    def __init__(self, tar: tarfile.TarFile, members: dict[str, tarfile.TarInfo], source: str):
        self._tar = tar
        self._members = members
        self.source = source

    @classmethod
    @contextlib.contextmanager
    def open(
        cls, source: Path | bytes, *, limits: ArchiveLimits | None = None, name: str | None = None
    ) -> Iterator[ReceivedArchive]:
        limits = limits or ArchiveLimits()
        label = name or (source.name if isinstance(source, Path) else "archive")
        stream: BinaryIO
        if isinstance(source, bytes):
            stream = io.BytesIO(source)
        else:
            try:
                stream = source.open("rb")
            except OSError as exc:
                raise InvalidDocument(
                    f"cannot read archive {source}: {exc.strerror}",
                    field="archive",
                    rule="a readable file",
                    value=str(source),
                ) from exc
        try:
            _prescan_headers(stream, limits, label)
            stream.seek(0)
            try:
                tar = tarfile.open(fileobj=stream, mode="r:gz")  # noqa: SIM115 - closed below
            except _STREAM_ERRORS as exc:
                raise UnsafeArchive(
                    f"{label} is not a readable .tar.gz archive ({exc})",
                    field="archive",
                    rule=".tar.gz required",
                    value=label,
                ) from exc
            with tar:
                members = _checked_members(tar, limits, label)
                yield cls(tar, members, label)
        finally:
            stream.close()

    @property
    def members(self) -> tuple[MemberInfo, ...]:
        return tuple(MemberInfo(name, info.size) for name, info in self._members.items())

    def names(self) -> tuple[str, ...]:
        return tuple(self._members)

    def read(self, name: str, *, max_bytes: int = 8 * 1024 * 1024) -> bytes:
        """The whole content of a (small) member, e.g. an XML message."""
        info = self._info(name)
        if info.size > max_bytes:
            raise UnsafeArchive(
                f"{self.source}: member {name} is {info.size} bytes, more than {max_bytes} "
                "allowed for reading in memory",
                field="archive",
                rule=f"at most {max_bytes} bytes",
                value=name,
            )
        try:
            return self._open_member(info).read(info.size + 1)[: info.size]
        except _STREAM_ERRORS as exc:
            raise self._corrupt(name, exc) from exc

    def copy_to(self, name: str, target: BinaryIO) -> int:
        """Stream one member into ``target`` (for documents); returns the bytes copied."""
        info = self._info(name)
        source = self._open_member(info)
        copied = 0
        while copied < info.size:
            try:
                chunk = source.read(min(COPY_CHUNK, info.size - copied))
            except _STREAM_ERRORS as exc:
                raise self._corrupt(name, exc) from exc
            if not chunk:
                break
            target.write(chunk)
            copied += len(chunk)
        return copied

    def _corrupt(self, name: str, exc: BaseException) -> UnsafeArchive:
        return UnsafeArchive(
            f"{self.source}: member {name} cannot be read ({type(exc).__name__}: {exc})",
            field="archive",
            rule="readable tar.gz",
            value=name,
        )

    def _info(self, name: str) -> tarfile.TarInfo:
        try:
            return self._members[name]
        except KeyError:
            raise InvalidDocument(
                f"{self.source} has no member named {name}",
                field="archive",
                rule="member present",
                value=name,
            ) from None

    def _open_member(self, info: tarfile.TarInfo) -> IO[bytes]:
        stream = self._tar.extractfile(info)
        if stream is None:  # pragma: no cover - _checked_members admits regular files only
            raise UnsafeArchive("not a regular file", field="archive", value=info.name)
        return stream


def _prescan_headers(stream: BinaryIO, limits: ArchiveLimits, label: str) -> None:
    """Walk the tar headers ourselves (content skipped, never kept) and refuse, before
    ``tarfile`` parses anything, an extended header over :data:`MAX_EXTENDED_HEADER`, a
    member or a total over the limits, too many headers, or a truncated or corrupt stream."""
    headers = 0
    total = 0
    try:
        with gzip.GzipFile(fileobj=stream, mode="rb") as tar_stream:
            while True:
                block = tar_stream.read(_BLOCK)
                if not block.strip(b"\0"):
                    return  # end of archive (two zero blocks, or the end of the stream)
                if len(block) < _BLOCK:
                    raise UnsafeArchive(
                        f"{label} ends inside a header", field="archive", rule="complete headers"
                    )
                size = _declared_size(block, label)
                headers += 1
                total += size
                _check_header(block[156:157], size, total, headers, limits, label)
                _skip(tar_stream, -(-size // _BLOCK) * _BLOCK, label)
    except _STREAM_ERRORS as exc:
        raise UnsafeArchive(
            f"{label} is not a readable .tar.gz archive ({type(exc).__name__}: {exc})",
            field="archive",
            rule=".tar.gz required",
            value=label,
        ) from exc


def _declared_size(block: bytes, label: str) -> int:
    field = block[124:136]
    if field[:1] in (b"\x80", b"\xff"):  # base-256: only for sizes of 8 GB and more
        return 1 << 40
    digits = field.strip(b" \0")
    if not digits:
        return 0
    if not all(48 <= c <= 55 for c in digits):
        raise UnsafeArchive(
            f"{label}: a header's size field is not octal",
            field="archive",
            rule="tar header",
            value=label,
        )
    return int(digits, 8)


def _check_header(
    kind: bytes, size: int, total: int, headers: int, limits: ArchiveLimits, label: str
) -> None:
    if kind and kind[0] in _EXTENDED_TYPES and size > MAX_EXTENDED_HEADER:
        raise UnsafeArchive(
            f"{label}: an extended tar header ({kind.decode('latin-1')}) declares {size} "
            f"bytes, more than {MAX_EXTENDED_HEADER}",
            field="archive",
            rule=f"extended header at most {MAX_EXTENDED_HEADER} bytes",
            value=label,
        )
    if headers > 2 * limits.max_members + 2:
        raise UnsafeArchive(
            f"{label} holds more than {limits.max_members} members",
            field="archive",
            rule=f"at most {limits.max_members} members",
            value=label,
        )
    if size > limits.max_member_bytes:
        raise UnsafeArchive(
            f"{label}: a member declares {size} bytes, more than {limits.max_member_bytes}",
            field="archive",
            rule=f"member at most {limits.max_member_bytes} bytes",
            value=label,
        )
    if total > limits.max_total_bytes:
        raise UnsafeArchive(
            f"{label} inflates to more than {limits.max_total_bytes} bytes",
            field="archive",
            rule=f"at most {limits.max_total_bytes} bytes in all",
            value=label,
        )


def _skip(stream: gzip.GzipFile, count: int, label: str) -> None:
    while count > 0:
        chunk = stream.read(min(COPY_CHUNK, count))
        if not chunk:
            raise UnsafeArchive(
                f"{label} is truncated", field="archive", rule="complete members", value=label
            )
        count -= len(chunk)


def _checked_members(
    tar: tarfile.TarFile, limits: ArchiveLimits, label: str
) -> dict[str, tarfile.TarInfo]:
    members: dict[str, tarfile.TarInfo] = {}
    total = 0
    while True:
        try:
            info = tar.next()
        except _STREAM_ERRORS as exc:
            raise UnsafeArchive(
                f"{label} is corrupt ({exc})", field="archive", rule="readable tar.gz", value=label
            ) from exc
        if info is None:
            break
        if len(members) >= limits.max_members:
            raise UnsafeArchive(
                f"{label} holds more than {limits.max_members} members",
                field="archive",
                rule=f"at most {limits.max_members} members",
                value=label,
            )
        _check_member(info, label)
        if info.name in members:
            raise UnsafeArchive(
                f"{label} holds {info.name} twice",
                field="archive",
                rule="unique member names",
                value=info.name,
            )
        if info.size > limits.max_member_bytes:
            raise UnsafeArchive(
                f"{label}: member {info.name} declares {info.size} bytes, more than "
                f"{limits.max_member_bytes}",
                field="archive",
                rule=f"member at most {limits.max_member_bytes} bytes",
                value=info.name,
            )
        total += info.size
        if total > limits.max_total_bytes:
            raise UnsafeArchive(
                f"{label} inflates to more than {limits.max_total_bytes} bytes",
                field="archive",
                rule=f"at most {limits.max_total_bytes} bytes in all",
                value=label,
            )
        members[info.name] = info
    if not members:
        raise UnsafeArchive(
            f"{label} is empty", field="archive", rule="at least one member", value=label
        )
    return members


def _check_member(info: tarfile.TarInfo, label: str) -> None:
    if not info.isreg():
        kind = (
            "link"
            if (info.issym() or info.islnk())
            else "directory"
            if info.isdir()
            else "special file"
        )
        raise UnsafeArchive(
            f"{label}: member {info.name!r} is a {kind}; only regular files are accepted",
            field="archive",
            rule="regular files only (flat archive)",
            value=info.name,
        )
    if not is_safe_member_name(info.name):
        raise UnsafeArchive(
            f"{label}: member name {info.name!r} is not a flat, safe file name",
            field="archive",
            rule="flat file name, no path, no '..'",
            value=info.name,
        )
