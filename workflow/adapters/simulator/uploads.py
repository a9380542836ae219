"""Files posted to the simulator, kept in temporary files and read by chunks (issue 13)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

#: what one read of an uploaded file asks for, at most
CHUNK = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Upload:
    """A posted file as PHP's ``$_FILES`` holds it: its name and its content in a temporary
    file (Starlette spools past 1 MiB to disk), read by chunks, never whole."""

    name: str
    file: BinaryIO
    size: int

    def head(self, count: int) -> bytes:
        self.file.seek(0)
        return self.file.read(count)

    def tail(self, count: int) -> bytes:
        self.file.seek(max(0, self.size - count))
        return self.file.read(count)

    def save(self, target: Path) -> None:
        self.file.seek(0)
        with target.open("wb") as out:
            shutil.copyfileobj(self.file, out, CHUNK)
