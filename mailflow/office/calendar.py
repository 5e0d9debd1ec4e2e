"""Working days of an office: weekends and holidays from rules/calendar.toml (pure)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Calendar:
    workdays: frozenset[int] = frozenset(range(5))  # Monday=0 .. Friday=4
    holidays: frozenset[dt.date] = frozenset()
    deadline_days: dict[str, int] = field(default_factory=lambda: {"unknown": 5})

    def is_workday(self, day: dt.date) -> bool:
        return day.weekday() in self.workdays and day not in self.holidays

    def next_workday(self, day: dt.date) -> dt.date:
        """`day` itself when it is a working day, else the first working day after it."""
        for _ in range(400):
            if self.is_workday(day):
                return day
            day += dt.timedelta(days=1)
        return day

    def add_workdays(self, start: dt.date, days: int) -> dt.date:
        """The date `days` working days after `start` (start itself not counted)."""
        day = start
        remaining = days
        for _ in range(days * 7 + 400):
            if remaining <= 0:
                break
            day += dt.timedelta(days=1)
            if self.is_workday(day):
                remaining -= 1
        return day

    def default_deadline(self, start: dt.date, urgency: str | None) -> dt.date:
        days = self.deadline_days.get(urgency or "unknown", self.deadline_days.get("unknown", 5))
        return self.add_workdays(start, days)

    def workdays_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end` (0 when end <= start)."""
        count, day = 0, start
        while day < end:
            day += dt.timedelta(days=1)
            count += self.is_workday(day)
        return count
