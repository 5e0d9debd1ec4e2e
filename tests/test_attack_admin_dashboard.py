"""The dashboard against the letters its reader may open: every letter counted (by state, and
under a late official) is one the reader could open from the book: none for the office's admin
(neither clerk nor head), and for the head none without a disposition yet."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlmodel import Session, select

from mailflow.storage.models import Letter
from mailflow.web.lists import dashboard
from mailflow.web.reader import reader_for
from mailflow.web.scope import visible
from tests.test_web_scope import DOMAIN, REGENCY, SETTINGS, TODAY, _world


@pytest.mark.parametrize("who", ["admin", "kadis"])
def test_no_count_without_a_letter_the_reader_may_open(database_url, who):
    engine = _world(database_url)
    reader = reader_for(REGENCY, SETTINGS, f"{who}@{DOMAIN}", TODAY)
    assert reader is not None and (reader.admin or reader.head)
    with Session(engine) as session:
        board = dashboard(session, reader, weeks=2)
        opened = session.exec(select(Letter.status).where(visible(reader))).all()
    assert dict(board.by_state) == Counter(str(status) for status in opened)
