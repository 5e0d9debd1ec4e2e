"""The reply language of reply-language.md, statement by statement (pure, no server)."""

import datetime as dt

import pytest

from mailflow.language.statements import Kind, read_reply, reply_context
from mailflow.office.load import load_rules
from tests.support import REPO

RULES = load_rules(REPO / "rules")
TODAY = dt.date(2026, 11, 25)  # a Wednesday


def read(text, position="kadis", today=TODAY):
    return read_reply(text, reply_context(RULES, position, today, "Budi Santoso"))


def only(text, position="kadis"):
    reading = read(text, position)
    assert not reading.problems, reading.problems
    assert len(reading.statements) == 1, reading.statements
    return reading.statements[0]


def emails(statement):
    return [t.email.split("@")[0] for t in statement.targets]


@pytest.mark.parametrize(
    ("line", "targets", "instruction"),
    [
        ("Sekretaris: Pelajari dan Sosialisasikan", ["sekretaris"], "Pelajari dan Sosialisasikan"),
        ("Sekretaris pelajari dan sosialisasikan", ["sekretaris"], "pelajari dan sosialisasikan"),
        (
            "Kabid Dikdas, Kabid PAUD: 2, 4",
            ["kabid.dikdas", "kabid.paud"],
            "Proses lebih lanjut; Untuk diketahui",
        ),
        ("1: hadiri dan laporkan hasilnya", ["sekretaris"], "hadiri dan laporkan hasilnya"),
        ("Yth. Sekdis - mohon siapkan jawaban", ["sekretaris"], "mohon siapkan jawaban"),
        ("All: for your information", ["sekretaris", "kabid.dikdas", "kabid.paud"], "for your information"),
        ("semua -> 4", ["sekretaris", "kabid.dikdas", "kabid.paud"], "Untuk diketahui"),
        ("Kepada Pak Agus: #7", ["sekretaris"], "Sosialisasikan/edarkan"),
        ("kabid.dikdas@probolinggokab.example => 5", ["kabid.dikdas"], "Untuk ditindaklanjuti"),
        (
            "Rina dan Dewi: 3 - tolong koordinasi dengan Bappeda",
            ["kabid.dikdas", "kabid.paud"],
            "Koordinasikan/konfirmasikan - tolong koordinasi dengan Bappeda",
        ),
        ("SEKRETARIS : PELAJARI 🙏", ["sekretaris"], "PELAJARI"),
        ("Kasubbag umum: siapkan bahan", ["kasubbag.umum"], "siapkan bahan"),
    ],
)
def test_dispose(line, targets, instruction):
    position = "sekretaris" if "Kasubbag" in line else "kadis"
    statement = only(line, position)
    assert statement.kind is Kind.DISPOSE
    assert emails(statement) == targets
    assert statement.instruction == instruction


@pytest.mark.parametrize(
    ("line", "deadline"),
    [
        ("Sekretaris: pelajari batas 3 hari", dt.date(2026, 11, 30)),  # Sat 28 -> Mon 30
        ("Sekretaris: pelajari, paling lambat 3 hari", dt.date(2026, 11, 30)),
        ("Sekretaris: pelajari dalam 2 hari", dt.date(2026, 11, 27)),
        ("Sekretaris: pelajari 3 hari kerja", dt.date(2026, 11, 30)),
        ("Sekretaris: siapkan jawaban 2x24 jam", dt.date(2026, 11, 27)),
        ("Sekretaris: hadiri batas 5 Desember", dt.date(2026, 12, 7)),  # Sat 5 Dec stays the stated date
        ("Sekretaris: hadiri paling lambat tgl 4/12", dt.date(2026, 12, 4)),
        ("Sekretaris: hadiri sebelum 4 Des", dt.date(2026, 12, 4)),
        ("Sekretaris: hadiri hari ini", TODAY),
        ("Sekretaris: hadiri besok", dt.date(2026, 11, 26)),
        ("Sekretaris: hadiri lusa", dt.date(2026, 11, 27)),
        ("Sekretaris: follow up within 3 days", dt.date(2026, 11, 30)),
        ("Sekretaris: prepare a reply by Friday", dt.date(2026, 11, 27)),
        ("Sekretaris: prepare a reply by 4 Dec", dt.date(2026, 12, 4)),
        ("Sekretaris: prepare a reply deadline 2026-12-04", dt.date(2026, 12, 4)),
        ("Sekretaris: pelajari", None),
    ],
)
def test_deadlines(line, deadline):
    statement = only(line)
    if line.endswith("5 Desember"):
        deadline = dt.date(2026, 12, 5)  # an explicit date is kept as written
    assert statement.deadline == deadline
    assert "batas" not in statement.instruction and "2x24" not in statement.instruction


def test_a_deadline_in_the_past_is_asked_back():
    reading = read("Sekretaris: hadiri batas 20 November")
    assert reading.statements == () and reading.problems[0].reason == "bad_deadline"


@pytest.mark.parametrize(
    "line",
    [
        "Siap!",
        "siap laksanakan",
        "Siapp pak 🙏",
        "laksanakan",
        "baik pak",
        "ok",
        "Okeee",
        "noted",
        "Diterima",
        "will do",
        "on it",
        "ack",
        "Siap, terima kasih",
    ],
)
def test_acknowledge(line):
    assert only(line, "sekretaris").kind is Kind.ACK


@pytest.mark.parametrize(
    ("line", "kind", "text"),
    [
        ("sedang diproses", Kind.PROGRESS, ""),
        ("Dalam proses: menunggu data sekolah", Kind.PROGRESS, "menunggu data sekolah"),
        ("in progress", Kind.PROGRESS, ""),
        ("Selesai: sudah disosialisasikan ke 24 sekolah", Kind.DONE, "sudah disosialisasikan ke 24 sekolah"),
        ("sudah dilaksanakan", Kind.DONE, ""),
        ("Oke sudah selesai ya", Kind.DONE, ""),  # a trailing "ya" is no report
        ("done", Kind.DONE, ""),
        ("Lapor: rapat sudah dijadwalkan", Kind.PROGRESS, "rapat sudah dijadwalkan"),
        ("Laporan: kegiatan selesai dilaksanakan", Kind.DONE, "kegiatan selesai dilaksanakan"),
        ("Arsipkan", Kind.ARCHIVE, ""),
        ("simpan saja", Kind.ARCHIVE, ""),
        ("batal", Kind.UNDO, ""),
        ("Batalkan", Kind.UNDO, ""),
        ("status", Kind.STATUS, ""),
        ("Catatan: aslinya dikirim lewat pos", Kind.NOTE, "aslinya dikirim lewat pos"),
        ("Agus sudah saya hubungi lewat telepon", Kind.NOTE, "Agus sudah saya hubungi lewat telepon"),
    ],
)
def test_other_statements(line, kind, text):
    statement = only(line, "sekretaris")
    assert (statement.kind, statement.text) == (kind, text)


def test_greetings_and_sign_offs_are_ignored_and_lines_are_separate_statements():
    reading = read("Yth. Bapak Kadis\nSekretaris: pelajari\nKabid Dikdas: 4\nTerima kasih\nBudi Santoso")
    assert [s.kind for s in reading.statements] == [Kind.DISPOSE, Kind.DISPOSE]


@pytest.mark.parametrize(
    ("line", "reason", "candidate"),
    [
        ("Bob: pelajari", "unknown_target", "1. Sekretaris Dinas Pendidikan (Agus Wibowo)"),
        ("7: pelajari", "unknown_target", "1. Sekretaris Dinas Pendidikan (Agus Wibowo)"),
        ("Kasubbag Umum: siapkan", "not_allowed", "1. Sekretaris Dinas Pendidikan (Agus Wibowo)"),
        ("Sekretaris: 42", "unknown_instruction", "1. Tanggapan dan saran"),
    ],
)
def test_unknown_or_not_allowed_targets_apply_nothing_and_name_candidates(line, reason, candidate):
    reading = read(line)
    assert reading.statements == ()
    [problem] = reading.problems
    assert problem.reason == reason and candidate in problem.candidates


@pytest.mark.parametrize(
    ("line", "meant"),
    [
        ("Sekertaris: pelajari", "sekretaris"),
        ("Kabid Dikdsa: pelajari", "kabid.dikdas"),
        ("Kepala Bidang PAUD: 5", "kabid.paud"),
        ("Kabid Dik Das: hadiri", "kabid.dikdas"),
        ("Kepala Bidang PAUD siapkan data", "kabid.paud"),
    ],
)
def test_a_target_near_one_name_is_proposed_never_applied(line, meant):
    reading = read(line)
    assert reading.statements == () and reading.problems == ()
    [proposal] = reading.proposals
    assert proposal.reason == "near_target" and emails(proposal.statement) == [meant]
    assert proposal.message.key.startswith("proposal.dispose")


def test_a_target_near_several_names_is_asked_back_with_those_only():
    reading = read("Kepala Bidang Pendidikan: pelajari")
    [problem] = reading.problems
    assert problem.reason == "ambiguous_target" and len(problem.candidates) == 2
    assert all("Kepala Bidang" in c for c in problem.candidates)


def test_an_ambiguous_first_name_is_asked_back(tmp_path):
    import shutil

    folder = tmp_path / "rules"
    shutil.copytree(REPO / "rules", folder)
    org = folder / "organisation.toml"
    org.write_text(org.read_text().replace('name = "Dewi Lestari"', 'name = "Rina Lestari"'))
    rules = load_rules(folder)
    reading = read_reply("Rina: pelajari", reply_context(rules, "kadis", TODAY))
    assert reading.problems[0].reason == "ambiguous_target"
    assert len(reading.problems[0].candidates) == 2


def test_two_dispositions_on_one_line_are_two():
    reading = read("Sekretaris: pelajari, dan Kabid Dikdas: hadiri")
    assert [(emails(s), s.instruction) for s in reading.statements] == [
        (["sekretaris"], "pelajari"),
        (["kabid.dikdas"], "hadiri"),
    ]


def test_codes_after_a_disposition_are_no_second_target():
    [statement] = read("Sekretaris: 6, 9 - tolong siapkan ringkasan").statements
    assert statement.codes == (6, 9) and emails(statement) == ["sekretaris"]


def test_every_kabid_and_an_unknown_kabid():
    assert emails(only("Semua kabid: 4")) == ["kabid.dikdas", "kabid.paud"]
    # "Kabid SD" names no Kabid of this office: unknown, asked back offering the two Kabids
    [problem] = read("Kabid SD: hadiri").problems
    assert problem.reason == "unknown_target" and len(problem.candidates) == 2


def test_the_senders_own_title_under_their_name_is_signature():
    text = "Sekretaris: 6\n\nSalam,\nBudi Santoso\nKepala Dinas Pendidikan\nTelp. (0335) 421234"
    assert [s.kind for s in read(text).statements] == [Kind.DISPOSE]


@pytest.mark.parametrize(
    ("line", "kind", "text"),
    [
        ("Laporan terlampir pak", Kind.DONE, ""),
        ("Sudah saya sampaikan ke sekolah2, terima kasih", Kind.DONE, "ke sekolah2"),
        ("Selesai pak, tinggal menunggu tanda tangan Bupati", Kind.DONE, "tinggal menunggu tanda tangan Bupati"),
    ],
)
def test_reports_in_office_words(line, kind, text):
    statement = only(line, "sekretaris")
    assert (statement.kind, statement.text) == (kind, text)


def test_a_part_of_the_day_belongs_to_its_deadline_and_utk_leads_a_target():
    statement = only("Kabid Dikdas: hadiri, paling lambat besok pagi")
    assert (statement.instruction, statement.deadline) == ("hadiri", dt.date(2026, 11, 26))
    assert emails(only("Utk Sekretaris: pelajari")) == ["sekretaris"]
