"""The registry's write side: each function runs inside the caller's transaction.

Whatever a step writes (letter, files, events, quarantine entry, outgoing mail) commits
together or not at all, so a crash never leaves a letter without its receipt in the outbox or an
agenda number without its letter.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import Message
from enum import Enum

from sqlmodel import Session, select

from mailflow.config import MailboxSettings, Settings
from mailflow.domain import FIELD_NAMES, LetterFields, ParsedMessage, Source
from mailflow.office.rules import Rules
from mailflow.outbound import outbox
from mailflow.outbound.compose import LABELS_ID, Composer, FileView, LetterView, build_message, notice
from mailflow.registry.agenda import DEFAULT_TAG, format_agenda, next_serial
from mailflow.storage.archive import Archive
from mailflow.storage.models import Event, Letter, LetterFile, QuarantineItem, utcnow
from mailflow.text.fields import extract_fields, fingerprint, label_fields, letter_files
from mailflow.text.pdf import pdf_text
from mailflow.text.quotes import extract_new_text
from mailflow.text.tokens import Signer

REASON_TEXT = {
    "direct_letter": "surat dari luar dinas dicatat oleh petugas agenda; petugas sudah diberi tahu.",
    "not_understood": "Mailflow hanya memahami balasan atas email yang dikirimnya.",
    "empty": "email tidak memuat surat: tidak ada teks, lampiran, atau surat yang diteruskan.",
    "oversize": "ukuran email melebihi batas yang diizinkan.",
    "malformed": "email rusak dan tidak dapat dibaca.",
    "not_authorised": "email ini tidak dikirim oleh penerima email yang dibalas.",
}


def reject(
    session: Session,
    ctx: Context,
    box: MailboxSettings,
    message: ParsedMessage,
    raw_sha256: str,
    reason: str,
    detail: str,
    letter_id: int | None,
    owner: str | None,
) -> QuarantineItem:
    """A reply that may not act: logged on the letter, held, and its real addressee warned.

    The sender gets nothing: an answer could confirm the letter exists or reveal its content.
    """
    item = quarantine(session, ctx, box, message, raw_sha256, reason, detail, notify_sender=False)
    letter = session.get(Letter, letter_id) if letter_id else None
    if letter is not None:
        session.add(
            Event(
                letter_id=letter.id,
                actor=message.from_address,
                action="rejected",
                text=f"{reason}: {detail} (quarantine {item.id})",
                message_id=message.message_id,
            )
        )
    if owner:
        mail = notice(
            ctx.composer,
            "impersonation",
            sender=box.address,
            office_code=ctx.rules.office_code,
            to=owner,
            office=ctx.rules.office_name,
            intruder=message.from_address,
            agenda=letter.agenda_number if letter else "?",
            quarantine_id=item.id,
            reason=detail,
        )
        outbox.enqueue(session, mail, "impersonation", letter.id if letter else None)
    return item


@dataclass(frozen=True)
class Context:
    """What the write side needs; built once per poll from the App."""

    settings: Settings
    rules: Rules
    composer: Composer
    archive: Archive
    signer: Signer


def letter_view(letter: Letter) -> LetterView:
    values = {name: getattr(letter, name) for name in FIELD_NAMES}
    return LetterView(letter.agenda_number, letter.subject_tag, letter.received_at, values)


def _mail(
    ctx: Context,
    box: MailboxSettings,
    to: str,
    template: str,
    *,
    reply_to: ParsedMessage | None,
    attach: tuple[bytes, ...] = (),
    **context,
) -> Message:
    rendered = ctx.composer.render(template, "id", office=ctx.rules.office_name, **context)
    return build_message(
        rendered,
        sender=box.address,
        sender_name=f"Mailflow {ctx.rules.office_code}",
        to=to,
        reply_to=box.address,
        in_reply_to=reply_to.message_id if reply_to else None,
        references=reply_to.references if reply_to else (),
        attach_messages=attach,
    )


def file_letter(
    session: Session, ctx: Context, box: MailboxSettings, message: ParsedMessage, raw_sha256: str, clerk: str
) -> tuple[Letter, bool]:
    """File `message` as a letter, or link it to the letter it duplicates; (letter, is_new)."""
    files = letter_files(message)
    hashes = [ctx.archive.put_file(f.payload) for f in files]
    pdf_texts = [
        pdf_text(f.payload)
        for f in files
        if f.content_type == "application/pdf" or f.filename.lower().endswith(".pdf")
    ]
    fields = extract_fields(message, pdf_texts, direct=ctx.rules.clerk(message.from_address) is None)
    key = fingerprint(message, fields, hashes)
    existing = session.exec(select(Letter).where(Letter.fingerprint == key)).first()
    if existing is not None:
        session.add(
            Event(
                letter_id=existing.id,
                actor=message.from_address,
                action="duplicate",
                text=f"filed again in {message.message_id}",
                message_id=message.message_id,
            )
        )
        mail = _mail(
            ctx, box, message.from_address, "duplicate", reply_to=message, letter=letter_view(existing)
        )
        outbox.enqueue(session, mail, "duplicate", existing.id)
        return existing, False

    now = utcnow()
    local = now.astimezone(ctx.settings.zone)
    office = ctx.rules.office_code
    seq = next_serial(session, office, local.year)
    letter = Letter(
        office=office,
        year=local.year,
        seq=seq,
        agenda_number=format_agenda(ctx.settings.agenda_template, seq, local.year, local.month, office),
        subject_tag=format_agenda(DEFAULT_TAG, seq, local.year, local.month, office),
        received_at=now,
        mailbox=box.name,
        clerk=clerk,
        message_id=message.message_id,
        fingerprint=key,
        raw_sha256=raw_sha256,
        sources={k: str(v) for k, v in fields.sources.items()},
        **{name: _stored(getattr(fields, name)) for name in FIELD_NAMES},
    )
    session.add(letter)
    session.flush()
    for f, digest in zip(files, hashes, strict=True):
        session.add(
            LetterFile(
                letter_id=letter.id,
                filename=f.filename,
                content_type=f.content_type,
                size=f.size,
                sha256=digest,
            )
        )
    session.add(
        Event(
            letter_id=letter.id,
            actor=message.from_address,
            action="registered",
            text=f"filed from {box.name}",
            message_id=message.message_id,
        )
    )
    views = [FileView(f.filename, f.content_type, f.size) for f in files]
    mail = _mail(
        ctx,
        box,
        clerk,
        "receipt",
        reply_to=message if clerk == message.from_address else None,
        letter=letter_view(letter),
        labels=LABELS_ID,
        files=views,
    )
    outbox.enqueue(session, mail, "receipt", letter.id)
    return letter, True


def _stored(value: object) -> object:
    """Enums are stored by their value; everything else as it is."""
    return value.value if isinstance(value, Enum) else value


def correct_letter(
    session: Session, ctx: Context, box: MailboxSettings, message: ParsedMessage, letter_id: int
) -> list[tuple[str, str, str]]:
    """Apply a clerk's `Label: value` lines; every reply gets a confirmation, even a no-op."""
    letter = session.get(Letter, letter_id)
    new_text = extract_new_text(message.text, message.html)
    fields: LetterFields = label_fields(new_text)
    labels = dict(LABELS_ID)
    view_before = letter_view(letter)
    changes: list[tuple[str, str, str]] = []
    for name in FIELD_NAMES:
        value = getattr(fields, name)
        if value is None or _stored(value) == getattr(letter, name):
            continue
        before = view_before.display(name)
        setattr(letter, name, _stored(value))
        letter.sources = {**letter.sources, name: str(Source.CLERK)}
        changes.append((labels[name], before, letter_view(letter).display(name)))
    session.add(letter)
    if changes:
        session.add(
            Event(
                letter_id=letter.id,
                actor=message.from_address,
                action="corrected",
                text="; ".join(f"{label}: {old} -> {new}" for label, old, new in changes),
                message_id=message.message_id,
            )
        )
    mail = _mail(
        ctx,
        box,
        message.from_address,
        "corrected",
        reply_to=message,
        letter=letter_view(letter),
        labels=LABELS_ID,
        changes=changes,
    )
    outbox.enqueue(session, mail, "corrected", letter.id)
    return changes


def quarantine(
    session: Session,
    ctx: Context,
    box: MailboxSettings,
    message: ParsedMessage | None,
    raw_sha256: str,
    reason: str,
    detail: str,
    notify_sender: bool,
    raw: bytes = b"",
) -> QuarantineItem:
    """Hold a message for an admin; answer the sender and clerks where that is safe and useful."""
    item = QuarantineItem(
        mailbox=box.name,
        reason=reason,
        detail=detail[:1000],
        from_address=message.from_address if message else "",
        subject=(message.subject if message else "")[:500],
        message_id=message.message_id if message else "",
        raw_sha256=raw_sha256,
    )
    session.add(item)
    session.flush()
    if message is None or not message.from_address:
        return item
    if notify_sender:
        mail = _mail(
            ctx,
            box,
            message.from_address,
            "held",
            reply_to=message,
            subject=message.subject,
            mailbox=box.address,
            reason_text=REASON_TEXT.get(reason, detail),
            hint="",
        )
        outbox.enqueue(session, mail, "held")
    if reason == "direct_letter":
        for clerk in ctx.rules.clerks:
            mail = _mail(
                ctx,
                box,
                clerk.email,
                "direct_letter",
                reply_to=None,
                attach=(raw,),
                subject=message.subject,
                sender=message.from_address,
                mailbox=box.address,
                quarantine_id=item.id,
            )
            outbox.enqueue(session, mail, "direct_letter")
    return item


def release(session: Session, ctx: Context, item: QuarantineItem, message: ParsedMessage) -> Letter:
    """An admin's release: file the held message as a letter after all."""
    box = ctx.settings.mailbox(item.mailbox)
    clerk = ctx.rules.clerks[0].email if ctx.rules.clerks else message.from_address
    letter, new = file_letter(session, ctx, box, message, item.raw_sha256, clerk)
    item.status, item.released_at = "released", utcnow()
    item.resolution = f"filed as {letter.agenda_number}" if new else f"duplicate of {letter.agenda_number}"
    session.add(item)
    return letter
