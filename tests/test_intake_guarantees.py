"""Processing guarantees of "Letters in": exactly once, nothing lost, one bad message never blocks."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time

from click.testing import CliRunner
from sqlmodel import Session, select

from mailflow.cli import cli
from mailflow.net.imap import Mailbox
from mailflow.storage.models import InboundMessage, Letter, OutboxMessage, QuarantineItem
from tests.conftest import DOMAIN
from tests.support import clients
from tests.support.letters import CLERK, MAILBOX, gmail_forward, original_letter, pdf_letter

NESTED = b"".join(
    f"--b{i}\r\nContent-Type: multipart/mixed; boundary=b{i + 1}\r\n\r\n".encode() for i in range(20)
)


def malformed_messages() -> list[bytes]:
    no_header = b"\x00\x01\x02 this is not a mail at all\r\n\r\njust bytes\r\n"
    deep = (
        b"From: agenda@probolinggokab.example\r\nTo: surat@probolinggokab.example\r\n"
        b"Subject: deep\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n" + NESTED
    )
    return [no_header, deep]


KADIS, SEKRETARIS = f"kadis@{DOMAIN}", f"sekretaris@{DOMAIN}"


def letters_in(office) -> list[Letter]:
    with Session(office.app.engine) as session:
        return list(session.exec(select(Letter).order_by(Letter.seq)).all())


def run_cli(office, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--config", str(office.config_path), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_malformed_mime_is_quarantined_and_the_next_letter_still_filed(office):
    for raw in malformed_messages():
        office.mail.append(MAILBOX, raw, sign=False)
    office.mail.send(gmail_forward(pdf=pdf_letter()))
    report = office.poll()
    assert report.outcomes == {"quarantined": 2, "letter": 1}
    items = json.loads(run_cli(office, "quarantine", "list", "--json"))
    assert sorted(i["reason"] for i in items) == ["malformed", "malformed"]
    assert office.mail.count(MAILBOX, "Mailflow/Quarantine") == 2
    assert office.mail.count(MAILBOX, "Mailflow/Processed") == 1
    # the raw bytes are kept exactly as received
    with Session(office.app.engine) as session:
        shas = [q.raw_sha256 for q in session.exec(select(QuarantineItem))]
    kept = sorted(office.app.archive.raw(s) for s in shas)
    assert kept[0].startswith(b"From:") and kept[0].endswith(NESTED)
    assert b"this is not a mail at all" in kept[1]  # Dovecot stores NUL as 0x80
    # The admin sees what is wrong with each (mail-parser's defects, by MIME part).
    shown = [run_cli(office, "quarantine", "show", str(i["id"])) for i in items]
    assert all("Alasan" in text and "email rusak (malformed)" in text for text in shown)  # in id
    assert any(
        re.search(r"^Cacat MIME +text/plain: MissingHeaderBodySeparatorDefect", text, re.M) for text in shown
    )
    assert any(re.search(r"^Cacat MIME +message: mail-parser failed on its structure", text, re.M) for text in shown)


def test_uidvalidity_change_resyncs_without_refiling(office):
    office.reconfigure(box_extra='folder = "Surat"')
    office.mail.append(MAILBOX, gmail_forward(pdf=pdf_letter()), folder="Surat")
    office.reconfigure(box_extra='folder = "Surat"\nafter_processing = "keyword"')
    assert office.poll().outcomes == {"letter": 1}
    office.mail.recreate_folder(MAILBOX, "Surat")  # new UIDVALIDITY, same message
    office.mail.append(MAILBOX, gmail_forward(pdf=pdf_letter(number="9/2017")), folder="Surat")
    report = office.poll()
    assert report.outcomes == {"seen_before": 1, "letter": 1}
    assert [letter.seq for letter in letters_in(office)] == [1, 2]
    receipts = [m for m in office.mail.messages(CLERK) if "Tanda terima" in str(m["Subject"])]
    assert len(receipts) == 2


def test_nothing_moves_before_commit_and_an_interrupted_move_is_finished_next_run(office):
    class CrashBeforeMove(Mailbox):
        def settle(self, uids, folder, keyword):
            raise ConnectionResetError("connection dropped before MOVE")

    office.mail.send(gmail_forward(pdf=pdf_letter()))
    app = office.app
    app.connect = CrashBeforeMove.connect
    report = office.poll()
    assert report.error and "dropped" in report.error
    # committed: the letter exists, the message is still in the inbox, unsettled in the ledger
    assert len(letters_in(office)) == 1
    assert office.mail.count(MAILBOX) == 1
    app.connect = Mailbox.connect
    assert office.poll().seen == 0  # nothing processed again ...
    assert office.mail.count(MAILBOX) == 0  # ... but the move is done now
    assert office.mail.count(MAILBOX, "Mailflow/Processed") == 1
    with Session(app.engine) as session:
        assert all(row.settled for row in session.exec(select(InboundMessage)))
    assert len(letters_in(office)) == 1


def test_sigkill_in_the_middle_of_a_poll_loses_and_doubles_nothing(office):
    count = 12
    for i in range(count):
        office.mail.send(
            gmail_forward(pdf=pdf_letter(number=f"{i + 1}/KILL/2026"), original_subject=f"Surat {i + 1}")
        )
    env = {**os.environ, "MAILFLOW_CONFIG": str(office.config_path)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "mailflow", "poll", "--once"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if 2 <= len(letters_in(office)) < count:
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    filed_before = len(letters_in(office))
    time.sleep(2.1)  # the dead worker's lease on the mailbox runs out (lease_seconds = 2 here)
    office.poll()
    filed = letters_in(office)
    assert [letter.seq for letter in filed] == list(range(1, count + 1)), filed_before
    assert sorted(letter.letter_number for letter in filed) == sorted(
        f"{i + 1}/KILL/2026" for i in range(count)
    )
    assert office.mail.count(MAILBOX) == 0
    with Session(office.app.engine) as session:
        receipts = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "receipt")).all()
    assert len(receipts) == count and len({r.letter_id for r in receipts}) == count


def test_direct_letter_is_held_for_a_clerk_and_released_by_an_admin(office):
    office.mail.send(original_letter(), to=MAILBOX)
    assert office.poll().outcomes == {"quarantined": 1}
    held = office.mail.wait_for(
        "sekretariat@jatimprov.example", lambda m: "Belum diproses" in str(m["Subject"])
    )
    assert held["Auto-Submitted"] == "auto-replied"
    notice = office.mail.wait_for(CLERK, lambda m: "menunggu pencatatan" in str(m["Subject"]))
    assert any(p.get_filename() == "surat-asli.eml" for p in notice.iter_attachments())
    [item] = json.loads(run_cli(office, "quarantine", "list", "--json"))
    assert item["reason"] == "direct_letter" and item["from"] == "sekretariat@jatimprov.example"
    assert "dilepas: dicatat sebagai 001/SM/" in run_cli(office, "quarantine", "release", str(item["id"]))
    [letter] = letters_in(office)
    assert letter.sender == "sekretariat@jatimprov.example" and letter.letter_number == "005/123/426.101/2026"
    assert json.loads(run_cli(office, "quarantine", "list", "--json")) == []
    office.poll()  # the service's next run sends what the release queued
    office.mail.wait_for(KADIS, lambda m: "Mohon disposisi" in str(m["Subject"]))  # on to the head


def test_direct_letters_are_filed_at_once_when_the_policy_says_register(office):
    office.reconfigure(box_extra='direct_letters = "register"')
    office.mail.send(original_letter(), to=MAILBOX)
    assert office.poll().outcomes == {"letter": 1}
    receipt = office.mail.wait_for(CLERK, lambda m: "Tanda terima" in str(m["Subject"]))
    assert "Undangan Rapat Koordinasi" in str(receipt["Subject"])


def test_auto_replies_and_our_own_mail_are_never_answered(office):
    ooo = original_letter(subject="Di luar kantor: Undangan", sender="stranger@elsewhere.example")
    ooo["Auto-Submitted"] = "auto-replied"
    office.mail.send(ooo, to=MAILBOX)
    assert office.poll().outcomes == {"ignored": 1}
    with Session(office.app.engine) as session:
        assert session.exec(select(OutboxMessage)).all() == []


def test_smtp_outage_is_caught_up_with_the_same_message_id(office):
    office.mail.send(gmail_forward(pdf=pdf_letter()))  # the clerk's own mail goes through the relay ...
    office.servers.relay.refuse = True
    office.poll()  # ... but our receipt is refused: the outbox keeps it
    with Session(office.app.engine) as session:
        [row] = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "receipt")).all()
        assert row.status == "pending" and row.attempts == 1 and "451" in row.last_error
        message_id = row.message_id
        row.next_attempt_at = row.created_at  # due again now, instead of after the backoff
        session.add(row)
        session.commit()
    office.servers.relay.refuse = False
    office.poll()
    receipt = office.mail.wait_for(CLERK, lambda m: "Tanda terima" in str(m["Subject"]))
    assert receipt["Message-ID"].strip() == message_id


KILLER = (
    "import os, signal, sys\n"
    "from mailflow.inbound import loop\n"
    "count = loop._attempt\n"
    "def dying(*args):\n"
    "    count(*args)\n"
    "    os.kill(os.getpid(), signal.SIGKILL)\n"
    "loop._attempt = dying\n"
    "from mailflow.cli import main\n"
    "sys.argv = ['mailflow', 'poll', '--once']\n"
    "main()\n"
)


def kill_twice_while_reading(office) -> QuarantineItem:
    """Two workers die reading the oldest new message (a SIGKILL at the moment its try is counted,
    standing in for the OOM killer); the next poll holds it as poison and goes on."""
    env = {**os.environ, "MAILFLOW_CONFIG": str(office.config_path)}
    for _ in range(2):
        died = subprocess.run([sys.executable, "-c", KILLER], env=env, capture_output=True, timeout=60)
        assert died.returncode == -signal.SIGKILL
        time.sleep(2.1)  # the dead worker's lease runs out
    office.poll()
    with Session(office.app.engine) as session:
        return session.exec(select(QuarantineItem).where(QuarantineItem.reason == "poison")).one()


def test_a_message_that_kills_its_worker_twice_is_held_not_retried_forever(office, inbox):
    office.mail.send(gmail_forward(pdf=pdf_letter(number="1/POISON/2026"), original_subject="Racun"))
    office.mail.send(gmail_forward(pdf=pdf_letter(number="2/OK/2026"), original_subject="Biasa"))
    held = kill_twice_while_reading(office)
    assert "2 times" in held.detail
    assert [letter.letter_number for letter in letters_in(office)] == ["2/OK/2026"]
    inbox.next(KADIS, "Biasa")
    # The admin releases it: it is read as the letter it is, filed and sent to the head.
    assert "dilepas: dibaca ulang sebagai surat dicatat" in run_cli(office, "quarantine", "release", str(held.id))
    assert [letter.letter_number for letter in letters_in(office)] == ["2/OK/2026", "1/POISON/2026"]
    office.poll()  # the service's next run sends what the release queued
    inbox.next(KADIS, "Racun")


def test_a_reply_held_as_poison_is_applied_as_a_reply_when_released(office, inbox, request_to_kadis):
    """Release used to file whatever it held as a letter: a held reply became a letter of its own."""
    office.mail.send(clients.gmail_android_id(request_to_kadis, KADIS, "Sekretaris: pelajari"))
    held = kill_twice_while_reading(office)
    assert "dilepas: dibaca ulang sebagai balasan pejabat" in run_cli(office, "quarantine", "release", str(held.id))
    assert len(letters_in(office)) == 1
    office.poll()  # the service's next run sends what the release queued
    inbox.next(SEKRETARIS, "Disposisi")
    with Session(office.app.engine) as session:
        row = session.exec(select(InboundMessage).where(InboundMessage.sha256 == held.raw_sha256)).one()
        assert (row.outcome, session.get(QuarantineItem, held.id).status) == ("reply", "released")
