"""Sessions kept on the server (web/sessions.py), against a real database: a token signs in while
its row lives; sign-out, expiry, the idle timeout and leaving the chart end it; the table holds
no token; rows long ended are cleared at the next sign-in."""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlmodel import Session, select

from mailflow.storage.db import make_engine
from mailflow.storage.models import WebSession, utcnow
from mailflow.web.sessions import KEPT, open_session, revoke, revoke_unknown, session_address

IDLE = dt.timedelta(minutes=120)
DAY = dt.timedelta(hours=12)
KADIS, CLERK = "kadis@probolinggokab.example", "agenda@probolinggokab.example"


def _moved(engine, token: str, **moments: dt.timedelta) -> None:
    """The session's moments set back by `moments`, as if that much time had passed."""
    with Session(engine) as session:
        row = session.get(WebSession, hashlib.sha256(token.encode()).hexdigest())
        assert row is not None
        for name, by in moments.items():
            setattr(row, name, getattr(row, name) - by)
        session.add(row)
        session.commit()


def test_a_token_signs_in_until_sign_out(database_url):
    engine = make_engine(database_url)
    token = open_session(engine, KADIS, DAY)
    assert session_address(engine, token, IDLE) == KADIS
    with Session(engine) as session:
        [row] = session.exec(select(WebSession)).all()
    assert token not in (row.id, row.address) and row.expires_at - row.created_at == DAY
    assert session_address(engine, "another-token", IDLE) is None
    assert session_address(engine, row.id, IDLE) is None  # the stored hash is no token
    revoke(engine, token)
    assert session_address(engine, token, IDLE) is None


def test_expiry_and_idleness_end_a_session(database_url):
    engine = make_engine(database_url)
    expired, idle, busy = (open_session(engine, KADIS, DAY) for _ in range(3))
    _moved(engine, expired, expires_at=DAY)
    _moved(engine, idle, last_seen_at=IDLE)
    _moved(engine, busy, last_seen_at=IDLE - dt.timedelta(minutes=2))
    assert session_address(engine, expired, IDLE) is None
    assert session_address(engine, idle, IDLE) is None
    assert session_address(engine, busy, IDLE) == KADIS  # and it is seen now: idle from here
    _moved(engine, busy, last_seen_at=IDLE - dt.timedelta(minutes=2))
    assert session_address(engine, busy, IDLE) == KADIS


def test_those_who_left_the_chart_are_signed_out(database_url):
    engine = make_engine(database_url)
    kadis, clerk = open_session(engine, KADIS, DAY), open_session(engine, CLERK, DAY)
    assert revoke_unknown(engine, lambda address: address == KADIS) == 1
    assert session_address(engine, kadis, IDLE) == KADIS
    assert session_address(engine, clerk, IDLE) is None
    assert revoke_unknown(engine, lambda address: address == KADIS) == 0  # idempotent


def test_rows_long_ended_are_cleared_at_the_next_sign_in(database_url):
    engine = make_engine(database_url)
    old, recent = open_session(engine, KADIS, DAY), open_session(engine, KADIS, DAY)
    _moved(engine, old, expires_at=DAY + KEPT + dt.timedelta(minutes=1))
    _moved(engine, recent, expires_at=DAY + KEPT - dt.timedelta(minutes=1))
    open_session(engine, CLERK, DAY)
    with Session(engine) as session:
        rows = session.exec(select(WebSession)).all()
    assert len(rows) == 2 and all(r.expires_at > utcnow() - KEPT for r in rows)
