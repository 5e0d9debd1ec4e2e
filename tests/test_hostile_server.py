"""The hostile corpus through the real pipeline: each message kept raw, filed or quarantined, the
service up, no name becoming a path, no header injected into our mail, no script rendered."""

from __future__ import annotations

import hashlib
import os
import time
import tracemalloc

from sqlmodel import Session, select

from mailflow.storage.models import InboundMessage, Letter, LetterFile, OutboxMessage, QuarantineItem
from tests.support.hostile import MAILBOX, corpus


def test_hostile_corpus(office):
    office.reconfigure(extra="max_attachment_bytes = 2000000")
    messages = corpus()
    for raw in messages.values():
        office.mail.append(MAILBOX, raw)
    tracemalloc.start()
    started = time.monotonic()
    report = office.poll()
    elapsed = time.monotonic() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(
        f"\nhostile corpus: {len(messages)} messages in {elapsed:.1f} s, peak traced memory {peak / 1e6:.0f} MB,"
        f" outcomes {report.outcomes}"
    )
    assert report.error is None and report.seen == len(messages)
    assert "internal_error" not in str(report.outcomes)
    with Session(office.app.engine) as session:
        ledger = session.exec(select(InboundMessage)).all()
        files = session.exec(select(LetterFile)).all()
        letters = session.exec(select(Letter)).all()
        mails = session.exec(select(OutboxMessage)).all()
        quarantined = {q.reason for q in session.exec(select(QuarantineItem))}
    assert all(office.app.archive.raw(row.sha256) for row in ledger)  # every message kept raw
    assert {"malformed", "oversize"} <= quarantined
    names = {f.filename for f in files}
    assert {"../../etc/passwd", "CON", "s" * 296 + ".pdf"} <= names
    stored = {p.name: p for p in (office.dir / "storage" / "files").rglob("*") if p.is_file()}
    assert {f.sha256 for f in files} <= stored.keys()
    # On disk only under their hashes. A file of a message read as a letter is archived before
    # its transaction, so one held after all (here: the clerk's whose signature broke where the
    # server replaced its NUL) leaves its file there, unnamed, beside its raw message; an
    # attachment over the limit is never stored.
    assert all(hashlib.sha256(path.read_bytes()).hexdigest() == name for name, path in stored.items())
    assert hashlib.sha256(b"\x00" * 3_000_000).hexdigest() not in stored
    assert not os.path.exists(office.dir / "etc" / "passwd")
    for mail in mails:
        head = mail.raw.split(b"\r\n\r\n", 1)[0]
        assert b"\nBcc:" not in head and b"victim@evil.example" not in head
        assert b"<script>" not in mail.raw and b"onerror=alert" not in mail.raw
    assert any(letter.subject == "Rapat" for letter in letters)
    assert office.poll().error is None  # and the service is still up


def test_size_scaled_hostile_mail_is_read_and_settled(office):
    """Each class of hostile mail at 1 MB from the office's own clerk (signed, so it is read in
    full, the most expensive path): filed or held, and the mailbox goes on."""
    from tests.support.hostile import SCALED
    from tests.support.letters import gmail_forward

    for make in SCALED.values():
        office.mail.append(MAILBOX, make(1_000_000))
    office.mail.send(gmail_forward())
    report = office.poll()
    assert report.error is None and report.seen == len(SCALED) + 1
    assert "internal_error" not in str(report.outcomes)
    with Session(office.app.engine) as session:
        reasons = sorted(q.reason for q in session.exec(select(QuarantineItem)))
        filed = session.exec(select(Letter)).all()
    assert filed and sum(report.outcomes.values()) == len(SCALED) + 1
    print(f"\nscaled hostile mail: outcomes {report.outcomes}, held for {reasons}")
