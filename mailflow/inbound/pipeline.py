"""What one message does to the database: the ordered steps and the actions, kept as data.

Like Mailman's pipeline after its rule chain: `STEPS` run in order inside the loop's one
transaction (inbound.loop), and the first that decides ends the message's passage; the triage
chain (inbound.triage.CHAIN) names the action, `ACTIONS` says what that action writes. Each
decision is recorded on the ledger row with the check that made it and its reason. No step
touches the server: the loop moves or tags the message only after the commit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace

from sqlmodel import Session, select

from mailflow.config import MailboxSettings
from mailflow.context import Context
from mailflow.disposition.first_holder import route_letter
from mailflow.disposition.replies import apply_reply
from mailflow.disposition.request import today_in
from mailflow.disposition.status import request_status
from mailflow.domain import ReplyMatch
from mailflow.errors import MessageError
from mailflow.inbound.bounces import handle_bounce
from mailflow.inbound.reading import HEAD_BYTES
from mailflow.inbound.reading_apart import Read
from mailflow.inbound.threads import match_reply
from mailflow.inbound.triage import Action, Inbound, Verdict, auto_generated, triage
from mailflow.raw import RawMessage
from mailflow.registry.filing import correct_letter, file_letter
from mailflow.registry.quarantine import quarantine, reject
from mailflow.storage.models import Event, InboundMessage, Letter, Outcome, fetch
from mailflow.text.letter import LetterReading, corrections, read_letter
from mailflow.text.message import ParsedMessage
from mailflow.text.parsing import header_part, parse_message

log = logging.getLogger(__name__)

# The check of a message held because it could not be read at all (inbound.reading).
READING_CHECK = "reading"


def headers_of(raw: RawMessage) -> ParsedMessage | None:
    """The header of a message we will not parse whole, to know whom to tell."""
    try:
        return parse_message(header_part(raw.head(HEAD_BYTES)))
    except MessageError:
        return None


@dataclass
class Passage:
    """One message on its way through `STEPS`, inside the loop's transaction."""

    session: Session
    ctx: Context
    box: MailboxSettings
    raw: RawMessage
    sha: str
    row: InboundMessage
    reading: Read
    match: ReplyMatch | None = None
    replayed: bool = False


# A step returns True when it decided the message: the steps after it do not run.
Stage = Callable[[Passage], bool]


def _unreadable(p: Passage) -> bool:
    """A message that did not parse is held; its sender is told only if that is safe."""
    if p.reading.message is not None:
        return False
    problem = p.reading.problem or MessageError("malformed", "unreadable")
    head = headers_of(p.raw)
    safe = head is not None and auto_generated(Inbound(head, p.box, p.ctx.rules)) is None
    item = quarantine(
        p.session, p.ctx, p.box, head, p.sha, problem.reason, problem.detail, notify_sender=safe
    )
    p.row.outcome, p.row.quarantine_id = Outcome.QUARANTINED, item.id
    p.row.destination, p.row.decided_by, p.row.reason = p.box.quarantine_folder, READING_CHECK, problem.reason
    log.info(
        "event=quarantined mailbox=%s uid=%s reason=%s message_id=%s detail=%r",
        p.box.name,
        p.row.uid,
        problem.reason,
        head.message_id if head else "-",
        problem.detail,
    )
    return True


def _thread(p: Passage) -> bool:
    """Which of our emails it answers; a letter of another office (one mailbox, many) is decided
    in that office's context; a Message-ID already applied by this sender is a replay."""
    message = _message(p)
    p.match = match_reply(p.session, p.ctx.signer, message, p.box.address, p.ctx.rules, today_in(p.ctx))
    if p.match is None:
        return False
    if p.match.letter_id:
        p.ctx = p.ctx.for_office(fetch(p.session, Letter, p.match.letter_id).office)
    applied = select(Event.id).where(
        Event.message_id == message.message_id, Event.actor == message.from_address
    )
    p.replayed = p.session.exec(applied).first() is not None
    return False


def _act(p: Passage) -> bool:
    """The triage chain decides; the action of its verdict writes the consequences."""
    message = _message(p)
    inbound = Inbound(
        message,
        p.box,
        p.ctx.rules,
        p.match,
        p.replayed,
        p.ctx.settings.max_attachment_bytes,
        p.reading.sender,
    )
    verdict = triage(inbound)
    p.row.message_id = message.message_id
    step = Step(p.session, p.ctx, p.box, message, p.raw, p.sha, p.row, verdict, p.match, p.reading.letter)
    ACTIONS[verdict.action](step)
    return True


def _message(p: Passage) -> ParsedMessage:
    if p.reading.message is None:  # `_unreadable` ends the passage of such a message
        raise LookupError("a step after the reading check met an unread message")
    return p.reading.message


STEPS: tuple[Stage, ...] = (_unreadable, _thread, _act)


def apply(
    session: Session,
    ctx: Context,
    box: MailboxSettings,
    raw: RawMessage,
    sha: str,
    row: InboundMessage,
    reading: Read,
) -> None:
    """Decide what the message is and write the consequences; fills in the ledger row."""
    passage = Passage(session, ctx, box, raw, sha, row, reading)
    for step in STEPS:
        if step(passage):
            return
    raise LookupError("no step decided the message")  # `_act` always decides


@dataclass
class Step:
    """One triaged message on its way into the database."""

    session: Session
    ctx: Context
    box: MailboxSettings
    message: ParsedMessage
    raw: RawMessage
    sha: str
    row: InboundMessage
    verdict: Verdict
    match: ReplyMatch | None
    letter: LetterReading | None = None  # read before the transaction (inbound.reading)

    def record(
        self, outcome: Outcome, letter_id: int | None = None, quarantine_id: int | None = None
    ) -> None:
        held = outcome == Outcome.QUARANTINED
        self.row.outcome, self.row.letter_id, self.row.quarantine_id = outcome, letter_id, quarantine_id
        self.row.destination = self.box.quarantine_folder if held else self.box.processed_folder
        self.row.decided_by, self.row.reason = self.verdict.check, self.verdict.reason or None
        letter = self.session.get(Letter, letter_id) if letter_id else None
        log.info(
            "event=%s check=%s reason=%s agenda=%s message_id=%s",
            outcome,
            self.verdict.check,
            self.verdict.reason or "-",
            letter.agenda_number if letter else "-",
            self.message.message_id,
        )


def _file(step: Step) -> None:
    rules = step.ctx.rules
    clerk = rules.clerk(step.message.from_address)
    # A direct letter filed by policy or released by an admin: its receipt goes to the first clerk.
    address = clerk.email if clerk else (rules.clerks[0].email if rules.clerks else step.message.from_address)
    # Read before the transaction for anyone who may file; a stranger's mail filed by another
    # route (an admin's release of a held one) is read here, at the cost it always had.
    reading = step.letter or read_letter(step.message, direct=clerk is None)
    letter, new = file_letter(step.session, step.ctx, step.box, step.message, step.sha, address, reading)
    if new and not letter.fields_pending:  # else when its scans are read (inbound.scan_jobs)
        route_letter(step.session, step.ctx, step.box, letter)
    step.record(Outcome.LETTER if new else Outcome.DUPLICATE, letter.id)


def _named(ident: int | None) -> int:
    """Triage names the letter of every CORRECT and the disposition of every REPLY verdict."""
    if ident is None:
        raise LookupError("a verdict lacks the row it acts on")
    return ident


def _correct(step: Step) -> None:
    stated = step.letter.corrections if step.letter else corrections(step.message)
    correct_letter(step.session, step.ctx, step.box, step.message, _named(step.verdict.letter_id), stated)
    step.record(Outcome.CORRECTION, step.verdict.letter_id)


def _reply(step: Step) -> None:
    reply = apply_reply(step.session, step.ctx, step.box, step.message, _named(step.verdict.disposition_id))
    if reply is None or reply.ignored:
        reason = reply.ignored if reply is not None else "replay"
        step.verdict = replace(step.verdict, action=Action.IGNORE, reason=reason)
        step.record(Outcome.IGNORED, step.verdict.letter_id)
        return
    step.row.reply_key = reply.key
    step.record(Outcome.REPLY, step.verdict.letter_id)


def _status(step: Step) -> None:
    step.record(
        Outcome.STATUS, request_status(step.session, step.ctx, step.box, step.message, step.verdict.detail)
    )


def _reject(step: Step) -> None:
    owner = step.match.owners[0] if step.match and step.match.owners else None
    v = step.verdict
    item = reject(
        step.session, step.ctx, step.box, step.message, step.sha, v.reason, v.detail, v.letter_id, owner
    )
    step.record(Outcome.QUARANTINED, v.letter_id, item.id)


def _quarantine(step: Step) -> None:
    v = step.verdict
    item = quarantine(
        step.session,
        step.ctx,
        step.box,
        step.message,
        step.sha,
        v.reason,
        v.detail,
        v.notify_sender,
        step.raw,
    )
    step.record(Outcome.QUARANTINED, quarantine_id=item.id)


def _ignore(step: Step) -> None:
    step.record(Outcome.IGNORED)


def _bounce(step: Step) -> None:
    # A report of an undeliverable email is small; its whole text is searched for our Message-IDs.
    row = handle_bounce(step.session, step.ctx, step.box, step.message, step.raw.read_bytes())
    step.record(Outcome.BOUNCE, row.letter_id if row else None)


ACTIONS: dict[Action, Callable[[Step], None]] = {
    Action.FILE: _file,
    Action.CORRECT: _correct,
    Action.REPLY: _reply,
    Action.STATUS: _status,
    Action.REJECT: _reject,
    Action.QUARANTINE: _quarantine,
    Action.IGNORE: _ignore,
    Action.BOUNCE: _bounce,
}
