"""Content-addressed storage for raw messages and attachments.

Files are named by their SHA-256 only; a sender's filename is data in the database and never
part of a path. Writes are atomic (temp file, fsync, rename) so a crash leaves either the whole
file or none. A raw message fetched into a spool file (storage/spool.py) is linked in, already
fsynced, or copied in chunks where the spool is on another filesystem: never read into memory.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import threading
from pathlib import Path
from typing import BinaryIO

from mailflow.raw import RawMessage
from mailflow.storage.spool import Spool


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

    def spool(self) -> Spool:
        """Where large messages are fetched to, beside the archive (storage/spool.py)."""
        folder = self.root / "spool"
        private_dirs(folder)
        return Spool(folder)

    def _path(self, kind: str, digest: str) -> Path:
        return self.root / kind / digest[:2] / digest[2:4] / digest

    def _put(self, kind: str, data: bytes) -> str:
        digest = sha256_hex(data)
        path = self._path(kind, digest)
        if path.exists():
            return digest
        private_dirs(path.parent)
        tmp = _temp(path)
        with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        _sync_dir(path.parent)
        return digest

    def put_raw(self, raw: RawMessage) -> str:
        """Keep a message exactly as received; returns its SHA-256."""
        if raw.path is None:
            return self._put("raw", raw.data or b"")
        path = self._path("raw", raw.sha256)
        if path.exists():
            return raw.sha256
        private_dirs(path.parent)
        try:
            os.link(raw.path, path)  # the spool file was fsynced when its last section came
        except FileExistsError:  # another worker kept the same bytes first
            return raw.sha256
        except OSError as exc:
            if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK):
                raise
            tmp = _temp(path)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with raw.open() as source, open(fd, "wb") as fh:
                shutil.copyfileobj(source, fh, 1 << 20)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        _sync_dir(path.parent)
        return raw.sha256

    def put_file(self, data: bytes) -> str:
        return self._put("files", data)

    def put_file_from(self, source: BinaryIO, digest: str) -> str:
        """Keep a file read from `source` in chunks (a spooled attachment: never whole in memory);
        `digest` is its SHA-256, known from reading it; returns it."""
        path = self._path("files", digest)
        if path.exists():
            return digest
        private_dirs(path.parent)
        tmp = _temp(path)
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


def _temp(path: Path) -> Path:
    """Where `path` is written before its rename: one of its own per process and thread, since
    the poll's reading threads may archive the same file at once (`.*.tmp`: left out of backups)."""
    return path.with_name(f".{path.name}.{os.getpid()}.{threading.get_native_id()}.tmp")


def _sync_dir(folder: Path) -> None:
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
