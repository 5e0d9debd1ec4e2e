"""Dates as people read them in Mailflow's mail: '2 Oktober 2017', '2 October 2017'."""

from __future__ import annotations

import datetime as dt

MONTHS_ID = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)


def date_id(value: dt.date | None) -> str:
    """'2 Oktober 2017', the way letters write dates."""
    if value is None:
        return "-"
    return f"{value.day} {MONTHS_ID[value.month - 1]} {value.year}"


def date_en(value: dt.date | None) -> str:
    """'2 October 2017', for officials who read English."""
    return "-" if value is None else f"{value.day} {value:%B %Y}"
