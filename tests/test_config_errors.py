"""Config mistakes as an admin meets them on the command line: the file's line, the key meant,
Indonesia's zone names, a missing rules folder said once, a first run without a config, and
`--version`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from mailflow.config import line_of, load_settings
from mailflow.domain import Said
from mailflow.outbound.catalogue import Catalogue
from tests.support import REPO
from tests.test_one_language import foreign_words


def mailflow(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {**{k: v for k, v in os.environ.items() if k != "MAILFLOW_CONFIG"}, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "mailflow", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=60
    )


MISSPELT = """\
# the office's config
database_url = "sqlite:///mailflow.db"
timezon = "WIB"

[smtp]
host = "127.0.0.1"
prot = 25

[[mailboxes]]
name = "surat"
address = "surat@probolinggokab.example"

[[mailboxes]]
name = "arsip"
address = "arsip@probolinggokab.example"
pasword = "x"
"""


def test_a_misspelt_key_names_its_line_and_the_key_meant(tmp_path):
    (tmp_path / "config.toml").write_text(MISSPELT)
    result = mailflow("letters", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"mailflow: {tmp_path / 'config.toml'}: konfigurasi tidak sah",
        "  baris 3: timezon: kunci tidak dikenal; maksud Anda 'timezone'?",
        "  baris 7: smtp.prot: kunci tidak dikenal; maksud Anda 'port'?",
        "  baris 16: mailboxes.1.pasword: kunci tidak dikenal; maksud Anda 'password'?",
    ], result.stderr


def test_a_config_in_english_is_told_its_mistakes_in_english(tmp_path):
    (tmp_path / "config.toml").write_text('admin_language = "en"\n' + MISSPELT)
    result = mailflow("letters", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines()[1:] == [
        "  line 4: timezon: unknown key; did you mean 'timezone'?",
        "  line 8: smtp.prot: unknown key; did you mean 'port'?",
        "  line 17: mailboxes.1.pasword: unknown key; did you mean 'password'?",
    ], result.stderr
    assert result.stderr.startswith("mailflow: ") and ": invalid configuration\n" in result.stderr


@pytest.mark.parametrize(
    ("head", "language"),
    [("", "id"), ('language = "en"\n', "en"), ('language = "en"\nadmin_language = "id"\n', "id"),
     ('admin_language = "en"\n', "en"), ('admin_language = "xx"\n', "id")],
)  # fmt: skip
def test_every_config_error_speaks_the_language_its_text_names(tmp_path, head, language):
    """A config that does not load still says its admin's language, where its text can be read:
    valid TOML with a bad value, and TOML broken further down."""
    other = "en" if language == "id" else "id"
    for body in ('timezone = "Asia/Bogor"\nport = 1\n', 'timezone = "WIB"\n[smtp]\nport = = 1\n'):
        (tmp_path / "config.toml").write_text(head + body)
        said = mailflow("letters", cwd=tmp_path).stderr
        prose = re.sub(r"\S*[/@]\S*", " ", said)
        assert said.startswith("mailflow: ") and not foreign_words(prose, language), said
        assert any(word in said for word in LOOKS[language]), said
        assert not any(word in said for word in LOOKS[other]), said


LOOKS = {"id": ["tidak sah", "bukan TOML"], "en": ["invalid configuration", "not valid TOML"]}


def test_line_of_finds_keys_in_nested_and_repeated_tables():
    text = '[[mailboxes]]\nname = "a"\n[[mailboxes]]\nname = "b"\n[mailboxes.oauth]\n"client_id" = "x"\n'
    assert line_of(text, ("mailboxes", 1, "name")) == 4
    assert line_of(text, ("mailboxes", 1, "oauth", "client_id")) == 6
    assert line_of(text, ("mailboxes", 1, "oauth", "token_url")) == 5  # missing: its table
    assert line_of(text, ("mailboxes", 0, "address")) == 1
    assert line_of(text, ("smtp", "port")) is None


@pytest.mark.parametrize(
    ("written", "zone"), [("WIB", "Asia/Jakarta"), ("WITA", "Asia/Makassar"), ("wit", "Asia/Jayapura")]
)
def test_indonesias_zone_names_are_accepted(tmp_path, written, zone):
    (tmp_path / "config.toml").write_text(f'timezone = "{written}"\n')
    assert load_settings(tmp_path / "config.toml").timezone == zone


def test_the_example_configs_own_comment_names_a_zone_it_accepts(tmp_path):
    example = (REPO / "config.example.toml").read_text()
    assert "WIB" in example
    config = tmp_path / "config.toml"
    config.write_text(example.replace('timezone = "Asia/Jakarta"', 'timezone = "WIB"', 1))
    assert load_settings(config).zone.key == "Asia/Jakarta"


@pytest.mark.parametrize(
    ("language", "expected"),
    [("id", "folder aturan tidak ada: setel rules_dir"), ("en", "the rules folder does not exist")],
)
def test_a_missing_rules_folder_is_said_once(tmp_path, language, expected):
    (tmp_path / "config.toml").write_text(f'rules_dir = "rules"\nadmin_language = "{language}"\n')
    result = mailflow("rules", "check", cwd=tmp_path)
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert "rules" in line and expected in line and "mailflow init" in line
    assert not foreign_words(line.replace(str(tmp_path / "rules"), ""), language), line
    assert "file is missing" not in result.stderr


def test_without_a_config_the_admin_is_pointed_to_init_in_indonesian(tmp_path):
    """No config to read: the admin's language is unknown, so the default one (Indonesian)."""
    result = mailflow("letters", cwd=tmp_path)
    assert result.returncode == 2
    assert "tidak ada berkas konfigurasi di sini" in result.stderr and "`mailflow init`" in result.stderr
    assert not foreign_words(result.stderr, "id") and "Traceback" not in result.stderr


def test_a_named_config_that_does_not_exist_is_not_said_to_be_missing_here(tmp_path):
    named = tmp_path / "nowhere" / "mailflow.toml"
    for args, env in ((["--config", str(named)], {}), ([], {"MAILFLOW_CONFIG": str(named)})):
        result = mailflow(*args, "letters", cwd=tmp_path, env=env)
        assert result.returncode == 2
        assert result.stderr.startswith(f"mailflow: {named}: berkas konfigurasi yang disebutkan"), result.stderr
        assert "tidak ada." in result.stderr and "di sini" not in result.stderr


def test_version(tmp_path):
    result = mailflow("--version", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout.strip() == f"mailflow, version {version('mailflow')}"


def test_counts_take_the_singular_where_the_language_has_one():
    catalogue = Catalogue()
    one = Said.of("cli.exported", output="a.xlsx", n=1, year=2026)
    five = Said.of("cli.exported", output="a.xlsx", n=5, year=2026)
    assert catalogue.say("en", one) == "a.xlsx: 1 letter of 2026"
    assert catalogue.say("en", five) == "a.xlsx: 5 letters of 2026"
    assert catalogue.say("id", one) == "a.xlsx: 1 surat tahun 2026"
    assert catalogue.say("id", five) == "a.xlsx: 5 surat tahun 2026"


def test_mailflows_own_refusals_of_a_value_speak_the_admins_language(tmp_path):
    (tmp_path / "config.toml").write_text(
        'timezone = "Asia/Bogor"\nagenda_template = "{nomor}"\n[[mailboxes]]\nname = "a"\naddress = "x"\n'
    )
    said = mailflow("letters", cwd=tmp_path).stderr
    assert "  baris 1: timezone: zona waktu 'Asia/Bogor' tidak dikenal; diharapkan WIB" in said, said
    assert "  baris 2: agenda_template: diharapkan templat yang memakai {seq}, {year}" in said, said
    assert "  baris 5: mailboxes.0.address: diharapkan alamat email seperti surat@example.go.id" in said, said
    assert not foreign_words(re.sub(r"\S*[/@]\S*", " ", said), "id") and "expected" not in said, said
