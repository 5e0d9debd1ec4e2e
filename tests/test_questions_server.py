"""Every reply gets exactly one email back: a question by its answer alone, a question asked with
other statements inside the one confirmation, and an out-of-office text by nothing at all."""

from __future__ import annotations

import time

from tests.support import clients
from tests.support.inbox import Inbox
from tests.support.mail import text_of
from tests.test_disposition_server import KADIS, PAUD


def _new_mail(office, user: str, before: int) -> list:
    office.poll()  # the outbox goes out with the poll
    time.sleep(0.3)
    return office.mail.messages(user)[before:]


def test_status_in_any_phrasing_is_answered_by_the_status_alone(office, request_to_kadis):
    for question in ("Status surat ini?", "Bagaimana posisinya?"):
        before = len(office.mail.messages(KADIS))
        office.mail.send(clients.gmail_android_id(request_to_kadis, KADIS, question))
        assert office.poll().outcomes == {"reply": 1}
        answers = _new_mail(office, KADIS, before)
        assert [str(m["Subject"]).split("] ")[1].split(":")[0] for m in answers] == ["Status"], question


def test_bantuan_gets_the_reply_language_card_in_the_readers_language(office, request_to_kadis):
    inbox = Inbox(office)
    office.mail.send(clients.iphone_id(request_to_kadis, KADIS, "Bantuan"))
    office.poll()
    card = inbox.next(KADIS, "Cara menjawab email Mailflow")
    assert "Sekretaris: pelajari dan sosialisasikan" in text_of(card) and "Dicatat" not in str(
        card["Subject"]
    )
    office.mail.send(clients.gmail_android_id(request_to_kadis, KADIS, "Kabid PAUD: 4"))
    office.poll()
    to_paud = inbox.next(PAUD, "Disposition from")
    office.mail.send(clients.apple_mail_en(to_paud, PAUD, "Help"))
    office.poll()
    english = inbox.next(PAUD, "How to answer Mailflow's emails")
    assert "Noted / Will do / On it" in text_of(english)


def test_a_question_with_an_action_is_answered_in_the_one_confirmation(office, request_to_kadis):
    before = len(office.mail.messages(KADIS))
    office.mail.send(clients.gmail_android_id(request_to_kadis, KADIS, "Sekretaris: pelajari\nStatus"))
    office.poll()
    answers = _new_mail(office, KADIS, before)
    assert len(answers) == 1 and "Dicatat" in str(answers[0]["Subject"])
    assert "Posisi disposisi:" in text_of(answers[0])
    assert "Sekretaris Dinas Pendidikan (Agus Wibowo): belum dijawab" in text_of(answers[0])


def test_an_out_of_office_text_is_never_a_disposition_and_never_answered(office, request_to_kadis):
    before = len(office.mail.messages(KADIS))
    away = (
        "Terima kasih atas email Anda. Saya sedang cuti sampai 4 Desember 2026.\n"
        "Untuk hal mendesak silakan hubungi:\nSekretaris Dinas: Bpk. Agus Wibowo (0812-3456-7890)"
    )
    office.mail.send(clients.samsung_id(request_to_kadis, KADIS, away))
    assert office.poll().outcomes == {"ignored": 1}
    assert _new_mail(office, KADIS, before) == []
    assert office.mail.messages("sekretaris@probolinggokab.example") == []
