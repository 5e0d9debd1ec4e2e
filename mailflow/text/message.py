"""One raw message as the pipeline reads it, decoded once (text.mime_stream makes it): its
header, its text and HTML, its files and the messages it carries. Pure data; a large file is
named by its path and opened by whoever reads it."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import BinaryIO

from mailflow.text.html import html_to_text


@dataclass(frozen=True)
class Attachment:
    """A file carried by a message; `filename` is data only and never becomes a path.

    Its bytes are either in memory (`data`: a small file, or one made by the program) or in a
    file (`path`: a large part spooled while the message was read, or a file of the archive), so
    a 45 MB scan is never held as bytes by the service: the PDF and scan readers open it by path,
    the archive copies it in chunks, and only what must have the bytes (a mail to send) reads
    them, explicitly."""

    filename: str
    content_type: str
    data: bytes | None = None
    path: Path | None = None
    size: int = 0
    sha256: str = ""  # hex, of the bytes: computed from `data` unless its maker hashed them as they came

    def __post_init__(self) -> None:
        if self.data is not None:
            object.__setattr__(self, "size", len(self.data))
            if not self.sha256:
                object.__setattr__(self, "sha256", hashlib.sha256(self.data).hexdigest())
        elif self.path is None:
            raise ValueError("an attachment has its bytes or a path")

    @classmethod
    def at(cls, filename: str, content_type: str, path: Path, size: int, sha256: str) -> Attachment:
        """A file named by where it is (spooled, or in the archive), not held."""
        return cls(filename, content_type, path=path, size=size, sha256=sha256)

    def open(self) -> BinaryIO:
        """The file to read (the caller closes it)."""
        if self.data is not None:
            return io.BytesIO(self.data)
        assert self.path is not None
        return self.path.open("rb")

    def read_bytes(self) -> bytes:
        """All of it in memory: for what cannot take a file (a mail being composed)."""
        if self.data is not None:
            return self.data
        assert self.path is not None
        return self.path.read_bytes()

    def head(self, size: int) -> bytes:
        """The first `size` bytes: enough to tell a PDF or a JPEG without reading the rest."""
        if self.data is not None:
            return self.data[:size]
        with self.open() as f:
            return f.read(size)


@dataclass(frozen=True)
class HeaderProblem:
    """Why a message's header cannot be read one way only (text.headers): it is held, never acted on."""

    reason: str  # "ambiguous_from", "duplicate_header" or "ambiguous_header"
    detail: str


@dataclass(frozen=True)
class ParsedMessage:
    """What the pipeline needs of one raw message, decoded once."""

    message_id: str
    from_address: str
    from_name: str
    to_addresses: tuple[str, ...]
    subject: str
    date: dt.datetime | None
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    text: str
    html: str
    attachments: tuple[Attachment, ...]
    embedded: tuple[ParsedMessage, ...]
    headers: tuple[tuple[str, str], ...]
    defects: tuple[str, ...] = ()
    header_problem: HeaderProblem | None = None

    def header(self, name: str) -> str | None:
        lname = name.lower()
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return None

    @cached_property
    def body_text(self) -> str:
        """The plain text, or the HTML rendered as text when the sender wrote only HTML (once:
        triage, fields and threads all read it)."""
        if self.text and not self.text.isspace():  # strip() would copy a megabyte to learn this
            return self.text
        if self.html:
            return html_to_text(self.html)
        return ""
