"""Deadlines as officials write them in a disposition line (pure).

Forms of reply-language.md: `batas 3 hari`, `paling lambat 3 hari`, `dalam 2 hari`, `3 hari kerja`,
`2x24 jam`, `batas 5 Desember`, `paling lambat tgl 5/12`, `sebelum 5 Des`, `hari ini`, `besok`,
`lusa`, `minggu depan`; `within 3 days`, `by Friday`, `by 5 Dec`, `deadline 2026-12-05`.
An office's deadlines run on working days: `3 hari`, `dalam 3 hari`, `2x24 jam`, `within 3 days`
and `3 hari kerja` all count working days; `3 hari kalender` counts calendar days (an end on a
weekend or holiday moves to the next working day). The lead words (`batas`, `paling lambat`,
`maks.`, `selambat-lambatnya`, `dlm`) belong to the deadline and leave the instruction with it.
Dates are day-first; a date without a year is the next such date.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from mailflow.domain import Said
from mailflow.office.calendar import Calendar
from mailflow.text.dates import MONTHS
from mailflow.text.lines import tidy

_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_LEAD = (
    r"(?:batas(?:\s+waktu)?|paling\s+lambat|selambat-lambatnya|sebelum|maks(?:imal|\.)?|deadline|due|by|"
    r"before|tenggat(?:\s+waktu)?|no\s+later\s+than)"
)
# Words before a count of days: "batas 3 hari", "dlm 2 hari", "within 3 days", "paling lambat 2x24 jam".
_COUNT_LEAD = rf"(?:(?:{_LEAD}|dalam|dlm|within|in)\s*[:.]?\s*(?:waktu\s*)?)"
_WEEKDAYS = {
    "senin": 0, "selasa": 1, "rabu": 2, "kamis": 3, "jumat": 4, "jum'at": 4, "sabtu": 5, "minggu": 6,
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
}  # fmt: skip

_CALENDAR_DAYS = re.compile(
    rf"(?:\b{_COUNT_LEAD})?\b(\d{{1,3}})\s*(?:hari\s+kalender|calendar\s+days?)\b", re.I
)
_WORKDAYS = re.compile(
    rf"(?:\b{_COUNT_LEAD})?\b(\d{{1,3}})\s*(?:hari\s+kerja|working\s+days?|business\s+days?)\b", re.I
)
_DAYS = re.compile(rf"\b{_COUNT_LEAD}(\d{{1,3}})\s*(?:hari|days?)\b", re.I)
_HOURS = re.compile(rf"(?:\b{_COUNT_LEAD})?\b(\d{{1,2}})\s*[x×]\s*24\s*jam\b", re.I)
_ISO = re.compile(rf"\b(?:{_LEAD}\s*)?(\d{{4}})-(\d{{2}})-(\d{{2}})\b", re.I)
_NUMERIC = re.compile(
    rf"\b{_LEAD}\s*(?:tanggal|tgl\.?)?\s*(\d{{1,2}})[/-](\d{{1,2}})(?:[/-](\d{{2,4}}))?\b", re.I
)
_NAMED = re.compile(
    rf"\b{_LEAD}\s*(?:tanggal|tgl\.?)?\s*(\d{{1,2}})\s+({_MONTH})\.?(?:\s+(\d{{4}}))?\b", re.I
)
_WEEKDAY = re.compile(rf"\b{_LEAD}\s*(?:hari\s+)?({'|'.join(_WEEKDAYS)})\b", re.I)
_RELATIVE_LEAD = rf"(?:\b{_LEAD}\s*[:.]?\s*)?"
_RELATIVE = {
    re.compile(rf"{_RELATIVE_LEAD}\b(hari ini|today)\b", re.I): 0,
    re.compile(rf"{_RELATIVE_LEAD}\b(besok|tomorrow)\b", re.I): 1,
    re.compile(rf"{_RELATIVE_LEAD}\blusa\b", re.I): 2,
    re.compile(rf"{_RELATIVE_LEAD}\b(minggu depan|next week)\b", re.I): 7,
}


@dataclass(frozen=True)
class Deadline:
    date: dt.date | None  # None: the line states no deadline
    rest: str  # the line with the deadline phrase taken out
    error: Said | None = None  # e.g. a date in the past: asked back, never applied


def _yearless(day: int, month: int, today: dt.date) -> dt.date | None:
    """This year's date; next year's once this year's is long past (a recent one stays, and is
    then reported as a deadline in the past)."""
    try:
        this_year = dt.date(today.year, month, day)
        if this_year >= today or (today - this_year).days <= 60:
            return this_year
        return dt.date(today.year + 1, month, day)
    except ValueError:
        return None


def _cut(text: str, m: re.Match[str]) -> str:
    return " ".join((text[: m.start()] + " " + text[m.end() :]).split()).strip(" ,.;")


def parse_deadline(text: str, today: dt.date, calendar: Calendar) -> Deadline:
    """Find one deadline phrase in `text`; return its date and the text without it."""
    text = tidy(text)
    if m := _CALENDAR_DAYS.search(text):
        return Deadline(calendar.next_workday(today + dt.timedelta(days=int(m[1]))), _cut(text, m))
    for pattern in (_WORKDAYS, _DAYS, _HOURS):
        if m := pattern.search(text):
            return Deadline(calendar.add_workdays(today, int(m[1])), _cut(text, m))
    date: dt.date | None = None
    found = None
    if m := _ISO.search(text):
        found = m
        try:
            date = dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return Deadline(None, text, Said.of("problem.not_a_date", text=m[0]))
    elif m := _NAMED.search(text):
        found = m
        day, month = int(m[1]), MONTHS[m[2].lower()]
        date = _dated(day, month, m[3], today)
    elif m := _NUMERIC.search(text):
        found = m
        date = _dated(int(m[1]), int(m[2]), m[3], today)
    elif m := _WEEKDAY.search(text):
        found = m
        ahead = (_WEEKDAYS[m[1].lower()] - today.weekday()) % 7 or 7
        date = today + dt.timedelta(days=ahead)
    else:
        for pattern, days in _RELATIVE.items():
            if m := pattern.search(text):
                return Deadline(today + dt.timedelta(days=days), _cut(text, m))
        return Deadline(None, text)
    if date is None:
        return Deadline(None, text, Said.of("problem.not_a_date", text=found[0]))
    if date < today:
        return Deadline(None, _cut(text, found), Said.of("problem.deadline_past", date=date))
    return Deadline(date, _cut(text, found))


def _dated(day: int, month: int, year: str | None, today: dt.date) -> dt.date | None:
    if year:
        full = int(year) + (2000 if len(year) == 2 else 0)
        try:
            return dt.date(full, month, day)
        except ValueError:
            return None
    return _yearless(day, month, today)
