"""A clerk corrects the registry by replying to the receipt, from a real mailbox."""

from __future__ import annotations

import os
from email.message import EmailMessage
from email.utils import make_msgid

from sqlmodel import Session, select

from mailflow.storage.models import Event, Letter
from tests.support.letters import CLERK, MAILBOX, attach, gmail_forward, pdf_letter
from tests.support.mail import text_of


def reply_to(original, body: str, sender: str = CLERK, keep_headers: bool = True) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = str(original["Reply-To"] or original["From"])
    msg["Subject"] = "Re: " + str(original["Subject"])
    msg["Message-ID"] = make_msgid(domain="probolinggokab.example")
    if keep_headers:
        msg["In-Reply-To"] = original["Message-ID"]
        msg["References"] = original["Message-ID"]
    quoted = "\n".join("> " + line for line in text_of(original).splitlines())
    msg.set_content(
        f"{body}\n\nPada tanggal Jum, 27 Nov 2026 pukul 10.15 Mailflow <{MAILBOX}> menulis:\n{quoted}\n"
    )
    return msg


def filed_letter(office) -> tuple[Letter, object]:
    office.mail.send(gmail_forward(pdf=pdf_letter()))
    office.poll()
    receipt = office.mail.wait_for(CLERK, lambda m: "Tanda terima" in str(m["Subject"]))
    with Session(office.app.engine) as session:
        return session.exec(select(Letter)).one(), receipt


def test_clerk_corrects_fields_by_replying_to_the_receipt(office):
    letter, receipt = filed_letter(office)
    office.mail.send(
        reply_to(
            receipt,
            "Perihal: Pembentukan Cabdin dan UPTD\nTanggal: 3 Oktober 2017\n"
            "Sifat: Sangat Segera\n\nTerima kasih",
        )
    )
    assert office.poll().outcomes == {"correction": 1}
    with Session(office.app.engine) as session:
        fixed = session.get(Letter, letter.id)
        events = session.exec(select(Event).where(Event.action == "corrected")).all()
    assert fixed.subject == "Pembentukan Cabdin dan UPTD"
    assert str(fixed.letter_date) == "2017-10-03" and fixed.urgency == "amat segera"
    assert fixed.sources["subject"] == "clerk"
    [event] = events
    assert event.actor == CLERK and "subject" in [name for name, _, _ in event.facts["changes"]]  # the log holds facts
    confirmation = office.mail.wait_for(CLERK, lambda m: "Koreksi dicatat" in str(m["Subject"]))
    body = text_of(confirmation)
    assert "Pembentukan Cabang Dinas dan UPTD -> Pembentukan Cabdin dan UPTD" in body
    assert confirmation["In-Reply-To"] is not None


def test_reply_without_headers_still_finds_the_letter_by_subject_tag(office):
    letter, receipt = filed_letter(office)
    office.mail.send(reply_to(receipt, "Nomor: 061/5433/OTDA", keep_headers=False))
    assert office.poll().outcomes == {"correction": 1}
    with Session(office.app.engine) as session:
        assert session.get(Letter, letter.id).letter_number == "061/5433/OTDA"


def test_a_reply_with_no_label_changes_nothing_and_says_so(office):
    _letter, receipt = filed_letter(office)
    office.mail.send(reply_to(receipt, "Sudah saya cek, terima kasih."))
    office.poll()
    answer = office.mail.wait_for(CLERK, lambda m: "Koreksi dicatat" in str(m["Subject"]))
    assert "Tidak ada data yang berubah" in text_of(answer)
    with Session(office.app.engine) as session:
        assert session.exec(select(Event).where(Event.action == "corrected")).all() == []


def test_someone_else_replying_to_a_receipt_changes_nothing(office):
    letter, receipt = filed_letter(office)
    office.mail.send(reply_to(receipt, "Perihal: diganti", sender="stranger@elsewhere.example"))
    assert office.poll().outcomes == {"quarantined": 1}
    with Session(office.app.engine) as session:
        assert session.get(Letter, letter.id).subject == "Pembentukan Cabang Dinas dan UPTD"


def test_keyword_mode_leaves_mail_in_place_and_never_refiles(office):
    office.reconfigure(box_extra='after_processing = "keyword"')
    office.mail.send(gmail_forward(pdf=pdf_letter()))
    assert office.poll().outcomes == {"letter": 1}
    assert office.poll().seen == 0
    assert office.mail.count(MAILBOX) == 1
    assert office.mail.count(MAILBOX, "Mailflow/Processed") == 0


def test_oversize_mail_is_quarantined_and_the_sender_told(office):
    office.reconfigure(extra="max_message_bytes = 20000")
    big = attach(
        gmail_forward(pdf=pdf_letter()), os.urandom(60000), "lampiran.bin", "application/octet-stream"
    )
    office.mail.send(big)
    assert office.poll().outcomes == {"quarantined": 1}
    notice = office.mail.wait_for(CLERK, lambda m: "Belum diproses" in str(m["Subject"]))
    assert "melebihi batas" in text_of(notice)
