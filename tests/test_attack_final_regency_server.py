"""An outside attack on the dashboard's scope in a regency: a letter the Sekda passes to another
office (a new letter there, under its acting head, the Plt; a node for that office kept in the
sending tree) is counted on each office's dashboard exactly as `may_see` shows it to each
office's head, and a letter still without a tree (registered) by neither."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from sqlmodel import Session, select

from mailflow.disposition.status import may_see
from mailflow.ops import service
from mailflow.storage.models import Disposition, Letter
from mailflow.web.lists import dashboard
from mailflow.web.reader import reader_for
from mailflow.web.scope import visible
from tests.test_web_regency_server import PLT_KADIS, SEKDA, D, inbox, sekda_on_a_letter  # noqa: F401  (the fixture)
from tests.test_web_scope import _letter

pytestmark = pytest.mark.server


def test_a_letter_passed_to_another_office_counts_on_each_heads_dashboard_as_may_see(regency_office, inbox):  # noqa: F811
    office = regency_office
    sekda, home, token = sekda_on_a_letter(office, inbox)
    sekda.post(f"{home}/act", data={"csrf": token, "text": "Dinas Pendidikan: untuk ditindaklanjuti", "step": "apply"})
    service.flush(office.app)
    inbox.next(PLT_KADIS, "Disposisi dari Sekretaris Daerah")
    with Session(office.app.engine) as session:  # and one still without a tree in each office
        for code in ("DISDIK", "SETDA"):
            _letter(session, 900, None, f"agenda{D}", office=code)
        session.commit()
    regency = office.app.rules.get()
    settings = office.app.settings
    today = dt.datetime.now(settings.zone).date()
    with Session(office.app.engine) as session:
        letters = session.exec(select(Letter)).all()
        assert sorted(letter.office for letter in letters) == ["DISDIK", "DISDIK", "SETDA", "SETDA"]
        nodes = {letter.id: session.exec(select(Disposition).where(Disposition.letter_id == letter.id)).all()
                 for letter in letters}  # fmt: skip
        for who in (SEKDA, PLT_KADIS):
            reader = reader_for(regency, settings, who, today)
            assert reader is not None and reader.head, who
            rules = regency.office(reader.office)
            counted = [
                letter for letter in letters
                if letter.office == reader.office and may_see(rules, letter, nodes[letter.id], reader.address, today)
            ]  # fmt: skip
            assert len(counted) == 1, who
            assert set(session.exec(select(Letter.id).where(visible(reader))).all()) == {c.id for c in counted}, who
            board = dashboard(session, reader, weeks=2)
            assert dict(board.by_state) == Counter(str(letter.status) for letter in counted), who
