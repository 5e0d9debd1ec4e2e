"""One raw message as the pipeline reads it, decoded once (text.parsing makes it): its header,
its text and HTML, its files and the messages it carries. Pure data, no I/O."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

from mailflow.text.html import html_to_text


@dataclass(frozen=True)
class Attachment:
    """A file carried by a message; `filename` is data only and never becomes a path."""

    filename: str
    content_type: str
    payload: bytes

    @property
    def size(self) -> int:
        return len(self.payload)


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
        if self.text.strip():
            return self.text
        if self.html:
            return html_to_text(self.html)
        return ""
