"""Output that cannot be turned against its reader: a letter whose fields were written by an
attacker (formula cells, terminal markup) is filed through the real servers, then exported and
shown; nothing of it runs or breaks the view."""

from __future__ import annotations

import csv
import zipfile

from click.testing import CliRunner

from mailflow.cli import cli
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
