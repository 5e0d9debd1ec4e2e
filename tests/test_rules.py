import datetime as dt
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailflow.cli import cli
from mailflow.errors import RulesError
from mailflow.office.load import load_rules
from tests.support import REPO

RULES = REPO / "rules"


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    shutil.copytree(RULES, folder)
    return folder


def test_the_shipped_example_office():
    rules = load_rules(RULES)
    assert rules.clerk("Agenda@probolinggokab.example").name == "Siti Aminah"
    assert rules.person_by_address("kadis@probolinggokab.example").id == "budi"
    assert rules.unit_for_mailbox("surat@probolinggokab.example").head == "kadis"
    assert rules.positions["kasubbag_umum"].reports_to == "sekretaris"
    assert rules.holder("kadis", dt.date(2026, 1, 1)).title == "Kepala Dinas Pendidikan"


def test_acting_official_takes_the_post_for_the_period(rules_copy):
    with (rules_copy / "organisation.toml").open("a") as fh:
        fh.write(
            '\n[[acting]]\nposition = "kadis"\nperson = "agus"\nkind = "Plt"\n'
            "from = 2026-12-01\nuntil = 2026-12-14\n"
        )
    rules = load_rules(rules_copy)
    acting = rules.holder("kadis", dt.date(2026, 12, 5))
    assert acting.person.id == "agus" and acting.title == "Plt. Kepala Dinas Pendidikan"
    assert rules.holder("kadis", dt.date(2026, 12, 15)).person.id == "budi"


def break_file(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / name
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_every_problem_is_reported_with_file_and_line(rules_copy):
    break_file(rules_copy, "organisation.toml", 'holder = "rina"', 'holder = "nobody"')
    break_file(rules_copy, "organisation.toml", 'reports_to = "sekretaris"', 'reports_to = "kasubbag_umum"')
    break_file(rules_copy, "organisation.toml", 'aliases = ["kabid paud", "paud"]', 'aliases = ["kadis"]')
    break_file(
        rules_copy,
        "organisation.toml",
        'email = "kabid.paud@probolinggokab.example"',
        'email = "kadis@probolinggokab.example"',
    )
    with pytest.raises(RulesError) as err:
        load_rules(rules_copy)
    messages = [str(p) for p in err.value.problems]
    assert any("unknown holder 'nobody'" in m and m.startswith("organisation.toml:") for m in messages)
    assert any("cycle" in m for m in messages)
    assert any("alias 'kadis' names both" in m for m in messages)
    assert any("kadis@probolinggokab.example belongs to both" in m for m in messages)
    assert all(p.line for p in err.value.problems), messages


def test_broken_toml_names_the_line(rules_copy):
    (rules_copy / "office.toml").write_text('name = "x"\n[[clerks]\n')
    with pytest.raises(RulesError) as err:
        load_rules(rules_copy)
    [problem] = err.value.problems
    assert problem.file == "office.toml" and problem.line == 2


def test_rules_check_command(rules_copy):
    runner = CliRunner()
    ok = runner.invoke(
        cli,
        ["--config", str(REPO / "config.example.toml"), "rules", "check", "--rules-dir", str(RULES)],
    )
    assert ok.exit_code == 0 and "OK (5 positions, 5 people, 1 clerk)" in ok.output
    break_file(rules_copy, "organisation.toml", 'unit = "disdik"', 'unit = "dinkes"')
    bad = runner.invoke(
        cli,
        [
            "--config",
            str(REPO / "config.example.toml"),
            "rules",
            "check",
            "--rules-dir",
            str(rules_copy),
        ],
    )
    assert bad.exit_code == 1 and "unknown unit 'dinkes'" in bad.output


def test_routing_instruction_and_calendar_problems(rules_copy):
    (rules_copy / "routing.toml").write_text(
        '[[rules]]\nname = "all"\nto = "kadis"\n\n'
        '[[rules]]\nname = "bad"\nto = "bupati"\nsubject_pattern = "(unclosed"\nurgency = ["kilat"]\ninstruction = 99\n'
    )
    (rules_copy / "instructions.toml").write_text(
        '[[instructions]]\ncode = 1\ntext = "a"\n[[instructions]]\ncode = 1\ntext = "b"\n'
    )
    (rules_copy / "calendar.toml").write_text('workdays = ["mon", "funday"]\n[deadlines]\nkilat = 1\n')
    with pytest.raises(RulesError) as err:
        load_rules(rules_copy)
    messages = "\n".join(str(p) for p in err.value.problems)
    for expected in (
        "unknown position 'bupati'",
        "bad subject_pattern",
        "can never match: urgency ['kilat']",
        "unknown instruction code 99",
        "rule 'all' before it has no condition",
        "instruction code 1 appears twice",
        "unknown day names ['funday']",
        "deadlines: unknown urgency 'kilat'",
    ):
        assert expected in messages, messages
    assert "routing.toml:6" in messages  # the line of rule "bad"


def test_routing_picks_the_first_matching_rule_and_says_why():
    from mailflow.office.routing import LetterFacts, Reason, route

    rules = load_rules(RULES)
    facts = LetterFacts(
        "surat", "BKD <bkd@probolinggokab.example>", "Usulan kenaikan pangkat", "800.1", "biasa", "biasa"
    )
    chosen = route(rules.routing, facts, "kadis")
    assert (chosen.rule, chosen.to, chosen.copies) == ("kepegawaian-ke-sekretaris", "sekretaris", ("kadis",))
    assert chosen.reasons == (Reason.of("classification", code="800.1", prefix="800"),)
    other = route(rules.routing, LetterFacts("surat", "x", "Undangan", "005", "segera", "biasa"), "kadis")
    assert other.rule == "fallback" and other.to == "kadis"
