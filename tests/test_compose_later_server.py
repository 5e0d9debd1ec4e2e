"""Receipts and requests composed after the filing commit (issue 25): the filing writes their
outbox rows as recipes, the service composes them before sending. The email is the one composing
inside the transaction gave, a crash between the commit and the composing loses and doubles
nothing, and a row that cannot be composed waits without holding up the others."""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import default
from email.utils import parsedate_to_datetime

from sqlmodel import Session, col, select

from mailflow.disposition.request import scans_for
from mailflow.ops import service
from mailflow.ops.composing import compose_waiting
from mailflow.outbound.compose import (
    FIELD_ORDER,
    FileView,
    Stamp,
    date_id,
    letter_view,
    message_bytes,
    thread_root,
)
from mailflow.outbound.recipe import Recipe
from mailflow.registry.unread import unread_of
from mailflow.storage.models import Disposition, Letter, LetterFile, OutboxMessage
from mailflow.text.parsing import parse_message
from tests.support.letters import CLERK, MAILBOX, gmail_forward, pdf_letter

BOUNDARY = re.compile(rb"=+\d+==")
# A child `mailflow` that files what is in the mailbox, composes that many rows one at a time
# (argv[2]), and is killed (SIGKILL) before it composes or sends anything more.
CHILD = """
import os, signal, sys
from pathlib import Path
from mailflow.app import App
from mailflow.config import load_settings
from mailflow.ops import service
from mailflow.ops.composing import compose_batch
app = App.build(load_settings(Path(sys.argv[1])))
service.poll_all(app)
for _ in range(int(sys.argv[2])):
    compose_batch(app, 1)
os.kill(os.getpid(), signal.SIGKILL)
"""


def rows(office, kind: str | None = None) -> list[OutboxMessage]:
    with Session(office.app.engine) as session:
        query = select(OutboxMessage).order_by(col(OutboxMessage.id))
        if kind is not None:
            query = query.where(OutboxMessage.kind == kind)
        return list(session.exec(query).all())


def ours(office, since: int) -> list[bytes]:
    """What Mailflow sent through the relay since `since` (the test's letters pass through it too)."""
    return [data for _, _, data in office.servers.relay.accepted[since:] if b"\r\nX-Mailflow: 1\r\n" in data]


def head(raw: bytes) -> dict[str, str]:
    """The headers, unfolded."""
    return {k: " ".join(str(v).split()) for k, v in BytesHeaderParser(policy=default).parsebytes(raw).items()}


def same(raw: bytes) -> bytes:
    """The bytes with their MIME boundaries (random each time a message is flattened) made equal."""
    return BOUNDARY.sub(b"=BOUNDARY=", raw)


def in_the_transaction(office, receipt: OutboxMessage, request: OutboxMessage) -> tuple[Message, Message]:
    """The receipt and the request as send_receipt and send_request composed them in the filing
    transaction before (main at 426e9d0), given the Message-ID and Date their rows fixed."""
    app = office.app
    box = app.settings.mailboxes[0]
    ctx = app.context(box)
    with Session(app.engine) as session:
        letter = session.get(Letter, receipt.letter_id)
        node = session.get(Disposition, request.disposition_id)
        assert letter is not None and node is not None
        message = parse_message(app.archive.raw(letter.raw_sha256))
        files = session.exec(
            select(LetterFile).where(LetterFile.letter_id == letter.id, col(LetterFile.event_id).is_(None))
        ).all()
        date_of = {r.id: Recipe.from_json(r.recipe or {}).date for r in (receipt, request)}
        mail_receipt = ctx.mailer(box).reply(
            letter.clerk,
            "receipt",
            answering=message if letter.clerk == message.from_address else None,
            stamp=Stamp(receipt.message_id, date_of[receipt.id]),
            letter=letter_view(letter, ctx.settings.zone),
            names=FIELD_ORDER,
            files=[FileView(f.filename, f.content_type, f.size) for f in files],
            unread=unread_of(session, letter),
        )
        scans, note = scans_for(ctx, session, letter)
        mail_request = ctx.mailer(box).to_official(
            letter,
            node,
            "request",
            files=scans,
            stamp=Stamp(request.message_id, date_of[request.id]),
            attachment_note=note,
            instruction=node.instruction,
            disposer_title="Mailflow",
            deadline_text=date_id(node.deadline),
            passed_from="",
        )
    return mail_receipt, mail_request


def test_the_emails_composed_after_the_commit_are_those_composed_in_it(office):
    sent_before = len(office.servers.relay.accepted)
    office.mail.send(gmail_forward(pdf=pdf_letter(number="7/AFTER/2026"), original_subject="Surat 7"))
    [report] = service.poll_all(office.app)  # the filing commits; nothing is composed yet
    assert report.outcomes == {"letter": 1}
    [receipt], [request] = rows(office, "receipt"), rows(office, "request")
    for row in (receipt, request):
        assert row.raw is None and row.subject == "" and row.recipe is not None
        assert row.message_id.startswith("<") and row.message_id.endswith("@probolinggokab.example>")
    expected = [message_bytes(m) for m in in_the_transaction(office, receipt, request)]

    assert compose_waiting(office.app) == 2
    composed = {r.kind: r for r in rows(office)}
    assert [same(composed["receipt"].raw or b""), same(composed["request"].raw or b"")] == [
        same(e) for e in expected
    ]
    heads = {k: head(r.raw or b"") for k, r in composed.items()}
    with Session(office.app.engine) as session:
        letter = session.get(Letter, receipt.letter_id)
        assert letter is not None
        filing = parse_message(office.app.archive.raw(letter.raw_sha256))
        root = thread_root(letter, MAILBOX)
    assert heads["receipt"]["Message-ID"] == receipt.message_id and heads["receipt"]["To"] == CLERK
    assert heads["receipt"]["In-Reply-To"] == filing.message_id  # in the clerk's thread
    assert heads["request"]["Message-ID"] == request.message_id and heads["request"]["In-Reply-To"] == root
    assert b"Content-Disposition: attachment" in (composed["request"].raw or b"")  # the scan
    assert composed["receipt"].subject == str(heads["receipt"]["Subject"])
    # The Date is the moment the row was written (the filing), not the composing.
    date = parsedate_to_datetime(heads["request"]["Date"])
    assert abs(date - request.created_at.replace(tzinfo=dt.UTC)) < dt.timedelta(seconds=5)

    assert compose_waiting(office.app) == 0  # composed once: the bytes stay as written
    assert {r.id: r.raw for r in rows(office)} == {r.id: r.raw for r in composed.values()}
    service.flush(office.app)
    assert sorted(ours(office, sent_before)) == sorted(r.raw for r in composed.values())


def test_a_crash_between_the_commit_and_the_composing_sends_each_email_once(office):
    sent_before = len(office.servers.relay.accepted)
    env = {**os.environ}

    def child(letters: list[str], batches: int) -> None:
        for number in letters:
            office.mail.send(gmail_forward(pdf=pdf_letter(number=number), original_subject=f"Surat {number}"))
        done = subprocess.run([sys.executable, "-c", CHILD, str(office.config_path), str(batches)], env=env)
        assert done.returncode == -signal.SIGKILL
        time.sleep(2.1)  # its lease on the mailbox runs out (lease_seconds = 2 here)

    child(["1/KILL/2026", "2/KILL/2026", "3/KILL/2026"], 0)  # killed right after the commit
    assert len(rows(office)) == 6 and all(r.raw is None for r in rows(office))
    child(["4/KILL/2026", "5/KILL/2026"], 1)  # killed after composing one row
    assert len(rows(office)) == 10 and sum(r.raw is not None for r in rows(office)) == 1
    assert ours(office, sent_before) == []  # nothing sent by the killed runs

    office.poll()  # the next run composes what waits, then sends
    office.poll()  # and a further run sends nothing again
    ids = [head(data)["Message-ID"] for data in ours(office, sent_before)]
    queued = rows(office)
    assert sorted(ids) == sorted(r.message_id for r in queued)  # each row once, by the id it was given
    assert Counter(r.kind for r in queued) == {"receipt": 5, "request": 5}
    assert all(r.status == "sent" and r.raw is not None for r in queued)
    with Session(office.app.engine) as session:
        letters = session.exec(select(Letter)).all()
    assert sorted(r.letter_id for r in queued if r.kind == "receipt") == sorted(x.id for x in letters)
    assert sorted(r.letter_id for r in queued if r.kind == "request") == sorted(x.id for x in letters)


def test_a_request_that_cannot_be_composed_waits_and_the_rest_go(office):
    office.mail.send(gmail_forward(pdf=pdf_letter(number="9/GONE/2026"), original_subject="Surat 9"))
    service.poll_all(office.app)
    [request] = rows(office, "request")
    with Session(office.app.engine) as session:
        [scan] = session.exec(select(LetterFile).where(LetterFile.letter_id == request.letter_id)).all()
    path = office.app.archive.file_path(scan.sha256)
    kept = path.read_bytes()
    path.unlink()  # the scan gone from the archive (a damaged disk): the request cannot attach it

    service.flush(office.app)
    [receipt], [request] = rows(office, "receipt"), rows(office, "request")
    assert receipt.status == "sent"  # not held up
    assert request.raw is None and request.status == "pending" and request.attempts == 1
    assert (request.last_error or "").startswith("compose: FileNotFoundError")
    assert request.next_attempt_at - request.created_at > dt.timedelta(seconds=20)  # backs off

    path.write_bytes(kept)  # restored; the row's wait is over
    with Session(office.app.engine) as session:
        row = session.get(OutboxMessage, request.id)
        assert row is not None
        row.next_attempt_at = row.created_at
        session.add(row)
        session.commit()
    service.flush(office.app)
    [request] = rows(office, "request")
    assert request.status == "sent" and request.raw is not None and b"Content-Disposition: attachment" in request.raw
