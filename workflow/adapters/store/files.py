"""Durable file writes for the content-addressed documents and the backups: write a temporary
file beside the target, fsync it, rename it over the target, fsync the directory. After a
crash the target is either absent or whole, never half-written."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO

_CHUNK = 1 << 20


def fsync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable (POSIX: the directory entry is data too)."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def write_temporary(source: BinaryIO, directory: Path) -> tuple[Path, str, int]:
    """Copy ``source`` to a new temporary file in ``directory``, whole on disk (fsynced)
    before anyone renames it; its path, SHA-256 and size. Removed if the copy fails."""
    directory.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    with tempfile.NamedTemporaryFile(dir=directory, prefix=".tmp-", delete=False) as temporary:
        try:
            for chunk in iter(lambda: source.read(_CHUNK), b""):
                digest.update(chunk)
                size += len(chunk)
                temporary.write(chunk)
            temporary.flush()
            os.fsync(temporary.fileno())
        except BaseException:
            with contextlib.suppress(OSError):
                Path(temporary.name).unlink()
            raise
    return Path(temporary.name), digest.hexdigest(), size


def write_durably(source: BinaryIO, target: Path) -> tuple[str, int]:
    """Copy ``source`` to ``target`` atomically; its SHA-256 and size."""
    temporary, sha, size = write_temporary(source, target.parent)
    temporary.replace(target)
    fsync_directory(target.parent)
    return sha, size


def copy_durably(source: Path, target: Path) -> str:
    """Copy a file atomically and durably; its SHA-256."""
    with source.open("rb") as stream:
        sha, _ = write_durably(stream, target)
    return sha
