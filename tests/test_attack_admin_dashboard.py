"""The dashboard against the letters its reader may open: every letter counted (by state, and
under a late official) should be one the reader could open from the book. The office's admin
(neither clerk nor head) and the head, for a letter without a disposition yet, are counted
letters they cannot open."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlmodel import Session, select

from mailflow.storage.models import Letter
from mailflow.web.lists import dashboard
from mailflow.web.reader import reader_for
from mailflow.web.scope import visible
from tests.test_web_scope import DOMAIN, REGENCY, SETTINGS, TODAY, _world


@pytest.mark.xfail(
    strict=True,
    reason="by design the dashboard counts every non-confidential letter of the office (web/scope.counted: "
    "'a head oversees every position'), but an admin who is not a clerk or the head opens none of them, "
    "and the head cannot open a letter with no disposition yet; counting by the book's `visible` would "
    "need a scope query per count that the stored-facts work kept off the dashboard: left for the lead",
)
@pytest.mark.parametrize("who", ["admin", "kadis"])
def test_no_count_without_a_letter_the_reader_may_open(database_url, who):
    engine = _world(database_url)
    reader = reader_for(REGENCY, SETTINGS, f"{who}@{DOMAIN}", TODAY)
    assert reader is not None and (reader.admin or reader.head)
    with Session(engine) as session:
        board = dashboard(session, reader, weeks=2)
        opened = session.exec(select(Letter.status).where(visible(reader))).all()
    assert dict(board.by_state) == Counter(str(status) for status in opened)
