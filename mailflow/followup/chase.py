"""Reminders and escalations share one way of being sent: queued once under their outbox key,
logged on the letter, and named in the service log."""

from __future__ import annotations

import logging
from email.message import Message

from sqlmodel import Session

from mailflow.outbound import outbox
from mailflow.storage.events import log_event
from mailflow.storage.models import Disposition, Letter

log = logging.getLogger(__name__)

CHASE_KINDS = {"reminded": "reminder", "escalated": "escalation"}  # event action -> outbox kind


def chase(
    session: Session,
    letter: Letter,
    node: Disposition,
    mail: Message,
    action: str,
    answerable_id: int | None,
    key: str,
    **logged: object,
) -> str:
    """Queue a reminder or escalation about `node` and log it on the letter; returns what was done.

    The log entry holds facts (instruction, deadline), not sentences: `letter show` words the
    action in the reader's language."""
    to = mail["To"]
    outbox.enqueue(session, mail, CHASE_KINDS[action], letter.id, answerable_id, dedupe_key=key)
    log_event(
        session,
        letter_id=letter.id,
        action=action,
        targets=[to],
        instruction=node.instruction or None,
        deadline=node.deadline,
    )
    if session.info.get("rehearsal"):  # a dry run: nothing was done, so nothing is logged
        return f"{letter.agenda_number}:{to}"
    fields = "".join(f" {name}=%s" for name in logged)  # each its own field, typed in JSON
    log.info(
        "event=%s agenda=%s to=%s" + fields + " message_id=%s",
        action,
        letter.agenda_number,
        to,
        *logged.values(),
        mail["Message-ID"],
    )
    return f"{letter.agenda_number}:{to}"
