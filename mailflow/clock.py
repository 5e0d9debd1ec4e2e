"""One clock for every view: instants are stored in UTC and shown in the office's time zone.

The database keeps UTC (SQLite hands it back without a zone); people read the office's wall
clock ("2026-11-25 09:15 WIB"), logs read ISO 8601 with the offset. Every view, document and log
goes through these helpers, so no screen shows the machine's zone or raw UTC.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

DEFAULT_ZONE = "Asia/Jakarta"  # config `timezone` unless set: WIB


def instant(moment: dt.datetime | str) -> dt.datetime:
    """A stored time as an aware instant; a stored time without a zone is UTC, never local."""
    value = dt.datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def office_moment(moment: dt.datetime | str, zone: ZoneInfo) -> dt.datetime:
    return instant(moment).astimezone(zone)


def local_time(moment: dt.datetime | str | None, zone: ZoneInfo, with_time: bool = True) -> str:
    """A stored UTC time as the office reads it: "2026-11-25 09:15 WIB" (WITA, WIT)."""
    if not moment:
        return "-"
    local = office_moment(moment, zone)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}" if with_time else f"{local:%Y-%m-%d}"


def office_today(zone: ZoneInfo, now: dt.datetime | None = None) -> dt.date:
    """The office's calendar date (not the machine's): a sheet printed at 06:00 WIB is dated that day."""
    return (now or dt.datetime.now(dt.UTC)).astimezone(zone).date()


def iso_offset(moment: dt.datetime, zone: ZoneInfo) -> str:
    """A log's time: ISO 8601 to the millisecond with the offset, "2026-12-02T05:35:07.003+07:00"."""
    return office_moment(moment, zone).isoformat(timespec="milliseconds")
