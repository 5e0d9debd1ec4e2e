"""Content-addressed storage for raw messages and attachments.

Files are named by their SHA-256 only; a sender's filename is data in the database and never
part of a path. Writes are atomic (temp file, fsync, rename) so a crash leaves either the whole
file or none.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path
from typing import BinaryIO


def private_dirs(folder: Path) -> None:
    """Create `folder` and any missing parents readable by this user alone, whatever the umask:
    letters, scans and keys are official records. Folders that exist are left as the admin set them."""
    missing = []
    step = folder
    while not step.exists():
        missing.append(step)
        step = step.parent
    for new in reversed(missing):
        new.mkdir(mode=0o700, exist_ok=True)
        new.chmod(0o700)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Archive:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, kind: str, digest: str) -> Path:
        return self.root / kind / digest[:2] / digest[2:4] / digest

    def _put(self, kind: str, data: bytes) -> str:
        digest = sha256_hex(data)
        path = self._path(kind, digest)
        if path.exists():
            return digest
        private_dirs(path.parent)
        tmp = path.with_name(f".{digest}.{os.getpid()}.tmp")
        with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        return digest

    def put_raw(self, data: bytes) -> str:
        """Keep a message exactly as received; returns its SHA-256."""
        return self._put("raw", data)

    def put_file(self, data: bytes) -> str:
        return self._put("files", data)

    def put_file_from(self, source: BinaryIO, digest: str) -> str:
        """Keep a file read from `source` in chunks (a spooled attachment: never whole in memory);
        `digest` is its SHA-256, known from reading it; returns it."""
        path = self._path("files", digest)
        if path.exists():
            return digest
        private_dirs(path.parent)
        tmp = path.with_name(f".{digest}.{os.getpid()}.tmp")
        with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as fh:
            shutil.copyfileobj(source, fh, 1 << 20)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        return digest

    def raw(self, digest: str) -> bytes:
        return self._path("raw", digest).read_bytes()

    def raw_head(self, digest: str, size: int = 65536) -> bytes:
        """The first `size` bytes of a message: its header, without reading a 60 MB scan."""
        with self._path("raw", digest).open("rb") as f:
            return f.read(size)

    def file(self, digest: str) -> bytes:
        return self._path("files", digest).read_bytes()

    def file_path(self, digest: str) -> Path:
        """Where a stored file is, for a reader process that opens it itself."""
        return self._path("files", digest)
