"""The senders of a mailbox's newest mail, and whether each would verify (`mailflow doctor`).

An office learns that its clerk's mail is unsigned before the first letter is held, not after:
the newest messages of the inbox and of the processed and quarantine folders are read read-only
(EXAMINE, BODY.PEEK: nothing is flagged or moved) and checked as the poll checks them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from mailflow.errors import MailboxError, MessageError
from mailflow.inbound.reading import HEAD_BYTES
from mailflow.inbound.senders import Outcome, SenderVerdict, verdict
from mailflow.net.dkim_keys import TxtLookup
from mailflow.net.imap import Mailbox
from mailflow.office.model import Rules
from mailflow.text.parsing import header_part, parse_message

LATEST = 20  # messages read per folder


@dataclass(frozen=True)
class SenderSeen:
    verdict: SenderVerdict  # the worst one seen: one unverified message outweighs verified ones
    count: int


@dataclass(frozen=True)
class Seen:
    folders: tuple[str, ...]  # the config's names of the folders read
    senders: tuple[SenderSeen, ...]  # clerks and officials, most messages first
    outside: int  # messages from senders the rules do not know (never checked)
    outside_outcome: Outcome


def survey(
    mailbox: Mailbox, rules: Rules, lookup: TxtLookup, max_bytes: int, latest: int = LATEST
) -> Seen:
    """Read the newest `latest` messages of each of the mailbox's folders, and judge each sender."""
    box = mailbox.settings
    lookup = functools.cache(lookup)  # one DNS question per key, not per message (5 s each at worst)
    folders: list[str] = []
    seen: dict[str, SenderSeen] = {}
    outside = 0
    outside_outcome: Outcome = "direct_register" if box.direct_letters == "register" else "direct_quarantine"
    names: set[str] = set()
    for logical in (box.folder, box.processed_folder, box.quarantine_folder):
        try:
            name = mailbox.folder_name(logical)
        except MailboxError:  # a SPECIAL-USE folder the server lacks: the folders check says so
            continue
        if name in names:  # after_processing = "keyword": one folder for all three
            continue
        names.add(name)
        fetched = mailbox.latest(logical, latest, max_bytes)
        if fetched:
            folders.append(logical)
        for message in fetched:
            try:
                head = parse_message(header_part(message.raw.head(HEAD_BYTES)))
            except MessageError:
                continue
            if head.header("X-Mailflow") is not None or head.from_address in ("", box.address):
                continue  # our own mail, or nobody to judge
            found = verdict(message.raw, head, box, rules, lookup)
            if found.role == "outside":
                outside += 1
                continue
            before = seen.get(found.address)
            worst = before.verdict if before and not before.verdict.sender.verified else found
            seen[found.address] = SenderSeen(worst, (before.count if before else 0) + 1)
    ordered = sorted(seen.values(), key=lambda s: (-s.count, s.verdict.address))
    return Seen(tuple(folders), tuple(ordered), outside, outside_outcome)
