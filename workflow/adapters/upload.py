"""A multipart body streamed from disk: what the platform client posts (issue 13).

:func:`workflow.adapters.s2low_wire.multipart_segments` lays the form out as bytes (the
headers, the fields in ISO-8859-1) and files on disk; :class:`MultipartBody` reads them in
order, by chunks, so that posting a 150 MB act costs the same memory as posting a 1 MB one.
Its length is known before the first byte is sent: requests gives the platform a
``Content-Length`` (PHP behind S²LOW's web server wants one; no chunked transfer).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from workflow.adapters.s2low_wire import FilePart, Segments, multipart_segments
from workflow.errors import InvalidDocument

#: what one read of a file part asks the disk for, at most
CHUNK = 64 * 1024


class MultipartBody:
    """A file-like body over :data:`~workflow.adapters.s2low_wire.Segments`: ``len()`` is
    the exact size, ``read(n)`` returns at most ``n`` bytes (each file read by chunks). A file
    that changes size between the two is refused (the length was already announced)."""

    def __init__(self, segments: Segments) -> None:
        self._segments = segments
        self._sizes = [s.stat().st_size if isinstance(s, Path) else len(s) for s in segments]
        self._index = 0
        self._offset = 0  # within the current segment
        self._file: BinaryIO | None = None

    def __len__(self) -> int:
        return sum(self._sizes)

    def __iter__(self) -> Iterator[bytes]:
        while chunk := self.read(CHUNK):
            yield chunk

    def read(self, size: int | None = -1) -> bytes:
        """At most ``size`` bytes; without a size, one chunk (never the whole body): read
        until ``b""`` as http.client and urllib3 do."""
        wanted = CHUNK if size is None or size < 0 else size
        out = bytearray()
        while len(out) < wanted and self._index < len(self._segments):
            piece = self._next_piece(wanted - len(out))
            if not piece:
                self._next_segment()
                continue
            self._offset += len(piece)
            out += piece
        return bytes(out)

    def _next_piece(self, size: int) -> bytes:
        segment = self._segments[self._index]
        left = self._sizes[self._index] - self._offset
        if isinstance(segment, bytes):
            return segment[self._offset : self._offset + min(size, left)]
        if self._file is None:
            self._file = segment.open("rb")
        piece = self._file.read(min(size, left, CHUNK)) if left else b""
        if left and not piece:
            raise InvalidDocument(
                f"{segment.name} shrank while it was being sent",
                field="document",
                rule="a file left alone while it is posted",
                value=segment.name,
            )
        return piece

    def _next_segment(self) -> None:
        if self._file is not None:
            grew = self._file.read(1)
            self._file.close()
            self._file = None
            if grew:
                name = Path(str(self._segments[self._index])).name
                raise InvalidDocument(
                    f"{name} grew while it was being sent",
                    field="document",
                    rule="a file left alone while it is posted",
                    value=name,
                )
        self._index += 1
        self._offset = 0

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._index = len(self._segments)


def streamed_form(
    fields: Sequence[tuple[str, str]], files: Sequence[FilePart]
) -> tuple[MultipartBody, str]:
    """The form of :func:`~workflow.adapters.s2low_wire.multipart_segments` as a body read
    from disk by chunks, and its ``Content-Type``."""
    segments, content_type = multipart_segments(fields, files)
    return MultipartBody(segments), content_type
