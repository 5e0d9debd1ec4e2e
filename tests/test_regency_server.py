"""A regency from one service, through the real servers: letters passed between offices with
their progress flowing back, a wrong-office forward, and each office seeing only its own."""

from __future__ import annotations

import json
import shutil

import pytest
from alembic import command
from click.testing import CliRunner
from sqlalchemy import update
from sqlmodel import Session, col, select

from mailflow.cli import cli
from mailflow.demo.sample_scans import copier_scan
from mailflow.ops import heartbeat
from mailflow.storage.db import _alembic, _migrating, head_revision
from mailflow.storage.models import InboundMessage, Letter
from tests.support import clients
from tests.support.facts import assert_stored_facts_agree
from tests.support.inbox import Inbox
from tests.support.letters import _base, attach, gmail_forward, pdf_letter
from tests.support.mail import text_of
from tests.support.regency import clerk_of, letter_for, mailbox_of

D = "@probolinggokab.example"
SEKDA, PLT_KADIS, SEKDIS = f"sekda{D}", f"asisten2{D}", f"sekretaris.disdik{D}"
KADINKES = f"kadis.dinkes{D}"


@pytest.fixture
def inbox(regency_office) -> Inbox:
    return Inbox(regency_office)


def run(office, *args: str) -> CliRunner:
    return CliRunner().invoke(cli, ["--config", str(office.config_path), *args])


def show(office, agenda: str, code: str) -> dict:
    result = run(office, "letter", "show", agenda, "--office", code, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_a_letter_passes_to_another_office_and_its_completion_flows_back(regency_office, inbox):
    office = regency_office
    office.mail.send(letter_for("SETDA"))
    assert office.poll().outcomes == {"letter": 1}
    request = inbox.next(SEKDA, "Mohon disposisi")
    assert 'Teruskan ke Dinas Pendidikan"' in text_of(request)  # how to name another office

    inbox.answer(clients.gmail_android_id, request, SEKDA, "Dinas Pendidikan: untuk ditindaklanjuti")
    to_plt = inbox.next(PLT_KADIS, "Disposisi dari Sekretaris Daerah, Sekretariat Daerah")
    body = text_of(to_plt)
    assert "Yth. Plt. Kepala Dinas Pendidikan (Slamet Riyadi)" in body and "untuk ditindaklanjuti" in body
    assert [p.get_filename() for p in to_plt.iter_attachments()] == ["surat-kemendagri.pdf"]
    assert str(to_plt["From"]).endswith(f"<{mailbox_of('DISDIK')}>")
    confirmation = inbox.next(SEKDA, "Dicatat")
    assert "Plt. Kepala Dinas Pendidikan (Slamet Riyadi)" in text_of(confirmation)

    there = show(office, "1", "DISDIK")
    assert there["origin"] == {"office": "SETDA", "agenda_number": "001/SM/2026", "status": "in_progress"}
    assert there["attachments"][0]["filename"] == "surat-kemendagri.pdf"

    inbox.answer(clients.iphone_id, to_plt, PLT_KADIS, "Sekretaris: Pelajari dan Sosialisasikan")
    to_sekdis = inbox.next(SEKDIS, "Disposisi dari Plt. Kepala Dinas Pendidikan")
    inbox.answer(clients.samsung_id, to_sekdis, SEKDIS, "Siap!")

    inbox.answer(clients.gmail_android_id, confirmation, SEKDA, "Status")
    status = text_of(inbox.next(SEKDA, "Status"))
    assert (
        "  - Plt. Kepala Dinas Pendidikan (Slamet Riyadi) [DISDIK 001/SM/2026]: sudah didisposisikan"
        in status
    )
    assert "    - Sekretaris Dinas Pendidikan (Agus Wibowo): siap (diterima)" in status  # the other book

    inbox.answer(clients.samsung_id, to_sekdis, SEKDIS, "Selesai: sudah disosialisasikan ke sekolah")
    told = inbox.next(SEKDA, "Selesai di Dinas Pendidikan")
    assert "agenda DISDIK 001/SM/2026" in text_of(told)
    home = show(office, "1", "SETDA")
    assert home["status"] == "done"
    assert home["passed_to"] == [{"office": "DISDIK", "agenda_number": "001/SM/2026", "status": "done"}]
    actions = [e["action"] for e in home["log"]]
    assert actions.count("passed_on") == 1 and "completed" in actions
    # the dashboard's and the book's facts, kept by each book's writers as the branch came back
    assert_stored_facts_agree(office.app.engine)
    with Session(office.app.engine) as session:
        for letter in session.exec(select(Letter)).all():
            assert letter.hours_to_disposition is not None and letter.hours_to_finish is not None
            assert letter.open_deadline is None


def test_a_letter_filed_at_the_wrong_office_is_passed_on(regency_office, inbox):
    office = regency_office
    office.mail.send(letter_for("DINKES", subject="Data Guru Honorer Sekolah Dasar"))
    office.poll()
    request = inbox.next(KADINKES, "Mohon disposisi")
    inbox.answer(clients.iphone_id, request, KADINKES, "Salah alamat.\nTeruskan ke Dinas Pendidikan")
    to_plt = inbox.next(PLT_KADIS, "Data Guru Honorer")
    assert "Dinas Kesehatan" in text_of(to_plt)
    assert show(office, "1", "DINKES")["passed_to"][0]["office"] == "DISDIK"
    letters = json.loads(run(office, "letters", "--office", "DISDIK", "--json").output)
    assert [(r["agenda_number"], r["origin"]["office"]) for r in letters] == [("001/SM/2026", "DINKES")]


def test_a_confidential_letter_passes_without_its_scan(regency_office, inbox):
    office = regency_office
    office.mail.send(letter_for("SETDA", subject="Data Kepegawaian", labels="Sifat: Rahasia"))
    office.poll()
    request = inbox.next(SEKDA, "Mohon disposisi")
    inbox.answer(clients.iphone_id, request, SEKDA, "Kadis Kesehatan: untuk diketahui")
    to_kadinkes = inbox.next(KADINKES, "Data Kepegawaian")
    assert list(to_kadinkes.iter_attachments()) == []
    there = show(office, "1", "DINKES")
    assert there["security"] == "rahasia" and there["attachments"] == []
    assert show(office, "1", "SETDA")["attachments"][0]["filename"] == "surat-kemendagri.pdf"


def test_a_confidential_scan_passes_without_anything_read_from_it(regency_office, inbox):
    """The scan stays home, and so does all that was read out of it: its OCR text (searchable),
    the OCR confidences and the raw message's hash; the other book gets the letter's fields."""
    office = regency_office
    pdf, truth = copier_scan(1)
    scan = _base("Scanned document", "Sifat: Rahasia", sender=clerk_of("SETDA"), to=mailbox_of("SETDA"))
    attach(scan, pdf, "SCAN0001.pdf", "application/pdf")
    office.mail.send(scan)
    assert office.poll().outcomes == {"letter": 1}
    request = inbox.next(SEKDA, truth.subject)
    assert search(office, "SETDA", "pokok surat") == ["001/SM/2026"]  # the scan's own words
    inbox.answer(clients.iphone_id, request, SEKDA, "Kadis Kesehatan: untuk diketahui")
    inbox.next(KADINKES, truth.subject)
    there = show(office, "1", "DINKES")
    assert there["security"] == "rahasia" and there["subject"] == truth.subject
    assert there["attachments"] == [] and there["confidence"] == {}
    assert search(office, "DINKES", "pokok surat") == []
    with Session(office.app.engine) as session:
        passed = session.exec(select(Letter).where(Letter.office == "DINKES")).one()
        home = session.exec(select(Letter).where(Letter.office == "SETDA")).one()
    assert home.ocr_text and home.raw_sha256 and home.confidence
    assert passed.ocr_text is None and passed.raw_sha256 == "" and passed.confidence == {}


def search(office, code: str, words: str) -> list[str]:
    result = run(office, "letters", "--office", code, "--search", words, "--json")
    assert result.exit_code == 0, result.output
    return [r["agenda_number"] for r in json.loads(result.output)]


def test_an_office_template_cannot_reach_python(regency_office, inbox, tmp_path, caplog):
    """An office's own templates render in Jinja's sandbox: `rules check` names the escapes, and
    at run time a refused template is replaced by the built-in one and logged for the admin."""
    office = regency_office
    tree = tmp_path / "tree"
    shutil.copytree(office.rules_dir, tree)
    marker = tmp_path / "ran"
    own = tree / "setda" / "templates" / "id"
    own.mkdir(parents=True)
    (own / "request.txt.j2").write_text(
        f"Mohon disposisi {{{{ cycler.__init__.__globals__.os.popen('id > {marker}').read() }}}}\n\nx\n"
    )
    (own / "receipt.txt.j2").write_text("Tanda terima {{ ''.__class__.__mro__[1].__subclasses__() }}\n\nx\n")
    office.rules_dir = tree
    office.write_config()
    office.mail.send(letter_for("SETDA"))
    assert office.poll().outcomes == {"letter": 1}
    request = text_of(inbox.next(SEKDA, "Mohon disposisi"))
    receipt = inbox.next(clerk_of("SETDA"), "Tanda terima")
    assert "Yth." in request and "uid=" not in request
    assert "class" not in str(receipt["Subject"]) + text_of(receipt)
    assert not marker.exists()  # the shell command never ran
    refused = [r.getMessage() for r in caplog.records if "event=template_refused" in r.getMessage()]
    assert any("id/request" in m and str(own / "request.txt.j2") in m for m in refused), refused
    assert any("id/receipt" in m for m in refused), refused
    # The other offices keep the built-in templates, untouched.
    office.mail.send(letter_for("DINKES"))
    assert office.poll().outcomes == {"letter": 1}
    inbox.next(KADINKES, "Mohon disposisi")
    # Before any of this, the admin's check would have named both escapes.
    checked = run(office, "rules", "check")
    assert checked.exit_code == 1
    assert "request.txt.j2:1: '__init__' is not allowed" in checked.output
    assert "receipt.txt.j2:1: '__class__' is not allowed" in checked.output


def test_each_office_sees_only_its_own_letters(regency_office, inbox):
    office = regency_office
    office.interval = 60  # a good poll stays recent for 3 minutes, however slow the machine
    office.reconfigure()
    office.mail.send(letter_for("SETDA", subject="Rapat Koordinasi Daerah"))
    office.mail.send(letter_for("DINKES", subject="Imunisasi Anak Sekolah"))
    assert office.poll().outcomes == {"letter": 2}
    both = json.loads(run(office, "letters", "--json").output)
    assert sorted((r["office"], r["agenda_number"]) for r in both) == [
        ("DINKES", "001/SM/2026"),
        ("SETDA", "001/SM/2026"),
    ]  # each office's book starts at 001
    dinkes = json.loads(run(office, "letters", "--office", "DINKES", "--json").output)
    assert [r["subject"] for r in dinkes] == ["Imunisasi Anak Sekolah"]
    ambiguous = run(office, "letter", "show", "001/SM/2026")
    assert ambiguous.exit_code != 0 and "books of SETDA, DINKES" in ambiguous.output
    assert run(office, "letter", "show", "1", "--office", "DISDIK").exit_code != 0
    assert "no office 'NOPE'" in run(office, "letters", "--office", "NOPE").output
    export = run(office, "export", "--year", "2026", "--format", "json", "-o", str(office.dir / "a.json"))
    assert export.exit_code != 0 and "add --office" in export.output

    # STATUS by a new email: the asker's own office's book only.
    office.mail.send(_base("STATUS 001/SM/2026", "", KADINKES, mailbox_of("DINKES")))
    office.mail.send(_base("STATUS 001/SM/2026", "", SEKDA, mailbox_of("DINKES")))
    office.poll()
    own = text_of(inbox.next(KADINKES, "Status"))
    assert "Imunisasi Anak Sekolah" in own and "Rapat Koordinasi" not in own

    # A stranger's mail is held for the office it reached, and only its admins see it.
    office.mail.send(_base("Penawaran kerja sama", "Halo", "stranger@elsewhere.example", mailbox_of("SETDA")))
    office.poll()
    held = json.loads(run(office, "quarantine", "list", "--office", "SETDA", "--json").output)
    assert [(i["office"], i["subject"]) for i in held if i["from"].startswith("stranger")] == [
        ("SETDA", "Penawaran kerja sama")
    ]
    dinkes = json.loads(run(office, "quarantine", "list", "--office", "DINKES", "--json").output)
    assert [(i["office"], i["from"]) for i in dinkes] == [("DINKES", SEKDA)]  # a stranger there
    heartbeat.start(office.app.engine, office.app.worker)  # as `mailflow run` does: the service runs
    offices = {o["code"]: o for o in json.loads(run(office, "offices", "--json").output)}
    assert offices["SETDA"]["letters"] == 1 and offices["DISDIK"]["letters"] == 0
    assert offices["SETDA"]["mailboxes"] == ["setda"] and offices["SETDA"]["healthy"]


def test_a_single_office_setup_is_upgraded_in_place(office):
    """Last release's database (schema 0007, a letter waiting on the head) under this release:
    refused until `mailflow db upgrade`, then the same rules folder, unedited, goes on."""
    kadis = "kadis@probolinggokab.example"
    mine = Inbox(office)
    office.mail.send(gmail_forward(pdf=pdf_letter()))
    office.poll()
    request = mine.next(kadis, "Mohon disposisi")
    engine = office.app.engine
    with _migrating(engine) as connection:  # back to the last release's schema, rows and all
        command.downgrade(_alembic(connection), "0007")
    office._app = None
    refused = run(office, "letters")
    assert refused.exit_code != 0 and "mailflow db upgrade" in str(refused.exception)
    upgraded = run(office, "db", "upgrade")
    assert upgraded.exit_code == 0 and f"0007 -> {head_revision()}" in upgraded.output

    mine.answer(clients.iphone_id, request, kadis, "Sekretaris: pelajari")
    mine.next("sekretaris@probolinggokab.example", "Disposisi dari Kepala Dinas Pendidikan")
    office.mail.send(gmail_forward(original_subject="Undangan Rapat", pdf=pdf_letter(hal="Undangan Rapat")))
    office.poll()
    rows = json.loads(run(office, "letters", "--json").output)
    assert [(r["office"], r["agenda_number"], r["status"]) for r in rows] == [
        ("DISDIK", "001/SM/2026", "in_progress"),
        ("DISDIK", "002/SM/2026", "awaiting"),
    ]


def test_one_email_to_two_offices_is_held_in_each_and_the_same_bytes_again_in_one_are_seen(regency_office):
    """A stranger writes to two offices at once, and the server adds nothing per recipient: both
    mailboxes hold the same bytes. Each office holds its own copy for its clerks (it was one
    office's alone, the other's copy "seen before"); the same bytes again in one office's mailbox
    are that office's "seen before"."""
    office = regency_office
    letter = _base(
        "Undangan Rapat Evaluasi", "Mohon hadir.", "stranger@elsewhere.example", mailbox_of("SETDA")
    )
    letter["Cc"] = mailbox_of("DINKES")
    raw = letter.as_bytes()
    for mailbox in (mailbox_of("SETDA"), mailbox_of("DINKES"), mailbox_of("SETDA")):
        office.mail.append(mailbox, raw, sign=False)
    assert office.poll().outcomes == {"quarantined": 2, "seen_before": 1}
    for code in ("SETDA", "DINKES"):
        held = json.loads(run(office, "quarantine", "list", "--office", code, "--json").output)
        assert [(i["office"], i["subject"]) for i in held] == [(code, "Undangan Rapat Evaluasi")]
    # A mailbox since renamed in the config: what it served cannot be told, so its rows still count.
    with office.app.engine.begin() as connection:
        connection.execute(
            update(InboundMessage).values(mailbox="retired").where(col(InboundMessage.mailbox) == "setda")
        )
    office.mail.append(mailbox_of("SETDA"), raw, sign=False)
    assert office.poll().outcomes == {"seen_before": 1}
