"""Database tables. Times are timezone-aware UTC; conversion to the office zone is at the edges."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from sqlalchemy import JSON, Column, Dialect, ForeignKey, Index, Integer, LargeBinary, Text, UniqueConstraint
from sqlalchemy.types import TypeDecorator
from sqlmodel import AutoString, Field, Session, SQLModel


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class _Stored(Protocol):
    id: int | None


def id_of(row: _Stored) -> int:
    """The id of a row the session has flushed; its absence is a bug, not a state."""
    if row.id is None:
        raise LookupError(f"{type(row).__name__} has not been stored yet")
    return row.id


Row = TypeVar("Row", bound=SQLModel)


def fetch(session: Session, model: type[Row], ident: int | None) -> Row:
    """A row another row points to (foreign keys keep it there); its absence is a bug, not a state."""
    row = session.get(model, ident) if ident is not None else None
    if row is None:
        raise LookupError(f"{model.__name__} {ident} does not exist")
    return row


class Book(StrEnum):
    """A register of the office, each numbered on its own. Only the incoming letters' book
    (surat masuk) is kept today; outgoing letters (surat keluar) would be a second."""

    INCOMING = "SM"


class LetterStatus(StrEnum):
    """Where a letter is; it follows the root of its disposition tree (disposition.states)."""

    REGISTERED = "registered"
    AWAITING = "awaiting"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    ARCHIVED = "archived"


class DispositionState(StrEnum):
    """The states of one disposition; what they mean and how they follow: disposition.states."""

    PENDING = "pending"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    DISPOSED = "disposed"
    COMPLETED = "completed"
    ARCHIVED = "archived"
    CANCELLED = "cancelled"


class Outcome(StrEnum):
    """What the pipeline did with one inbound message (its ledger row)."""

    UNDECIDED = ""  # only inside the transaction that decides it
    LETTER = "letter"
    DUPLICATE = "duplicate"
    CORRECTION = "correction"
    REPLY = "reply"
    STATUS = "status"
    BOUNCE = "bounce"
    IGNORED = "ignored"
    QUARANTINED = "quarantined"
    SEEN_BEFORE = "seen_before"


class HeldStatus(StrEnum):
    HELD = "held"
    RELEASED = "released"


class ScanStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # after every retry
    BOUNCED = "bounced"  # a delivery report quoted it
    SUPPRESSED = "suppressed"  # over the cap: never sent, told in the next digest (outbound.caps)
    DIGESTED = "digested"  # told in a digest


Coded = TypeVar("Coded", bound=StrEnum)


class _Enum(TypeDecorator[Coded]):
    """A StrEnum stored as its plain string value: the columns stay the VARCHARs they were on
    PostgreSQL and SQLite alike (no enum type to migrate), and read back as the enum."""

    impl = AutoString
    cache_ok = True

    def __init__(self, enum: type[Coded]) -> None:
        super().__init__()
        self.enum = enum

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else str(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Coded | None:
        return None if value is None else self.enum(value)


class AgendaCounter(SQLModel, table=True):
    """The last agenda serial per office, book and year; bumped in the filing transaction (gap-free)."""

    office: str = Field(primary_key=True)
    year: int = Field(primary_key=True)
    book: Book = Field(default=Book.INCOMING, primary_key=True, sa_type=_Enum(Book))
    seq: int = 0


class Letter(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    office: str = Field(index=True)
    book: Book = Field(default=Book.INCOMING, sa_type=_Enum(Book))
    year: int = Field(index=True)
    seq: int
    agenda_number: str = Field(index=True)  # unique with the office (its template names the book)
    subject_tag: str = Field(index=True)
    received_at: dt.datetime
    sender: str | None = None
    letter_number: str | None = None
    letter_date: dt.date | None = None
    subject: str | None = None
    attachment_count: int | None = None
    urgency: str | None = None
    security: str | None = None
    classification: str | None = None
    note: str | None = None
    status: LetterStatus = Field(default=LetterStatus.REGISTERED, index=True, sa_type=_Enum(LetterStatus))
    mailbox: str
    clerk: str
    message_id: str = Field(index=True)
    fingerprint: str = Field(index=True)
    raw_sha256: str
    sources: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # Scans read after the commit (issue "Scans as clerks send them"): the OCR text, searchable;
    # each OCR-read field's confidence (0-100); the receipt and the head's request wait while
    # `fields_pending`, at most `fields_wait` seconds (`fields_early` says they went out before).
    ocr_text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    confidence: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    fields_pending: bool = Field(default=False, index=True)
    fields_early: bool = False
    # A letter passed on from another office of the regency: the letter there, and the
    # disposition its progress and completion flow back to.
    origin_id: int | None = Field(default=None, foreign_key="letter.id", index=True)
    origin_node_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer,
            ForeignKey("disposition.id", use_alter=True, name="fk_letter_origin_node_id"),
            nullable=True,
        ),
    )
    # The letter's spans and its open deadline, kept in the transaction that logs them or changes
    # its tree (storage/spans.py, from the log's one writer storage/events.py and from
    # disposition/tree.py), and the week they count in, stored when the letter is filed: the
    # dashboard's weekly medians walk an index in the spans' order instead of sorting every
    # letter of its weeks; the book's "overdue" compares a column instead of searching each
    # letter's tree, and the dashboard's overdue by official reads the trees of
    # the office's overdue letters alone.
    # the Monday of its receipt in the office's zone (storage/spans.week_of), stored when filed
    received_week: dt.date | None = None
    hours_to_disposition: float | None = None  # from receipt to the first "disposed" of its log
    hours_to_finish: float | None = None  # from receipt to the last "completed"/"archived"
    open_deadline: dt.date | None = None  # the earliest deadline of its open dispositions

    __table_args__ = (
        UniqueConstraint("office", "book", "year", "seq", name="uq_letter_office_book_year_seq"),
        UniqueConstraint("office", "agenda_number", name="uq_letter_office_agenda"),
        UniqueConstraint("office", "fingerprint", name="uq_letter_office_fingerprint"),
        # The web agenda book, newest first, and the dashboard's weeks: one office's letters by receipt
        # (and id, the book's tie-break: PostgreSQL walks it in the book's order, never sorts).
        Index("ix_letter_office_received_at", "office", "received_at", "id"),
        # The dashboard's letters by state: counted from the index alone.
        Index("ix_letter_office_status", "office", "status"),
        # The dashboard's weeks: each week's spans in order, the middle one found by counting.
        Index("ix_letter_office_week_disposition", "office", "received_week", "hours_to_disposition"),
        Index("ix_letter_office_week_finish", "office", "received_week", "hours_to_finish"),
        # The dashboard's overdue by official: only a letter with an open node past its deadline
        # has one, found here (the book's "overdue" may walk the book instead: SQLite takes this).
        Index("ix_letter_office_open_deadline", "office", "open_deadline"),
        # The dashboard's confidential letters, left out of the counts of one outside their tree.
        Index("ix_letter_office_security", "office", "security"),
    )


class LetterFile(SQLModel, table=True):
    """A file stored with a letter (the scan, or later a completion report's attachment)."""

    id: int | None = Field(default=None, primary_key=True)
    letter_id: int = Field(foreign_key="letter.id", index=True)
    event_id: int | None = Field(default=None, foreign_key="event.id")
    filename: str
    content_type: str
    size: int
    sha256: str
    merged: bool = False  # the letter's photos as one PDF, sent instead of the photos


class Event(SQLModel, table=True):
    """One step in a letter's log; the log is append-only."""

    id: int | None = Field(default=None, primary_key=True)
    letter_id: int = Field(foreign_key="letter.id", index=True)
    at: dt.datetime = Field(default_factory=utcnow)
    actor: str
    action: str = Field(index=True)
    targets: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    instruction: str | None = None
    deadline: dt.date | None = None
    text: str = ""  # a person's own words (a note, the reply's line); never Mailflow's
    # What Mailflow knows of the entry beyond the columns (a mailbox, a quarantine id, the changed
    # fields): worded at display time in the reader's language (registry/log_words.py). None in
    # the rows of before (migration 0015), whose `text` holds the words Mailflow wrote then.
    facts: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    message_id: str | None = Field(default=None, index=True)

    # The dashboard's per-letter moments (the first "disposed", the last "completed"): read from
    # the index alone, one short look-up per letter.
    __table_args__ = (Index("ix_event_letter_action_at", "letter_id", "action", "at"),)


class Disposition(SQLModel, table=True):
    """One node of a letter's disposition tree: what one holder was asked to do, and its state.

    The root is the first holder chosen by routing; each disposition a holder makes adds a
    child per target. States: pending, acknowledged, in_progress, disposed (passed on; the
    branch continues in the children), completed, archived, cancelled.
    """

    id: int | None = Field(default=None, primary_key=True)
    letter_id: int = Field(foreign_key="letter.id", index=True)
    parent_id: int | None = Field(default=None, foreign_key="disposition.id", index=True)
    position_id: str
    holder: str = Field(index=True)
    holder_name: str
    holder_title: str
    disposer: str
    instruction: str = ""
    deadline: dt.date | None = None
    state: DispositionState = Field(
        default=DispositionState.PENDING, index=True, sa_type=_Enum(DispositionState)
    )
    answered: bool = False
    event_id: int | None = Field(default=None, foreign_key="event.id")
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)

    # "Surat saya" (mailflow/web): one holder's open dispositions, found without reading the rest.
    __table_args__ = (
        Index("ix_disposition_holder_state", "holder", "state"),
        # The dashboard's letters a reader may not open: the nodes at positions they do not
        # oversee, found by ranges between the ones they do (web/scope.unseen_open).
        Index("ix_disposition_position_letter", "position_id", "letter_id"),
    )


class MailboxState(SQLModel, table=True):
    """The IMAP cursor (UIDVALIDITY, last UID) and health of one configured mailbox."""

    mailbox: str = Field(primary_key=True)
    uidvalidity: int | None = None
    last_uid: int = 0
    last_success_at: dt.datetime | None = None
    last_error: str | None = None
    last_error_at: dt.datetime | None = None
    failing_since: dt.datetime | None = None
    alerted: bool = False
    # The OAuth2 sign-in was refused: retrying will not heal it, so the admin is told at once.
    sign_in_refused: bool = False


class MailboxLease(SQLModel, table=True):
    """Which worker polls a mailbox now; taken over when it expires (the worker died)."""

    mailbox: str = Field(primary_key=True)
    owner: str
    expires_at: dt.datetime


class Heartbeat(SQLModel, table=True):
    """A `mailflow run` worker saying it is alive: written every few seconds by its scheduler,
    marked stopped on a clean exit. `mailflow status` believes these rows, not a process list,
    so it tells the truth for any number of workers on any number of machines."""

    worker: str = Field(primary_key=True)
    host: str
    pid: int
    started_at: dt.datetime = Field(default_factory=utcnow)
    beat_at: dt.datetime = Field(default_factory=utcnow, index=True)
    stopped_at: dt.datetime | None = None


class InboundMessage(SQLModel, table=True):
    """The ledger: every message seen, keyed by where it was, committed before any server action."""

    id: int | None = Field(default=None, primary_key=True)
    mailbox: str
    uidvalidity: int
    uid: int
    message_id: str = Field(index=True)
    sha256: str = Field(index=True)
    seen_at: dt.datetime = Field(default_factory=utcnow)
    outcome: Outcome = Field(sa_type=_Enum(Outcome))
    # The check that decided it and its reason (Mailman's rule hits): a triage check
    # (inbound.triage), "reading", or the loop's own (inbound.loop); the reason a short code.
    decided_by: str | None = None
    reason: str | None = None
    letter_id: int | None = Field(default=None, foreign_key="letter.id")
    quarantine_id: int | None = Field(default=None, foreign_key="quarantineitem.id")
    settled: bool = Field(default=False, index=True)
    destination: str | None = None
    # A reply's words, sender and disposition (disposition.replies.replay_key): replays act once.
    reply_key: str | None = Field(default=None, index=True)

    __table_args__ = (UniqueConstraint("mailbox", "uidvalidity", "uid"),)


class ScanJob(SQLModel, table=True):
    """A letter's scans to read after its filing commit; claimed with a lease like the outbox, so
    a worker killed mid-OCR leaves the job to the next claim: repeated, never lost or doubled."""

    id: int | None = Field(default=None, primary_key=True)
    letter_id: int = Field(foreign_key="letter.id", unique=True)
    status: ScanStatus = Field(default=ScanStatus.PENDING, index=True, sa_type=_Enum(ScanStatus))
    attempts: int = 0
    created_at: dt.datetime = Field(default_factory=utcnow)
    claimed_by: str | None = None
    claimed_until: dt.datetime | None = None
    done_at: dt.datetime | None = None
    error: str | None = None


class InboundAttempt(SQLModel, table=True):
    """A message being read right now. A worker killed or stalled mid-message leaves its row
    behind; the third try holds the message instead of reading it again (a poison message)."""

    mailbox: str = Field(primary_key=True)
    uidvalidity: int = Field(primary_key=True)
    uid: int = Field(primary_key=True)
    attempts: int = 0
    last_at: dt.datetime = Field(default_factory=utcnow)


class QuarantineItem(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    mailbox: str
    office: str | None = Field(default=None, index=True)  # whose admins see and release it
    reason: str = Field(index=True)
    detail: str
    from_address: str
    subject: str
    received_at: dt.datetime = Field(default_factory=utcnow)
    message_id: str
    raw_sha256: str
    status: HeldStatus = Field(default=HeldStatus.HELD, index=True, sa_type=_Enum(HeldStatus))
    released_at: dt.datetime | None = None
    resolution: str | None = None


class OutboxMessage(SQLModel, table=True):
    """An email to send; written in the transaction of the event that causes it."""

    id: int | None = Field(default=None, primary_key=True)
    message_id: str = Field(unique=True, index=True)
    kind: str
    recipient: str = Field(index=True)
    subject: str  # "" until composed
    # The bytes to send, fixed once written. A receipt or request is written in the filing
    # transaction as a recipe (outbound/recipe.py) and composed after the commit: raw is NULL
    # until then, and the sender composes it before its first try.
    raw: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    # SQL NULL for every other row (none_as_null: JSON would write None as the text 'null').
    recipe: dict | None = Field(default=None, sa_column=Column(JSON(none_as_null=True), nullable=True))
    letter_id: int | None = Field(default=None, foreign_key="letter.id", index=True)
    disposition_id: int | None = Field(default=None, foreign_key="disposition.id", index=True)
    created_at: dt.datetime = Field(default_factory=utcnow)
    status: OutboxStatus = Field(default=OutboxStatus.PENDING, index=True, sa_type=_Enum(OutboxStatus))
    attempts: int = 0
    next_attempt_at: dt.datetime = Field(default_factory=utcnow)
    last_error: str | None = None
    sent_at: dt.datetime | None = None
    # Follow-ups (reminders, escalations, digests) are keyed, so a restart never sends one twice.
    dedupe_key: str | None = Field(default=None, unique=True)
    # A worker's claim while it sends (SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL).
    claimed_by: str | None = None
    claimed_until: dt.datetime | None = None


class WebLink(SQLModel, table=True):
    """A sign-in link the web pages sent or an email carried (mailflow/web): its nonce is spent
    by the first visit, so a link works once; the rows of the last hour are the rate limit of
    the sign-in page, per address and per client, shared by every instance on one database."""

    nonce: str = Field(primary_key=True)
    address: str = Field(index=True)
    client: str = Field(default="", index=True)  # who asked on the sign-in page ("" in an email)
    created_at: dt.datetime = Field(default_factory=utcnow, index=True)
    used_at: dt.datetime | None = None


class WebSession(SQLModel, table=True):
    """A signed-in browser (mailflow/web): the signed cookie carries a random token whose hash is
    the id here, so sign-out, expiry, the idle timeout and leaving the organisation chart end it
    on every instance sharing the database, and a copy of the cookie dies with it."""

    id: str = Field(primary_key=True)  # sha256 of the cookie's token: the table holds no token
    address: str = Field(index=True)
    created_at: dt.datetime = Field(default_factory=utcnow)
    last_seen_at: dt.datetime = Field(default_factory=utcnow)
    expires_at: dt.datetime = Field(index=True)
    revoked_at: dt.datetime | None = None


class PendingProposal(SQLModel, table=True):
    """Readings an official was asked to confirm ("Balas YA untuk menjalankan"), kept until they
    answer: applied once on their yes to that very email, never after `expires_on` (the day the
    email's reply code expires), never for anyone else, and replaced by any other reply."""

    __tablename__ = "proposal"

    id: int | None = Field(default=None, primary_key=True)
    letter_id: int = Field(foreign_key="letter.id", index=True)
    disposition_id: int = Field(foreign_key="disposition.id", index=True)
    position_id: str
    recipient: str  # the address the proposal was sent to
    message_id: str = Field(unique=True, index=True)  # of the email that proposed it
    statements: str = Field(sa_column=Column(Text, nullable=False))  # language.saved.dump
    created_at: dt.datetime = Field(default_factory=utcnow)
    expires_on: dt.date
    state: str = Field(default="pending", index=True)  # pending | applied | replaced
    settled_at: dt.datetime | None = None
    settled_by: str | None = None  # the Message-ID of the reply that applied or replaced it
