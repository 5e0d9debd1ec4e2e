"""After a restore: file again what the server kept and the restored database does not know.

Letters filed after the backup were moved to the processed folder (or tagged, with
`after_processing = "keyword"`) and would be lost. Every message of the processed and quarantine
folders whose content hash the ledger lacks goes through the normal pipeline (poll.process_one:
raw archived first, one transaction, an agenda number), keyed by the folder's own UIDVALIDITY and
UID and settled where it lies. The ledger makes a second run file nothing.

Replies, corrections and status requests are applied again too: what the head disposed after the
backup was lost with the letter, and the ledger applies each message once. Their order is the
folder's, the order they were first handled in, so a reply comes after its letter and the letter
gets back the disposition ids its reply codes name. One guard: a reply whose subject carries the
old agenda tag of a letter whose number changed in this run is held in the quarantine (reason
"renumbered") instead, since its reply code may now name another letter's disposition: its
sender is told to answer the new request the letter's filing sent, and a release is refused.

Each clerk gets one mail listing their letters filed again, with the number each had before
(storage/journal.py) and whether it changed: the receipts that come again are explained, and the
paper letters whose numbers changed are named.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlmodel import Session, select

from mailflow.app import App
from mailflow.config import MailboxSettings
from mailflow.errors import MailboxError, MessageError
from mailflow.inbound.loop import KEYWORD_DONE, KEYWORD_HELD, Lease, hold, process_one
from mailflow.inbound.reading import HEAD_BYTES
from mailflow.net.imap import FetchedMessage, Mailbox
from mailflow.outbound import outbox
from mailflow.storage import journal
from mailflow.storage.db import transaction
from mailflow.storage.models import InboundMessage, Letter, Outcome, fetch, id_of
from mailflow.storage.spool import Spool
from mailflow.text.parsing import header_part, parse_message

log = logging.getLogger(__name__)

_TAG = re.compile(r"\[\s*SM\s*(\d+)\s*/\s*(\d{4})\s*\]", re.I)
_MESSAGE_ID = re.compile(rb"<[^<>\s]+>")


@dataclass(frozen=True)
class Refiled:
    """A letter filed again: its number now, and the one its clerk was given before (if known)."""

    mailbox: str
    agenda_number: str
    before: journal.Entry | None  # what the journal says its clerk was told before
    subject: str | None
    clerk: str
    office: str
    letter_id: int

    @property
    def changed(self) -> bool:
        return self.before is not None and self.before.agenda_number != self.agenda_number

    @property
    def number_before(self) -> str | None:
        return self.before.agenda_number if self.before else None


@dataclass
class ReconcileReport:
    looked: int = 0  # messages in the processed and quarantine folders
    fetched: int = 0  # of those, fetched whole: the ledger lacks their Message-ID
    outcomes: dict[str, int] = field(default_factory=dict)  # of those filed again
    letters: list[Refiled] = field(default_factory=list)
    held: list[str] = field(default_factory=list)  # replies held for the admin (renumbered letters)
    problems: list[str] = field(default_factory=list)  # mailboxes that could not be read

    def count(self, outcome: str) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1


def reconcile(app: App) -> ReconcileReport:
    """One pass over every mailbox's processed and quarantine folders; then each clerk is told."""
    report = ReconcileReport()
    before = journal.numbers(app.settings.storage_dir)
    for box in app.settings.mailboxes:
        known = _known_ids(app, box)
        lease = Lease(app, box.name)
        if not lease.hold():
            report.problems.append(f"{box.name}: polled by another worker now; run reconcile again")
            continue
        try:
            with app.connect(box) as mailbox:
                for place in _filed_messages(mailbox, app.archive.spool(), known, report):
                    try:
                        if not lease.hold():
                            raise MailboxError(f"{box.name}: lost the mailbox lease")
                        _refile(app, box, place, before, report)
                    finally:
                        place.message.raw.discard()
        except MailboxError as exc:
            report.problems.append(str(exc))
            log.error("event=reconcile_failed mailbox=%s error=%s", box.name, exc)
        finally:
            lease.release()
    _tell_clerks(app, report.letters)
    return report


@dataclass(frozen=True)
class Found:
    """A message where Mailflow left it: the folder (config name), its UIDVALIDITY, the message."""

    folder: str
    uidvalidity: int
    message: FetchedMessage


def _filed_messages(
    mailbox: Mailbox, spool: Spool, known: set[bytes], report: ReconcileReport
) -> Iterator[Found]:
    """Where Mailflow leaves what it handled: the two folders, or the inbox's tagged messages.
    Only those whose Message-ID the ledger lacks are fetched whole (a year's folder is gigabytes);
    their content hash decides."""
    box = mailbox.settings
    places: list[tuple[str, str | None]]
    if box.after_processing == "keyword":
        places = [(box.folder, KEYWORD_DONE), (box.folder, KEYWORD_HELD)]
    else:
        places = [(box.processed_folder, None), (box.quarantine_folder, None)]
    for folder, keyword in places:
        uidvalidity = mailbox.examine(folder)
        if uidvalidity is None:
            continue
        uids = mailbox.uids_with(keyword)
        report.looked += len(uids)
        headers = mailbox.message_ids(uids)
        unknown = [uid for uid in uids if not known.intersection(_MESSAGE_ID.findall(headers.get(uid, b"")))]
        for fetched in mailbox.fetch(unknown, spool):
            report.fetched += 1
            yield Found(folder, uidvalidity, fetched)


def _known_ids(app: App, box: MailboxSettings) -> set[bytes]:
    """The Message-IDs the ledger holds for `box` (a message without one is read whole)."""
    with Session(app.engine) as session:
        rows = session.exec(select(InboundMessage.message_id).where(InboundMessage.mailbox == box.name))
        return {m.encode() for m in rows if m and not m.endswith("@mailflow.invalid>")}


def _known(app: App, box: MailboxSettings, sha: str) -> bool:
    where = (InboundMessage.mailbox == box.name, InboundMessage.sha256 == sha)
    with Session(app.engine) as session:
        return session.exec(select(InboundMessage.id).where(*where)).first() is not None


def _refile(
    app: App,
    box: MailboxSettings,
    place: Found,
    before: dict[str, journal.Entry],
    report: ReconcileReport,
) -> None:
    fetched, uidvalidity = place.message, place.uidvalidity
    sha = fetched.raw.sha256
    if _known(app, box, sha):
        return
    # The cursor never moves: in the processed folder UIDs are that folder's, and in keyword mode an
    # untagged message below a tagged one still waits for the poll.
    own_folder = place.folder == box.folder
    if (old_tag := renumbered_tag(fetched.raw.head(HEAD_BYTES), report.letters)) is not None:
        detail = f"answers letter {old_tag}, whose agenda number changed in the restore"
        row = hold(app, box, uidvalidity, fetched, "renumbered", detail, cursor=False, check="reconcile")
        report.held.append(f"{box.name}: {detail} (quarantine {row.quarantine_id})")
    else:
        row = process_one(app, box, uidvalidity, fetched, cursor=False)
    if row.sha256 != sha:  # the folder's (UIDVALIDITY, UID) is another message's ledger key
        report.problems.append(
            f"{box.name}: message UID {fetched.uid} shares its ledger key with another message; "
            "it was not filed again"
        )
        return
    with transaction(app.engine) as session:  # it lies where it belongs already: nothing to move
        settled = fetch(session, InboundMessage, row.id)
        settled.settled = True
        settled.destination = settled.destination if own_folder else place.folder
        session.add(settled)
        letter = session.get(Letter, row.letter_id) if row.outcome == Outcome.LETTER else None
    report.count(row.outcome)
    log.info("event=reconciled mailbox=%s uid=%s outcome=%s", box.name, fetched.uid, row.outcome)
    if letter is not None:
        report.letters.append(
            Refiled(
                box.name,
                letter.agenda_number,
                before.get(sha),
                letter.subject,
                letter.clerk,
                letter.office,
                id_of(letter),
            )
        )


def renumbered_tag(raw: bytes, letters: list[Refiled]) -> str | None:
    """The old number of a letter renumbered in this run, when `raw`'s subject carries its tag."""
    changed = {_tag_key(r.before.tag): r.before.agenda_number for r in letters if r.before and r.changed}
    if not changed:
        return None
    try:
        subject = parse_message(header_part(raw)).subject or ""
    except MessageError:
        return None
    for seq, year in _TAG.findall(subject):
        if (key := (int(seq), int(year))) in changed:
            return changed[key]
    return None


def _tag_key(tag: str) -> tuple[int, int] | None:
    """(serial, year) of a subject tag, "SM 011/2026" or "[SM 11 / 2026]" alike."""
    found = _TAG.search(f"[{tag.strip('[]')}]")
    return (int(found[1]), int(found[2])) if found else None


def _tell_clerks(app: App, letters: list[Refiled]) -> None:
    """One mail per clerk and office: the letters filed again, and which numbers changed."""
    groups: dict[tuple[str, str, str], list[Refiled]] = {}
    for item in letters:
        groups.setdefault((item.mailbox, item.office, item.clerk), []).append(item)
    for (box_name, office, clerk), items in groups.items():
        box = app.settings.mailbox(box_name)
        ctx = app.context(box).for_office(office)
        views = [RestoredView(i.agenda_number, i.subject, i.number_before, i.changed) for i in items]
        with transaction(app.engine) as session:
            mail = ctx.mailer(box).reply(clerk, "restored", letters=views)
            outbox.enqueue(session, mail, "restored")


@dataclass(frozen=True)
class RestoredView:
    """One line of the clerk's mail (templates/*/restored.*.j2)."""

    agenda_number: str
    subject: str | None
    before: str | None
    changed: bool
