"""One pass over a mailbox: the only place that combines the IMAP edge, storage and database.

Order per message, the guarantee of "Letters in":
1. archive the raw bytes (content-addressed, atomic);
2. decide and record in ONE transaction: ledger row keyed (mailbox, UIDVALIDITY, UID), cursor,
   letter / correction / quarantine entry, events, outgoing mail;
3. only after that commit, move (or tag) the message on the server, then mark it settled.
A crash anywhere repeats at most step 3 on the next run, which is harmless.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from sqlmodel import col, select

from mailflow.app import App
from mailflow.config import MailboxSettings
from mailflow.db import transaction
from mailflow.domain import ParsedMessage
from mailflow.errors import MailboxError, MessageError
from mailflow.filing import (
    Context,
    correct_letter,
    file_letter,
    find_replied_letter,
    quarantine,
)
from mailflow.mailbox import FetchedMessage, Mailbox
from mailflow.models import InboundMessage, MailboxState, utcnow
from mailflow.parsing import parse_message
from mailflow.triage import Action, Inbound, auto_generated, triage

log = logging.getLogger(__name__)

KEYWORD_DONE = "$MailflowProcessed"
KEYWORD_HELD = "$MailflowQuarantined"


@dataclass
class PollReport:
    mailbox: str
    seen: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    error: str | None = None

    def count(self, outcome: str) -> None:
        self.seen += 1
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1


def _headers_only(raw: bytes) -> bytes:
    end = raw.find(b"\r\n\r\n")
    end = raw.find(b"\n\n") if end < 0 else end
    return raw[: end if end >= 0 else 65536][:65536] + b"\r\n\r\n"


def _headers_of(raw: bytes) -> ParsedMessage | None:
    """The header of a message we will not parse whole, to know whom to tell."""
    try:
        return parse_message(_headers_only(raw))
    except MessageError:
        return None


def _hold(
    session,
    ctx: Context,
    box: MailboxSettings,
    raw: bytes,
    sha: str,
    row: InboundMessage,
    reason: str,
    detail: str,
) -> None:
    head = _headers_of(raw)
    safe = head is not None and auto_generated(Inbound(head, box, ctx.rules)) is None
    item = quarantine(session, ctx, box, head, sha, reason, detail, notify_sender=safe)
    row.outcome, row.quarantine_id, row.destination = "quarantined", item.id, box.quarantine_folder
    log.info("event=quarantined reason=%s detail=%r", reason, detail)


def _apply(
    session, ctx: Context, box: MailboxSettings, fetched: FetchedMessage, sha: str, row: InboundMessage
) -> None:
    """Decide what the message is and write the consequences; fills in the ledger row."""
    raw = fetched.raw
    limit = ctx.settings.max_message_bytes
    if len(raw) > limit:
        _hold(session, ctx, box, raw, sha, row, "oversize", f"{len(raw)} bytes, limit {limit}")
        return
    try:
        message = parse_message(raw)
    except MessageError as exc:
        _hold(session, ctx, box, raw, sha, row, exc.reason, exc.detail)
        return
    verdict = triage(Inbound(message, box, ctx.rules, find_replied_letter(session, message)))
    row.message_id = message.message_id
    if verdict.action is Action.FILE:
        clerk = ctx.rules.clerk(message.from_address)
        clerk_address = (
            clerk.email
            if clerk
            else (ctx.rules.clerks[0].email if ctx.rules.clerks else message.from_address)
        )
        letter, new = file_letter(session, ctx, box, message, sha, clerk_address)
        row.outcome, row.letter_id = ("letter" if new else "duplicate"), letter.id
        row.destination = box.processed_folder
        log.info(
            "event=%s agenda=%s message_id=%s mailbox=%s",
            row.outcome,
            letter.agenda_number,
            message.message_id,
            box.name,
        )
    elif verdict.action is Action.CORRECT:
        changes = correct_letter(session, ctx, box, message, verdict.letter_id)
        row.outcome, row.letter_id, row.destination = "correction", verdict.letter_id, box.processed_folder
        log.info(
            "event=correction letter=%s changes=%d message_id=%s",
            verdict.letter_id,
            len(changes),
            message.message_id,
        )
    elif verdict.action is Action.QUARANTINE:
        item = quarantine(
            session, ctx, box, message, sha, verdict.reason, verdict.detail, verdict.notify_sender, raw
        )
        row.outcome, row.quarantine_id, row.destination = "quarantined", item.id, box.quarantine_folder
        log.info(
            "event=quarantined reason=%s check=%s message_id=%s",
            verdict.reason,
            verdict.check,
            message.message_id,
        )
    else:
        row.outcome, row.destination = "ignored", box.processed_folder
        log.info(
            "event=ignored check=%s detail=%s message_id=%s",
            verdict.check,
            verdict.detail,
            message.message_id,
        )


def process_one(app: App, box: MailboxSettings, uidvalidity: int, fetched: FetchedMessage) -> InboundMessage:
    """Archive, decide and commit one message; returns its ledger row."""
    sha = app.archive.put_raw(fetched.raw)
    ctx = app.context()
    with transaction(app.engine) as session:
        existing = session.exec(
            select(InboundMessage).where(
                InboundMessage.mailbox == box.name,
                InboundMessage.uidvalidity == uidvalidity,
                InboundMessage.uid == fetched.uid,
            )
        ).first()
        if existing is not None:  # an overlapping poll got here first
            return existing
        state = session.get(MailboxState, box.name) or MailboxState(mailbox=box.name)
        state.uidvalidity, state.last_uid = uidvalidity, max(state.last_uid, fetched.uid)
        session.add(state)
        row = InboundMessage(
            mailbox=box.name, uidvalidity=uidvalidity, uid=fetched.uid, message_id="", sha256=sha, outcome=""
        )
        prior = session.exec(select(InboundMessage).where(InboundMessage.sha256 == sha)).first()
        if prior is not None:
            # The same bytes again (a UIDVALIDITY resync, or a copy in another folder).
            row.message_id, row.outcome = prior.message_id, "seen_before"
            row.letter_id, row.quarantine_id = prior.letter_id, prior.quarantine_id
            row.destination = prior.destination
        else:
            _apply(session, ctx, box, fetched, sha, row)
        session.add(row)
    return row


def _quarantine_failure(
    app: App, box: MailboxSettings, uidvalidity: int, fetched: FetchedMessage, error: BaseException
) -> InboundMessage:
    """A bug while handling one message: keep it, hold it, and let the poll go on."""
    sha = app.archive.put_raw(fetched.raw)
    with transaction(app.engine) as session:
        item = quarantine(
            session,
            app.context(),
            box,
            None,
            sha,
            "internal_error",
            f"{type(error).__name__}: {error}",
            notify_sender=False,
        )
        state = session.get(MailboxState, box.name) or MailboxState(mailbox=box.name)
        state.uidvalidity, state.last_uid = uidvalidity, max(state.last_uid, fetched.uid)
        session.add(state)
        row = InboundMessage(
            mailbox=box.name,
            uidvalidity=uidvalidity,
            uid=fetched.uid,
            message_id="",
            sha256=sha,
            outcome="quarantined",
            quarantine_id=item.id,
            destination=box.quarantine_folder,
        )
        session.add(row)
    return row


def _settle(app: App, mailbox: Mailbox, row: InboundMessage) -> None:
    held = row.outcome == "quarantined" or row.destination == mailbox.settings.quarantine_folder
    mailbox.settle(
        row.uid, row.destination or mailbox.settings.processed_folder, KEYWORD_HELD if held else KEYWORD_DONE
    )
    with transaction(app.engine) as session:
        fresh = session.get(InboundMessage, row.id)
        fresh.settled = True
        session.add(fresh)


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


def poll_mailbox(app: App, box: MailboxSettings, stop: threading.Event | None = None) -> PollReport:
    """One pass; a MailboxError (server gone, login refused) is recorded and returned, not raised."""
    report = PollReport(box.name)
    try:
        with app.connect(box) as mailbox:
            for row in _unsettled(app, box, mailbox.uidvalidity):
                _settle(app, mailbox, row)
            last_uid = _cursor(app, box, mailbox.uidvalidity)
            for fetched in mailbox.fetch(mailbox.uids_after(last_uid)):
                if stop is not None and stop.is_set():
                    break
                try:
                    row = process_one(app, box, mailbox.uidvalidity, fetched)
                except (MailboxError, OSError):
                    raise
                except Exception as exc:
                    log.exception("event=message_failed mailbox=%s uid=%s", box.name, fetched.uid)
                    row = _quarantine_failure(app, box, mailbox.uidvalidity, fetched, exc)
                report.count(row.outcome)
                _settle(app, mailbox, row)
    except (MailboxError, OSError) as exc:
        report.error = str(exc)
        log.error("event=poll_failed mailbox=%s error=%s", box.name, report.error)
    _record_health(app, box, report)
    return report


def _record_health(app: App, box: MailboxSettings, report: PollReport) -> None:
    with transaction(app.engine) as session:
        state = session.get(MailboxState, box.name) or MailboxState(mailbox=box.name)
        if report.error:
            state.last_error, state.last_error_at = report.error[:500], utcnow()
        else:
            state.last_success_at = utcnow()
        session.add(state)
