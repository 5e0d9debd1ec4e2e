"""The idle timeout at its smallest (`session_idle_minutes = 1`): an official busy every 40
seconds stays signed in; the session used to end after one minute however busy they were,
because `last_seen_at` was written at most once a minute."""

from __future__ import annotations

import datetime as dt

from mailflow.storage.db import make_engine
from mailflow.web.sessions import open_session, session_address
from tests.test_web_sessions import DAY, KADIS, _moved

MINUTE = dt.timedelta(minutes=1)


def test_a_busy_official_outlives_a_one_minute_idle_timeout(database_url):
    engine = make_engine(database_url)
    token = open_session(engine, KADIS, DAY)
    for _ in range(4):  # 160 seconds of a page every 40
        _moved(engine, token, last_seen_at=dt.timedelta(seconds=40), created_at=dt.timedelta(seconds=40))
        assert session_address(engine, token, MINUTE) == KADIS
    _moved(engine, token, last_seen_at=MINUTE)
    assert session_address(engine, token, MINUTE) is None  # idle a whole minute: ended
