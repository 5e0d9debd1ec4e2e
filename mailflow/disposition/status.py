"""Where a letter is, told to an official who asks (`Status`, or `STATUS 001/SM/2026`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlmodel import Session, col, select

from mailflow.config import MailboxSettings
from mailflow.context import Context
from mailflow.disposition.request import today_in
from mailflow.disposition.states import State
from mailflow.disposition.tree import letter_status, tree_rows
from mailflow.disposition.waits import waited
from mailflow.domain import Said
from mailflow.office.model import Rules
from mailflow.outbound import outbox
from mailflow.registry.queries import find_letter
from mailflow.storage.models import Disposition, Letter, utcnow
from mailflow.text.message import ParsedMessage

CONFIDENTIAL = frozenset({"rahasia", "sangat rahasia"})


def may_see(rules: Rules, letter: Letter, nodes: Sequence[Disposition], asker: str, today: dt.date) -> bool:
    """Who may ask where a letter is: whoever holds or gave a disposition of it, whoever holds
    (or acts for) a position above one that did, and clerks. A confidential letter is shown to
    its tree and the clerk who filed it only."""
    person = rules.person_by_address(asker)
    mine = set(person.addresses) if person else {asker.lower()}
    if any(n.holder in mine or n.disposer in mine for n in nodes) or asker == letter.clerk:
        return True
    held_today = {p for p in rules.positions if rules.holder(p, today).person.email in mine}
    for node in nodes:
        position = rules.positions.get(node.position_id)
        if node.position_id in held_today:
            return True
        while position is not None and position.reports_to is not None:
            if position.reports_to in held_today and letter.security not in CONFIDENTIAL:
                return True
            position = rules.positions.get(position.reports_to)
    return rules.clerk(asker) is not None and letter.security not in CONFIDENTIAL


def send_status(
    session: Session,
    ctx: Context,
    box: MailboxSettings,
    letter: Letter,
    node: Disposition | None,
    answering: ParsedMessage,
) -> None:
    """The status, answerable with the reader's own reply code when they hold `node`; otherwise
    (a supervisor or clerk without a part in the letter) a notice without a code."""
    key = letter_status(session, letter)
    tree = tree_rows(session, letter, today_in(ctx))
    now = utcnow()
    values: dict[str, Any] = {
        "status_key": key,
        "tree": tree,
        "waits": [waited(row, now) for row in tree],  # each node's wait, as the letter's page says it
    }
    mailer = ctx.mailer(box)
    if node is not None:
        mail = mailer.to_official(letter, node, "status", answering=answering, **values)
        outbox.enqueue(session, mail, "status", letter.id, node.id)
        return
    reader = answering.from_address
    person = ctx.rules.person_by_address(reader)
    name = person.name if person else ""
    mail = mailer.to_reader(letter, reader, "status", answering=answering, holder_name=name, **values)
    outbox.enqueue(session, mail, "status", letter.id)


def request_status(
    session: Session, ctx: Context, box: MailboxSettings, message: ParsedMessage, agenda: str
) -> int | None:
    """Answer "STATUS 001/SM/2026". An unknown number and a letter that is not the asker's get
    the same answer, so that asking never confirms that a letter exists."""
    letter = find_letter(session, agenda, [ctx.rules.office_code])  # the office's own book only
    nodes = (
        session.exec(
            select(Disposition).where(Disposition.letter_id == letter.id).order_by(col(Disposition.id))
        ).all()
        if letter
        else []
    )
    asker = message.from_address
    if letter is None or not may_see(ctx.rules, letter, nodes, asker, today_in(ctx)):
        mail = ctx.mailer(box).reply(
            asker,
            "held",
            answering=message,
            subject=message.subject,
            mailbox=box.address,
            reason_text=Said.of("status.not_found", agenda=agenda),
            hint=Said.of("status.hint"),
        )
        outbox.enqueue(session, mail, "status")
        return None
    person = ctx.rules.person_by_address(asker)
    mine = set(person.addresses) if person else {asker}
    own = next((n for n in reversed(nodes) if n.holder in mine and n.state != State.CANCELLED), None)
    send_status(session, ctx, box, letter, own, message)
    return letter.id
