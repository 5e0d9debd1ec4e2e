from click.testing import CliRunner

from mailflow.cli import cli
from mailflow.config import load_settings
from mailflow.office.load import load_rules


def test_init_writes_a_working_config_and_rules(tmp_path):
    folder = tmp_path / "disdik"
    result = CliRunner().invoke(cli, ["init", str(folder)], input="surat@dinas.example.go.id\n\n\n")
    assert result.exit_code == 0, result.output
    settings = load_settings(folder / "config.toml")
    assert settings.mailboxes[0].address == "surat@dinas.example.go.id"
    assert settings.mailboxes[0].host == "mail.dinas.example.go.id"
    assert settings.smtp.host == "mail.dinas.example.go.id"
    assert settings.mailboxes[0].password_file == folder / "imap-password"
    assert load_rules(folder / "rules").office_name
    assert not (folder / "rules" / "regency").exists()  # one office: the regency example stays behind
    again = CliRunner().invoke(cli, ["init", str(folder), "--mailbox", "x@y.z"])
    assert again.exit_code != 0 and "sudah ada; tidak ada yang diubah" in again.output


def test_init_fills_in_the_servers_and_leaves_the_comments_examples_alone(tmp_path):
    folder = tmp_path / "disdik"
    answers = "surat@dinas.example.go.id\nimap.dinas.example.go.id\nsmtp.dinas.example.go.id\n"
    assert CliRunner().invoke(cli, ["init", str(folder)], input=answers).exit_code == 0
    settings = load_settings(folder / "config.toml")
    assert (settings.mailboxes[0].host, settings.smtp.host) == ("imap.dinas.example.go.id", "smtp.dinas.example.go.id")
    text = (folder / "config.toml").read_text()
    assert "imap.dinas.example.go.id" not in text.replace('host = "imap.dinas.example.go.id"', "")  # not a signing domain
