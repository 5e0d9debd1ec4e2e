"""The pure decisions of follow-up: when a reminder or escalation is due, what a digest lists,
what a week counts. The server tests check the emails; these check the calendar arithmetic."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from mailflow.disposition.states import State
from mailflow.followup.digests import Holdings, sections_for
from mailflow.followup.escalation import levels_due
from mailflow.followup.reminders import reminder_due
from mailflow.followup.weekly import count_week, first_workday_of_week
from mailflow.office.calendar import Calendar
from mailflow.storage.models import Disposition, Event, Letter

CAL = Calendar()  # Monday to Friday, no holidays
MON, TUE, WED, THU, FRI = (dt.date(2026, 11, 23) + dt.timedelta(days=n) for n in range(5))
SAT = dt.date(2026, 11, 28)
ZONE = ZoneInfo("Asia/Jakarta")


def test_reminder_one_working_day_before_then_every_overdue_day() -> None:
    assert reminder_due(WED, TUE, CAL, before_days=1, every_days=1) == 0
    assert reminder_due(WED, MON, CAL, before_days=1, every_days=1) is None
    assert reminder_due(WED, WED, CAL, before_days=1, every_days=1) is None
    assert reminder_due(WED, THU, CAL, before_days=1, every_days=1) == 1
    assert reminder_due(WED, FRI, CAL, before_days=1, every_days=1) == 2
    assert reminder_due(WED, SAT, CAL, before_days=1, every_days=1) is None  # not on a weekend
    assert reminder_due(None, THU, CAL, before_days=1, every_days=1) is None


def test_overdue_reminders_follow_the_configured_cadence() -> None:
    days = [reminder_due(MON, MON + dt.timedelta(days=n), CAL, 1, 2) for n in range(1, 8)]
    # Tue..Fri are 1..4 working days late, then a weekend, then Mon=5: reminders on 1, 3 and 5.
    assert days == [1, None, 3, None, None, None, 5]


def test_escalation_levels_double() -> None:
    assert levels_due(1, step=2) == []
    assert levels_due(2, step=2) == [1]
    assert levels_due(3, step=2) == [1]
    assert levels_due(4, step=2) == [1, 2]


def _node(id: int, holder: str, state: State, parent: int | None = None, **kw: object) -> Disposition:
    return Disposition(
        id=id, letter_id=1, parent_id=parent, position_id="p", holder=holder, holder_name="N",
        holder_title="T", disposer="x", state=state, **kw,
    )  # fmt: skip


def test_digest_sections_from_one_read_of_the_tree() -> None:
    letter = Letter(id=1, office="D", year=2026, seq=1, agenda_number="001/SM/2026", subject_tag="x",
                    received_at=dt.datetime(2026, 11, 20, tzinfo=dt.UTC), subject="Rapat", mailbox="m",
                    clerk="c", message_id="<m>", fingerprint="f", raw_sha256="r")  # fmt: skip
    yesterday_noon = dt.datetime.combine(THU, dt.time(12), ZONE)
    root = _node(1, "kadis@x", State.DISPOSED)
    waiting = _node(2, "kadis@x", State.PENDING)
    child = _node(3, "sek@x", State.COMPLETED, parent=1, updated_at=yesterday_noon)
    late = _node(4, "sek@x", State.PENDING, parent=1, deadline=TUE)
    held = Holdings([root, waiting, late], {1: letter}, {1}, {1: [child]})
    kadis = sections_for("kadis@x", held, FRI, ZONE)
    assert [i.agenda for i in kadis["waiting"]] == ["001/SM/2026"]
    assert [i.completed_by for i in kadis["completed"]] == ["T (N)"]
    sek = sections_for("sek@x", held, FRI, ZONE)
    assert len(sek["unacknowledged"]) == 1 and [i.deadline for i in sek["overdue"]] == [TUE]
    assert not any(sections_for("nobody@x", held, FRI, ZONE).values())


def test_week_counts() -> None:
    at = dt.datetime(2026, 11, 17, 9, tzinfo=dt.UTC)
    events = [
        Event(letter_id=1, actor="a", action="registered", at=at),
        Event(letter_id=1, actor="a", action="disposed", at=at + dt.timedelta(hours=3)),
        Event(letter_id=1, actor="a", action="completed", at=at, deadline=at.date()),
        Event(letter_id=2, actor="a", action="completed", at=at, deadline=at.date() - dt.timedelta(days=1)),
    ]
    nodes = [_node(9, "s@x", State.PENDING, deadline=MON)]
    counts = count_week(events, nodes, {1: at}, {1: at + dt.timedelta(hours=3)}, WED)
    assert (counts.received, counts.disposed, counts.completed, counts.on_time, counts.overdue) == (
        1,
        1,
        2,
        1,
        1,
    )
    assert counts.first_hours == 3.0


def test_the_week_starts_on_its_first_working_day() -> None:
    assert first_workday_of_week(CAL, MON)
    assert not first_workday_of_week(CAL, TUE)
    holiday_monday = Calendar(holidays=frozenset({MON}))
    assert first_workday_of_week(holiday_monday, TUE)
