"""The regency rules tree and naming another office in a reply (pure, no server)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailflow.app import App
from mailflow.cli import cli
from mailflow.config import load_settings
from mailflow.domain import Said
from mailflow.errors import RulesError
from mailflow.language.statements import Kind, read_reply, reply_context
from mailflow.office.regency import load_regency
from tests.support import REPO

TREE = REPO / "rules" / "regency"
REGENCY = load_regency(TREE)
TODAY = dt.date(2026, 11, 25)


@pytest.fixture
def tree_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "regency"
    shutil.copytree(TREE, copy)
    return copy


def read(office: str, position: str, text: str):
    rules = REGENCY.office(office)
    return read_reply(text, reply_context(rules, position, TODAY))


def only(office: str, position: str, text: str):
    reading = read(office, position, text)
    assert not reading.problems, reading.problems
    [statement] = reading.statements
    return statement


def test_the_example_tree_loads_every_office_with_shared_instructions_and_calendar():
    assert list(REGENCY.offices) == ["SETDA", "DISDIK", "DINKES", "KEC-KRAKSAAN"]
    disdik = REGENCY.office("DISDIK")
    assert disdik.office_code == "DISDIK" and disdik.head_position == "kadis"
    assert [i.text for i in disdik.instructions][2] == "Pelajari dan sosialisasikan"  # the regency's
    assert not disdik.calendar.is_workday(dt.date(2026, 8, 17))  # a Monday, a regency holiday
    assert disdik.holder("kadis", TODAY).title == "Plt. Kepala Dinas Pendidikan"
    allowed = {n.code: n.allowed for n in REGENCY.office("KEC-KRAKSAAN").neighbours}
    assert allowed == {"SETDA": True, "DISDIK": False, "DINKES": False}


def test_a_single_office_folder_is_a_regency_of_one():
    single = load_regency(REPO / "rules")
    assert single.single and list(single.offices) == ["DISDIK"]
    assert single.office_of_mailbox("anything@example.org") == "DISDIK"


def test_mailboxes_find_their_office_by_unit_or_by_name():
    assert REGENCY.office_of_mailbox("surat.dinkes@probolinggokab.example") == "DINKES"
    assert REGENCY.office_of_mailbox("surat@probolinggokab.example") is None
    assert REGENCY.office_of_mailbox("surat@probolinggokab.example", "SETDA") == "SETDA"
    assert REGENCY.office_of_mailbox("x@y.example", "NOPE") is None


@pytest.mark.parametrize(
    ("text", "office", "instruction"),
    [
        ("Dinas Pendidikan: untuk ditindaklanjuti", "DISDIK", "untuk ditindaklanjuti"),
        ("Kadis Kesehatan: 2", "DINKES", "Untuk ditindaklanjuti"),
        ("Camat Kraksaan: hadiri", "KEC-KRAKSAAN", "hadiri"),
        ("Kepala Dinas Kesehatan - siapkan jawaban", "DINKES", "siapkan jawaban"),
        ("Endang Susilowati: pelajari", "DINKES", "pelajari"),
        ("Teruskan ke Dinas Pendidikan", "DISDIK", ""),
        ("Mohon diteruskan kepada Kecamatan Kraksaan ya", "KEC-KRAKSAAN", ""),
        ("Tlg terusin ke dinas pendidikan", "DISDIK", ""),  # spoken Jakarta Indonesian
    ],
)
def test_the_head_names_another_office(text, office, instruction):
    statement = only("SETDA", "sekda", text)
    assert statement.kind is Kind.DISPOSE
    [target] = statement.targets
    assert target.office == office and statement.instruction == instruction


def test_a_plt_head_is_the_target_while_acting():
    [target] = only("SETDA", "sekda", "Kadis Pendidikan: untuk ditindaklanjuti").targets
    assert target.email == "asisten2@probolinggokab.example" and target.title.startswith("Plt.")


def test_offices_the_regency_file_does_not_link_are_not_allowed_and_listed_back():
    [problem] = read("KEC-KRAKSAAN", "camat", "Dinas Kesehatan: untuk ditindaklanjuti").problems
    assert problem.reason == "not_allowed"
    assert any("Sekretaris Daerah" in c for c in problem.candidates)


def test_only_the_head_passes_letters_to_other_offices():
    [problem] = read("SETDA", "asisten1", "Dinas Pendidikan: untuk ditindaklanjuti").problems
    assert problem.reason == "not_allowed"


def test_local_names_keep_their_meaning_and_other_heads_first_names_are_not_guessed():
    local = only("DISDIK", "kadis", "Sekretaris: pelajari")
    assert [t.email for t in local.targets] == ["sekretaris.disdik@probolinggokab.example"]
    reading = read("SETDA", "sekda", "Endang: pelajari")  # another office's head, by first name only
    assert not any(t.office for s in reading.statements for t in s.targets)


def test_a_forward_that_names_no_one_known_is_not_a_disposition():
    reading = read("SETDA", "sekda", "Teruskan ke bagian yang menangani ya")
    assert not [s for s in reading.statements if s.kind is Kind.DISPOSE]


def test_problems_name_the_office_folder_and_the_regency_file(tree_copy: Path):
    (tree_copy / "dinkes" / "organisation.toml").write_text('[[units]]\nid = "dinkes"\n')
    text = (tree_copy / "regency.toml").read_text()
    (tree_copy / "regency.toml").write_text(text.replace('sends_to = ["SETDA"]', 'sends_to = ["DPRD"]'))
    disdik = (tree_copy / "disdik" / "organisation.toml").read_text()
    (tree_copy / "disdik" / "organisation.toml").write_text(disdik.replace("surat.disdik@", "surat.setda@"))
    with pytest.raises(RulesError) as err:
        load_regency(tree_copy)
    messages = [str(p) for p in err.value.problems]
    assert (
        "regency.toml: mailbox surat.setda@probolinggokab.example is a unit's in both SETDA and DISDIK"
        in messages
    )
    assert any(m.startswith("dinkes/organisation.toml") and "lacks head, name" in m for m in messages)
    assert any(m.startswith("regency.toml") and "sends_to unknown ['DPRD']" in m for m in messages)


def test_rules_check_lists_each_office_and_what_it_may_send(tree_copy: Path):
    config = ["--config", str(REPO / "config.example.toml")]
    ok = CliRunner().invoke(cli, [*config, "rules", "check", "--rules-dir", str(tree_copy)])
    assert ok.exit_code == 0, ok.output
    assert "OK (KEC-KRAKSAAN: 2 positions, 2 people, 1 clerk; passes letters to SETDA)" in ok.output
    one = CliRunner().invoke(
        cli, [*config, "rules", "check", "--rules-dir", str(tree_copy), "--office", "DINKES"]
    )
    assert one.exit_code == 0 and "DINKES" in one.output and "SETDA:" not in one.output
    (tree_copy / "regency.toml").write_text(
        (tree_copy / "regency.toml").read_text() + '\n[[offices]]\ncode = "SETDA"\nfolder = "setda"\n'
    )
    bad = CliRunner().invoke(cli, [*config, "rules", "check", "--rules-dir", str(tree_copy)])
    assert bad.exit_code == 1 and "office code 'SETDA' appears twice" in bad.output


def test_an_office_may_word_its_mail_its_own_way(tree_copy: Path, tmp_path: Path):
    own = tree_copy / "dinkes" / "templates" / "id"
    own.mkdir(parents=True)
    (own / "messages.toml").write_text('[office]\nhint = "Ke OPD lain: tulis namanya, contoh {example}."\n')
    config = tmp_path / "config.toml"
    config.write_text(
        f'database_url = "sqlite:///{tmp_path}/m.db"\nstorage_dir = "{tmp_path}/s"\nrules_dir = "{tree_copy}"\n'
    )
    app = App.build(load_settings(config))
    hint = Said.of("office.hint", example="Setda")
    assert app.context("DINKES").composer.say("id", hint) == "Ke OPD lain: tulis namanya, contoh Setda."
    assert app.context("DINKES").for_office("DISDIK").composer.say("id", hint).startswith("Kantor lain")
    assert app.context("DISDIK").for_office("DINKES").composer.say("id", hint).startswith("Ke OPD lain")


def test_an_office_calendar_keeps_the_regency_holidays_and_heads_can_be_named(tree_copy: Path):
    (tree_copy / "dinkes" / "calendar.toml").write_text(
        'workdays = ["mon", "tue", "wed", "thu", "fri", "sat"]\n[holidays]\n2026 = [2026-11-28]\n'
    )  # a health office open on Saturdays, with a holiday of its own
    text = (tree_copy / "regency.toml").read_text()
    (tree_copy / "regency.toml").write_text(
        text.replace('folder = "dinkes"', 'folder = "dinkes"\nhead = "sekretaris"')
    )
    dinkes = load_regency(tree_copy).office("DINKES")
    assert dinkes.calendar.is_workday(dt.date(2026, 11, 21))  # a Saturday
    assert not dinkes.calendar.is_workday(dt.date(2026, 11, 28))  # its own holiday
    assert not dinkes.calendar.is_workday(dt.date(2026, 8, 17))  # the regency's
    assert dinkes.head_position == "sekretaris"
    (tree_copy / "regency.toml").write_text(
        text.replace('folder = "dinkes"', 'folder = "dinkes"\nhead = "bupati"')
    )
    with pytest.raises(RulesError, match="head 'bupati' is no position"):
        load_regency(tree_copy)
