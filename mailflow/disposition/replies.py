"""A holder's reply applied to their disposition.

Runs inside the caller's transaction, like filing. Each statement kind of the reply language has
one small handler (`HANDLERS`); every reply is answered with one confirmation, and the disposer
of the branch is told what their subordinate said in one notice."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from mailflow.config import MailboxSettings
from mailflow.context import Context
from mailflow.disposition import kept_proposals
from mailflow.disposition.pass_on import pass_on, report_back
from mailflow.disposition.request import send_request, today_in
from mailflow.disposition.states import FINISHED, State
from mailflow.disposition.status import send_status
from mailflow.disposition.tree import letter_status, new_node, set_state, settle_upwards, tree_rows
from mailflow.domain import Said
from mailflow.language.confirm import is_confirmation
from mailflow.language.statements import Kind, Problem, Proposal, Reading, Statement, read_answer
from mailflow.outbound import outbox
from mailflow.registry.filing import store_file
from mailflow.storage.events import log_event
from mailflow.storage.models import (
    Disposition,
    Event,
    InboundMessage,
    Letter,
    LetterFile,
    OutboxMessage,
    PendingProposal,
    fetch,
    id_of,
    utcnow,
)
from mailflow.text.message import Attachment, ParsedMessage


@dataclass
class Reply:
    """One reply being applied: what it says, and what it caused."""

    session: Session
    ctx: Context
    box: MailboxSettings
    letter: Letter
    node: Disposition
    message: ParsedMessage
    files: tuple[Attachment, ...]
    today: dt.date
    key: str  # see replay_key
    applied: list[Said] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    proposals: list[Proposal] = field(default_factory=list)  # asked to be confirmed, not applied
    notices: list[Said] = field(default_factory=list)
    headline: Said | None = None  # what the disposer's notice is about: its first news
    disposed: bool = False
    asked_status: bool = False
    asked_help: bool = False
    ignored: str = ""  # why nothing was done and nothing is answered (an out-of-office text)

    def event(self, action: str, statement: Statement, **values: Any) -> Event:
        return log_event(
            self.session,
            letter_id=self.letter.id,
            actor=self.message.from_address,
            action=action,
            text=values.pop("text", statement.text),
            message_id=self.message.message_id,
            **values,
        )

    def set_state(self, state: State) -> None:
        set_state(self.session, self.node, state)

    def tell(self, headline: Said, said: Said) -> None:
        """Record `said` for the sender's confirmation and the disposer's notice."""
        self.applied.append(said)
        self.notices.append(said)
        self.headline = self.headline or headline


def _closed(reply: Reply, st: Statement) -> bool:
    if reply.node.state in FINISHED | {State.CANCELLED}:
        state = Said.of(f"state.{reply.node.state}")
        reply.problems.append(Problem(st.line, "closed", Said.of("problem.closed", state=state)))
        return True
    return False


def _dispose(reply: Reply, st: Statement) -> None:
    if _closed(reply, st):
        return
    ctx, node = reply.ctx, reply.node
    deadline = st.deadline or ctx.rules.calendar.default_deadline(reply.today, reply.letter.urgency)
    event = reply.event(
        "disposed",
        st,
        targets=[t.email for t in st.targets],
        instruction=st.instruction,
        deadline=deadline,
        text=st.line,
    )
    for target in st.targets:
        child = new_node(
            reply.session,
            id_of(reply.letter),
            target,
            disposer=node.holder,
            parent_id=node.id,
            instruction=st.instruction,
            deadline=deadline,
            event_id=event.id,
            state=State.DISPOSED if target.office else State.PENDING,
        )
        if target.office:  # another office: its own book, its head's request (pass_on.py)
            pass_on(reply.session, ctx, reply.letter, child, target)
        else:
            send_request(reply.session, ctx, reply.box, reply.letter, child, disposer_title=node.holder_title)
    reply.set_state(State.DISPOSED)
    reply.disposed = True
    names = ", ".join(f"{t.title} ({t.name})" for t in st.targets)
    instruction = st.instruction or Said.of("applied.no_instruction")
    reply.applied.append(Said.of("applied.disposed", names=names, instruction=instruction, deadline=deadline))


def _acknowledge(reply: Reply, st: Statement) -> None:
    reply.event("acknowledged", st, text=st.line)
    if reply.node.state == State.PENDING:
        reply.set_state(State.ACKNOWLEDGED)
    reply.applied.append(Said.of("applied.acknowledged"))
    reply.notices.append(Said.of("applied.acknowledged_notice", line=st.line))
    reply.headline = reply.headline or Said.of("applied.acknowledged_headline")


def _progress(reply: Reply, st: Statement) -> None:
    if _closed(reply, st):
        return
    reply.event("progress", st)
    if reply.node.state in (State.PENDING, State.ACKNOWLEDGED):
        reply.set_state(State.IN_PROGRESS)
    reply.tell(Said.of("applied.progress"), _reported("applied.progress", st.text))


def _reported(key: str, text: str) -> Said:
    """ "Selesai" or "Selesai: <report>", in the reader's language."""
    what = Said.of(key)
    return Said.of("applied.report", what=what, text=text) if text else what


def _finish(reply: Reply, st: Statement, state: State, action: str, summary: Said) -> None:
    if _closed(reply, st):
        return
    event = reply.event(action, st)
    if state == State.COMPLETED:
        for f in reply.files:
            digest = store_file(reply.ctx.archive, f)
            reply.session.add(
                LetterFile(
                    letter_id=id_of(reply.letter),
                    event_id=event.id,
                    filename=f.filename,
                    content_type=f.content_type,
                    size=f.size,
                    sha256=digest,
                )
            )
        if reply.files:
            names = [f.filename or Said.of("applied.unnamed_file") for f in reply.files]
            summary = Said.of("applied.with_files", what=summary, files=names)
    reply.set_state(state)
    reply.tell(Said.of(f"applied.{'done' if state == State.COMPLETED else 'archived'}"), summary)
    settle_upwards(reply.session, reply.node)


def _done(reply: Reply, st: Statement) -> None:
    _finish(reply, st, State.COMPLETED, "completed", _reported("applied.done", st.text))


def _archive(reply: Reply, st: Statement) -> None:
    _finish(reply, st, State.ARCHIVED, "archived", Said.of("applied.archived"))


def _undo(reply: Reply, st: Statement) -> None:
    session, node = reply.session, reply.node
    children = session.exec(
        select(Disposition)
        .where(Disposition.parent_id == node.id, Disposition.state != State.CANCELLED)
        .order_by(col(Disposition.event_id).desc())
    ).all()
    last = [c for c in children if c.event_id == children[0].event_id] if children else []
    if not last:
        reply.problems.append(Problem(st.line, "nothing_to_undo", Said.of("problem.nothing_to_undo")))
        return
    answered = [c for c in last if c.answered or c.state != State.PENDING]
    if answered:
        who = ", ".join(c.holder_title for c in answered)
        reply.problems.append(Problem(st.line, "too_late", Said.of("problem.too_late", who=who)))
        return
    reply.event(
        "cancelled", st, targets=[c.holder for c in last], instruction=last[0].instruction, text=st.line
    )
    for child in last:
        set_state(session, child, State.CANCELLED)
        mail = reply.ctx.mailer(reply.box).to_official(
            reply.letter,
            child,
            "cancelled",
            disposer_title=node.holder_title,
            instruction=child.instruction,
        )
        outbox.enqueue(session, mail, "cancelled", id_of(reply.letter), child.id)
    remaining = [c for c in children if c not in last]
    reply.set_state(State.DISPOSED if remaining else State.PENDING)
    reply.applied.append(Said.of("applied.cancelled", who=[c.holder_title for c in last]))


def _status(reply: Reply, st: Statement) -> None:
    """Asked with other statements: the answer goes into the one confirmation."""
    reply.asked_status = True
    reply.applied.append(Said.of("applied.status_below"))


def _help(reply: Reply, st: Statement) -> None:
    reply.asked_help = True
    reply.applied.append(Said.of("applied.help_below"))


def _note(reply: Reply, st: Statement) -> None:
    reply.event("noted", st)
    reply.tell(Said.of("applied.note_headline"), Said.of("applied.note", text=st.text))


HANDLERS: dict[Kind, Callable[[Reply, Statement], None]] = {
    Kind.DISPOSE: _dispose,
    Kind.ACK: _acknowledge,
    Kind.PROGRESS: _progress,
    Kind.DONE: _done,
    Kind.ARCHIVE: _archive,
    Kind.UNDO: _undo,
    Kind.STATUS: _status,
    Kind.HELP: _help,
    Kind.NOTE: _note,
}


def replay_key(sender: str, node_id: int, text: str) -> str:
    """The same words from the same person about the same disposition, however re-sent."""
    words = " ".join(text.lower().split())
    return hashlib.sha256(f"{sender.lower()}|{node_id}|{words}".encode()).hexdigest()


def _replayed(session: Session, key: str, since: dt.datetime) -> bool:
    seen = select(InboundMessage.id).where(InboundMessage.reply_key == key, InboundMessage.seen_at >= since)
    return session.exec(seen).first() is not None


def apply_reply(
    session: Session, ctx: Context, box: MailboxSettings, message: ParsedMessage, node_id: int
) -> Reply | None:
    """Read a holder's reply and apply each statement; answer it, and tell their disposer.

    None when it repeats, under a new Message-ID, what the same person already said about the
    same disposition while its reply code was valid (a replayed or re-sent mail): nothing is
    applied twice. A repeated question (`status`) is answered again. An out-of-office text comes
    back with `ignored` set: nothing applied, nothing answered.
    """
    node = fetch(session, Disposition, node_id)
    letter = fetch(session, Letter, node.letter_id)
    today = today_in(ctx)
    text, reading = read_answer(message, ctx.rules, node.position_id, today, node.holder_name)
    reply = Reply(session, ctx, box, letter, node, message, message.attachments, today, key="")
    proposed = kept_proposals.answered(session, message)
    if is_confirmation(text, message.from_name or node.holder_name):
        if proposed is not None:
            return _confirmed(reply, text, proposed)
        if (asked := kept_proposals.waiting(session, node, today)) is not None:
            return _yes_to_no_proposal(reply, text, asked)
    reply.key = replay_key(message.from_address, node_id, text)
    reply.problems = list(reading.problems)
    if reading.automatic:
        reply.ignored = "out_of_office"  # never a statement, never answered (no mail loop)
        return reply
    questions = {Kind.STATUS, Kind.HELP}
    acts = bool(reading.proposals) or any(st.kind not in questions for st in reading.statements)
    if acts and _replayed(session, reply.key, utcnow() - dt.timedelta(days=ctx.settings.token_days)):
        return None
    if reading.statements and not acts and not reading.problems:
        _answer_question(reply, reading.of(Kind.STATUS))  # the answer is the one email
        return reply
    kept_proposals.replace_pending(session, node, message.message_id)  # this reply is their word now
    if node.state != State.CANCELLED:
        reply.proposals = [
            dataclasses.replace(p, statement=kept_proposals.settled(p.statement, ctx, letter, today))
            for p in reading.proposals
        ]
    said = bool(reading.statements or reading.problems or reply.proposals)
    _act(reply, text, reading.statements, answered=said)
    return reply


def _act(reply: Reply, text: str, statements: tuple[Statement, ...], answered: bool) -> None:
    """Each statement through its handler, then the one confirmation (and the notice upward)."""
    session, node, letter = reply.session, reply.node, reply.letter
    if node.state == State.CANCELLED:
        first = text.splitlines()[0] if text else ""
        reply.problems.append(Problem(first, "closed", Said.of("problem.revoked")))
    else:
        for statement in statements:
            HANDLERS[statement.kind](reply, statement)
    if answered:
        node.answered = True
        session.add(node)
    letter.status = letter_status(session, letter)
    session.add(letter)
    report_back(session, reply.ctx, letter)
    _confirm(reply, Reading(statements, tuple(reply.problems)))


def _confirmed(reply: Reply, text: str, proposed: PendingProposal) -> Reply | None:
    """A yes to a proposal: its kept statements act as if written in full, through the same
    handlers, log and confirmation, once; or nothing acts, and the answer says why."""
    session, message, node = reply.session, reply.message, reply.node
    reply.key = replay_key(message.from_address, id_of(node), f"{text}\nproposal {proposed.id}")
    if _replayed(session, reply.key, utcnow() - dt.timedelta(days=reply.ctx.settings.token_days)):
        return None
    line = text.strip().splitlines()[0]
    refused = kept_proposals.refusal(proposed, node, message, reply.ctx, reply.today, line)
    statements: tuple[Statement, ...] = ()
    if refused is not None:
        reply.problems.append(refused)
    else:
        statements, problem = kept_proposals.statements_of(proposed, reply.ctx, node, reply.today, line)
        if problem is not None:
            reply.problems.append(problem)
    _act(reply, text, statements, answered=bool(statements))
    if refused is None:
        state = kept_proposals.APPLIED if statements and not reply.problems else kept_proposals.FAILED
        kept_proposals.settle(session, proposed, state, message.message_id)
    return reply


def _yes_to_no_proposal(reply: Reply, text: str, asked: PendingProposal) -> Reply | None:
    """A yes that answers no proposal's email (a new message about the letter): it cannot say which
    reading it confirms, so nothing acts, the proposal keeps waiting, and the answer says which
    email to answer. Read as an acknowledgement, it would have replaced the proposal in silence."""
    message = reply.message
    reply.key = replay_key(message.from_address, id_of(reply.node), f"{text}\nwaiting {asked.id}")
    if _replayed(reply.session, reply.key, utcnow() - dt.timedelta(days=reply.ctx.settings.token_days)):
        return None
    line = text.strip().splitlines()[0]
    said = Said.of("problem.proposal_elsewhere", date=asked.created_at.date())
    reply.problems.append(Problem(line, "proposal_elsewhere", said))
    _act(reply, text, (), answered=False)
    return reply


def _keep_proposals(reply: Reply, answer: OutboxMessage) -> None:
    """The answer that asks to confirm is the email a yes must answer: keep the proposals by its
    Message-ID."""
    if reply.proposals:
        kept = reply.proposals
        kept_proposals.record(reply.session, reply.ctx, reply.node, kept, answer.message_id, reply.today)


def _answer_question(reply: Reply, status: list[Statement]) -> None:
    """`Status` is answered by the status alone, `Bantuan` by the reply-language card alone."""
    if status:
        send_status(reply.session, reply.ctx, reply.box, reply.letter, reply.node, reply.message)
        return
    mail = reply.ctx.mailer(reply.box).to_official(reply.letter, reply.node, "help", answering=reply.message)
    outbox.enqueue(reply.session, mail, "status", reply.letter.id, reply.node.id)


def _confirm(reply: Reply, reading: Reading) -> None:
    """One confirmation to the sender (with the status or the card if asked), one notice upward."""
    session, ctx, node, letter = reply.session, reply.ctx, reply.node, reply.letter
    # Notes alone (perhaps a phone's autoresponder without auto-reply headers) are confirmed and
    # passed on at most once an hour per disposition, so no two programs answer each other forever.
    notes = all(st.kind is Kind.NOTE for st in reading.statements)
    notes_only = not reading.problems and not reply.proposals and notes
    quiet_key = f"notes:{node.id}:{utcnow():%Y-%m-%dT%H}" if notes_only else None
    if quiet_key and outbox.already_queued(session, quiet_key):
        return
    awaiting = node.state == State.PENDING and bool(ctx.rules.dispose_targets(node.position_id))
    mailer = ctx.mailer(reply.box)
    mail = mailer.to_official(
        letter,
        node,
        "confirmation",
        answering=reply.message,
        applied=reply.applied,
        problems=reply.problems,
        awaiting=awaiting,
        undo_hint=reply.disposed,
        tree=tree_rows(session, letter, reply.today) if reply.asked_status else [],
        help=reply.asked_help,
        proposals=[kept_proposals.shown(p) for p in reply.proposals],
    )
    row = outbox.enqueue(session, mail, "confirmation", letter.id, node.id, dedupe_key=quiet_key)
    _keep_proposals(reply, row)
    if reply.notices and reply.headline is not None and node.parent_id is not None:
        parent = fetch(session, Disposition, node.parent_id)
        notice = mailer.to_official(
            letter,
            parent,
            "notice",
            actor_title=node.holder_title,
            actor_name=node.holder_name,
            headline=reply.headline,
            lines=reply.notices,
        )
        outbox.enqueue(session, notice, "notice", letter.id, parent.id)
