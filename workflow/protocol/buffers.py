"""One read buffer per thread, reused by every pass over a document (examining it, copying it
into an archive): a new buffer per document costs its allocation, zeroing and page faults
each time — as much as hashing a 200 KB document. Its size is fixed, whatever the document's:
1 MiB kept by each thread that has read a document (a worker's, one of the web server's pool).
"""

from __future__ import annotations

import threading

#: a whole number of 64 KiB stored deflate blocks (65 535 bytes each), about 1 MiB
CHUNK = 16 * 0xFFFF

_local = threading.local()


def read_buffer() -> memoryview:
    """This thread's buffer of :data:`CHUNK` bytes (never used by two passes at once: a pass
    reads a document to its end before the next one starts)."""
    buffer: memoryview | None = getattr(_local, "buffer", None)
    if buffer is None:
        buffer = _local.buffer = memoryview(bytearray(CHUNK))
    return buffer
