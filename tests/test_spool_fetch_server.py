"""A large message fetched in sections into a spool file, through the real Dovecot: archived
whole, its sender verified from the file, and the spool empty again after success, a hold and a
worker killed in the middle of the fetch."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from email.message import EmailMessage

from sqlmodel import Session, select

from mailflow.inbound.loop import process_one
from mailflow.net.imap import SECTION
from mailflow.storage.models import InboundMessage, Letter, QuarantineItem
from tests.support.letters import MAILBOX, gmail_forward
from tests.support.mail import signed

SCAN_MB = 18  # a 25 MB message: a dozen sections


def scan(megabytes: int = SCAN_MB, seed: int = 25) -> EmailMessage:
    big = gmail_forward(labels="Nomor: 7/SCAN/2026")
    data = random.Random(seed).randbytes(megabytes << 20)
    big.add_attachment(data, maintype="application", subtype="pdf", filename="scan-besar.pdf")
    return big


def spool_files(office) -> list[str]:
    folder = office.app.settings.storage_dir / "spool"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def served(office, folder: str = "Mailflow/Processed") -> bytes:
    """The message as Dovecot serves it whole (one FETCH BODY[] of the test's own client)."""
    [msg] = office.mail.raw_messages(MAILBOX, folder)
    return msg


def test_a_large_scan_is_fetched_in_sections_archived_whole_and_filed_as_verified(office):
    raw = signed(scan())
    assert len(raw) > 10 * SECTION
    office.mail.append(MAILBOX, raw, sign=False)
    report = office.poll()
    assert report.outcomes == {"letter": 1}, report  # a clerk's letter: DKIM verified from the file
    with Session(office.app.engine) as session:
        letter = session.exec(select(Letter)).one()
    kept = office.app.archive.raw(letter.raw_sha256)
    assert kept == served(office) and hashlib.sha256(kept).hexdigest() == letter.raw_sha256
    assert spool_files(office) == []
    assert office.mail.count(MAILBOX) == 0  # moved after the commit, as any letter


def test_a_message_whose_sections_do_not_add_up_to_its_size_is_held_not_filed_truncated(office):
    """What a server that changed the message mid-fetch, or misstates its size, looks like: the
    sections read against another announced size. A smaller one stops the reading a section past
    it; the bytes read are kept, the message held, the spool emptied."""
    office.mail.append(MAILBOX, signed(scan(3)), sign=False)
    box = office.app.settings.mailboxes[0]
    spool = office.app.archive.spool()
    with office.app.connect(box) as mailbox:
        [uid] = mailbox.uids_after(0)
        size = mailbox.sizes([uid])[uid]
        larger = mailbox.fetch_sections(uid, size + 10, spool)
        assert larger is not None and larger.raw.size == size and not larger.intact
        larger.raw.discard()
        smaller = mailbox.fetch_sections(uid, size - 3 * SECTION // 2, spool)
        assert smaller is not None and smaller.raw.size == SECTION and not smaller.intact
        try:
            row = process_one(office.app, box, mailbox.uidvalidity, smaller)
        finally:
            smaller.raw.discard()
    assert (row.outcome, row.reason) == ("quarantined", "changed_in_fetch")
    with Session(office.app.engine) as session:
        held = session.exec(select(QuarantineItem)).one()
    assert "announced" in held.detail and spool_files(office) == []
    assert len(office.app.archive.raw(held.raw_sha256)) == SECTION  # what was read is kept
    assert office.mail.count(MAILBOX) == 1  # nothing moved outside the poll's settle


def test_an_oversize_message_is_held_and_its_spool_file_removed(office):
    office.reconfigure(extra="max_message_bytes = 4000000")
    office.mail.append(MAILBOX, signed(scan(4)), sign=False)
    assert office.poll().outcomes == {"quarantined": 1}
    with Session(office.app.engine) as session:
        assert session.exec(select(QuarantineItem.reason)).one() == "oversize"
    assert spool_files(office) == []
    assert office.mail.count(MAILBOX, "Mailflow/Quarantine") == 1


# A worker killed by SIGKILL after the third section reached its spool file.
KILLER = (
    "import os, signal, sys\n"
    "from mailflow.storage import spool\n"
    "write = spool.SpoolFile.write\n"
    "def dying(self, data):\n"
    "    write(self, data)\n"
    f"    if self.size > 2 * {SECTION}:\n"
    "        self.handle.flush()\n"
    "        os.kill(os.getpid(), signal.SIGKILL)\n"
    "spool.SpoolFile.write = dying\n"
    "from mailflow.cli import main\n"
    "sys.argv = ['mailflow', 'poll', '--once']\n"
    "main()\n"
)


def test_a_worker_killed_mid_fetch_leaves_a_spool_file_the_next_poll_removes(office):
    office.mail.append(MAILBOX, signed(scan(8)), sign=False)
    env = {**os.environ, "MAILFLOW_CONFIG": str(office.config_path)}
    died = subprocess.run([sys.executable, "-c", KILLER], env=env, capture_output=True, timeout=120)
    assert died.returncode == -signal.SIGKILL, died.stderr[-2000:]
    [left] = spool_files(office)
    assert (office.app.settings.storage_dir / "spool" / left).stat().st_size > 2 * SECTION
    time.sleep(2.1)  # the dead worker's lease runs out
    assert office.poll().outcomes == {"letter": 1}
    assert spool_files(office) == []
    with Session(office.app.engine) as session:
        assert len(session.exec(select(InboundMessage)).all()) == 1


def test_without_a_setting_the_limit_is_what_the_office_server_announces(office):
    """Stock Dovecot names no APPENDLIMIT; the relay (aiosmtpd) announces SIZE 33554432 in EHLO."""
    box = office.app.settings.mailboxes[0]
    with office.app.connect(box) as mailbox:
        assert mailbox.append_limit is None
    assert office.app.settings.max_message_bytes is None
    assert office.app.message_limit() == 33_554_432
    office.reconfigure(extra="max_message_bytes = 4000000")
    assert office.app.message_limit() == 4_000_000
