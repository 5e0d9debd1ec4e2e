"""The loop over a mailbox: fetch, ledger, lease, and settle on the server after the commit.

What a message does to the database is the pipeline's (inbound.pipeline); this module is the
only place that combines it with the IMAP edge, the archive and the transaction.

Order per message, the guarantee of "Letters in":
1. archive the raw bytes (content-addressed, atomic; a large message is fetched into a spool
   file, linked into the archive and removed when its group is done) and count the try (a message that stopped
   its worker twice is held as poison instead);
2. read it (inbound.reading: parse, PDF text, registry fields, sender check) and archive the
   files of a letter before any transaction, which then only writes;
3. decide (inbound.pipeline) and record in ONE transaction: ledger row keyed (mailbox,
   UIDVALIDITY, UID) with the deciding check, cursor, letter / correction / quarantine entry,
   events, outgoing mail;
4. only after that commit, move (or tag) the message on the server, then mark it settled.
A crash anywhere repeats at most step 4 on the next run, which is harmless.

Group commit: the messages of one fetch (up to `commit_batch`, `GROUP_BYTES`) take each step
together: their tries are counted in one transaction, and step 3 is one transaction for all of
them, in UID order, so agenda numbers stay in order and gap-free and the cursor never passes an
uncommitted message. A message that was in hand when a worker died goes alone (and so does
each after it that was), so that a message that kills its worker is held as poison without
taking its neighbours along; a group whose transaction fails on a bug is decided again one
message at a time, where the message at fault is held.

Pipelining (`_Filing`): while the main thread decides group N in its transaction, the reading
threads already read group N+1. The order is: archive N+1's raw messages (side by side, each
waiting for its own fsyncs), count N+1's tries and commit (before N's transaction opens: SQLite
has one writer), start N+1's reading, then wait for N's reading and decide N. So each step above
still comes before the next for every message, and groups are still decided one at a time in UID
order. Reading uses no session of the main thread; it archives a letter's files (step 2,
content-addressed and idempotent like the raw bytes), so the transaction only writes rows. Two
groups are in hand at once only when both are first tries: a message tried before is taken when
nothing else is in hand, and decided before anything after it is taken, so a message that kills
its worker still takes no neighbour to poison. A poll that stops (stop asked, lease lost) lets
the group read ahead go: its tries are taken back and its spool files removed, and the next poll
fetches it again.

What a crash (SIGKILL, OOM) now leaves: the tries of up to two groups counted once, N+1's as well
as N's when it died before N's commit; each of those messages goes alone next run, read and filed
once (nothing lost, nothing doubled, numbers gap-free, the cursor never past an uncommitted
message); at worst slower. Files archived for a letter whose transaction never committed (or that
was not filed: a duplicate, a reply) stay in the archive named by nobody, harmless as the raw
bytes a crash leaves; backups copy them, nothing checks for them, and they are never read.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy import delete, insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from mailflow.app import App
from mailflow.config import MailboxSettings
from mailflow.errors import MailboxError, SignInError
from mailflow.inbound import leases
from mailflow.inbound.pipeline import apply, headers_of
from mailflow.inbound.reading import read
from mailflow.inbound.reading_apart import Read, reading_processes
from mailflow.inbound.triage import oversized
from mailflow.net.imap import FetchedMessage, Mailbox
from mailflow.net.misdial import explained
from mailflow.raw import RawMessage
from mailflow.registry.filing import store_file
from mailflow.registry.quarantine import quarantine, settle_release
from mailflow.storage import journal
from mailflow.storage.db import DATABASE_ERRORS, transaction
from mailflow.storage.models import (
    HeldStatus,
    InboundAttempt,
    InboundMessage,
    Letter,
    MailboxState,
    Outcome,
    QuarantineItem,
    fetch,
    utcnow,
)
from mailflow.text.fields import letter_files
from mailflow.text.message import ParsedMessage

log = logging.getLogger(__name__)

# Failures of the edges (server, network, database), not a message's fault: the poll stops and
# the message is fetched again next run. A pool TimeoutError means every connection was busy.
_EDGE_ERRORS = (MailboxError, OSError, *DATABASE_ERRORS)

# The checks the loop itself decides by (the pipeline's are inbound.pipeline's and triage's):
# a message that stopped its worker or broke its reading, and the same bytes seen before.
LOOP_CHECK = "loop"
SAME_BYTES_CHECK = "same_bytes"

KEYWORD_DONE = "$MailflowProcessed"
KEYWORD_HELD = "$MailflowQuarantined"


@dataclass
class PollReport:
    mailbox: str
    seen: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    error: str | None = None
    leased_elsewhere: bool = False  # another worker polls this mailbox now
    sign_in_refused: bool = False  # OAuth2: an admin must run `mailflow auth login`

    def count(self, outcome: str) -> None:
        self.seen += 1
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1


def process_one(
    app: App,
    box: MailboxSettings,
    uidvalidity: int,
    fetched: FetchedMessage,
    *,
    cursor: bool = True,
    limit: int | None = None,
) -> InboundMessage:
    """Archive, decide and commit one message; returns its ledger row. `limit`: the message size
    limit in force for the mailbox (App.message_limit).

    `cursor=False` for a message ops.reconcile files again from where it was left (the processed
    folder, whose UIDs are its own, or tagged in the inbox): the poll's cursor stays where it is.
    """
    [row] = process_group(app, box, uidvalidity, [fetched], cursor=cursor, limit=limit)
    return row


def process_group(
    app: App,
    box: MailboxSettings,
    uidvalidity: int,
    group: list[FetchedMessage],
    *,
    cursor: bool = True,
    limit: int | None = None,
) -> list[InboundMessage]:
    """Archive, decide and commit messages of one mailbox in UID order, as few transactions as
    the guarantees allow (module docstring); their ledger rows, in the same order.

    Workers whose leases overlapped (one stalled past its lease) may both reach the same message:
    the mailbox's state row is locked first, so the second waits and then finds the first's ledger
    row. A unique-key race that still slips through (the first agenda counter of a year) is retried.
    """
    with _Filing(app, box, uidvalidity, limit, cursor=cursor) as filing:
        return filing.add(group) + filing.finish()


MAX_TRIES = 2
# A group's messages are read side by side, four at a time: each thread mostly waits for its
# reading process (inbound.reading_apart), which reads the next while one waits for its PDF child or
# its DNS answer. On one core there is no reading process, and no thread: one reads at a time.
READERS = 4 if (os.cpu_count() or 1) > 1 else 1
# A group's raw messages are archived side by side: the time is the disk's (fsync), not the CPU's.
ARCHIVERS = 4


@dataclass
class _Taken:
    """One message of a group on its way to the transaction: archived, its try counted, read."""

    fetched: FetchedMessage
    sha: str
    tries: int
    reading: Read | None = None
    failure: tuple[str, str] | None = None  # (reason, detail): held without deciding


@dataclass
class _Batch:
    """Messages taken together (one transaction of tries, one of decisions), their reading under way."""

    taken: list[_Taken]
    reads: list[Future[None]]

    @property
    def retried(self) -> bool:
        """In hand when a worker died: nothing else may be in hand with it (it goes alone)."""
        return any(item.tries > 1 for item in self.taken)


class _Filing:
    """The groups of one poll on their way, two at a time: while the main thread decides one in
    its transaction, the reading threads read the next (module docstring, "Pipelining").

    `add` takes a group (archive, count its tries, start its reading) and then decides the one
    before; `finish` decides the last; leaving the block waits for every reading and, with
    `discard`, removes the spool files of what it took (a group not decided is fetched again)."""

    def __init__(
        self,
        app: App,
        box: MailboxSettings,
        uidvalidity: int,
        limit: int | None,
        *,
        cursor: bool = True,
        discard: bool = False,
    ) -> None:
        self.app, self.box, self.uidvalidity, self.limit = app, box, uidvalidity, limit
        self.cursor, self.discard = cursor, discard
        self.pool = ThreadPoolExecutor(READERS, thread_name_prefix="reading") if READERS > 1 else None
        self.archiving = ThreadPoolExecutor(ARCHIVERS, thread_name_prefix="archiving")
        self.ahead: _Batch | None = None
        self.held: list[FetchedMessage] = []  # taken, not yet decided: their spool files

    def __enter__(self) -> _Filing:
        return self

    def __exit__(self, *exc: object) -> None:
        self.archiving.shutdown(wait=True, cancel_futures=True)
        if self.pool is not None:  # no reading may outlive its spool file
            self.pool.shutdown(wait=True, cancel_futures=True)
        self._done(self.held)

    def add(self, group: list[FetchedMessage]) -> list[InboundMessage]:
        """Take `group` in UID order; the rows decided meanwhile, in UID order: the group before,
        and what of this one a retry made go first.

        The tries of what is taken commit before the transaction of the group before opens (SQLite
        has one writer). A message in hand when a worker died is never taken while another group is
        in hand (`_attempt`'s `ahead`), and is decided before anything after it is taken: it goes
        alone, as the poison count needs."""
        self.held.extend(group)
        # Side by side: each waits for its fsyncs, not for the other's (all before any try is counted).
        shas = list(self.archiving.map(self.app.archive.put_raw, [fetched.raw for fetched in group]))
        todo = list(zip(group, shas, strict=True))
        rows: list[InboundMessage] = []
        while todo:
            uids = [fetched.uid for fetched, _ in todo]
            tries = _attempt(self.app, self.box, self.uidvalidity, uids, self.ahead is not None)
            if not tries:  # its first was in hand when a worker died: it waits until nothing else is
                rows += self._decide_ahead()
                continue
            batch = self._read([_Taken(f, sha, n) for (f, sha), n in zip(todo, tries, strict=False)])
            todo = todo[len(tries) :]
            rows += self._decide_ahead()
            self.ahead = batch
            if batch.retried:
                rows += self._decide_ahead()
        return rows

    def finish(self) -> list[InboundMessage]:
        """Decide what is still in hand; its rows."""
        return self._decide_ahead()

    def release(self) -> None:
        """The poll stops: what was taken ahead is not decided, and its tries are taken back (it
        was read ahead only if it was a first try, and no worker died with it), so that the next
        poll fetches it again as if it had never been taken."""
        if (batch := self.ahead) is None:
            return
        self.ahead = None
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
        uids = [item.fetched.uid for item in batch.taken]
        with transaction(self.app.engine) as session:
            # Our one try each, not the row: a worker that took the mailbox over since (this one's
            # lease lapsed) may have counted its own, which must stay.
            this_box = (
                col(InboundAttempt.mailbox) == self.box.name,
                col(InboundAttempt.uidvalidity) == self.uidvalidity,
                col(InboundAttempt.uid).in_(uids),
            )
            connection = session.connection()
            connection.execute(
                update(InboundAttempt).where(*this_box).values(attempts=col(InboundAttempt.attempts) - 1)
            )
            connection.execute(delete(InboundAttempt).where(*this_box, col(InboundAttempt.attempts) <= 0))

    def _read(self, taken: list[_Taken]) -> _Batch:
        """Hold who tried too often; start the reading of the others (in the pool, or here)."""
        for item in taken:
            if item.tries > MAX_TRIES:
                item.failure = (
                    "poison",
                    f"reading it stopped a worker {MAX_TRIES} times (killed, out of memory or stalled)",
                )
        reads: list[Future[None]] = []
        for item in taken:
            if item.failure is not None:
                continue
            if self.pool is None:
                _read(self.app, self.box, item, self.limit)
            else:
                reads.append(self.pool.submit(_read, self.app, self.box, item, self.limit))
        return _Batch(taken, reads)

    def _decide_ahead(self) -> list[InboundMessage]:
        """Decide the batch in hand once its reading is done (an edge error of any stops the poll,
        as it would one by one); its rows, and its spool files removed."""
        if (batch := self.ahead) is None:
            return []
        self.ahead = None
        for done in batch.reads:
            done.result()
        rows = _decide_safely(self.app, self.box, self.uidvalidity, batch.taken, self.cursor)
        decided = {id(item.fetched) for item in batch.taken}
        self._done([fetched for fetched in self.held if id(fetched) in decided])
        self.held = [fetched for fetched in self.held if id(fetched) not in decided]
        return rows

    def _done(self, messages: list[FetchedMessage]) -> None:
        if self.discard:  # archived (or fetched again next run): done
            for message in messages:
                message.raw.discard()


def _read(app: App, box: MailboxSettings, item: _Taken, limit: int | None) -> None:
    """Its reading, or its failure noted: a bug reading one message must not stop the mailbox
    (the one per-message boundary); a failing edge stops the poll.

    The files of a message that may be filed are archived here, in the reading thread, so that
    the transaction only writes rows (registry.filing.store_file finds them there); a file of a
    message that turns out not to be filed, or whose transaction never commits, stays in the
    archive unnamed, harmless as a raw message archived before a crash (content-addressed)."""
    try:
        item.reading = read(app, box, item.fetched.raw, item.fetched.declared, limit, reading_processes())
        message = item.reading.message
        limit_bytes = app.settings.max_attachment_bytes
        if item.reading.letter is not None and message is not None and not oversized(message, limit_bytes):
            for f in letter_files(message):  # (an oversized one is held, and nothing of it stored)
                store_file(app.archive, f)
    except _EDGE_ERRORS:
        raise
    except Exception as exc:  # the per-message boundary: held as internal_error, the poll goes on
        log.exception("event=message_failed mailbox=%s uid=%s", box.name, item.fetched.uid)
        item.reading, item.failure = None, ("internal_error", f"{type(exc).__name__}: {exc}")


def _decide_safely(
    app: App, box: MailboxSettings, uidvalidity: int, taken: list[_Taken], cursor: bool
) -> list[InboundMessage]:
    """One transaction for the group; a unique-key race is retried once, a bug sends the group
    one message at a time, and a lone message that fails so is held as internal_error."""
    races = 0
    while True:
        try:
            return _decide(app, box, uidvalidity, taken, cursor)
        except IntegrityError:
            races += 1
            if races == 2:
                raise
            log.info("event=retry_after_race mailbox=%s uid=%s", box.name, taken[0].fetched.uid)
        except _EDGE_ERRORS:
            raise
        except Exception as exc:  # the per-message boundary: a bug must not stop the mailbox
            if len(taken) > 1:
                alone = [_decide_safely(app, box, uidvalidity, [item], cursor) for item in taken]
                return [row for rows in alone for row in rows]
            [item] = taken
            if item.failure is not None:
                raise  # holding it failed as well: not this message's fault
            log.exception("event=message_failed mailbox=%s uid=%s", box.name, item.fetched.uid)
            item.reading, item.failure = None, ("internal_error", f"{type(exc).__name__}: {exc}")


def _attempt(
    app: App, box: MailboxSettings, uidvalidity: int, uids: list[int], ahead: bool = False
) -> list[int]:
    """Count one more try at the first messages of `uids`, committed before the try: a worker that
    dies reading them leaves the count behind, and the ledger transaction of a try that ends
    removes it. Counted together: the messages before the first that was tried already; that one
    alone, and only when nothing else is in hand (`ahead`: a group is, and then none is taken).
    Returns their counts, in order (as many as were taken). The group's rows are read in
    one locking query and written in one INSERT (and one UPDATE for a message tried before):
    counters of our own, no object needed."""
    this_box = (col(InboundAttempt.mailbox) == box.name, col(InboundAttempt.uidvalidity) == uidvalidity)
    with transaction(app.engine) as session:
        connection = session.connection()
        found = connection.execute(
            sa.select(col(InboundAttempt.uid), col(InboundAttempt.attempts))
            .where(*this_box, col(InboundAttempt.uid).in_(uids))
            .with_for_update()
        )
        tried = {uid: attempts for uid, attempts in found}
        counts: list[int] = []
        for uid in uids:
            if uid in tried and (counts or ahead):
                break  # tried before: it goes alone, after these
            counts.append(tried.get(uid, 0) + 1)
            if counts[-1] > 1:
                break
        now = utcnow()
        taken = uids[: len(counts)]
        if first := [uid for uid in taken if uid not in tried]:
            row = {"mailbox": box.name, "uidvalidity": uidvalidity, "attempts": 1, "last_at": now}
            connection.execute(insert(InboundAttempt), [{**row, "uid": uid} for uid in first])
        for uid, count in zip(taken, counts, strict=True):
            if uid in tried:
                connection.execute(
                    update(InboundAttempt)
                    .where(*this_box, col(InboundAttempt.uid) == uid)
                    .values(attempts=count, last_at=now)
                )
        return counts


def _attempts_done(session: Session, box: MailboxSettings, uidvalidity: int, uids: list[int]) -> None:
    """The tries of `uids` are over (in the transaction that decides them): one DELETE."""
    session.connection().execute(
        delete(InboundAttempt)
        .where(col(InboundAttempt.mailbox) == box.name, col(InboundAttempt.uidvalidity) == uidvalidity)
        .where(col(InboundAttempt.uid).in_(uids))
    )


def _ledger_rows(
    session: Session, box: MailboxSettings, uidvalidity: int, uids: list[int]
) -> dict[int, InboundMessage]:
    """The ledger rows some of `uids` have already (an overlapping poll decided them), by UID."""
    found = session.exec(
        select(InboundMessage)
        .where(InboundMessage.mailbox == box.name, InboundMessage.uidvalidity == uidvalidity)
        .where(col(InboundMessage.uid).in_(uids))
    )
    return {row.uid: row for row in found}


def _decide(
    app: App, box: MailboxSettings, uidvalidity: int, taken: list[_Taken], cursor: bool = True
) -> list[InboundMessage]:
    """Decide the group in one transaction, in UID order; its ledger rows.

    What the group needs of the ledger (rows of its UIDs already there, rows of the same bytes)
    is read in one query each, after the mailbox's row is locked; a message of the same bytes as
    an earlier one of the group finds that one's row in hand."""
    ctx = app.context(box)
    rows: list[InboundMessage] = []
    uids = [item.fetched.uid for item in taken]
    with transaction(app.engine) as session:
        state = session.get(MailboxState, box.name, with_for_update=True) or MailboxState(mailbox=box.name)
        _attempts_done(session, box, uidvalidity, uids)
        decided = _ledger_rows(session, box, uidvalidity, uids)
        priors = _same_bytes(session, app, box, {item.sha for item in taken})
        filed: list[int] = []
        for item in taken:
            if (existing := decided.get(item.fetched.uid)) is not None:
                rows.append(existing)  # an overlapping poll got here first
                continue
            uid = item.fetched.uid
            row = _ledger_entry(state if cursor else None, box, uidvalidity, uid, item.sha)
            if item.failure is not None:
                reason, detail = item.failure
                _hold(session, app, box, row, None, reason, detail, check=LOOP_CHECK)
            elif (prior := priors.get(item.sha)) is not None:
                # The same bytes again (a UIDVALIDITY resync, or a copy in another folder).
                row.message_id, row.outcome = prior.message_id, Outcome.SEEN_BEFORE
                row.letter_id, row.quarantine_id = prior.letter_id, prior.quarantine_id
                row.destination = prior.destination
                row.decided_by, row.reason = SAME_BYTES_CHECK, "seen_before"
            else:
                apply(session, ctx, box, item.fetched.raw, item.sha, row, _reading(item))
            session.add(row)
            priors.setdefault(item.sha, row)
            rows.append(row)
            if row.outcome == Outcome.LETTER and row.letter_id is not None:
                filed.append(row.letter_id)
        if cursor:
            session.add(state)
        entries = _journal_entries(session, filed)
    if entries:  # after the commit: the numbers clerks were given (storage/journal.py)
        try:
            journal.note(app.settings.storage_dir, *entries)
        except OSError as exc:  # the letters are filed; only a restore's comparison would miss them
            agendas = ",".join(e.agenda_number for e in entries)
            log.warning("event=journal_not_written agenda=%s error=%s", agendas, exc)
    return rows


def _journal_entries(session: Session, letter_ids: list[int]) -> list[journal.Entry]:
    """The journal's lines of the letters `letter_ids` filed, in their order: one query."""
    if not letter_ids:
        return []
    found = session.connection().execute(
        sa.select(col(Letter.id), col(Letter.raw_sha256), col(Letter.office))
        .add_columns(col(Letter.agenda_number), col(Letter.subject_tag))
        .where(col(Letter.id).in_(letter_ids))
    )
    by_id = {ident: journal.Entry(sha, office, agenda, tag) for ident, sha, office, agenda, tag in found}
    return [by_id[ident] for ident in letter_ids]


def _reading(item: _Taken) -> Read:
    if item.reading is None:
        raise LookupError(f"UID {item.fetched.uid} reached its transaction unread")
    return item.reading


def _same_bytes(
    session: Session, app: App, box: MailboxSettings, shas: set[str]
) -> dict[str, InboundMessage]:
    """A ledger row of each of these raw messages seen before in the office `box` serves, by
    SHA-256: one query (and one more for rows of mailboxes no longer configured).

    The office's alone: one email to several offices' addresses can reach each mailbox byte for
    byte (a server that adds no header per recipient), and each office files or holds its own
    copy. A row of a mailbox since renamed or removed is the office of the letter it filed or the
    quarantine entry it made; one that made neither (a reply, ignored mail) counts, since what it
    served cannot be told: a renamed mailbox does not file its history again."""
    regency = app.rules.get()
    ours = regency.office_of_mailbox(box.address, box.office)
    configured = {b.name: regency.office_of_mailbox(b.address, b.office) for b in app.settings.mailboxes}
    found = list(session.exec(select(InboundMessage).where(col(InboundMessage.sha256).in_(shas))))
    gone = [row for row in found if row.mailbox not in configured]
    letters = _offices(session, Letter, {row.letter_id for row in gone})
    held = _offices(session, QuarantineItem, {row.quarantine_id for row in gone})

    def office_of(row: InboundMessage) -> str | None:
        if row.mailbox in configured:
            return configured[row.mailbox]
        return letters.get(row.letter_id) or held.get(row.quarantine_id) or ours

    priors: dict[str, InboundMessage] = {}
    for row in found:
        if row.mailbox == box.name or office_of(row) == ours:
            priors.setdefault(row.sha256, row)
    return priors


def _offices(
    session: Session, table: type[Letter] | type[QuarantineItem], ids: set[int | None]
) -> dict[int | None, str | None]:
    """The office of each of these letters (or quarantine entries), by id."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    found = session.connection().execute(
        sa.select(col(table.id), col(table.office)).where(col(table.id).in_(wanted))
    )
    return {ident: office for ident, office in found}


def _ledger_entry(
    state: MailboxState | None, box: MailboxSettings, uidvalidity: int, uid: int, sha: str
) -> InboundMessage:
    """The ledger row of (mailbox, UIDVALIDITY, UID), still undecided, written in the transaction
    that decides the message (which removes its try: `_attempts_done`), and the cursor (`state`;
    None leaves it, for ops.reconcile) moves past it in the same commit."""
    if state is not None:
        state.uidvalidity, state.last_uid = uidvalidity, max(state.last_uid, uid)
    return InboundMessage(
        mailbox=box.name,
        uidvalidity=uidvalidity,
        uid=uid,
        message_id="",
        sha256=sha,
        outcome=Outcome.UNDECIDED,
    )


def _hold(
    session: Session,
    app: App,
    box: MailboxSettings,
    row: InboundMessage,
    told: ParsedMessage | None,
    reason: str,
    detail: str,
    *,
    check: str,
) -> None:
    """Hold the message of `row` without deciding it; the sender of `told` hears why."""
    notify = told is not None
    item = quarantine(session, app.context(box), box, told, row.sha256, reason, detail, notify_sender=notify)
    row.outcome, row.quarantine_id, row.destination = Outcome.QUARANTINED, item.id, box.quarantine_folder
    row.decided_by, row.reason = check, reason
    log.warning("event=quarantined mailbox=%s uid=%s reason=%s detail=%r", box.name, row.uid, reason, detail)


def _quarantine_failure(
    app: App,
    box: MailboxSettings,
    uidvalidity: int,
    fetched: FetchedMessage,
    sha: str,
    reason: str,
    detail: str,
    cursor: bool = True,
    told: ParsedMessage | None = None,
    *,
    check: str,
) -> InboundMessage:
    """A message held without being decided: keep it, hold it, and let the poll go on. `sha`
    names its raw bytes, already archived; the sender of `told` hears why; `check` is what held
    it, for the ledger row."""
    with transaction(app.engine) as session:
        state = (session.get(MailboxState, box.name) or MailboxState(mailbox=box.name)) if cursor else None
        _attempts_done(session, box, uidvalidity, [fetched.uid])
        row = _ledger_entry(state, box, uidvalidity, fetched.uid, sha)
        _hold(session, app, box, row, told, reason, detail, check=check)
        if state is not None:
            session.add(state)
        session.add(row)
    return row


# Held by the loop before anything was decided (two dead workers, a bug): what the message is was
# never asked, so an admin's release reads it again instead of filing it as a letter.
UNDECIDED_REASONS = frozenset({"poison", "internal_error"})


def hold(
    app: App,
    box: MailboxSettings,
    uidvalidity: int,
    fetched: FetchedMessage,
    reason: str,
    detail: str,
    *,
    cursor: bool = True,
    check: str,
) -> InboundMessage:
    """Keep and hold a message without acting on it; its sender is told why (ops.reconcile).
    `check` names who held it (the ledger row's `decided_by`)."""
    sha = app.archive.put_raw(fetched.raw)
    head = headers_of(fetched.raw)
    return _quarantine_failure(app, box, uidvalidity, fetched, sha, reason, detail, cursor, head, check=check)


def read_again(app: App, item: QuarantineItem, by: str) -> InboundMessage:
    """An admin's release of an undecided message: the decision the poll never reached, now.

    A reply held so is applied as a reply, a letter filed and routed; the ledger row of its
    (mailbox, UID) records the new outcome. The message stays in the server's quarantine folder.
    """
    raw = RawMessage.of(app.archive.raw(item.raw_sha256))
    with Session(app.engine) as session:
        row = session.exec(select(InboundMessage).where(InboundMessage.quarantine_id == item.id)).first()
    if row is None:
        raise LookupError(f"quarantine item {item.id} has no ledger row to read again")
    box = app.context().mailbox_named(row.mailbox, item.office)
    reading = read(app, box, raw)
    with transaction(app.engine) as session:
        held = session.get(QuarantineItem, item.id, with_for_update=True)
        row = fetch(session, InboundMessage, row.id)
        if held is None or held.status != HeldStatus.HELD:
            return row
        where = row.destination  # where the server keeps it; settled there, not moved again
        row.outcome, row.quarantine_id, row.letter_id = Outcome.UNDECIDED, None, None
        row.decided_by = row.reason = None
        apply(session, app.context(box), box, raw, item.raw_sha256, row, reading)
        row.destination = where
        session.add(row)
        settle_release(session, held, row.letter_id, by, f"read again: {row.outcome}")
    return row


def _settle(app: App, mailbox: Mailbox, rows: list[InboundMessage]) -> None:
    """After their commit: move (or tag) committed messages, one command per folder, then mark them."""
    by_target: dict[tuple[str, str], list[int]] = {}
    for row in rows:
        held = row.outcome == Outcome.QUARANTINED or row.destination == mailbox.settings.quarantine_folder
        target = (
            row.destination or mailbox.settings.processed_folder,
            KEYWORD_HELD if held else KEYWORD_DONE,
        )
        by_target.setdefault(target, []).append(row.uid)
    for (folder, keyword), uids in by_target.items():
        mailbox.settle(uids, folder, keyword)
    with transaction(app.engine) as session:
        ids = [row.id for row in rows]
        session.connection().execute(
            update(InboundMessage).where(col(InboundMessage.id).in_(ids)).values(settled=True)
        )


def _cursor(app: App, box: MailboxSettings, uidvalidity: int) -> int:
    with transaction(app.engine) as session:
        state = session.get(MailboxState, box.name) or MailboxState(mailbox=box.name)
        if state.uidvalidity is not None and state.uidvalidity != uidvalidity:
            log.warning(
                "event=uidvalidity_changed mailbox=%s old=%s new=%s (resync, dedupe by content)",
                box.name,
                state.uidvalidity,
                uidvalidity,
            )
            state.last_uid = 0
        state.uidvalidity = uidvalidity
        session.add(state)
        return state.last_uid


def _unsettled(app: App, box: MailboxSettings, uidvalidity: int) -> list[InboundMessage]:
    with transaction(app.engine) as session:
        return list(
            session.exec(
                select(InboundMessage).where(
                    InboundMessage.mailbox == box.name,
                    InboundMessage.uidvalidity == uidvalidity,
                    col(InboundMessage.settled).is_(False),
                )
            ).all()
        )


def poll_mailbox(
    app: App,
    box: MailboxSettings,
    stop: threading.Event | None = None,
    progress: Callable[[int, int], None] | None = None,
    *,
    keep_lease: bool = False,
) -> PollReport:
    """One pass; a MailboxError (server gone, login refused) is recorded and returned, not raised.

    `progress(done, total)` is told after each message (the first poll of a big mailbox is long).
    `keep_lease`: the worker holds the mailbox beyond this poll (ops.holdings), else it is let go.
    """
    report = PollReport(box.name)
    lease = Lease(app, box.name)
    if not lease.hold():
        report.leased_elsewhere = True
        return report
    spool = app.archive.spool()
    spool.sweep()  # what a killed worker of this machine was fetching
    try:
        with app.connect(box) as mailbox:
            if leftovers := _unsettled(app, box, mailbox.uidvalidity):
                _settle(app, mailbox, leftovers)
            last_uid = _cursor(app, box, mailbox.uidvalidity)
            limit = app.message_limit(mailbox.append_limit)
            done: list[InboundMessage] = []
            go_on = functools.partial(_go_on, stop, lease)
            try:
                uids = mailbox.uids_after(last_uid)
                if progress:
                    progress(0, len(uids))
                fetched = mailbox.fetch(uids, spool)
                with _Filing(app, box, mailbox.uidvalidity, limit, discard=True) as filing:
                    # None after the last group: what is still in hand is decided, or let go
                    for group in itertools.chain(_groups(fetched, box.commit_batch, go_on), [None]):
                        if group is not None:
                            rows = filing.add(group)
                        elif go_on():
                            rows = filing.finish()
                        else:  # stopped: the group read ahead is fetched again next poll
                            filing.release()
                            rows = []
                        for row in rows:
                            report.count(row.outcome)
                            done.append(row)
                        if progress and rows:
                            progress(report.seen, len(uids))
                        if len(done) >= box.fetch_batch:
                            _settle(app, mailbox, done)
                            done = []
            finally:
                if done:
                    _settle(app, mailbox, done)
    except _EDGE_ERRORS as exc:
        report.sign_in_refused = isinstance(exc, SignInError)
        report.error = (
            f"database unavailable: {getattr(exc, 'orig', exc)}"
            if isinstance(exc, DATABASE_ERRORS)
            else explained(exc, app.say)
        )
        log.error("event=poll_failed mailbox=%s error=%s", box.name, report.error)
    try:
        _record_health(app, box, report)
        if not keep_lease:
            lease.release()
    except DATABASE_ERRORS as exc:
        log.error("event=health_not_recorded mailbox=%s error=%s", box.name, getattr(exc, "orig", exc))
    return report


# A group holds its messages (and their readings) at once: beyond this many bytes it is closed.
GROUP_BYTES = 8 << 20


def _groups(
    fetched: Iterable[FetchedMessage], size: int, go_on: Callable[[], bool]
) -> Iterator[list[FetchedMessage]]:
    """The fetched messages in groups for one transaction each: what has arrived, up to `size`
    messages and GROUP_BYTES; `go_on()` is asked before each message is taken."""
    group: list[FetchedMessage] = []
    held = 0
    for message in fetched:
        if not go_on():
            message.raw.discard()
            break
        if group and (len(group) >= size or held + message.raw.size > GROUP_BYTES):
            try:
                yield group
            except GeneratorExit:  # the group's poll stopped: this one, fetched already, is not its
                message.raw.discard()
                raise
            group, held = [], 0
        group.append(message)
        held += message.raw.size
    if group:
        yield group


def _go_on(stop: threading.Event | None, lease: Lease) -> bool:
    return (stop is None or not stop.is_set()) and lease.hold()


class Lease:
    """This worker's hold on one mailbox, renewed when half of it has run out."""

    def __init__(self, app: App, mailbox: str) -> None:
        self.app, self.mailbox = app, mailbox
        self.until: dt.datetime | None = None

    def hold(self) -> bool:
        seconds = self.app.settings.lease_seconds
        if self.until is not None and self.until - utcnow() > dt.timedelta(seconds=seconds / 2):
            return True
        self.until = leases.acquire(self.app.engine, self.mailbox, self.app.worker, seconds)
        return self.until is not None

    def release(self) -> None:
        leases.release(self.app.engine, self.mailbox, self.app.worker)


def _record_health(app: App, box: MailboxSettings, report: PollReport) -> None:
    with transaction(app.engine) as session:
        state = session.get(MailboxState, box.name) or MailboxState(mailbox=box.name)
        state.sign_in_refused = report.sign_in_refused
        if report.error:
            state.last_error, state.last_error_at = report.error[:500], utcnow()
            state.failing_since = state.failing_since or state.last_error_at
        else:
            state.last_success_at, state.failing_since, state.alerted = utcnow(), None, False
        session.add(state)
