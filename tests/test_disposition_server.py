"""Dispositions by reply, end to end: every official reads and answers from their own mailbox
over IMAP, with replies shaped like the clients they use."""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlmodel import Session, select

from mailflow.cli import cli
from mailflow.storage.models import Letter
from tests.support import clients
from tests.support.facts import assert_stored_facts_agree
from tests.support.letters import attach, pdf_letter
from tests.support.mail import text_of

D = "@probolinggokab.example"
KADIS, SEKRETARIS, KASUBBAG = f"kadis{D}", f"sekretaris{D}", f"kasubbag.umum{D}"
DIKDAS, PAUD = f"kabid.dikdas{D}", f"kabid.paud{D}"


def show(office, agenda: str = "1") -> dict:
    result = CliRunner().invoke(
        cli, ["--config", str(office.config_path), "letter", "show", agenda, "--json"]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_the_probolinggo_scenario(office, inbox, request_to_kadis):
    request = request_to_kadis
    body = text_of(request)
    assert "1. Sekretaris Dinas Pendidikan (Agus Wibowo)" in body
    assert "6. Pelajari/telaah" in body and "Kode balasan: d" in body
    assert [p.get_filename() for p in request.iter_attachments()] == ["surat-kemendagri.pdf"]
    assert "surat+d" in str(request["Reply-To"])

    report = inbox.answer(clients.gmail_android_id, request, KADIS, "Sekretaris: Pelajari dan Sosialisasikan")
    assert report.outcomes == {"reply": 1}
    instruction = inbox.next(SEKRETARIS, "Disposisi dari Kepala Dinas Pendidikan")
    assert "Pelajari dan Sosialisasikan" in text_of(instruction)
    assert [p.get_filename() for p in instruction.iter_attachments()] == ["surat-kemendagri.pdf"]
    assert request["References"].split()[0] == instruction["References"].split()[0]  # one thread per letter
    confirmation = inbox.next(KADIS, "Dicatat")
    assert (
        "Disposisi kepada Sekretaris Dinas Pendidikan (Agus Wibowo): Pelajari dan Sosialisasikan"
        in text_of(confirmation)
    )

    inbox.answer(clients.iphone_id, instruction, SEKRETARIS, "Siap!")
    told = inbox.next(KADIS, "Sekretaris Dinas Pendidikan: Siap")
    assert "Siap: Siap!" in text_of(told)

    letter = show(office)
    log = [(e["action"], e["actor"], e["targets"], e["instruction"]) for e in letter["log"]]
    assert ("disposed", KADIS, [SEKRETARIS], "Pelajari dan Sosialisasikan") in log
    assert ("acknowledged", SEKRETARIS, [], None) in log
    assert letter["status"] == "in_progress"


def test_three_level_cascade_with_a_completion_report(office, inbox, request_to_kadis):
    inbox.answer(clients.samsung_id, request_to_kadis, KADIS, "1: pelajari dan tindaklanjuti")
    to_sekretaris = inbox.next(SEKRETARIS, "Disposisi dari")
    inbox.answer(
        clients.apple_mail_en, to_sekretaris, SEKRETARIS, "Kasubbag umum: siapkan bahan batas 3 hari"
    )
    to_kasubbag = inbox.next(KASUBBAG, "Disposisi dari Sekretaris")
    assert "siapkan bahan" in text_of(to_kasubbag)
    report = clients.yahoo_android_id(to_kasubbag, KASUBBAG, "Selesai: sudah disosialisasikan ke 24 sekolah")
    attach(report, pdf_letter(hal="Laporan Sosialisasi"), "laporan.pdf", "application/pdf")
    office.mail.send(report)
    office.poll()
    told = inbox.next(SEKRETARIS, "Kepala Subbagian Umum dan Kepegawaian: Selesai")
    assert "sudah disosialisasikan ke 24 sekolah" in text_of(told)
    letter = show(office)
    assert letter["status"] == "done"
    completed = [e for e in letter["log"] if e["action"] == "completed"]
    assert (
        completed[0]["actor"] == KASUBBAG and completed[0]["text"] == "sudah disosialisasikan ke 24 sekolah"
    )
    assert len(completed) == 3  # kasubbag's report, then sekretaris's and kadis's branches close
    assert_stored_facts_agree(office.app.engine)  # the dashboard's spans, the book's open deadline
    with Session(office.app.engine) as session:
        [stored] = session.exec(select(Letter)).all()
        assert stored.hours_to_disposition is not None and stored.hours_to_finish is not None
        assert stored.open_deadline is None


def test_several_targets_each_acknowledge(office, inbox, request_to_kadis):
    inbox.answer(
        clients.gmail_android_id, request_to_kadis, KADIS, "Kabid Dikdas, Kabid PAUD: 2, 4 batas 3 hari"
    )
    to_dikdas = inbox.next(DIKDAS, "Disposisi dari")
    to_paud = inbox.next(PAUD, "Disposition from")  # Dewi reads English
    assert "Proses lebih lanjut; Untuk diketahui" in text_of(to_paud)
    inbox.answer(clients.outlook_html_only, to_paud, PAUD, "Noted, will do")
    inbox.next(KADIS, "Kepala Bidang PAUD dan Pendidikan Nonformal: Siap")
    inbox.answer(clients.iphone_id, to_dikdas, DIKDAS, "siap laksanakan")
    inbox.next(KADIS, "Kepala Bidang Pendidikan Dasar: Siap")
    acks = [e["actor"] for e in show(office)["log"] if e["action"] == "acknowledged"]
    assert sorted(acks) == [DIKDAS, PAUD]


def test_undo_before_anyone_answers(office, inbox, request_to_kadis):
    inbox.answer(clients.gmail_android_id, request_to_kadis, KADIS, "Kabid PAUD: hadiri besok")
    inbox.next(PAUD, "Disposition from")
    confirmation = inbox.next(KADIS, "Dicatat")
    inbox.answer(clients.gmail_android_id, confirmation, KADIS, "batal")
    cancelled = inbox.next(PAUD, "Disposition revoked")
    assert "hadiri" in text_of(cancelled)
    letter = show(office)
    cancelled_event = next(e for e in letter["log"] if e["action"] == "cancelled")
    assert cancelled_event["actor"] == KADIS and cancelled_event["targets"] == [PAUD]
    assert letter["status"] == "awaiting"
    # a late answer to the revoked disposition changes nothing and says why
    inbox.answer(clients.outlook_html_only, cancelled, PAUD, "Done: attended")
    assert "revoked by the official who gave it" in text_of(
        inbox.next(PAUD, "Nothing recorded")
    )  # in her language
    assert "completed" not in [e["action"] for e in show(office)["log"]]
    assert_stored_facts_agree(office.app.engine)  # kadis holds it again: open, with its deadline
    with Session(office.app.engine) as session:
        [stored] = session.exec(select(Letter)).all()
        assert stored.open_deadline is not None and stored.hours_to_finish is None


def test_status_request_and_ambiguous_target_asked_back(office, inbox, request_to_kadis):
    inbox.answer(clients.gmail_android_id, request_to_kadis, KADIS, "Kabid: pelajari")
    asked = inbox.next(KADIS, "Belum ada yang dicatat")
    body = text_of(asked)
    assert "Maksud Anda: Kepala Bidang Pendidikan Dasar (Rina Kusumawati); Kepala Bidang PAUD" in body
    assert "menunggu disposisi Anda" in body
    inbox.answer(clients.gmail_android_id, asked, KADIS, "status")
    status = inbox.next(KADIS, "Status:")
    assert "Kepala Dinas Pendidikan (Budi Santoso): belum dijawab" in text_of(status)
    assert not [e for e in show(office)["log"] if e["action"] == "disposed"]


def test_reply_without_thread_headers_is_found_by_its_token(office, inbox, request_to_kadis):
    report = inbox.answer(clients.iphone_id, request_to_kadis, KADIS, "Arsipkan", keep_headers=False)
    assert report.outcomes == {"reply": 1}
    assert show(office)["status"] == "archived"


def test_reply_to_the_plain_address_is_found_by_subject_tag(office, inbox, request_to_kadis):
    reply = clients.iphone_id(
        request_to_kadis, KADIS, "Arsipkan", keep_headers=False, to="surat@probolinggokab.example"
    )
    office.mail.send(reply)
    assert office.poll().outcomes == {"reply": 1}


def test_someone_else_using_kadis_token_is_rejected_and_kadis_warned(office, inbox, request_to_kadis):
    forged = clients.gmail_android_id(request_to_kadis, SEKRETARIS, "Arsipkan")
    office.mail.send(forged)
    assert office.poll().outcomes == {"quarantined": 1}
    warning = inbox.next(KADIS, "Peringatan")
    assert SEKRETARIS in text_of(warning)
    letter = show(office)
    assert letter["status"] == "awaiting" and "rejected" in [e["action"] for e in letter["log"]]


def _ask_status(office, asker: str) -> None:
    from email.message import EmailMessage

    ask = EmailMessage()
    ask["From"], ask["To"] = asker, "surat@probolinggokab.example"
    ask["Subject"] = f"STATUS {show(office)['agenda_number']}"
    ask.set_content("")
    office.mail.send(ask)


def test_status_by_a_new_email_answers_the_tree_and_its_superiors_only(office, inbox, request_to_kadis):
    inbox.answer(clients.gmail_android_id, request_to_kadis, KADIS, "Sekretaris: pelajari")
    _ask_status(office, KASUBBAG)  # below the Sekretaris: not part of this letter
    assert office.poll().outcomes == {"status": 1}
    refused = inbox.next(KASUBBAG, "Belum diproses")
    assert "tidak termasuk penerima" in text_of(refused) and "Pembentukan" not in text_of(refused)
    _ask_status(office, SEKRETARIS)  # holds a disposition: answered with their own reply code
    office.poll()
    status = inbox.next(SEKRETARIS, "Status:")
    assert "Kepala Dinas Pendidikan (Budi Santoso)" in text_of(status)
    assert "+d" in str(status["Reply-To"])
    inbox.answer(clients.gmail_android_id, status, SEKRETARIS, "Siap")  # the code is theirs: no alarm
    assert not [m for m in office.mail.messages(SEKRETARIS) if "Peringatan" in str(m["Subject"])]
    assert "acknowledged" in [e["action"] for e in show(office)["log"]]


def test_an_outsider_is_refused_and_the_tree_sees_even_a_confidential_letter(office, inbox, request_to_kadis):
    inbox.answer(clients.gmail_android_id, request_to_kadis, KADIS, "Sekretaris: pelajari")
    sekretaris = inbox.next(SEKRETARIS, "Disposisi dari")
    inbox.answer(clients.gmail_android_id, sekretaris, SEKRETARIS, "Kasubbag Umum: siapkan bahan")
    # The Kabid Dikdas is neither in this tree nor above anyone in it.
    _ask_status(office, DIKDAS)
    office.poll()
    assert "tidak termasuk penerima" in text_of(inbox.next(DIKDAS, "Belum diproses"))
    from sqlmodel import Session

    from mailflow.storage.models import Letter

    with Session(office.app.engine) as session:
        letter = session.get(Letter, 1)
        letter.security = "rahasia"
        session.add(letter)
        session.commit()
    _ask_status(office, KASUBBAG)  # in the tree: sees it even when confidential
    office.poll()
    assert "(Hendra" in text_of(inbox.next(KASUBBAG, "Status:"))


def test_letters_by_holder_and_overdue(office, inbox, request_to_kadis):
    import datetime as dt

    from sqlmodel import Session, select

    from mailflow.storage.models import Disposition

    def letters(*args):
        result = CliRunner().invoke(cli, ["--config", str(office.config_path), "letters", "--json", *args])
        assert result.exit_code == 0, result.output
        return [r["agenda_number"] for r in json.loads(result.output)]

    inbox.answer(clients.gmail_android_id, request_to_kadis, KADIS, "Sekretaris: pelajari batas 3 hari")
    agenda = show(office)["agenda_number"]
    assert letters("--holder", SEKRETARIS) == [agenda]
    assert letters("--holder", KADIS) == []
    assert letters("--overdue") == []
    with Session(office.app.engine) as session:  # the clock moves on: the deadline passes
        node = session.exec(select(Disposition).where(Disposition.holder == SEKRETARIS)).one()
        node.deadline = dt.date.today() - dt.timedelta(days=2)
        session.add(node)
        session.commit()
    assert letters("--overdue") == [agenda]
    table = CliRunner().invoke(cli, ["--config", str(office.config_path), "letters"])
    assert "TERLAMBAT" in table.output and "WIB" in table.output  # the office's time zone
    assert agenda in table.output  # an agenda number is never cut
    shown = CliRunner().invoke(cli, ["--config", str(office.config_path), "letter", "show", agenda])
    assert "Sekretaris Dinas Pendidikan (Agus Wibowo): belum dijawab" in shown.output  # the office's language
    office.reconfigure(extra='language = "en"\ntimezone = "Asia/Makassar"')
    shown = CliRunner().invoke(cli, ["--config", str(office.config_path), "letter", "show", agenda])
    assert "Sekretaris Dinas Pendidikan (Agus Wibowo): not answered yet" in shown.output
    assert "WITA" in shown.output and "disposition requested" in shown.output
