"""Held leases (inbound/leases.py) in the real database: workers claim disjoint shares, renew
them in one statement, let go of what is above their share, and take over a dead worker's
mailboxes once its leases expire; the live workers are counted by their heartbeats."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select, update

from mailflow.inbound import leases
from mailflow.ops import heartbeat
from mailflow.storage.db import make_engine, upgrade
from mailflow.storage.models import Heartbeat, MailboxLease, utcnow

BOXES = [f"box{n:03d}" for n in range(50)]


def owners(engine) -> dict[str, str]:
    with Session(engine) as session:
        return {lease.mailbox: lease.owner for lease in session.exec(select(MailboxLease))}


def test_the_share_is_the_ceiling_so_the_living_cover_every_mailbox():
    assert leases.share(2000, 8) == 250
    assert leases.share(2000, 7) == 286 and 7 * 286 >= 2000
    assert leases.share(5, 0) == 5  # no live worker counted yet (the first round): take all


def test_workers_claim_disjoint_shares_renew_them_and_let_go(database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    share = leases.share(len(BOXES), 3)
    held = {w: leases.claim(engine, w, BOXES, share, 30) for w in ("a", "b", "c")}
    assert [len(h) for h in held.values()] == [17, 17, 16]
    assert set().union(*held.values()) == set(BOXES)  # every mailbox held, by one worker
    assert leases.claim(engine, "d", BOXES, share, 30) == set()  # nothing free
    assert leases.acquire(engine, BOXES[0], "d", 30) is None  # a poll elsewhere is refused too
    # Renewal: one statement for the whole share; a row of "a" outside it (a poll's) is let go.
    leases.acquire(engine, "stray", "a", 30)
    assert leases.renew(engine, "a", held["a"], 30) == held["a"]
    assert "stray" not in owners(engine)
    # Above its share (a fourth worker came), "a" lets go of some; "d" claims exactly those.
    let = set(sorted(held["a"])[10:])
    leases.let_go(engine, "a", let)
    assert leases.claim(engine, "d", BOXES, 13, 30) == let
    assert leases.renew(engine, "a", held["a"], 30) == held["a"] - let


def test_a_dead_workers_mailboxes_are_claimed_once_its_leases_expire(database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    dead = leases.claim(engine, "dead", BOXES, 25, 30)
    alive = leases.claim(engine, "alive", BOXES, 25, 30)
    assert leases.claim(engine, "alive", BOXES, 25, 30) == set()  # not yet: "dead" may be slow
    with Session(engine) as session:
        session.exec(  # type: ignore[call-overload]
            update(MailboxLease)
            .where(MailboxLease.owner == "dead")  # type: ignore[arg-type]
            .values(expires_at=utcnow() - dt.timedelta(seconds=1))
        )
        session.commit()
    assert leases.claim(engine, "alive", BOXES, 25, 30) == dead
    assert set(owners(engine).values()) == {"alive"} and len(alive | dead) == len(BOXES)
    assert leases.renew(engine, "dead", dead, 30) == set()  # it woke up: they are no longer its own


def test_live_workers_are_those_beating_and_not_stopped(database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    for worker in ("a", "b", "c", "d"):
        heartbeat.start(engine, worker)
    heartbeat.stop(engine, "c")
    with Session(engine) as session:
        row = session.get(Heartbeat, "d")
        row.beat_at = utcnow() - dt.timedelta(seconds=60)  # killed a minute ago
        session.add(row)
        session.commit()
    assert heartbeat.alive(engine, 20) == 2
