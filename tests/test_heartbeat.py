"""Heartbeat rows (ops/heartbeat.py) in the real database: one per worker, beaten, marked stopped,
and the rows of workers gone for a week forgotten when a worker starts."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from mailflow.ops import heartbeat
from mailflow.storage.db import make_engine, upgrade
from mailflow.storage.models import Heartbeat, utcnow


def rows(engine) -> dict[str, Heartbeat]:
    with Session(engine) as session:
        return {h.worker: h for h in session.exec(select(Heartbeat))}


def test_beats_stops_and_forgets_workers_gone_for_a_week(database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    heartbeat.start(engine, "old")
    heartbeat.start(engine, "recent")
    with Session(engine) as session:
        for name, days in (("old", 8), ("recent", 6)):
            row = session.get(Heartbeat, name)
            row.beat_at = utcnow() - dt.timedelta(days=days)
            session.add(row)
        session.commit()
    heartbeat.start(engine, "new")
    assert set(rows(engine)) == {"recent", "new"}  # a week and a day: forgotten
    before = rows(engine)["new"].beat_at
    heartbeat.beat(engine, "new")
    heartbeat.stop(engine, "recent")
    after = rows(engine)
    assert after["new"].beat_at > before and after["new"].stopped_at is None
    assert after["recent"].stopped_at is not None
    assert heartbeat.period(60) == 10 and heartbeat.period(1) == 1  # never staler than the rule allows
