"""A message exactly as the server sent it: in memory when small, else in a spool file.

The pipeline sees this one type whatever the size (net/imap.py fetches a large message in
sections into a file of storage/spool.py): the archive links the file in, the content hash was
computed as the sections arrived, the DKIM body hash reads it in chunks, and a reader opens it.
"""

from __future__ import annotations

import hashlib
import io
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CHUNK = 1 << 20


@dataclass(frozen=True)
class RawMessage:
    """The raw bytes of one message, `data` in memory or a spool file at `path`."""

    size: int
    sha256: str
    data: bytes | None = None
    path: Path | None = None

    @classmethod
    def of(cls, data: bytes) -> RawMessage:
        return cls(len(data), hashlib.sha256(data).hexdigest(), data=data)

    def open(self) -> BinaryIO:
        if self.path is not None:
            return self.path.open("rb")
        return io.BytesIO(self.data or b"")

    def chunks(self, start: int = 0, size: int = CHUNK) -> Iterator[bytes]:
        """The bytes from `start` on, `size` at a time."""
        if self.data is not None:
            for at in range(start, len(self.data), size):
                yield self.data[at : at + size]
            return
        with self.open() as f:
            f.seek(start)
            while block := f.read(size):
                yield block

    def head(self, size: int) -> bytes:
        """The first `size` bytes: the header, without reading a 60 MB scan."""
        if self.data is not None:
            return self.data[:size]
        with self.open() as f:
            return f.read(size)

    def read_bytes(self) -> bytes:
        """The whole message in memory, for a reader that needs bytes (the MIME parser today)."""
        if self.data is not None:
            return self.data
        with self.open() as f:
            return f.read()

    @property
    def parts(self) -> Path | None:
        """Beside a spool file, the folder its large MIME parts are decoded into while it is read
        (text.mime_stream); None for a message in memory, whose parts stay in memory too."""
        return self.path.with_name(self.path.name + "-parts") if self.path is not None else None

    def discard(self) -> None:
        """Remove the spool file and its parts (the archive keeps its own link or copies)."""
        if self.path is not None:
            self.path.unlink(missing_ok=True)
        if self.parts is not None:
            shutil.rmtree(self.parts, ignore_errors=True)
