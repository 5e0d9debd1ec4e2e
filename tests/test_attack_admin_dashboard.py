"""The dashboard against the letters its reader may open: every letter counted (by state, and
under a late official) is one the reader could open from the book: none for the office's admin
(neither clerk nor head), and for the head none without a disposition yet."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlmodel import Session, col, select

from mailflow.storage.models import Disposition, Letter, LetterStatus
from mailflow.web.lists import dashboard
from mailflow.web.reader import reader_for
from mailflow.web.scope import visible
from tests.test_web_scope import DOMAIN, REGENCY, SETTINGS, TODAY, _letter, _node, _world


@pytest.mark.parametrize("who", ["admin", "kadis"])
def test_no_count_without_a_letter_the_reader_may_open(database_url, who):
    engine = _world(database_url)
    reader = reader_for(REGENCY, SETTINGS, f"{who}@{DOMAIN}", TODAY)
    assert reader is not None and (reader.admin or reader.head)
    with Session(engine) as session:  # a letter of the head's with a node no longer on the chart
        moved = _letter(session, 901, None, f"other@{DOMAIN}")
        moved.status = LetterStatus.AWAITING
        _node(session, moved, "kabid_paud", None, "routing").position_id = "kabid_lama"
        session.commit()
    with Session(engine) as session:
        board = dashboard(session, reader, weeks=2)
        opened = session.exec(select(Letter.status).where(visible(reader))).all()
        late = session.exec(  # every node of _world is open and a day late
            select(Disposition.holder_title, Disposition.holder_name)
            .join(Letter, col(Letter.id) == col(Disposition.letter_id))
            .where(visible(reader))
        ).all()
    assert dict(board.by_state) == Counter(str(status) for status in opened)
    assert {(t, n): c for t, n, c in board.overdue_by_official} == Counter(late)
    assert who == "admin" or opened  # the head opens letters, the admin none
