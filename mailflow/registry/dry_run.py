"""`mailflow rules test MESSAGE.eml`: what Mailflow would do with a message, without doing it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from mailflow.domain import FIELD_NAMES, LetterFields
from mailflow.office.model import Holder, Rules
from mailflow.office.routing import LetterFacts, Route, route
from mailflow.text.fields import extract_fields, letter_files
from mailflow.text.message import ParsedMessage
from mailflow.text.pdf import letter_pdf_texts

Role = Literal["clerk", "official", "outside"]  # what a message from this sender is


@dataclass(frozen=True)
class Explanation:
    sender_role: Role
    fields: LetterFields
    route: Route
    holder: Holder
    deadline: dt.date


def explain(
    message: ParsedMessage, rules: Rules, mailbox_name: str, mailbox_address: str, today: dt.date
) -> Explanation:
    """Fields as they would be filed, and the routing rule that would fire, with its reasons."""
    role: Role
    if rules.clerk(message.from_address):
        role = "clerk"
    elif rules.person_by_address(message.from_address):
        role = "official"
    else:
        role = "outside"
    files = letter_files(message)
    pdfs = letter_pdf_texts(files)
    fields = extract_fields(message, pdfs, direct=rules.clerk(message.from_address) is None)
    unit = rules.unit_for_mailbox(mailbox_address) or next(iter(rules.units.values()))
    values = {name: getattr(fields, name) for name in FIELD_NAMES}
    facts = LetterFacts(
        mailbox_name,
        values["sender"] or "",
        values["subject"] or "",
        values["classification"] or "",
        str(values["urgency"] or ""),
        str(values["security"] or ""),
    )
    chosen = route(rules.routing, facts, unit.head)
    deadline = (
        rules.calendar.add_workdays(today, chosen.deadline_days)
        if chosen.deadline_days
        else rules.calendar.default_deadline(today, facts.urgency or None)
    )
    return Explanation(role, fields, chosen, rules.holder(chosen.to, today), deadline)
