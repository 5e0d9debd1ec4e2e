"""`mailflow offices`: each office of the regency at a glance (its mailboxes, this year's letters,
what is overdue, what is held, whether its mailboxes poll)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from mailflow.config import Settings
from mailflow.disposition.states import OPEN
from mailflow.office.regency import Regency
from mailflow.storage.models import Disposition, Letter, MailboxState, QuarantineItem


@dataclass(frozen=True)
class OfficeRow:
    code: str
    name: str
    mailboxes: tuple[str, ...]
    letters: int  # this year's, in its own book
    overdue: int  # letters with an open instruction past its deadline
    held: int  # quarantine items waiting for its admin
    failing: tuple[str, ...]  # its mailboxes whose polls fail now

    @property
    def healthy(self) -> bool:
        return bool(self.mailboxes) and not self.failing


def office_rows(engine: Engine, settings: Settings, regency: Regency, today: dt.date) -> list[OfficeRow]:
    """Four grouped queries for the whole regency, not four per office."""
    boxes: dict[str, list[str]] = {code: [] for code in regency.offices}
    for box in settings.mailboxes:
        if (code := regency.office_of_mailbox(box.address, box.office)) is not None:
            boxes[code].append(box.name)
    with Session(engine) as session:
        letters = dict(
            session.exec(
                select(Letter.office, func.count())
                .where(Letter.year == today.year)
                .group_by(col(Letter.office))
            ).all()
        )
        overdue = dict(
            session.exec(
                select(Letter.office, func.count(func.distinct(Letter.id)))
                .join(Disposition, col(Disposition.letter_id) == col(Letter.id))
                .where(col(Disposition.state).in_(OPEN), col(Disposition.deadline) < today)
                .group_by(col(Letter.office))
            ).all()
        )
        held = dict(
            session.exec(
                select(QuarantineItem.office, func.count())
                .where(QuarantineItem.status == "held")
                .group_by(col(QuarantineItem.office))
            ).all()
        )
        failing = {s.mailbox for s in session.exec(select(MailboxState)).all() if s.failing_since is not None}
    return [
        OfficeRow(
            code,
            rules.office_name,
            tuple(boxes[code]),
            letters.get(code, 0),
            overdue.get(code, 0),
            held.get(code, 0),
            tuple(b for b in boxes[code] if b in failing),
        )
        for code, rules in regency.offices.items()
    ]
