"""Attacks on the confirm-a-proposal loop across a regency's offices (one service, one database):
a proposal to pass a letter to another office acts once, only for the official it was asked of,
and never through another office's reply address."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from mailflow.storage.models import Event, PendingProposal
from tests.support import clients
from tests.support.inbox import Inbox
from tests.support.regency import letter_for
from tests.test_regency_server import KADINKES, PLT_KADIS, SEKDA


@pytest.fixture
def inbox(regency_office) -> Inbox:
    return Inbox(regency_office)


def _passed(office) -> list[Event]:
    with Session(office.app.engine) as session:
        return list(session.exec(select(Event).where(Event.action == "disposed")).all())


def test_a_proposal_to_pass_a_letter_to_another_office_acts_once_and_only_for_its_official(
    regency_office, inbox
):
    office = regency_office
    office.mail.send(letter_for("SETDA"))
    assert office.poll().outcomes == {"letter": 1}
    request = inbox.next(SEKDA, "Mohon disposisi")
    inbox.answer(clients.gmail_android_id, request, SEKDA, "Dinas Pendidkan: untuk ditindaklanjuti")
    asked = inbox.next(SEKDA, "Mohon konfirmasi")
    with Session(office.app.engine) as session:
        assert session.exec(select(PendingProposal)).one().state == "pending"
    assert _passed(office) == []
    # The Kadis of another office answers it through a letter of her own office: never.
    office.mail.send(letter_for("DINKES"))
    office.poll()
    theirs = inbox.next(KADINKES, "Mohon disposisi")
    office.mail.send(clients.iphone_id(asked, KADINKES, "Ya", to=str(theirs["Reply-To"])))
    office.poll()
    assert _passed(office) == []
    # The Sekda's own yes passes it on, once.
    inbox.answer(clients.iphone_id, asked, SEKDA, "Ya")
    inbox.next(PLT_KADIS, "Disposisi dari Sekretaris Daerah, Sekretariat Daerah")
    inbox.answer(clients.gmail_android_id, asked, SEKDA, "Betul")
    assert len(_passed(office)) == 1
    with Session(office.app.engine) as session:
        assert session.exec(select(PendingProposal)).one().state == "applied"
