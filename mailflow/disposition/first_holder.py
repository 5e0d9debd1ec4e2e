"""A newly filed letter's first holder, as the routing rules say, and their disposition request."""

from __future__ import annotations

from sqlmodel import Session

from mailflow.config import MailboxSettings
from mailflow.context import Context
from mailflow.disposition.request import send_request, today_in
from mailflow.disposition.states import State
from mailflow.disposition.tree import new_node
from mailflow.domain import Said
from mailflow.office.routing import LetterFacts, route
from mailflow.office.targets import target_of
from mailflow.storage.events import MAILFLOW, log_entry
from mailflow.storage.models import Disposition, Letter, LetterStatus, id_of


def route_letter(session: Session, ctx: Context, box: MailboxSettings, letter: Letter) -> Disposition:
    """Send a newly filed letter (no tree yet: its first node is its root) to its first holder, as
    the routing rules say."""
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
    letter.status = LetterStatus.AWAITING
    event_id = log_entry(
        session,
        letter_id=letter.id,
        action="requested",
        targets=[first.email],
        instruction=known.text if known else None,
        deadline=deadline,
        facts={"rule": chosen.rule, "reasons": [[r.code, dict(r.values)] for r in chosen.reasons]},
    )
    node = new_node(
        session,
        id_of(letter),
        first,
        disposer=MAILFLOW,
        instruction=known.text if known else "",
        deadline=deadline,
        event_id=event_id,
        letter=letter,  # its first node: the letter's status and open deadline go in the same flush
    )
    send_request(session, ctx, box, letter, node, disposer_title="Mailflow")
    for copy in chosen.copies:
        target = target_of(rules, copy, today)
        mailer = ctx.mailer(box)
        fyi = new_node(
            session,
            id_of(letter),
            target,
            disposer=MAILFLOW,
            parent_id=node.id,
            instruction=mailer.say(target.email, Said.of("event.copy_instruction")),
            state=State.ARCHIVED,
            event_id=event_id,
        )
        disposer = mailer.say(target.email, Said.of("event.copy_disposer"))
        send_request(session, ctx, box, letter, fyi, disposer_title=disposer)
    return node
