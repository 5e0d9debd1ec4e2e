"""The morning digest: for each official, the letters waiting for their disposition, their
unanswered and overdue instructions, and what their subordinates finished yesterday."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from mailflow.context import Context
from mailflow.disposition.states import OPEN, State
from mailflow.office.model import Person
from mailflow.outbound import outbox
from mailflow.storage.events import log_event
from mailflow.storage.models import Disposition, Letter


@dataclass(frozen=True)
class DigestItem:
    letter_id: int
    agenda: str
    subject: str
    deadline: dt.date | None = None
    completed_by: str = ""


# The digest's sections, in the order the templates show them.
DIGEST_SECTIONS = ("waiting", "unacknowledged", "overdue", "completed")


@dataclass(frozen=True)
class Holdings:
    """What the digests of one pass are made of, read in three queries for every official."""

    nodes: list[Disposition]  # open or passed-on dispositions
    letters: dict[int, Letter]
    with_children: set[int]  # ids of the nodes above that have been disposed further
    completed: dict[int, list[Disposition]]  # parent id -> its completed children


def holdings(session: Session, office: str) -> Holdings:
    """What the officials of `office` hold open, on that office's letters."""
    nodes = list(
        session.exec(
            select(Disposition)
            .join(Letter, col(Letter.id) == col(Disposition.letter_id))
            .where(col(Disposition.state).in_([*OPEN, State.DISPOSED]), Letter.office == office)
        ).all()
    )
    ids = [n.id for n in nodes]
    letters = {
        letter.id: letter
        for letter in session.exec(
            select(Letter).where(col(Letter.id).in_({n.letter_id for n in nodes}))
        ).all()
        if letter.id is not None
    }
    children = session.exec(select(Disposition).where(col(Disposition.parent_id).in_(ids))).all()
    completed: dict[int, list[Disposition]] = {}
    for child in children:
        if child.state == State.COMPLETED and child.parent_id is not None:
            completed.setdefault(child.parent_id, []).append(child)
    return Holdings(nodes, letters, {c.parent_id for c in children if c.parent_id is not None}, completed)


def sections_for(email: str, held: Holdings, today: dt.date, zone: ZoneInfo) -> dict[str, list[DigestItem]]:
    """The digest of the official at `email` (pure)."""
    yesterday = today - dt.timedelta(days=1)
    sections: dict[str, list[DigestItem]] = {name: [] for name in DIGEST_SECTIONS}
    for node in (n for n in held.nodes if n.holder == email):
        letter = held.letters[node.letter_id]
        item = DigestItem(node.letter_id, letter.agenda_number, letter.subject or "-", node.deadline)
        if node.state == State.PENDING and node.parent_id is None and node.id not in held.with_children:
            sections["waiting"].append(item)
        elif node.state == State.PENDING and node.parent_id is not None:
            sections["unacknowledged"].append(item)
        if node.state in OPEN and node.deadline and node.deadline < today:
            sections["overdue"].append(item)
        if node.state == State.DISPOSED and node.id is not None:
            for child in held.completed.get(node.id, []):
                if child.updated_at.astimezone(zone).date() == yesterday:
                    by = f"{child.holder_title} ({child.holder_name})"
                    sections["completed"].append(
                        DigestItem(
                            node.letter_id, letter.agenda_number, letter.subject or "-", completed_by=by
                        )
                    )
    return sections


def _mentioned(sections: dict[str, list[DigestItem]]) -> Iterable[tuple[int, list[str]]]:
    where: dict[int, list[str]] = {}
    for name, items in sections.items():
        for item in items:
            where.setdefault(item.letter_id, []).append(name)
    return where.items()


def send_digest(session: Session, ctx: Context, person: Person, held: Holdings, today: dt.date) -> bool:
    """Queue `person`'s digest for today unless it is empty or queued already; True when queued."""
    key = f"digest:{ctx.keyed(person.email)}:{today.isoformat()}"
    if outbox.already_queued(session, key):
        return False
    sections = sections_for(person.email, held, today, ctx.settings.zone)
    if not any(sections.values()):
        return False
    mail = ctx.mailer().notice(person.email, "digest", person=person.name, today=today, sections=sections)
    outbox.enqueue(session, mail, "digest", dedupe_key=key)
    for letter_id, where in _mentioned(sections):
        log_event(
            session,
            letter_id=letter_id,
            action="digested",
            targets=[person.email],
            facts={"sections": list(dict.fromkeys(where))},  # worded when shown
        )
    return True
