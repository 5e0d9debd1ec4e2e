"""The heartbeat of a `mailflow run` worker: one row per worker, written by its scheduler every
few seconds and marked stopped on a clean exit. A process list on one machine cannot see the
workers of another; the shared database can, and a row that stopped changing is a worker that
stopped working, whether it exited, was killed or hangs."""

from __future__ import annotations

import datetime as dt
import os
import socket

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, delete, func, select

from mailflow.storage.db import transaction
from mailflow.storage.models import Heartbeat, utcnow

# Beats at least this often, and at least once per poll interval, so a heartbeat is never
# staler than the rule `mailflow status` applies (three poll intervals) while the worker lives.
MAX_PERIOD = 10.0
# Rows of workers gone for longer than this are dropped when a worker starts.
FORGET_AFTER = dt.timedelta(days=7)


def period(poll_interval: float) -> float:
    """Seconds between two beats of one worker."""
    return min(poll_interval, MAX_PERIOD)


def start(engine: Engine, worker: str) -> None:
    """This worker's row, fresh; and the rows of workers long gone forgotten."""
    now = utcnow()
    with transaction(engine) as session:
        session.exec(delete(Heartbeat).where(col(Heartbeat.beat_at) < now - FORGET_AFTER))
        session.merge(
            Heartbeat(worker=worker, host=socket.gethostname(), pid=os.getpid(), started_at=now, beat_at=now)
        )


def beat(engine: Engine, worker: str) -> None:
    with transaction(engine) as session:
        row = session.get(Heartbeat, worker)
        if row is None:  # forgotten meanwhile (its worker hung for a week): written again
            row = Heartbeat(worker=worker, host=socket.gethostname(), pid=os.getpid())
        row.beat_at, row.stopped_at = utcnow(), None
        session.add(row)


def alive(engine: Engine, within: float) -> int:
    """How many workers beat in the last `within` seconds and did not stop: the divisor of the
    mailboxes' shares (ops.holdings)."""
    since = utcnow() - dt.timedelta(seconds=within)
    with Session(engine) as session:
        return session.exec(
            select(func.count())
            .select_from(Heartbeat)
            .where(col(Heartbeat.beat_at) >= since, col(Heartbeat.stopped_at).is_(None))
        ).one()


def stop(engine: Engine, worker: str) -> None:
    """A clean exit: `status` says the service was stopped, at once, not after the beats go stale."""
    with transaction(engine) as session:
        row = session.get(Heartbeat, worker)
        if row is not None:
            row.stopped_at = utcnow()
            session.add(row)
