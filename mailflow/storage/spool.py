"""Files of messages being fetched, under `storage/spool/`.

A 60 MB scan is fetched in sections into a spool file (net/imap.py) and never held as one bytes
object; it travels as a `RawMessage` (mailflow/raw.py) whose path is that file. A spool file lives
as long as its message's handling: it is removed when the message is done (filed, held or
failed), and the files a killed worker left behind are removed by the next poll on the same
machine.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from mailflow.raw import RawMessage


class Spool:
    """The folder of messages being fetched (made by the archive, on its filesystem, so that a
    finished file is linked into the archive rather than copied). Files are named `host.pid.n`
    (their decoded parts `host.pid.n-parts/`): a poll removes those of dead processes of its own
    host, never another worker's file in progress."""

    _counter = itertools.count()

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @contextlib.contextmanager
    def file(self) -> Iterator[SpoolFile]:
        """A new spool file to write; removed again if the writing fails."""
        path = self.folder / f"{socket.gethostname()}.{os.getpid()}.{next(self._counter)}"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        out = SpoolFile(path, os.fdopen(fd, "wb"))
        try:
            yield out
        except BaseException:
            out.handle.close()
            path.unlink(missing_ok=True)
            raise
        out.handle.close()

    def sweep(self) -> list[Path]:
        """Remove the files that dead processes of this host left (a worker killed mid-message);
        returns what was removed."""
        host = socket.gethostname()
        removed = []
        for path in self.folder.glob("*") if self.folder.is_dir() else []:
            parts = path.name.rsplit(".", 2)
            if len(parts) == 3 and parts[0] == host and parts[1].isdigit() and not _alive(int(parts[1])):
                if path.is_dir():  # a message's decoded parts (RawMessage.parts)
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
                removed.append(path)
        return removed


class SpoolFile:
    """One message being written: its size and SHA-256 kept as the sections arrive."""

    def __init__(self, path: Path, handle: BinaryIO) -> None:
        self.path, self.handle = path, handle
        self.size = 0
        self._sha = hashlib.sha256()

    def write(self, data: bytes) -> None:
        self.handle.write(data)
        self._sha.update(data)
        self.size += len(data)

    def finish(self) -> RawMessage:
        """Flushed and fsynced: the archive may link this very file."""
        self.handle.flush()
        os.fsync(self.handle.fileno())
        return RawMessage(self.size, self._sha.hexdigest(), path=self.path)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True
