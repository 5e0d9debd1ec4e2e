"""A letter waiting for its scans has two ways to its request: its scan job completing
(scan_jobs._complete) and `fields_wait` running out (scan_jobs.send_overdue). On PostgreSQL
both can run at once in two workers; each must see what the other did, or the head gets two
requests for one letter. The other transaction is held open here by hand, at the point where
it holds the letter, so the test does not depend on timing."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text
from sqlmodel import Session, func, select

from mailflow.demo.sample_scans import copier_scan
from mailflow.inbound import scan_jobs
from mailflow.ops import service
from mailflow.storage.models import Disposition, Letter, OutboxMessage
from tests.support.letters import scan_to_email

pytestmark = pytest.mark.server


def _one_letter_waiting_for_its_scan(office) -> int:
    if office.app.engine.dialect.name != "postgresql":
        pytest.skip("SQLite takes one writer at a time: the two transactions cannot hold the letter at once")
    office.reconfigure(extra="fields_wait = 0")
    office.mail.send(scan_to_email(copier_scan(6)[0]))
    service.poll_all(office.app)  # filed; its scan not read yet, its fields_wait already over
    with Session(office.app.engine) as session:
        letter = session.exec(select(Letter)).one()
        assert letter.fields_pending and not letter.fields_early and letter.id is not None
        return letter.id


def _requests(office) -> tuple[int, int]:
    with Session(office.app.engine) as session:
        nodes = session.exec(select(func.count()).select_from(Disposition)).one()
        requests = session.exec(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "request")
        ).one()
    return nodes, requests


def test_the_overdue_check_leaves_a_letter_whose_scan_job_is_completing(office):
    letter_id = _one_letter_waiting_for_its_scan(office)
    with office.app.engine.connect() as completing:  # the scan job's transaction, holding the letter
        completing.execute(text("SELECT id FROM letter WHERE id = :id FOR UPDATE"), {"id": letter_id})
        sent: list[int] = []
        overdue = threading.Thread(target=lambda: sent.append(scan_jobs.send_overdue(office.app)))
        overdue.start()
        overdue.join(timeout=30)
        assert not overdue.is_alive() and sent == [0]  # passed it by, without waiting for it
        completing.rollback()
    service.read_scans_now(office.app)  # the job completes: its receipt and request go
    assert _requests(office) == (1, 1)


def test_a_scan_job_completing_after_the_overdue_check_sends_no_second_request(office):
    letter_id = _one_letter_waiting_for_its_scan(office)
    with office.app.engine.connect() as overdue:  # the overdue check's transaction, holding the letter
        overdue.execute(text("SELECT id FROM letter WHERE id = :id FOR UPDATE"), {"id": letter_id})
        overdue.execute(text("UPDATE letter SET fields_early = TRUE WHERE id = :id"), {"id": letter_id})
        job = threading.Thread(target=service.read_scans_now, args=(office.app,))
        job.start()
        job.join(timeout=5)
        assert job.is_alive()  # the job waits for the letter
        overdue.commit()  # as send_overdue commits (its request is not made here: the test's own)
        job.join(timeout=120)
        assert not job.is_alive()
    assert _requests(office) == (0, 0)  # the job saw fields_early: no request of its own
    with Session(office.app.engine) as session:
        kinds = session.exec(select(OutboxMessage.kind)).all()
    assert kinds == ["fields_completed"]  # what OCR read, as for a letter whose request went early
