"""Files an admin writes out of the registry (the agenda book, a disposition sheet): readable by
their owner only, whatever the umask, since a `rahasia` letter's fields are in them."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_private(path: Path, data: bytes) -> None:
    """Write `data` to `path` as a file of mode 0600 from its first byte (mkstemp creates it so;
    a chmod afterwards would leave a moment open), replacing any older file at once."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(temp, path)
    except OSError:
        os.unlink(temp)
        raise
