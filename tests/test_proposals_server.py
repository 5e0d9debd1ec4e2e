"""Confirm a proposal, end to end: a line close to a disposition is proposed in the one answer, and
a yes to that answer applies it through the same path as a disposition written in full, once,
only while its reply code is valid, and only for the official it was sent to. Every official reads
and answers from their own mailbox over IMAP (Dovecot), through the SMTP relay."""

from __future__ import annotations

import datetime as dt
import time

from sqlmodel import Session, select

from mailflow.storage.models import Disposition, OutboxMessage, PendingProposal
from mailflow.text.reply_tokens import plus_address
from tests.support import clients
from tests.support.mail import text_of
from tests.test_disposition_server import KADIS, PAUD, SEKRETARIS, show

MAILBOX = "surat@probolinggokab.example"

CLOSE = "Sekertaris: pelajari dan siapkan jawaban, batas 3 hari"  # "Sekertaris": a misspelt Sekretaris


def _new_mail(office, user: str, before: int) -> list:
    time.sleep(0.3)  # the outbox went out with the poll; let the relay hand it to Dovecot
    return office.mail.messages(user)[before:]


def _disposed(office) -> list[dict]:
    return [e for e in show(office)["log"] if e["action"] == "disposed"]


def _proposal(office) -> PendingProposal:
    with Session(office.app.engine) as session:
        return session.exec(select(PendingProposal)).one()


def _proposed(office, inbox, request, text: str = CLOSE, subject: str = "Mohon konfirmasi"):
    """Kadis answers with `text`; the one answer proposes its reading, and nothing is applied yet."""
    before = len(office.mail.messages(KADIS))
    assert inbox.answer(clients.gmail_android_id, request, KADIS, text).outcomes == {"reply": 1}
    asked = inbox.next(KADIS, subject)
    assert len(_new_mail(office, KADIS, before)) == 1  # one answer in total
    return asked


def test_a_proposal_then_ya_applies_the_reading_once_through_the_disposition_path(
    office, inbox, request_to_kadis
):
    asked = _proposed(office, inbox, request_to_kadis)
    body = text_of(asked)
    proposal = _proposal(office)
    [kept] = proposal.statements and __import__("json").loads(proposal.statements)
    deadline = dt.date.fromisoformat(kept["deadline"])
    assert f'"{CLOSE}"' in body and "Kode balasan: d" in body
    assert (
        "Maksud Bapak/Ibu: **Sekretaris Dinas Pendidikan** - pelajari dan siapkan jawaban, batas "
        f"**{deadline.day} " in body
    )
    assert "Balas YA untuk menjalankan, atau tulis ulang." in body
    assert _disposed(office) == [] and office.mail.messages(SEKRETARIS) == []
    assert (proposal.recipient, proposal.position_id, proposal.state) == (KADIS, "kadis", "pending")
    assert kept["targets"] == ["sekretaris"] and kept["instruction"] == "pelajari dan siapkan jawaban"
    with Session(office.app.engine) as session:
        answer = session.exec(select(OutboxMessage).where(OutboxMessage.message_id == proposal.message_id)).one()
    assert answer.kind == "confirmation" and answer.recipient == KADIS

    assert inbox.answer(clients.iphone_id, asked, KADIS, "Ya pak").outcomes == {"reply": 1}
    instruction = inbox.next(SEKRETARIS, "Disposisi dari Kepala Dinas Pendidikan")
    assert "pelajari dan siapkan jawaban" in text_of(instruction)
    confirmation = inbox.next(KADIS, "Dicatat")
    assert "Disposisi kepada Sekretaris Dinas Pendidikan (Agus Wibowo): pelajari dan siapkan jawaban" in text_of(
        confirmation
    )
    [event] = _disposed(office)
    assert (event["actor"], event["targets"], event["instruction"]) == (
        KADIS, [SEKRETARIS], "pelajari dan siapkan jawaban",
    )  # fmt: skip
    assert event["text"] == CLOSE  # the line as the official wrote it
    with Session(office.app.engine) as session:
        child = session.exec(select(Disposition).where(Disposition.holder == SEKRETARIS)).one()
    assert child.deadline == deadline and _proposal(office).state == "applied"


def test_ya_twice_acts_once(office, inbox, request_to_kadis):
    asked = _proposed(office, inbox, request_to_kadis)
    inbox.answer(clients.iphone_id, asked, KADIS, "Ya")
    inbox.next(KADIS, "Dicatat")
    assert inbox.answer(clients.iphone_id, asked, KADIS, "Ya").outcomes == {"ignored": 1}  # the same words again
    before = len(office.mail.messages(KADIS))
    assert inbox.answer(clients.gmail_android_id, asked, KADIS, "ok siap").outcomes == {"reply": 1}
    [again] = _new_mail(office, KADIS, before)
    assert "usulan ini sudah dijalankan sebelumnya; tidak dijalankan lagi" in text_of(again)
    assert len(_disposed(office)) == 1
    assert len([m for m in office.mail.messages(SEKRETARIS) if "Disposisi dari" in str(m["Subject"])]) == 1


def test_ya_after_the_proposal_expired_acts_never_and_says_so(office, inbox, request_to_kadis):
    asked = _proposed(office, inbox, request_to_kadis)
    with Session(office.app.engine) as session:
        proposal = session.exec(select(PendingProposal)).one()
        today = dt.datetime.now(office.app.settings.zone).date()  # the office's day (WIB), not UTC's
        assert proposal.expires_on == today + dt.timedelta(days=office.app.settings.token_days)
        proposal.expires_on = dt.date.today() - dt.timedelta(days=1)  # as its reply code, days ago
        session.add(proposal)
        session.commit()
    inbox.answer(clients.iphone_id, asked, KADIS, "Betul")
    answer = inbox.next(KADIS, "Belum ada yang dicatat")
    assert "sudah kedaluwarsa; tidak ada yang dijalankan" in text_of(answer)
    assert _disposed(office) == [] and office.mail.messages(SEKRETARIS) == []
    assert _proposal(office).state == "pending"  # still unapplied, and never applicable again


def test_ya_with_an_expired_reply_code_acts_never_and_says_so(office, inbox, request_to_kadis):
    asked = _proposed(office, inbox, request_to_kadis)
    with Session(office.app.engine) as session:
        node = session.exec(select(Disposition).where(Disposition.holder == KADIS)).one()
    expired = office.app.signer.make(node.id, KADIS, dt.date.today() - dt.timedelta(days=1))
    office.mail.send(clients.iphone_id(asked, KADIS, "Ya", to=plus_address(MAILBOX, expired)))
    assert office.poll().outcomes == {"quarantined": 1}
    told = text_of(inbox.next(KADIS, "kode balasan sudah tidak berlaku"))
    assert "TIDAK dijalankan" in told and "ada yang mencoba" not in told
    assert _disposed(office) == [] and _proposal(office).state == "pending"


def test_ya_from_someone_else_acts_never(office, inbox, request_to_kadis):
    asked = _proposed(office, inbox, request_to_kadis, f"Kabid PAUD: 4\n{CLOSE}", "Dicatat, mohon konfirmasi")
    to_paud = inbox.next(PAUD, "Disposition from")
    # The proposal forwarded to the Sekretaris, who answers it: Kadis's reply code, another sender.
    office.mail.send(clients.gmail_android_id(asked, SEKRETARIS, "Ya"))
    assert office.poll().outcomes == {"quarantined": 1}
    # The Kabid PAUD answers the proposal with her own, valid reply code.
    office.mail.send(clients.gmail_android_id(asked, PAUD, "Yes", to=str(to_paud["Reply-To"])))
    assert office.poll().outcomes == {"reply": 1}
    refused = inbox.next(PAUD, "Nothing recorded")
    assert "this proposal was not sent to you" in text_of(refused)  # in her language
    assert [e["targets"] for e in _disposed(office)] == [[PAUD]]
    assert [m for m in office.mail.messages(SEKRETARIS) if "Disposisi dari" in str(m["Subject"])] == []
    # Neither used it up: Kadis's own yes still applies it.
    inbox.answer(clients.iphone_id, asked, KADIS, "1")
    inbox.next(SEKRETARIS, "Disposisi dari Kepala Dinas Pendidikan")
    assert [e["targets"] for e in _disposed(office)] == [[PAUD], [SEKRETARIS]]


def test_a_rewritten_line_is_a_new_reply_and_replaces_the_proposal(office, inbox, request_to_kadis):
    asked = _proposed(office, inbox, request_to_kadis)
    inbox.answer(clients.iphone_id, asked, KADIS, "Sekretaris: siapkan bahan rapat")
    assert "siapkan bahan rapat" in text_of(inbox.next(SEKRETARIS, "Disposisi dari"))
    assert _proposal(office).state == "replaced"
    inbox.answer(clients.iphone_id, asked, KADIS, "Ya")
    answer = inbox.next(KADIS, "Belum ada yang dicatat")
    assert "sudah diganti oleh balasan Anda berikutnya" in text_of(answer)
    assert [e["instruction"] for e in _disposed(office)] == ["siapkan bahan rapat"]


def test_one_answer_holds_what_was_applied_what_is_proposed_and_what_is_asked_back(
    office, inbox, request_to_kadis
):
    before = len(office.mail.messages(KADIS))
    text = f"Kabid PAUD: 4\n{CLOSE}\nKabid: hadiri"
    assert inbox.answer(clients.gmail_android_id, request_to_kadis, KADIS, text).outcomes == {"reply": 1}
    inbox.next(PAUD, "Disposition from")
    [answer] = _new_mail(office, KADIS, before)
    body = text_of(answer)
    assert "Dicatat, mohon konfirmasi" in str(answer["Subject"])
    assert "Disposisi kepada Kepala Bidang PAUD dan Pendidikan Nonformal (Dewi Lestari)" in body
    assert "Maksud Bapak/Ibu: **Sekretaris Dinas Pendidikan** - pelajari dan siapkan jawaban" in body
    assert '"Kabid: hadiri"' in body and "Maksud Anda: Kepala Bidang Pendidikan Dasar" in body
    assert [e["targets"] for e in _disposed(office)] == [[PAUD]]
