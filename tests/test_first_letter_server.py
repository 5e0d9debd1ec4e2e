"""The first clerk letter of an office whose mail server does not sign, as the admin meets it:
`rules test` says it will be held, the poll holds it, the admin releases it, and the release is
in the letter's log while its mail goes out through the service's outbox."""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import signal
import subprocess
import sys

from click.testing import CliRunner
from sqlmodel import Session, select

from mailflow.cli import cli
from mailflow.storage.models import OutboxMessage
from tests.support.letters import gmail_forward, original_letter, pdf_letter
from tests.support.mail import signed

D = "@probolinggokab.example"
CLERK, KADIS, MAILBOX = f"agenda{D}", f"kadis{D}", f"surat{D}"


def run(office, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--config", str(office.config_path), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_rules_test_shows_the_verification_verdict_beside_the_routing(office, tmp_path):
    letter = gmail_forward(pdf=pdf_letter())
    unsigned, dkim_signed = tmp_path / "unsigned.eml", tmp_path / "signed.eml"
    unsigned.write_bytes(letter.as_bytes())
    dkim_signed.write_bytes(signed(letter))
    said = run(office, "rules", "test", str(unsigned))
    assert "verifikasi: tidak bertanda tangan DKIM -> suratnya akan ditahan (sender_unverified)" in said
    assert "bila admin melepaskannya dari karantina" in said and "aturan:" in said
    said = run(office, "rules", "test", str(dkim_signed))
    assert "verifikasi: terverifikasi (DKIM signature of probolinggokab.example verified) -> suratnya dicatat" in said
    assert "melepaskannya" not in said
    # with the mailbox's own policy
    office.reconfigure(box_extra='verify_senders = "off"')
    assert 'tidak diperiksa (verify_senders = "off") -> suratnya dicatat' in run(
        office, "rules", "test", str(unsigned)
    )
    outside = tmp_path / "outside.eml"
    outside.write_bytes(original_letter().as_bytes())
    said = run(office, "rules", "test", str(outside))
    assert "tidak diperiksa: pengirim luar -> surat langsung ditahan untuk petugas agenda" in said
    # ... and what it foretold is what the poll does
    office.reconfigure()
    office.mail.send(letter, sign=False)
    assert office.poll().outcomes == {"quarantined": 1}


def test_a_release_is_logged_on_the_letter_and_its_mail_goes_through_the_outbox(office):
    letter = gmail_forward(pdf=pdf_letter())
    office.mail.send(letter, sign=False)
    assert office.poll().outcomes == {"quarantined": 1}
    [item] = json.loads(run(office, "quarantine", "list", "--json"))
    assert item["reason"] == "sender_unverified"

    said = run(office, "quarantine", "release", str(item["id"]), "--by", "Budi (admin TU)")
    assert f"karantina {item['id']} dilepas: dicatat sebagai 001/SM/2026" in said
    assert "dicatat di log surat 001/SM/2026: dilepas oleh Budi (admin TU)" in said
    assert "emailnya (2) menunggu di kotak keluar; layanan (mailflow run) mengirimnya" in said
    with Session(office.app.engine) as session:  # the command sent nothing itself
        queued = session.exec(select(OutboxMessage).where(OutboxMessage.letter_id.is_not(None))).all()
    assert sorted((r.kind, r.status) for r in queued) == [("receipt", "pending"), ("request", "pending")]

    shown = json.loads(run(office, "letter", "show", "001/SM/2026", "--json"))
    [released] = [e for e in shown["log"] if e["action"] == "released"]
    assert released["actor"] == "Budi (admin TU)" and released["facts"]["reason"] == "sender_unverified"
    at = dt.datetime.fromisoformat(released["at"])
    assert abs(at.astimezone(dt.UTC) - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)
    page = " ".join(run(office, "letter", "show", "001/SM/2026").split())
    assert "dilepas dari karantina Budi (admin TU)" in page
    released_item = json.loads(run(office, "quarantine", "list", "--all", "--json"))[0]
    assert released_item["resolution"] == "filed as 001/SM/2026 (released by Budi (admin TU))"

    service = subprocess.Popen(
        [sys.executable, "-m", "mailflow", "--config", str(office.config_path), "run"],
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:  # the service's outbox sends the receipt, in the thread of the clerk's own letter
        receipt = office.mail.wait_for(CLERK, lambda m: "Tanda terima" in str(m["Subject"]), timeout=30)
        office.mail.wait_for(KADIS, lambda m: "Mohon disposisi" in str(m["Subject"]), timeout=30)
    finally:
        os.killpg(service.pid, signal.SIGTERM)
        service.wait(timeout=60)
    assert receipt["In-Reply-To"].strip() == str(letter["Message-ID"]).strip()


def test_a_release_names_the_os_user_when_no_name_is_given(office):
    office.mail.send(gmail_forward(pdf=pdf_letter()), sign=False)
    office.poll()
    [item] = json.loads(run(office, "quarantine", "list", "--json"))
    assert f"dilepas oleh {getpass.getuser()}" in run(office, "quarantine", "release", str(item["id"]))
