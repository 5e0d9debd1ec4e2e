"""Indonesian and English calendar dates as letters and clerks write them.

Our own rules cover the forms of the domain reference §7 (day-first numerics, Indonesian month
names and their three spellings of August, day names, "pukul 10.15"); dateparser, which knows
Indonesian, is the fallback for anything else. Numeric dates are always day-first.
"""

from __future__ import annotations

import datetime as dt
import re

MONTHS = {
    "januari": 1, "jan": 1, "january": 1,
    "februari": 2, "feb": 2, "pebruari": 2, "february": 2,
    "maret": 3, "mar": 3, "march": 3,
    "april": 4, "apr": 4,
    "mei": 5, "may": 5,
    "juni": 6, "jun": 6, "june": 6,
    "juli": 7, "jul": 7, "july": 7,
    "agustus": 8, "agt": 8, "ags": 8, "agu": 8, "aug": 8, "august": 8, "agust": 8,
    "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "okt": 10, "oct": 10, "october": 10,
    "november": 11, "nov": 11, "nopember": 11,
    "desember": 12, "des": 12, "dec": 12, "december": 12,
}  # fmt: skip

_MONTH_WORD = "|".join(sorted(MONTHS, key=len, reverse=True))
_NAMED = re.compile(rf"\b(\d{{1,2}})\s*[-\s.]?\s*({_MONTH_WORD})\.?\s*[-\s.,]?\s*(\d{{4}})\b", re.I)
_NAMED_EN = re.compile(rf"\b({_MONTH_WORD})\.?\s+(\d{{1,2}}),?\s+(\d{{4}})\b", re.I)
_NUMERIC = re.compile(r"\b(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})\b")
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


DATE_CHARS = 200  # a written date, with its place and day name, is far shorter


def _make(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def parse_date(text: str, *, fallback: bool = True) -> dt.date | None:
    """The first calendar date in `text`, or None when there is none we can be sure of."""
    text = " ".join(text.split())[:DATE_CHARS]
    if not text:
        return None
    if m := _ISO.search(text):
        return _make(int(m[1]), int(m[2]), int(m[3]))
    if m := _NAMED.search(text):
        return _make(int(m[3]), MONTHS[m[2].lower()], int(m[1]))
    if m := _NAMED_EN.search(text):
        return _make(int(m[3]), MONTHS[m[1].lower()], int(m[2]))
    if m := _NUMERIC.search(text):
        return _make(int(m[3]), int(m[2]), int(m[1]))
    if not fallback:
        return None
    return _dateparser(text)


def _dateparser(text: str) -> dt.date | None:
    import dateparser  # slow to import; only the rare odd form pays for it

    found = dateparser.parse(
        text[:200],
        languages=["id", "en"],
        settings={"DATE_ORDER": "DMY", "STRICT_PARSING": True, "REQUIRE_PARTS": ["day", "month"]},
    )
    return found.date() if found else None
