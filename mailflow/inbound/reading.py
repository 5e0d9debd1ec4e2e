"""A message read before its transaction opens.

Parsing, PDF text, the registry fields and the sender check are the slow part of handling a
message, and the transaction (on SQLite, the one write lock every worker shares) should only
write; so the poll reads first, then opens the transaction with what it read.
"""

from __future__ import annotations

from dataclasses import dataclass

from mailflow.app import App
from mailflow.config import MailboxSettings
from mailflow.errors import MessageError
from mailflow.inbound.authenticity import UNCHECKED, Authenticity, check_sender
from mailflow.text.letter import LetterReading, read_letter
from mailflow.text.message import ParsedMessage
from mailflow.text.parsing import header_part, parse_message


@dataclass(frozen=True)
class Read:
    """What the transaction needs of a message, or why it cannot be read."""

    message: ParsedMessage | None
    problem: MessageError | None  # unreadable or too big: held
    sender: Authenticity
    letter: LetterReading | None  # what filing needs, for a message that may be filed


def read(app: App, box: MailboxSettings, raw: bytes) -> Read:
    limit = app.settings.max_message_bytes
    if len(raw) > limit:
        return Read(None, MessageError("oversize", f"{len(raw)} bytes, limit {limit}"), UNCHECKED, None)
    try:
        # The sender is checked on the header before the body is decoded: DKIM's copy of a large
        # body and the decoded attachments are then never in memory at the same time.
        head = parse_message(header_part(raw))
        sender, clerk = _checked(app, box, raw, head)
        message = parse_message(raw)
    except MessageError as exc:
        return Read(None, exc, UNCHECKED, None)
    if message.from_address != head.from_address:  # a header past 64 KB: decide on the whole
        sender, clerk = _checked(app, box, raw, message)
    files = clerk or box.direct_letters == "register"
    return Read(message, None, sender, read_letter(message, direct=not clerk) if files else None)


def _checked(app: App, box: MailboxSettings, raw: bytes, message: ParsedMessage) -> tuple[Authenticity, bool]:
    """The sender check (for people the rules know), and whether the sender is a clerk."""
    rules = app.office_rules(app.office_of(box))
    clerk = rules.clerk(message.from_address) is not None
    known = clerk or rules.person_by_address(message.from_address) is not None
    known = known and message.header_problem is None  # held by triage whoever it names
    return (check_sender(raw, message, box, app.txt_lookup) if known else UNCHECKED), clerk
