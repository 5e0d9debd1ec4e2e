"""How long each node of a tree waited for its holder's first answer, or has waited so far, as
people say it ("dijawab setelah 2 hari 3 jam", "menunggu 5 jam"): the same words on the letter's
page (web/pictures.py) and in the STATUS reply (disposition/status.py)."""

from __future__ import annotations

import datetime as dt

from mailflow.disposition.tree import TreeRow
from mailflow.domain import Said


def span(length: dt.timedelta) -> Said:
    """A wait as people say it: "2 hari 3 jam", "5 jam", "40 menit" (the catalogue's `span`)."""
    minutes = max(0, int(length.total_seconds() // 60))
    days, hours = minutes // (24 * 60), minutes // 60 % 24
    if days and hours:
        whole, part = Said.of("span.days", n=days), Said.of("span.hours", n=hours)
        return Said.of("span.days_hours", days=whole, hours=part)
    if days:
        return Said.of("span.days", n=days)
    if hours:
        return Said.of("span.hours", n=hours)
    return Said.of("span.minutes", n=minutes)


def waited(row: TreeRow, now: dt.datetime) -> Said | None:
    """How long the node waited for its holder's first answer, or has waited so far."""
    if row.received_at is None:
        return None
    if row.answered_at is None:
        return Said.of("web.waiting", span=span(now - row.received_at))
    return Said.of("web.answered_after", span=span(row.answered_at - row.received_at))
