"""Readings proposed to an official, kept until their yes, and what a yes may act on.

A proposal is shown in the one answer to a reply ("Maksud Bapak/Ibu: Sekretaris - pelajari, batas
5 Desember 2026? Balas YA untuk menjalankan") and kept in the `proposal` table with the
Message-ID of that answer. A yes acts only when it answers that very email, from the official it
went to, about the same disposition, while the email's reply code is valid, and only once; any
other reply of theirs about the disposition replaces it. The yes itself is applied by
disposition.replies, through the same handlers as a statement written in full.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from mailflow.context import Context
from mailflow.domain import Said
from mailflow.language import saved
from mailflow.language.proposals import question
from mailflow.language.statements import Kind, Problem, Proposal, Statement, reply_context
from mailflow.office.targets import Target
from mailflow.storage.models import Disposition, Letter, PendingProposal, id_of, utcnow
from mailflow.text.message import ParsedMessage

PENDING, APPLIED, FAILED, REPLACED = "pending", "applied", "failed", "replaced"


@dataclass(frozen=True)
class Shown:
    """A proposal as the answer shows it: the line as written, and the reading it would act on."""

    line: str
    question: Said


def settled(statement: Statement, ctx: Context, letter: Letter, today: dt.date) -> Statement:
    """The statement as it will act: a disposition without a deadline gets the default of today,
    so that the deadline the official confirms is the one applied, whenever they confirm."""
    if statement.kind is Kind.DISPOSE and statement.deadline is None:
        default = ctx.rules.calendar.default_deadline(today, letter.urgency)
        return dataclasses.replace(statement, deadline=default)
    return statement


def shown(proposal: Proposal) -> Shown:
    """Asked of the statement as kept (its deadline settled), so the question names what a yes does."""
    return Shown(proposal.line, question(proposal.statement))


def answered(session: Session, message: ParsedMessage) -> PendingProposal | None:
    """The proposal whose email `message` answers: its In-Reply-To, else the last of its
    References (the parent, RFC 5322). Never an older email further up the thread. Locked until
    the reply's transaction ends: a second yes handled at the same time (another mailbox's loop, a
    `poll` beside the service) waits, then finds it applied, so it acts once."""
    parents = message.in_reply_to or message.references[-1:]
    if not parents:
        return None
    asked = select(PendingProposal).where(col(PendingProposal.message_id).in_(parents))
    return session.exec(asked.order_by(col(PendingProposal.id)).with_for_update()).first()


def record(
    session: Session,
    ctx: Context,
    node: Disposition,
    proposals: Sequence[Proposal],
    message_id: str,
    today: dt.date,
) -> PendingProposal:
    """Keep `proposals`, sent to the holder of `node` in the email `message_id`, until the day
    that email's reply code expires."""
    row = PendingProposal(
        letter_id=node.letter_id,
        disposition_id=id_of(node),
        position_id=node.position_id,
        recipient=node.holder,
        message_id=message_id,
        statements=saved.dump([p.statement for p in proposals]),
        expires_on=ctx.mailer().code_expires(today),
    )
    session.add(row)
    return row


def waiting(session: Session, node: Disposition, today: dt.date) -> PendingProposal | None:
    """The newest proposal about `node` still waiting for its yes, if any."""
    mine = PendingProposal.disposition_id == node.id
    valid = PendingProposal.expires_on >= today
    ask = select(PendingProposal).where(mine, PendingProposal.state == PENDING, valid)
    return session.exec(ask.order_by(col(PendingProposal.id).desc())).first()


def replace_pending(session: Session, node: Disposition, by: str) -> None:
    """A new reply about `node` takes the place of whatever it was asked to confirm before."""
    mine = PendingProposal.disposition_id == node.id
    rows = session.exec(select(PendingProposal).where(mine, PendingProposal.state == PENDING)).all()
    for row in rows:
        settle(session, row, REPLACED, by)


def settle(session: Session, row: PendingProposal, state: str, by: str) -> None:
    row.state, row.settled_at, row.settled_by = state, utcnow(), by
    session.add(row)


def refusal(
    row: PendingProposal, node: Disposition, message: ParsedMessage, ctx: Context, today: dt.date, line: str
) -> Problem | None:
    """Why a yes to `row` acts on nothing (its reason is `proposal_<why>`), or None when it may."""
    person = ctx.rules.person_by_address(row.recipient)
    theirs = {row.recipient.lower(), *(person.addresses if person else ())}
    why = ""
    if row.disposition_id != node.id or message.from_address.lower() not in theirs:
        why = "not_yours"
    elif row.state != PENDING:
        why = row.state  # applied (once only), failed, or replaced by a later reply
    elif row.expires_on < today:
        why = "expired"
    if not why:
        return None
    return Problem(line, f"proposal_{why}", Said.of(f"problem.proposal_{why}", date=row.expires_on))


def statements_of(
    row: PendingProposal, ctx: Context, node: Disposition, today: dt.date, line: str
) -> tuple[tuple[Statement, ...], Problem | None]:
    """The kept statements as they act today, their targets found among those the official may
    name today; a Problem (and nothing to act on) when one is no longer there or a deadline has
    passed meanwhile: the official confirmed all of it, so all of it acts or none."""
    reading = reply_context(ctx.rules, node.position_id, today)
    named = {t.position_id: t for t in (*reading.allowed, *reading.offices)}

    def target(position_id: str) -> Target | None:
        return named.get(position_id)

    statements = saved.load(row.statements, target)
    if isinstance(statements, list):
        who = [t.title for t in reading.everyone if t.position_id in statements] or statements
        return (), Problem(line, "not_allowed", Said.of("problem.proposal_target_gone", who=who))
    past = [s.deadline for s in statements if s.deadline is not None and s.deadline < today]
    if past:
        return (), Problem(line, "bad_deadline", Said.of("problem.deadline_past", date=past[0]))
    return statements, None
