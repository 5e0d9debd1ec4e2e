"""Deadlines as officials write them in a disposition line (pure).

Forms of reply-language.md: `batas 3 hari`, `paling lambat 3 hari`, `dalam 2 hari`, `3 hari kerja`,
`2x24 jam`, `batas 5 Desember`, `paling lambat tgl 5/12`, `sebelum 5 Des`, `hari ini`, `besok`,
`lusa`, `minggu depan`; `within 3 days`, `by Friday`, `by 5 Dec`, `deadline 2026-12-05`; and the
phone spellings `s.d. 19 Feb`, `sd tgl 12`, `selambat2nya tgl 12/2`, `sblm tgl 18` (a day without a
month: the next such day), `akhir bulan`, `pekan depan`.
An office's deadlines run on working days: `3 hari`, `dalam 3 hari`, `2x24 jam`, `within 3 days`
and `3 hari kerja` all count working days; `3 hari kalender` counts calendar days (an end on a
weekend or holiday moves to the next working day). The lead words (`batas`, `paling lambat`,
`maks.`, `selambat-lambatnya`, `dlm`) belong to the deadline and leave the instruction with it.
Dates are day-first; a date without a year is the next such date.

Every form is one entry of `_FORMS`: the pattern that finds it and the reader that turns its match
into a date, so a deadline is found and read once, the same way. A phrase that looks like a
deadline but matches no form (`_HINT`) is reported, never replaced by the default in silence.
A general date parser (dateparser) was weighed: it knows neither working days nor the phone
spellings, and guesses where the contract wants a question.
"""

from __future__ import annotations

import calendar as months
import datetime as dt
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass

from mailflow.domain import Said
from mailflow.office.calendar import Calendar
from mailflow.text.dates import MONTHS
from mailflow.text.lines import tidy

_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_LEAD = (
    r"(?:batas(?:\s+waktu)?|paling\s+lambat|plg\s+lambat|selambat-lambatnya|selambat2nya|selambatnya|"
    r"sebelum|sblm|maks(?:imal|\.)?|max\.?|deadline|due|by|before|tenggat(?:\s+waktu)?|no\s+later\s+than|"
    r"s\.\s?d\.?|s/d|sd|sampai(?:\s+dengan)?|until)"
)
_DAY_WORD = r"(?:tanggal|tgl\.?)"
# A count spelt out beside its figure, as letters write it: "2 (dua) hari", "3 (tiga) hari kerja".
_SPELT = r"(?:\s*\(\s*[a-z]{2,12}(?:\s[a-z]{2,12})?\s*\))?"
# Words before a count of days: "batas 3 hari", "dlm 2 hari", "within 3 days", "paling lambat 2x24 jam".
_COUNT_LEAD = rf"(?:(?:{_LEAD}|dalam|dlm|within|in)\s*[:.]?\s*(?:waktu\s*)?)"
_WEEKDAYS = {
    "senin": 0, "selasa": 1, "rabu": 2, "kamis": 3, "jumat": 4, "jum'at": 4, "sabtu": 5, "minggu": 6,
    "jumaat": 4, "senen": 0, "rebo": 2, "kemis": 3,
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
}  # fmt: skip
# "minggu depan", "minggu kedua": a week, not a Sunday.
_DAY_NAMES = "|".join(
    rf"{day}(?!\s+(?:depan|ini|lalu|kedua|ketiga|keempat|pertama|terakhir)\b)" if day == "minggu" else day
    for day in _WEEKDAYS
)
# The part of the day after a day word belongs to the deadline: "besok pagi", "hari ini sore".
_DAYTIME = r"(?:\s+(?:pagi|siang|sore|malam|morning|afternoon|evening))?"
_RELATIVE_LEAD = rf"(?:\b{_LEAD}\s*[:.]?\s*)?"


@dataclass(frozen=True)
class Deadline:
    date: dt.date | None  # None: the line states no deadline
    rest: str  # the line with the deadline phrase taken out
    error: Said | None = None  # e.g. a date in the past: asked back, never applied
    near: bool = False  # read from a misspelt month or day name: to be proposed, not applied


class _Unreadable(ValueError):
    """A deadline's shape with no date in it ("31/2"): asked back."""


class _NotThis(ValueError):
    """The form matched words that are not its date ("tgl 4 Dsember" is no bare day of month)."""


def _close(word: str, names: dict[str, int]) -> int | None:
    """A misspelt month or day name: "Dsember", "Decembr", "Jumaatt"."""
    found = difflib.get_close_matches(word.lower(), list(names), n=1, cutoff=0.75)
    return names[found[0]] if found else None


def _yearless(day: int, month: int, today: dt.date) -> dt.date:
    """This year's date; next year's once this year's is long past (a recent one stays, and is
    then reported as a deadline in the past)."""
    try:
        this_year = dt.date(today.year, month, day)
        if this_year >= today or (today - this_year).days <= 60:
            return this_year
        return dt.date(today.year + 1, month, day)
    except ValueError as error:
        raise _Unreadable from error


def _dated(day: int, month: int, year: str | None, today: dt.date) -> dt.date:
    if not year:
        return _yearless(day, month, today)
    try:
        return dt.date(int(year) + (2000 if len(year) == 2 else 0), month, day)
    except ValueError as error:
        raise _Unreadable from error


def _day_of_month(m: re.Match[str], today: dt.date, calendar: Calendar) -> dt.date:
    """ "sblm tgl 18": the next 18th, this month or the next."""
    if m[2] and _close(m[2], MONTHS) is not None:
        raise _NotThis
    day = int(m[1])
    year, month = today.year, today.month
    for _ in range(3):
        if day <= months.monthrange(year, month)[1] and dt.date(year, month, day) >= today:
            return dt.date(year, month, day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    raise _Unreadable


def _month_end(today: dt.date, calendar: Calendar) -> dt.date:
    """ "akhir bulan": the month's last working day."""
    day = dt.date(today.year, today.month, months.monthrange(today.year, today.month)[1])
    while not calendar.is_workday(day) and day > today:
        day -= dt.timedelta(days=1)
    return day


def _iso(m: re.Match[str], today: dt.date, calendar: Calendar) -> dt.date:
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError as error:
        raise _Unreadable from error


def _weekday(m: re.Match[str], today: dt.date, calendar: Calendar) -> dt.date:
    ahead = (_WEEKDAYS[m[1].lower()] - today.weekday()) % 7 or 7
    return today + dt.timedelta(days=ahead)


def _days_ahead(days: int) -> Callable[[re.Match[str], dt.date, Calendar], dt.date]:
    return lambda m, today, calendar: today + dt.timedelta(days=days)


def _close_date(m: re.Match[str], today: dt.date, calendar: Calendar) -> dt.date:
    month = _close(m[2], MONTHS)
    if month is None:
        raise _NotThis
    return _dated(int(m[1]), month, None, today)


def _close_weekday(m: re.Match[str], today: dt.date, calendar: Calendar) -> dt.date:
    day = _close(m[1], _WEEKDAYS)
    if day is None:
        raise _NotThis
    return today + dt.timedelta(days=(day - today.weekday()) % 7 or 7)


_Reader = Callable[[re.Match[str], dt.date, Calendar], dt.date]
# In order: the first form found in a line is its deadline.
_FORMS: tuple[tuple[re.Pattern[str], _Reader], ...] = (
    (
        re.compile(
            rf"(?:\b{_COUNT_LEAD})?\b(\d{{1,3}}){_SPELT}\s*(?:hari\s+kalender|calendar\s+days?)\b", re.I
        ),
        lambda m, today, cal: cal.next_workday(today + dt.timedelta(days=int(m[1]))),
    ),
    (
        re.compile(
            rf"(?:\b{_COUNT_LEAD})?\b(\d{{1,3}}){_SPELT}\s*(?:(?:hari|hr|hri)\s+(?:kerja|krj)|hk|working\s+days?|business\s+days?)\b",
            re.I,
        ),
        lambda m, today, cal: cal.add_workdays(today, int(m[1])),
    ),
    (
        re.compile(rf"\b{_COUNT_LEAD}(\d{{1,2}}){_SPELT}\s*(?:minggu|pekan|weeks?)\b", re.I),
        lambda m, today, cal: cal.next_workday(today + dt.timedelta(weeks=int(m[1]))),
    ),
    (
        re.compile(rf"\b{_COUNT_LEAD}(\d{{1,3}}){_SPELT}\s*(?:hari|hr|days?)\b", re.I),
        lambda m, today, cal: cal.add_workdays(today, int(m[1])),
    ),
    (
        re.compile(rf"(?:\b{_COUNT_LEAD})?\b(\d{{1,2}})\s*[x×]\s*24\s*jam\b", re.I),
        lambda m, today, cal: cal.add_workdays(today, int(m[1])),
    ),
    (re.compile(rf"\b(?:{_LEAD}\s*)?(\d{{4}})-(\d{{2}})-(\d{{2}})\b", re.I), _iso),
    (
        re.compile(
            rf"\b{_LEAD}\s*(?:hari\s+)?(?:{_DAY_NAMES})\s*,?\s*{_DAY_WORD}?\s*(\d{{1,2}})\s+({_MONTH})\.?"
            rf"(?:\s+(\d{{4}}))?\b",
            re.I,
        ),
        lambda m, today, cal: _dated(int(m[1]), MONTHS[m[2].lower()], m[3], today),
    ),
    (
        re.compile(rf"\b{_LEAD}\s*({_MONTH})\.?\s+(\d{{1,2}})(?:,?\s+(\d{{4}}))?\b(?![/.-]\d)", re.I),
        lambda m, today, cal: _dated(int(m[2]), MONTHS[m[1].lower()], m[3], today),
    ),
    (
        re.compile(rf"\b{_LEAD}\s*{_DAY_WORD}?\s*(\d{{1,2}})\s+({_MONTH})\.?(?:\s+(\d{{4}}))?\b", re.I),
        lambda m, today, cal: _dated(int(m[1]), MONTHS[m[2].lower()], m[3], today),
    ),
    (
        re.compile(rf"\b{_LEAD}\s*{_DAY_WORD}?\s*(\d{{1,2}})[/-](\d{{1,2}})(?:[/-](\d{{2,4}}))?\b", re.I),
        lambda m, today, cal: _dated(int(m[1]), int(m[2]), m[3], today),
    ),
    (
        re.compile(rf"\b{_LEAD}\s*{_DAY_WORD}\s*(\d{{1,2}})\b(?![/.-]\d)(?:\s+([A-Za-z]{{3,10}})\b)?", re.I),
        _day_of_month,
    ),
    (re.compile(rf"\b{_LEAD}\s*(?:hari\s+)?({_DAY_NAMES})\b(?:\s+depan\b)?", re.I), _weekday),
    (re.compile(rf"{_RELATIVE_LEAD}\b(hari ini|today)\b{_DAYTIME}", re.I), _days_ahead(0)),
    (
        re.compile(
            rf"{_RELATIVE_LEAD}\b(?:(?:pagi|siang|sore|malam) ini|nanti (?:pagi|siang|sore|malam)|"
            r"this (?:morning|afternoon|evening)|tonight|eod|end of (?:the )?day)\b",
            re.I,
        ),
        _days_ahead(0),
    ),
    (re.compile(rf"{_RELATIVE_LEAD}\b(besok|tomorrow)\b{_DAYTIME}", re.I), _days_ahead(1)),
    (re.compile(rf"{_RELATIVE_LEAD}\blusa\b{_DAYTIME}", re.I), _days_ahead(2)),
    (re.compile(rf"{_RELATIVE_LEAD}\b(minggu depan|pekan depan|next week)\b", re.I), _days_ahead(7)),
    (
        re.compile(rf"{_RELATIVE_LEAD}\b(akhir bulan(?: ini)?|end of (?:the )?month)\b", re.I),
        lambda m, today, cal: _month_end(today, cal),
    ),
)
# Forms read only near: a misspelt month or day name. Proposed, never applied as they stand.
_CLOSE_FORMS: tuple[tuple[re.Pattern[str], _Reader], ...] = (
    (re.compile(rf"\b{_LEAD}\s*{_DAY_WORD}?\s*(\d{{1,2}})\s+([A-Za-z]{{3,10}})\b", re.I), _close_date),
    (re.compile(rf"\b{_LEAD}\s*(?:hari\s+)?([A-Za-z']{{4,9}})\b", re.I), _close_weekday),
)
# What still looks like a deadline once no form matched: a deadline word, or a "before" word in
# front of a date-ish word ("sd" alone is too often a school, "by" too often a person).
_HINT = re.compile(
    rf"\b(?:batas|paling\s+lambat|plg\s+lambat|selambat\S*|deadline|tenggat|"
    rf"(?:sebelum|sblm|s\.\s?d\.?|s/d|before|until)\s*(?:{_DAY_WORD}|\d|(?:{_MONTH}|{'|'.join(_WEEKDAYS)})\b))",
    re.I,
)

# "As soon as possible" in its spellings: a deadline the official meant but gave no date for. Read
# near, as today, and proposed: never replaced by the default in silence.
_URGENT = re.compile(
    r"\b(?:asap|secepatnya|secepat\s+mungkin|sesegera\s+mungkin|segera|sgr|urgent|immediately|"
    r"as\s+soon\s+as\s+possible)\b",
    re.I,
)


def _cut(text: str, m: re.Match[str]) -> str:
    return " ".join((text[: m.start()] + " " + text[m.end() :]).split()).strip(" ,.;")


def parse_deadline(text: str, today: dt.date, calendar: Calendar) -> Deadline:
    """Find one deadline phrase in `text`; return its date and the text without it."""
    text = tidy(text)
    for forms, near in ((_FORMS, False), (_CLOSE_FORMS, True)):
        for pattern, read in forms:
            if not (m := pattern.search(text)):
                continue
            try:
                date = read(m, today, calendar)
            except _NotThis:
                continue
            except _Unreadable:
                return Deadline(None, text, Said.of("problem.not_a_date", text=m[0].strip()))
            if date < today:
                return Deadline(None, _cut(text, m), Said.of("problem.deadline_past", date=date))
            return Deadline(date, _cut(text, m), near=near)
    if m := _HINT.search(text):
        return Deadline(None, text, Said.of("problem.unread_deadline", text=text[m.start() :][:40].strip()))
    if _URGENT.search(text):
        return Deadline(today, text, near=True)
    return Deadline(None, text)
