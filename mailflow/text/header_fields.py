"""A message's header as the pipeline's fields (Message-ID, From, To, Subject, Date, threading)
and why it has no single reading; the body's text, files and inner messages are read by
text.mime_stream and handed in. Pure: a header-only stdlib Message in, a ParsedMessage out."""

from __future__ import annotations

import email.message
import email.utils
import re
from collections.abc import Sequence
from email.errors import CharsetError, HeaderParseError

from mailflow.text.headers import (
    SPLIT_DEFECTS,
    address_list,
    decoded,
    header_text,
    raw_text,
    repeated,
    single_address,
)
from mailflow.text.message import Attachment, HeaderProblem, ParsedMessage

# RFC 5322 lines end by 998 characters: a longer "Message-ID" is no identifier (and would not fit
# a database index); the message then has none, as a scanner's mail has none.
MAX_MESSAGE_ID = 998
# Message-IDs kept of In-Reply-To (its first) and References (its last, the nearest parents): each
# is looked up in one SQL IN list, and a header stuffed with 70,000 of them went past PostgreSQL's
# 65,535 parameters and failed the whole mailbox's poll, again at every poll.
MAX_PARENT_IDS = 100


def _message_ids(value: str | None, *, last: bool = False) -> tuple[str, ...]:
    if not value:
        return ()
    ids = [m for m in re.findall(r"<[^<>\s]+>", str(value)) if len(m) <= MAX_MESSAGE_ID]
    return tuple(ids[-MAX_PARENT_IDS:] if last else ids[:MAX_PARENT_IDS])


def filename_of(part: email.message.Message) -> str:
    """A part's file name as a person reads it, or "" (a broken RFC 2231 name is no name)."""
    try:
        name = part.get_filename()
    except (HeaderParseError, CharsetError, LookupError, UnicodeError, ValueError, TypeError):
        name = None
    return decoded(name) if name else ""


def _date(value: str | None):
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(str(value))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def summarize(
    msg: email.message.Message,
    *,
    text: Sequence[str],
    html: Sequence[str],
    attachments: Sequence[Attachment],
    embedded: Sequence[ParsedMessage],
) -> ParsedMessage:
    """The ParsedMessage of `msg`'s header and of the body read for it. `msg.defects` is read
    last, so the defects the body's decoding found (a root part's base64) are among them."""
    raw = list(msg.raw_items())
    headers = tuple((name, header_text(name, value)) for name, value in raw)
    first = {name.lower(): value for name, value in reversed(raw)}
    sender = single_address(first.get("from", ""))
    defects = tuple(type(d).__name__ for d in msg.defects)
    problem = _header_problem(sender.problem, repeated([name for name, _ in raw]), defects)
    message_id = (_message_ids(first.get("message-id")) or ("",))[0]
    return ParsedMessage(
        message_id=message_id,
        from_address=sender.address,
        from_name=sender.name,
        to_addresses=address_list([value for name, value in raw if name.lower() in ("to", "cc")]),
        subject=header_text("subject", first.get("subject", "")),
        date=_date(raw_text(first.get("date", ""))),
        in_reply_to=_message_ids(first.get("in-reply-to")),
        references=_message_ids(first.get("references"), last=True),
        text="\n".join(text),
        html="\n".join(html),
        attachments=tuple(attachments),
        embedded=tuple(embedded),
        headers=headers,
        defects=defects,
        header_problem=problem,
    )


def _header_problem(
    from_problem: str, twice: tuple[str, ...], defects: tuple[str, ...]
) -> HeaderProblem | None:
    """Why the header has no single reading: a block the stdlib split where a line-based reader
    would not, a duplicate once-only field, or an unclear From (a From that is merely missing or
    empty is triage's `no_sender`, not an ambiguity)."""
    if split := sorted(SPLIT_DEFECTS.intersection(defects)):
        return HeaderProblem("ambiguous_header", f"the header block reads two ways ({split[0]})")
    if twice:
        return HeaderProblem("duplicate_header", f"more than one {', '.join(twice)} header")
    if from_problem:
        return HeaderProblem("ambiguous_from", f"From: {from_problem}")
    return None
