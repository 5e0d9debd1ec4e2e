"""Letters in, end to end against the real Dovecot and SMTP relay of the harness."""

from __future__ import annotations

import datetime as dt
import json

from click.testing import CliRunner
from sqlmodel import Session, select

from mailflow.cli import cli
from mailflow.storage.models import Letter, LetterFile, OutboxMessage
from tests.support.letters import (
    CLERK,
    MAILBOX,
    eml_forward,
    gmail_forward,
    original_letter,
    pdf_letter,
    photo_scan,
    scan_to_email,
)
from tests.support.mail import text_of


def show(office, agenda: str) -> dict:
    result = CliRunner().invoke(
        cli, ["--config", str(office.config_path), "letter", "show", agenda, "--json"]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_forwarded_pdf_letter_is_filed_and_the_clerk_gets_a_threaded_receipt(office):
    forward = gmail_forward(labels="Sifat: Segera\nKlasifikasi: 100.3", pdf=pdf_letter())
    office.mail.send(forward)
    report = office.poll()
    assert report.outcomes == {"letter": 1}, report

    year = dt.datetime.now().year
    letter = show(office, f"001/SM/{year}")
    assert letter["sender"] == "Biro Umum Kemendagri <umum@kemendagri.go.id>"
    assert letter["subject"] == "Pembentukan Cabang Dinas dan UPTD"
    assert letter["letter_date"] == "2017-10-02"
    assert letter["letter_number"] == "061/5432/OTDA"  # from the PDF text layer
    assert letter["urgency"] == "segera" and letter["classification"] == "100.3"
    assert letter["attachment_count"] == 1
    [pdf] = letter["attachments"]
    assert pdf["filename"] == "surat-kemendagri.pdf" and pdf["content_type"] == "application/pdf"
    assert len(pdf["sha256"]) == 64 and pdf["size"] > 500
    assert [e["action"] for e in letter["log"]] == ["registered", "requested", "receipt_sent"]

    receipt = office.mail.wait_for(CLERK, lambda m: "Tanda terima" in str(m["Subject"]))
    assert receipt["In-Reply-To"] == forward["Message-ID"]
    assert forward["Message-ID"] in receipt["References"]
    assert f"[SM 001/{year}]" in receipt["Subject"]
    body = text_of(receipt)
    assert f"001/SM/{year}" in body and "061/5432/OTDA" in body and "Perihal: " in body
    assert receipt["Auto-Submitted"] == "auto-replied"
    # processed mail left the inbox only after the commit, into Mailflow/Processed
    assert office.mail.count(MAILBOX) == 0
    assert office.mail.count(MAILBOX, "Mailflow/Processed") == 1


def test_raw_message_is_archived_under_its_hash(office):
    office.mail.send(gmail_forward(pdf=pdf_letter()))
    office.poll()
    with Session(office.app.engine) as session:
        letter = session.exec(select(Letter)).one()
        stored = session.exec(select(LetterFile)).one()
    raw = office.app.archive.raw(letter.raw_sha256)
    assert b"Forwarded message" in raw
    assert office.app.archive.file(stored.sha256)[:4] == b"%PDF"


def test_photo_scan_with_several_pages_and_labels(office):
    office.mail.send(
        photo_scan(
            pages=3,
            labels="Dari: Bappeda Kabupaten Probolinggo\nNomor: 050/77/426.110/2026\n"
            "Tanggal: Senin, 2 Nov 2026\nPerihal: Undangan Musrenbang",
        )
    )
    assert office.poll().outcomes == {"letter": 1}
    letter = show(office, "1")
    assert letter["sender"] == "Bappeda Kabupaten Probolinggo"
    assert letter["letter_date"] == "2026-11-02"
    assert letter["subject"] == "Undangan Musrenbang"
    assert letter["classification"] == "050"  # from the letter number
    # The three photos are kept as sent, and as one PDF for the head (tests/test_scans_server.py).
    assert [a["content_type"] for a in letter["attachments"]] == ["image/jpeg"] * 3 + ["application/pdf"]


def test_fields_from_the_pdf_text_layer_of_a_copier_scan(office):
    pdf = pdf_letter(
        kop=("PEMERINTAH PROVINSI JAWA TIMUR", "DINAS PENDIDIKAN"),
        place_date="Surabaya, 02-10-2017",
        number="420/1234/101.1/2017",
        sifat="Sangat Segera, Rahasia",
        lampiran="-",
        hal="Data Guru Honorer",
    )
    office.mail.send(scan_to_email(pdf))
    office.poll()
    letter = show(office, "1")
    assert letter["sender"] == "PEMERINTAH PROVINSI JAWA TIMUR DINAS PENDIDIKAN"
    assert letter["letter_number"] == "420/1234/101.1/2017"
    assert letter["letter_date"] == "2017-10-02"
    assert letter["subject"] == "Data Guru Honorer"
    assert (letter["urgency"], letter["security"]) == ("amat segera", "rahasia")
    assert letter["attachment_count"] == 0
    assert letter["sources"]["subject"] == "pdf"


def test_forward_of_a_forward_takes_the_innermost_original(office):
    inner = gmail_forward(
        original_from="Sekretariat Daerah <setda@probolinggokab.example>",
        original_date="Sel, 3 Okt 2017 pukul 10.15",
        original_subject="Rapat Evaluasi",
    )
    outer_text = (
        "Mohon dicatat.\n\n---------- Forwarded message ---------\nFrom: Kasubbag <kasubbag@x.example>\n"
        "Date: Wed, Oct 4, 2017 at 8:00 AM\nSubject: Fwd: Rapat Evaluasi\nTo: <agenda@x.example>\n\n"
        + inner.get_body(("plain",)).get_content()
    )
    outer = gmail_forward()
    outer.set_content(outer_text)
    del outer["Subject"]
    outer["Subject"] = "Fwd: Fwd: Rapat Evaluasi"
    office.mail.send(outer)
    office.poll()
    letter = show(office, "1")
    assert letter["sender"] == "Sekretariat Daerah <setda@probolinggokab.example>"
    assert letter["subject"] == "Rapat Evaluasi" and letter["letter_date"] == "2017-10-03"


def test_attached_eml_original(office):
    original = original_letter()
    office.mail.send(eml_forward(original, own="Sifat: Segera"))
    office.poll()
    letter = show(office, "1")
    assert letter["sender"] == "sekretariat@jatimprov.example"
    assert letter["subject"] == "Undangan Rapat Koordinasi"
    assert letter["letter_number"] == "005/123/426.101/2026" and letter["classification"] == "005"
    assert letter["urgency"] == "segera"


def test_the_same_letter_forwarded_twice_is_linked_and_the_clerk_told(office):
    pdf = pdf_letter()
    office.mail.send(gmail_forward(pdf=pdf))
    office.poll()
    office.mail.send(gmail_forward(pdf=pdf, labels="Catatan: kiriman kedua"))
    assert office.poll().outcomes == {"duplicate": 1}
    letter = show(office, "1")
    assert [e["action"] for e in letter["log"]].count("duplicate") == 1
    notice = office.mail.wait_for(CLERK, lambda m: "Sudah tercatat" in str(m["Subject"]))
    assert "001/SM/" in text_of(notice)
    with Session(office.app.engine) as session:
        assert len(session.exec(select(Letter)).all()) == 1


def test_second_poll_and_restart_never_file_twice(office):
    office.mail.send(gmail_forward(pdf=pdf_letter()))
    office.poll()
    office._app = None  # a restart: a new App over the same database
    assert office.poll().seen == 0
    office.mail.send(gmail_forward(pdf=pdf_letter(number="2/2017")))
    assert office.poll().outcomes == {"letter": 1}
    with Session(office.app.engine) as session:
        assert [letter.seq for letter in session.exec(select(Letter).order_by(Letter.seq))] == [1, 2]
        assert session.exec(select(OutboxMessage).where(OutboxMessage.status != "sent")).all() == []


def test_a_long_poll_reports_its_progress(office):
    from mailflow.ops import service

    for n in range(3):
        office.mail.send(gmail_forward(pdf=pdf_letter(number=f"{n}/P/2026")))
    seen = []
    service.once(office.app, lambda box, done, total: seen.append((box, done, total)))
    assert seen[0] == ("surat", 0, 3) and seen[-1] == ("surat", 3, 3)
