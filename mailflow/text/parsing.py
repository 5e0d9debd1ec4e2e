"""Raw bytes or a file -> ParsedMessage, decoded once: the entry points of text.mime_stream.

We read MIME ourselves, following the standard library's parser line for line, instead of
using mail-parser (eager, ~260 msg/s against ~380 for the bare stdlib parse) or the stdlib's
parser itself (it holds a message several times over and counts nothing until it is done).
Decoding is forgiving (unknown charsets, broken base64, missing headers) and bounded, because
every message must come out as a result or a clear MessageError, never a crash, at a cost linear
in its size: one Budget is shared by the whole tree, attached messages included (parts,
nesting, decoded bytes), and only the first MAX_TEXT characters of body text are kept for
reading (the raw message is archived whole; the registry fields and a reply's statements are at
its start).
"""

from __future__ import annotations

import io
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mailflow.text.message import ParsedMessage
from mailflow.text.mime_stream import MAX_DEPTH, MAX_PARTS, MAX_TEXT, Budget, read_message

__all__ = [
    "MAX_DEPTH", "MAX_PARTS", "MAX_TEXT", "Budget", "header_part", "parse_message", "read_message", "spooled",
]  # fmt: skip


def header_part(raw: bytes) -> bytes:
    """A message's header alone (64 KB at most), to learn whom to answer without the body."""
    end = raw.find(b"\r\n\r\n")
    end = raw.find(b"\n\n") if end < 0 else end
    return raw[: end if end >= 0 else 65536][:65536] + b"\r\n\r\n"


def parse_message(raw: bytes) -> ParsedMessage:
    """Decode `raw`, everything in memory (small messages, tests); a message with no usable
    header at all is a MessageError. A large message is read from its file: read_message."""
    return read_message(io.BytesIO(raw), None)


@contextmanager
def spooled(folder: Path) -> Iterator[Path]:
    """A private folder under `folder` for one message's spooled parts, removed with all in it
    when the block ends, however it ends: its attachments' paths are good inside the block only."""
    folder.mkdir(parents=True, exist_ok=True)
    spool = Path(tempfile.mkdtemp(prefix="message-", dir=folder))
    try:
        yield spool
    finally:
        shutil.rmtree(spool, ignore_errors=True)
