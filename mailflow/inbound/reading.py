"""A message read before its transaction opens.

Parsing, PDF text, the registry fields and the sender check are the slow part of handling a
message, and the transaction (on SQLite, the one write lock every worker shares) should only
write; so the poll reads first, then opens the transaction with what it read.

The raw message comes as a `RawMessage` (mailflow/raw.py): a large one is a spool file, read
here in chunks by the DKIM body hash and in one pass by the MIME reader (text.mime_stream),
which decodes its large parts into a folder beside it; a small one is read from memory.
"""

from __future__ import annotations

from mailflow.app import App
from mailflow.config import MailboxSettings
from mailflow.errors import MessageError
from mailflow.inbound.authenticity import UNCHECKED, Authenticity
from mailflow.inbound.reading_apart import Read, ReadingProcesses, SmallMessage, checked, read_small
from mailflow.raw import RawMessage
from mailflow.text.letter import read_letter
from mailflow.text.message import ParsedMessage
from mailflow.text.parsing import header_part, parse_message, read_message

# The header is read from this much of the message's start (header_part keeps 64 KB of it).
HEAD_BYTES = 128 * 1024


def read(
    app: App,
    box: MailboxSettings,
    raw: RawMessage,
    declared: int | None = None,
    limit: int | None = None,
    apart: ReadingProcesses | None = None,
) -> Read:
    """`declared`: the size the server announced for a message fetched in sections; one whose
    sections do not add up to it changed while it was read, or the server misstates it: held,
    never filed as a truncated letter. `limit`: the message size limit in force for the mailbox
    (App.message_limit; the service's own without it). `apart`: the reading processes a message
    in memory may be read in (inbound.reading_apart), else here."""
    if declared is not None and declared != raw.size:
        detail = f"the server announced {declared} bytes and sent {raw.size}"
        return Read(None, MessageError("changed_in_fetch", detail), UNCHECKED, None)
    limit = limit or app.message_limit()
    if raw.size > limit:
        return Read(None, MessageError("oversize", f"{raw.size} bytes, limit {limit}"), UNCHECKED, None)
    if raw.path is None:  # in memory, small: read whole, here or in a reading process
        rules = app.office_rules(app.office_of(box))
        small = SmallMessage(raw, box, rules.senders, app.settings.dkim_keys)
        if apart is not None and (done := apart.read(small)) is not None:
            return done
        return read_small(small, app.txt_lookup)
    try:  # a spool file: the sender is checked on the header (its body hash in chunks), then the body decoded
        head = parse_message(header_part(raw.head(HEAD_BYTES)))
        sender, clerk = _checked(app, box, raw, head)
        message = _whole(raw)
    except MessageError as exc:
        return Read(None, exc, UNCHECKED, None)
    if message.from_address != head.from_address:  # a header past 64 KB: decide on the whole
        sender, clerk = _checked(app, box, raw, message)
    files = clerk or box.direct_letters == "register"
    return Read(message, None, sender, read_letter(message, direct=not clerk) if files else None)


def _whole(raw: RawMessage) -> ParsedMessage:
    """The message read in one pass from its spool file, its large parts decoded into the folder
    beside it (removed with it when the message is done: RawMessage.discard)."""
    if raw.path is None or raw.parts is None:
        return parse_message(raw.read_bytes())
    raw.parts.mkdir(mode=0o700, exist_ok=True)
    with raw.open() as source:
        return read_message(source, raw.parts)


def _checked(
    app: App, box: MailboxSettings, raw: RawMessage, message: ParsedMessage
) -> tuple[Authenticity, bool]:
    """inbound.reading_apart.checked, with the office's senders and the service's DNS cache."""
    senders = app.office_rules(app.office_of(box)).senders
    return checked(raw, message, box, senders, app.txt_lookup)
