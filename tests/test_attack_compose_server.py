"""Attacks on composing after the commit (ops/composing.py): a row that can no longer be composed
must wait and fail on its own, for the admin, never stop the outbox of every office; two workers
composing at once send each email once."""

from __future__ import annotations

import email
import os
import shutil
import subprocess
import sys
import time
from email.parser import BytesHeaderParser

from sqlmodel import Session, col, select

from mailflow.disposition.request import request_mail
from mailflow.ops import service
from mailflow.ops.composing import compose_waiting
from mailflow.outbound.outbox import MAX_ATTEMPTS
from mailflow.storage.models import Letter, OutboxMessage
from tests.conftest import REPO
from tests.support.letters import gmail_forward, pdf_letter


def rows(office) -> list[OutboxMessage]:
    with Session(office.app.engine) as session:
        return list(session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all())


def test_a_row_of_an_office_the_rules_no_longer_have_waits_and_the_rest_are_sent(office, tmp_path):
    """The admin renames the office's code (office.toml: "Short code used in the agenda number")
    while a receipt and a request of a letter filed under the old code wait to be composed (the
    service stopped between the commit and the composing). Those two rows name an office the
    rules tree no longer has; every other email, of every office, must still go out."""
    rules = tmp_path / "rules"
    shutil.copytree(REPO / "rules", rules)
    office.rules_dir = rules
    office.reconfigure()
    office.mail.send(gmail_forward(pdf=pdf_letter(number="1/OLD/2026"), original_subject="Surat lama"))
    service.poll_all(office.app)  # filed; the service stops before its outbox step
    old = [r.id for r in rows(office)]
    assert len(old) == 2 and all(r.raw is None for r in rows(office))

    card = rules / "office.toml"
    card.write_text(card.read_text().replace('code = "DISDIK"', 'code = "DIKBUD"'))
    stat = card.stat()
    os.utime(card, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    office.mail.send(gmail_forward(pdf=pdf_letter(number="2/NEW/2026"), original_subject="Surat baru"))
    service.poll_all(office.app)
    with Session(office.app.engine) as session:
        assert {x.office for x in session.exec(select(Letter)).all()} == {"DISDIK", "DIKBUD"}

    service.flush(office.app)  # must not raise: one office's rows never hold up the outbox
    after = {r.id: r for r in rows(office)}
    new = [r for i, r in after.items() if i not in old]
    assert sorted(r.kind for r in new) == ["receipt", "request"]
    assert all(r.status == "sent" for r in new)  # the new letter's mail went out
    for i in old:  # the old rows wait, backing off, with the reason for the admin
        row = after[i]
        assert row.status == "pending" and row.raw is None and row.attempts == 1
        assert "DISDIK" in (row.last_error or "") and (row.last_error or "").startswith("compose: ")
        assert row.next_attempt_at > row.created_at


# A worker's outbox step, started by the test at the same moment as another's (argv[2]: a file
# both wait for, so neither is done composing before the other begins).
FLUSHER = """
import sys, time
from pathlib import Path
from mailflow.app import App
from mailflow.config import load_settings
from mailflow.disposition.request import request_mail
from mailflow.ops import service
from mailflow.ops.composing import compose_waiting
from mailflow.outbound.outbox import MAX_ATTEMPTS
app = App.build(load_settings(Path(sys.argv[1])))
while not Path(sys.argv[2]).exists():
    time.sleep(0.01)
service.flush(app)
"""


def test_two_workers_composing_and_sending_at_once_send_each_email_once(office, tmp_path):
    """Two `mailflow run` processes reach their outbox step together while letters' receipts and
    requests wait to be composed (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: one writer)."""
    sent_before = len(office.servers.relay.accepted)
    for n in range(6):
        office.mail.send(gmail_forward(pdf=pdf_letter(number=f"{n}/TWO/2026"), original_subject=f"Surat {n}"))
    service.poll_all(office.app)
    waiting = rows(office)
    assert len(waiting) == 12 and all(r.raw is None for r in waiting)
    go = tmp_path / "go"
    workers = [
        subprocess.Popen([sys.executable, "-c", FLUSHER, str(office.config_path), str(go)]) for _ in range(2)
    ]
    time.sleep(1.5)  # both built and waiting (not a timing assertion: the check below is on rows)
    go.touch()
    assert [w.wait(timeout=120) for w in workers] == [0, 0]
    service.flush(office.app)  # what a worker put off (SQLite: the database was busy) goes now
    sent = [
        data for _, _, data in office.servers.relay.accepted[sent_before:] if b"\r\nX-Mailflow: 1\r\n" in data
    ]
    ids = [str(BytesHeaderParser().parsebytes(data)["Message-ID"]).strip() for data in sent]
    assert sorted(ids) == sorted(r.message_id for r in waiting)  # each once
    assert all(r.status == "sent" for r in rows(office))


def test_a_request_composed_while_the_web_key_file_is_unreadable_waits_and_the_rest_are_sent(office, tmp_path):
    """Requests carry a signed link to the letter's page ([web]); the key is read from its file
    when used, so a rotation (the file briefly gone, or half-written) happens between the filing
    commit and the composing. The request waits for the key; the receipt beside it goes."""
    key = tmp_path / "web.key"
    key.write_text("k" * 40)
    office.reconfigure(extra=f'[web]\npublic_url = "https://surat.example"\nsecret_key_file = "{key}"\n')
    office.mail.send(gmail_forward(pdf=pdf_letter(number="3/KEY/2026"), original_subject="Surat kunci"))
    service.poll_all(office.app)
    key.unlink()  # the rotation's moment

    service.flush(office.app)  # must not raise
    kinds = {r.kind: r for r in rows(office)}
    assert kinds["receipt"].status == "sent"
    request = kinds["request"]
    assert request.status == "pending" and request.raw is None and request.attempts == 1
    assert "secret_key_file" in (request.last_error or "")
    assert "k" * 40 not in (request.last_error or "")

    def due(attempts: int) -> None:
        with Session(office.app.engine) as session:
            row = session.get(OutboxMessage, request.id)
            assert row is not None
            row.next_attempt_at, row.attempts = row.created_at, attempts
            session.add(row)
            session.commit()

    due(MAX_ATTEMPTS - 1)  # the admin is away for the night: every try spent, the key still gone
    service.flush(office.app)
    request = {r.kind: r for r in rows(office)}["request"]
    assert request.status == "pending" and request.attempts == MAX_ATTEMPTS  # waits, never failed

    key.write_text("n" * 40)  # the new key; the row's wait is over
    due(request.attempts)
    service.flush(office.app)
    request = {r.kind: r for r in rows(office)}["request"]
    assert request.status == "sent"
    text = email.message_from_bytes(request.raw or b"").get_payload(0).get_payload(0).get_payload(decode=True)
    assert b"https://surat.example/" in text  # the link, signed with the new key


def test_a_bug_composing_one_email_fails_that_row_alone(office):
    """A composer that raises what no one foresaw (a bug, here a RuntimeError in the receipt's)
    is the per-row boundary's: that row waits with the reason for the admin, the request of the
    same letter is composed and sent, and the flush does not raise."""
    def broken(*_: object) -> None:
        raise RuntimeError("a bug in the receipt")

    office.mail.send(gmail_forward(pdf=pdf_letter(number="3/BUG/2026"), original_subject="Surat 3"))
    service.poll_all(office.app)
    assert compose_waiting(office.app, composers={"receipt": broken, "request": request_mail}) == 2
    by_kind = {r.kind: r for r in rows(office)}
    assert by_kind["request"].raw is not None
    receipt = by_kind["receipt"]
    assert receipt.raw is None and receipt.status == "pending" and receipt.attempts == 1
    assert receipt.last_error == "compose: RuntimeError: a bug in the receipt"
    service.flush(office.app)  # the next flush sends the request; the receipt waits its backoff
    by_kind = {r.kind: r for r in rows(office)}
    assert by_kind["request"].status == "sent" and by_kind["receipt"].raw is None
