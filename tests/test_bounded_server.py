"""Bounded work for anything a stranger can send, through the real pipeline (Dovecot, relay,
`poll`; issue 20): each class is filed or held, the poll goes on, and a letter past a limit is
filed with a receipt naming what was not read and why. bench/hostile.py measures the costs."""

from __future__ import annotations

import json

from sqlmodel import Session, select

from mailflow.storage.models import Event, Letter, QuarantineItem, ScanJob
from mailflow.text.fields import CUT
from mailflow.text.lines import MAX_LINE
from tests.support.hostile import (
    MAILBOX,
    broken_png,
    long_from_forward,
    many_parts,
    nested_forms_pdf,
    pixel_bomb_pdf,
    pixel_bomb_png,
)
from tests.support.letters import CLERK, attach, gmail_forward, photo_scan
from tests.support.mail import text_of
from tests.test_scans_server import run_cli


def test_a_forward_with_a_long_from_line_is_filed(office, inbox):
    """160,000 address characters in the forwarded From line (160 s before issue 20)."""
    office.mail.append(MAILBOX, long_from_forward(160_000))
    office.mail.send(gmail_forward())
    report = office.poll()
    assert report.error is None and report.outcomes == {"letter": 2}
    letters = json.loads(run_cli(office, "letters", "--json"))
    assert {row["subject"] for row in letters} == {"Undangan rapat", "Pembentukan Cabang Dinas dan UPTD"}
    # The sender is the From line's first MAX_LINE characters, and the receipt asks to check it.
    receipts = [text_of(inbox.next(CLERK, "Tanda terima")) for _ in letters]
    receipt = next(r for r in receipts if "Undangan rapat" in r)
    assert f"Asal surat        : {'a.' * (MAX_LINE // 2)}{CUT}  [mohon periksa]" in receipt
    assert "terlalu panjang dan dipotong: mohon periksa" in receipt


def test_a_message_of_many_parts_is_held_before_its_tree_is_built(office):
    office.mail.append(MAILBOX, many_parts(8_000_000))
    office.mail.send(gmail_forward())
    report = office.poll()
    assert report.error is None and report.outcomes == {"quarantined": 1, "letter": 1}
    with Session(office.app.engine) as session:
        held = session.exec(select(QuarantineItem)).one()
    assert (held.reason, held.detail) == ("malformed", "more than 500 MIME parts")


def test_a_pdf_bomb_is_filed_and_the_receipt_says_its_text_was_not_read(office, inbox):
    """A 2 KB PDF of nested forms: its text layer is refused at its deadline, and it is not
    rendered for OCR either; the letter is filed from the forward."""
    office.mail.send(gmail_forward(pdf=nested_forms_pdf(8)))
    assert office.poll().outcomes == {"letter": 1}
    receipt = text_of(inbox.next(CLERK, "Tanda terima"))
    assert "Tidak dibaca" in receipt
    assert "surat-kemendagri.pdf: teksnya tidak dibaca, membacanya melebihi batas waktu" in receipt
    with Session(office.app.engine) as session:
        assert session.exec(select(ScanJob)).all() == []  # nothing to OCR
        letter = session.exec(select(Letter)).one()
    assert letter.subject == "Pembentukan Cabang Dinas dan UPTD"


def test_bad_images_fail_their_own_files_and_every_letter_is_filed(office, inbox):
    """A broken PNG (Pillow's SyntaxError), a 46000x46000 PNG and a PDF of one such image beside
    a good photo; another letter's photo is read as usual and the outbox goes."""
    hostile = photo_scan(pages=1, subject="Surat dengan gambar rusak")
    attach(hostile, broken_png(), "IMG_20261129_5.png", "image/png")
    attach(hostile, pixel_bomb_png(), "IMG_20261129_6.png", "image/png")
    attach(hostile, pixel_bomb_pdf(), "besar.pdf", "application/pdf")
    office.mail.send(hostile)
    office.mail.send(photo_scan(pages=1, subject="Surat biasa"))
    report = office.poll()
    assert report.error is None and report.outcomes == {"letter": 2}
    with Session(office.app.engine) as session:
        jobs = session.exec(select(ScanJob).order_by(ScanJob.id)).all()
        unread = session.exec(select(Event).where(Event.action == "not_read")).all()
    assert [job.status for job in jobs] == ["done", "done"]
    assert sorted(tuple(e.targets) for e in unread) == [
        ("IMG_20261129_5.png", "damaged"),
        ("IMG_20261129_6.png", "pixels"),
        ("besar.pdf", "pixels"),
    ]
    receipts = [text_of(inbox.next(CLERK, "Tanda terima")) for _ in range(2)]
    hostile_receipt = next(r for r in receipts if "gambar rusak" in r)
    assert "IMG_20261129_6.png: tidak dibaca OCR, gambarnya melebihi batas ukuran (piksel)" in hostile_receipt
    assert "IMG_20261129_5.png: tidak dibaca OCR, gambar atau PDF rusak" in hostile_receipt
    assert "Tidak dibaca" not in next(r for r in receipts if "Surat biasa" in r)
