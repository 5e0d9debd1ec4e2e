"""The quarantine: messages held for an admin, with a reason code, and what each holding tells
whom. Runs inside the caller's transaction, like filing."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func
from sqlmodel import Session, col, select

from mailflow.config import MailboxSettings
from mailflow.context import Context
from mailflow.domain import Said
from mailflow.outbound import caps, outbox
from mailflow.outbound.compose import size_text
from mailflow.raw import RawMessage
from mailflow.registry.filing import file_letter
from mailflow.storage.events import log_event
from mailflow.storage.models import Event, HeldStatus, Letter, OutboxMessage, QuarantineItem, utcnow
from mailflow.text.letter import LetterReading
from mailflow.text.message import ParsedMessage

# Reasons a sender is told about, in their language (templates/<lang>/messages.toml, [reason]).
TOLD_REASONS = frozenset(
    {
        "direct_letter",
        "not_understood",
        "empty",
        "oversize",
        "malformed",
        "not_authorised",
        "sender_unverified",
        "renumbered",  # a reply to a letter a restore numbered anew (ops.reconcile)
    }
)
# A held message is attached to the clerks' notice up to this size; a larger one stays in the
# quarantine (`mailflow quarantine show N --raw`): five clerks, a 7 MB stranger's mail, 35 MB.
ATTACH_HELD_BYTES = 256 * 1024
# Why a reply was not applied (inbound.triage, our_thread), told to the official it claimed to be.
REJECT_REASONS = frozenset({"bad_token", "not_recipient", "no_reply_code", "dkim"})


def told_reason(reason: str) -> Said:
    """A reason code as a notice tells it: the catalogue's words, never the detail (which may
    quote the message)."""
    return Said.of(f"reason.{reason}" if reason in TOLD_REASONS | REJECT_REASONS else "reason.other")


def warning_key(owner: str, at: dt.datetime) -> str:
    """The outbox key of an official's warning about rejected replies: one per clock hour."""
    return f"warning:{owner}:{at.astimezone(dt.UTC):%Y-%m-%dT%H}"


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
        log_event(
            session,
            letter_id=letter.id,
            actor=message.from_address,
            action="rejected",
            targets=[owner] if owner else [],
            facts={"reason": reason, "detail": detail, "quarantine": item.id},
            message_id=message.message_id,
        )
    # At most one warning per official per hour: a spoofer cannot flood their inbox through us;
    # what comes later in the hour is told in one digest (followup.warnings).
    key = warning_key(owner, utcnow()) if owner else ""
    if owner and not outbox.already_queued(session, key):
        mail = ctx.mailer(box).notice(
            owner,
            _warning(ctx, reason, message.from_address, owner),
            intruder=message.from_address,
            agenda=letter.agenda_number if letter else "?",
            quarantine_id=item.id,
            reason=told_reason(reason),
        )
        outbox.enqueue(session, mail, "impersonation", letter.id if letter else None, dedupe_key=key)
    return item


def _warning(ctx: Context, reason: str, sender: str, owner: str) -> str:
    """The notice an official gets about a rejected reply. A reply code that is stale (expired, or
    not ours) from their own address is most likely theirs, answering an old email (a "Ya" to a
    proposal whose code expired): told so, not told that someone tried to answer for them."""
    if reason in ("no_reply_code", "unsigned_thread"):
        return "no_reply_code"
    person = ctx.rules.person_by_address(owner)
    if reason == "bad_token" and sender.lower() in {owner.lower(), *(person.addresses if person else ())}:
        return "stale_code"
    return "impersonation"


def reason_code(rejected: Event) -> str:
    """A rejected reply's reason code: in its facts, or first in the text of a row of before."""
    if rejected.facts is not None:
        return str(rejected.facts.get("reason", ""))
    return rejected.text.partition(":")[0]


def _backscatter_spent(session: Session, ctx: Context, address: str) -> bool:
    """Whether the notices held mail sent to this outside domain today reached the daily cap."""
    domain = address.rpartition("@")[2]
    since = utcnow() - dt.timedelta(days=1)
    sent = session.exec(
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.kind == "held",
            col(OutboxMessage.recipient).like(f"%@{domain}"),
            col(OutboxMessage.created_at) >= since,
        )
    ).one()
    return sent >= ctx.settings.held_notices_per_domain


def quarantine(
    session: Session,
    ctx: Context,
    box: MailboxSettings,
    message: ParsedMessage | None,
    raw_sha256: str,
    reason: str,
    detail: str,
    notify_sender: bool,
    raw: RawMessage | None = None,
) -> QuarantineItem:
    """Hold a message for an admin; answer the sender and clerks where that is safe and useful."""
    item = QuarantineItem(
        mailbox=box.name,
        office=ctx.rules.office_code,
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
    sender = message.from_address
    ours = ctx.rules.person_by_address(sender) is not None or ctx.rules.clerk(sender) is not None
    if notify_sender and (ours or not _backscatter_spent(session, ctx, sender)):
        mail = ctx.mailer(box).reply(
            sender,
            "held",
            answering=message,
            # None of the message's own words: its From may be forged, by anyone.
            subject="",
            mailbox=box.address,
            reason_text=told_reason(reason),
            hint="",
        )
        caps.notify(session, mail, "held", tell_later=ours)
    if reason == "direct_letter":
        size = raw.size if raw else 0
        attach = raw is not None and size <= ATTACH_HELD_BYTES
        for clerk in ctx.rules.clerks:
            mail = ctx.mailer(box).reply(
                clerk.email,
                "direct_letter",
                attach=(raw.read_bytes(),) if raw is not None and attach else (),
                sender=message.from_address,
                mailbox=box.address,
                quarantine_id=item.id,
                attached=attach,
                size=size_text(size),
            )
            caps.notify(session, mail, "direct_letter", tell_later=True)
    return item


def release(
    session: Session,
    ctx: Context,
    item: QuarantineItem,
    message: ParsedMessage,
    reading: LetterReading,
    by: str,
) -> tuple[Letter, bool]:
    """An admin's release: file the held message as a letter after all; (letter, is_new).

    `reading` (text.letter.read_letter) is read by the caller before its transaction. A clerk's
    own letter (held as unverified) stays theirs: their receipt answers in its thread."""
    box = ctx.mailbox_named(item.mailbox, item.office)
    if ctx.rules.clerk(message.from_address) is not None:
        clerk = message.from_address
    else:
        clerk = ctx.rules.clerks[0].email if ctx.rules.clerks else message.from_address
    letter, new = file_letter(session, ctx, box, message, item.raw_sha256, clerk, reading)
    done = f"filed as {letter.agenda_number}" if new else f"duplicate of {letter.agenda_number}"
    settle_release(session, item, letter.id, by, done)
    return letter, new


def settle_release(session: Session, item: QuarantineItem, letter_id: int | None, by: str, done: str) -> None:
    """Mark `item` released by `by`, and say so in the log of the letter it became or touched."""
    item.status, item.released_at = HeldStatus.RELEASED, utcnow()
    item.resolution = f"{done} (released by {by})"
    session.add(item)
    if letter_id is not None:
        log_event(
            session,
            letter_id=letter_id,
            actor=by,
            action="released",
            facts={"quarantine": item.id, "reason": item.reason},
        )
