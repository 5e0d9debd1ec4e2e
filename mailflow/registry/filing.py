"""The registry's write side: each function runs inside the caller's transaction.

Whatever a step writes (letter, file rows, events, quarantine entry, outgoing mail) commits
together or not at all (a file's bytes are in the archive before that commit), so a crash never
leaves a letter without its receipt in the outbox or an agenda number without its letter.
"""

from __future__ import annotations

import datetime as dt
from email.message import Message
from typing import Any

import sqlalchemy as sa
from sqlalchemy import bindparam, insert
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, col, select

from mailflow.config import MailboxSettings
from mailflow.context import Context
from mailflow.domain import FIELD_NAMES, LetterFields, Source, stored
from mailflow.outbound import outbox
from mailflow.outbound.compose import FIELD_ORDER, FileView, LetterView, letter_view
from mailflow.outbound.recipe import Recipe, Thread
from mailflow.registry.agenda import book_entry
from mailflow.registry.scans import wait_for_scans
from mailflow.registry.unread import note_unread, unread_of
from mailflow.scans.files import scan_files
from mailflow.storage.archive import Archive
from mailflow.storage.events import log_entry, log_event
from mailflow.storage.models import Letter, LetterFile, OutboxMessage, fetch, id_of, utcnow
from mailflow.storage.spans import week_of
from mailflow.text.fields import fingerprint, letter_files
from mailflow.text.letter import LetterReading
from mailflow.text.message import Attachment, ParsedMessage


def store_file(archive: Archive, f: Attachment) -> str:
    """Keep a message's file in the archive, copied from its spool file in chunks; its SHA-256.

    The poll archives a letter's files while reading it (inbound.loop._read), before its
    transaction: there this finds them by name, and the transaction only writes rows. What did
    not come that way (an admin's release, a reply's files) is archived here, still before the
    commit that names it."""
    if f.sha256 and archive.file_path(f.sha256).exists():
        return f.sha256
    if f.data is not None:
        return archive.put_file(f.data)
    with f.open() as source:
        return archive.put_file_from(source, f.sha256)


# Filing's statements, their values bound: built and compiled once. A new letter's row (every
# column but its id), its files in one INSERT, and the letter a new one would duplicate.
_LETTER_INSERT = insert(Letter).returning(col(Letter.id))
_LETTER_COLUMNS = tuple(column.key for column in sa.inspect(Letter).columns if not column.primary_key)
_FILES_INSERT = insert(LetterFile)
_SAME = (
    select(col(Letter.id))
    .where(col(Letter.fingerprint) == bindparam("print"), col(Letter.office) == bindparam("of_office"))
    .limit(1)
)


def file_letter(
    session: Session,
    ctx: Context,
    box: MailboxSettings,
    message: ParsedMessage,
    raw_sha256: str,
    clerk: str,
    reading: LetterReading,
) -> tuple[Letter, bool]:
    """File `message` as a letter, or link it to the letter it duplicates; (letter, is_new).

    `reading` (text.letter.read_letter: fields, PDF text) is read by the caller before its
    transaction, which then only writes."""
    files = letter_files(message)
    hashes = [store_file(ctx.archive, f) for f in files]
    scans = ctx.settings.ocr and bool(scan_files(files, reading.pdf_texts))
    fields = reading.fields
    print_ = fingerprint(message, fields, hashes)
    # On the session's connection, so no autoflush: every letter is stored when filed.
    same = session.connection().execute(_SAME, {"print": print_, "of_office": ctx.rules.office_code})
    if (existing_id := same.scalar()) is not None:
        existing = fetch(session, Letter, existing_id)
        log_event(
            session,
            letter_id=existing.id,
            actor=message.from_address,
            action="duplicate",
            facts={"message": message.message_id},
            message_id=message.message_id,
        )
        view = letter_view(existing, ctx.settings.zone)
        mail = ctx.mailer(box).reply(message.from_address, "duplicate", answering=message, letter=view)
        outbox.enqueue(session, mail, "duplicate", existing.id)
        return existing, False

    now = utcnow()
    entry = book_entry(
        session, ctx.rules.office_code, ctx.settings.agenda_template, now.astimezone(ctx.settings.zone)
    )
    field_values: dict[str, Any] = {name: stored(getattr(fields, name)) for name in FIELD_NAMES}
    letter = Letter(
        **entry,
        received_at=now,
        received_week=week_of(now, ctx.settings.zone),
        mailbox=box.name,
        clerk=clerk,
        message_id=message.message_id,
        fingerprint=print_,
        raw_sha256=raw_sha256,
        sources={k: str(v) for k, v in fields.sources.items()},
        **field_values,
    )
    _store(session, letter)  # its id, which the rows below point to
    if files:  # one INSERT for them all, of values read and stored here: no object is needed
        session.connection().execute(
            _FILES_INSERT,
            [
                {
                    "letter_id": id_of(letter),
                    "filename": f.filename,
                    "content_type": f.content_type,
                    "size": f.size,
                    "sha256": digest,
                }
                for f, digest in zip(files, hashes, strict=True)
            ],
        )
    log_entry(
        session,
        letter_id=letter.id,
        actor=message.from_address,
        action="registered",
        facts={"mailbox": box.name},
        message_id=message.message_id,
    )
    note_unread(session, letter, reading.unread)
    if scans:
        wait_for_scans(session, letter)
    else:
        send_receipt(session, ctx, box, letter, message)
    return letter, True


def _store(session: Session, letter: Letter) -> None:
    """Write the new `letter`'s row and keep it in the session as stored, as if read back: one
    INSERT on the session's connection instead of a flush, which would also write everything the
    group has pending (its ledger rows go in one flush at the commit). Safe past the ORM: the
    row is the object's own values, every column of it (its defaults were set when it was built),
    and the object is then what the row holds, so the ORM has nothing of it left to write."""
    values = {key: getattr(letter, key) for key in _LETTER_COLUMNS}
    letter.id = session.connection().execute(_LETTER_INSERT, values).scalar_one()
    make_transient_to_detached(letter)
    session.add(letter)


def send_receipt(
    session: Session, ctx: Context, box: MailboxSettings, letter: Letter, message: ParsedMessage | None
) -> None:
    """The clerk's receipt, queued as its recipe: receipt_mail composes it after the commit.

    `message` is the filing message when the clerk sent it (the receipt answers in its thread)."""
    answering = message if message is not None and letter.clerk == message.from_address else None
    thread = Thread(answering.message_id, answering.references) if answering else None
    today = dt.datetime.now(ctx.settings.zone).date()
    recipe = Recipe.written(ctx.rules.office_code, box.address, today, thread)
    outbox.enqueue_recipe(session, recipe, "receipt", letter.clerk, letter.id)


def receipt_mail(session: Session, ctx: Context, row: OutboxMessage) -> Message:
    """The receipt `row` holds the recipe of: the fields as known, those OCR read marked for checking."""
    recipe = Recipe.from_json(row.recipe or {})
    letter = fetch(session, Letter, row.letter_id)
    files = session.exec(
        select(LetterFile).where(LetterFile.letter_id == letter.id, col(LetterFile.event_id).is_(None))
    ).all()
    views = [FileView(f.filename, f.content_type, f.size) for f in files]
    return ctx.mailer(recipe.sender).reply(
        row.recipient,
        "receipt",
        answering=recipe.answering,
        stamp=recipe.stamp(row.message_id),
        letter=letter_view(letter, ctx.settings.zone),
        names=FIELD_ORDER,
        files=views,
        unread=unread_of(session, letter),
    )


def correct_letter(
    session: Session,
    ctx: Context,
    box: MailboxSettings,
    message: ParsedMessage,
    letter_id: int,
    fields: LetterFields,
) -> list[tuple[str, LetterView, LetterView]]:
    """Apply a clerk's `Label: value` lines (`fields`: text.letter.corrections, read before the
    transaction); every reply gets a confirmation, even a no-op.

    Each change is (field name, the letter before, the letter after): the confirmation shows
    both values in the clerk's language."""
    letter = fetch(session, Letter, letter_id)
    view_before = letter_view(letter, ctx.settings.zone)
    changes: list[tuple[str, LetterView, LetterView]] = []
    for name in FIELD_NAMES:
        value = getattr(fields, name)
        if value is None or stored(value) == getattr(letter, name):
            continue
        setattr(letter, name, stored(value))
        letter.sources = {**letter.sources, name: str(Source.CLERK)}
        changes.append((name, view_before, letter_view(letter, ctx.settings.zone)))
    session.add(letter)
    if changes:
        log_event(
            session,
            letter_id=letter.id,
            actor=message.from_address,
            action="corrected",
            facts={"changes": [[name, old.display(name), new.display(name)] for name, old, new in changes]},
            message_id=message.message_id,
        )
    mail = ctx.mailer(box).reply(
        message.from_address,
        "corrected",
        answering=message,
        letter=letter_view(letter, ctx.settings.zone),
        names=FIELD_ORDER,
        changes=changes,
    )
    outbox.enqueue(session, mail, "corrected", letter.id)
    return changes
