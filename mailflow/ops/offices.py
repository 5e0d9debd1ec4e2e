"""`mailflow offices`: each office of the regency at a glance (its mailboxes, this year's letters,
what is overdue, what is held, whether its mailboxes poll and the service runs)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from mailflow.config import Settings
from mailflow.disposition.states import OPEN
from mailflow.domain import Said
from mailflow.office.regency import Regency
from mailflow.ops.verdict import State, Verdict
from mailflow.storage.models import Disposition, HeldStatus, Letter, QuarantineItem


@dataclass(frozen=True)
class OfficeRow:
    code: str
    name: str
    mailboxes: tuple[str, ...]
    letters: int  # this year's, in its own book
    overdue: int  # letters with an open instruction past its deadline
    held: int  # quarantine items waiting for its admin
    health: State  # the verdict of `mailflow status` on its mailboxes and the service
    problems: tuple[Said, ...]  # what makes it less than OK, the worst first

    @property
    def healthy(self) -> bool:
        return bool(self.mailboxes) and self.health is State.OK


def office_rows(
    engine: Engine, settings: Settings, regency: Regency, today: dt.date, found: Verdict
) -> list[OfficeRow]:
    """Three grouped queries for the whole regency, not three per office; health is the verdict
    `mailflow status` gives (`found`), so both tell the same truth."""
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
                .where(QuarantineItem.status == HeldStatus.HELD)
                .group_by(col(QuarantineItem.office))
            ).all()
        )
    return [
        OfficeRow(
            code,
            rules.office_name,
            tuple(boxes[code]),
            letters.get(code, 0),
            overdue.get(code, 0),
            held.get(code, 0),
            found.of_mailboxes(tuple(boxes[code])),
            tuple(f.said for f in found.findings if f.mailbox is None or f.mailbox in boxes[code]),
        )
        for code, rules in regency.offices.items()
    ]
