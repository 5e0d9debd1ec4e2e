"""A newly filed letter's first holder, as the routing rules say, and their disposition request."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import bindparam, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col

from mailflow.config import MailboxSettings
from mailflow.context import Context
from mailflow.disposition.request import queue_request, today_in
from mailflow.disposition.states import State
from mailflow.disposition.tree import node_row
from mailflow.domain import Said
from mailflow.office.routing import LetterFacts, route
from mailflow.office.targets import target_of
from mailflow.storage.events import MAILFLOW, log_entry
from mailflow.storage.models import Letter, LetterStatus, id_of


def route_letter(session: Session, ctx: Context, box: MailboxSettings, letter: Letter) -> int:
    """Send a newly filed letter (no tree yet: its first node is its root) to its first holder, as
    the routing rules say; its root's id. Its nodes and their requests are rows written past the
    ORM (disposition.tree.node_row), and no flush: filing's second flush per letter was this one."""
    rules = ctx.rules
    unit = (
        rules.unit_for_mailbox(box.address) or rules.units.get(box.unit) or next(iter(rules.units.values()))
    )
    facts = LetterFacts(
        box.name,
        letter.sender or "",
        letter.subject or "",
        letter.classification or "",
        letter.urgency or "",
        letter.security or "",
    )
    chosen = route(rules.routing, facts, unit.head)
    today = today_in(ctx)
    first = target_of(rules, chosen.to, today)
    deadline = (
        rules.calendar.add_workdays(today, chosen.deadline_days)
        if chosen.deadline_days
        else rules.calendar.default_deadline(today, letter.urgency)
    )
    known = rules.instruction(chosen.instruction) if chosen.instruction else None
    letter_id = id_of(letter)
    _awaiting(session, letter, deadline)
    event_id = log_entry(
        session,
        letter_id=letter_id,
        action="requested",
        targets=[first.email],
        instruction=known.text if known else None,
        deadline=deadline,
        facts={"rule": chosen.rule, "reasons": [[r.code, dict(r.values)] for r in chosen.reasons]},
    )
    instruction = known.text if known else ""
    root = node_row(
        session,
        letter_id,
        first,
        disposer=MAILFLOW,
        instruction=instruction,
        deadline=deadline,
        event_id=event_id,
    )
    queue_request(session, ctx, box, letter_id, first.email, root, disposer_title="Mailflow")
    for copy in chosen.copies:
        target = target_of(rules, copy, today)
        mailer = ctx.mailer(box)
        fyi = node_row(
            session,
            letter_id,
            target,
            disposer=MAILFLOW,
            parent_id=root,
            instruction=mailer.say(target.email, Said.of("event.copy_instruction")),
            state=State.ARCHIVED,
            event_id=event_id,
        )
        disposer = mailer.say(target.email, Said.of("event.copy_disposer"))
        queue_request(session, ctx, box, letter_id, target.email, fyi, disposer_title=disposer)
    return root


# The letter's status and open deadline once routed: one statement, built and compiled once.
_AWAITING = update(Letter).where(col(Letter.id) == bindparam("ident"))


def _awaiting(session: Session, letter: Letter, deadline: dt.date) -> None:
    """The letter awaits its first holder, by `deadline` (its open deadline: its root is its only
    open node, the copies are finished). One UPDATE on the session's connection; the letter's
    object is told the stored values, so nothing of it is left for the ORM to write."""
    values = {"status": LetterStatus.AWAITING, "open_deadline": deadline}
    session.connection().execute(_AWAITING, {"ident": id_of(letter), **values})
    for name, value in values.items():
        set_committed_value(letter, name, value)
