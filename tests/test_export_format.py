"""`mailflow export` writes the format its file is named for: book.csv never holds a workbook, and
`-o -` gives text a terminal or a pipe can read."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from mailflow.cli import cli

REPO = Path(__file__).resolve().parent.parent


def office(tmp_path: Path) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(f'database_url = "sqlite:///{tmp_path}/mailflow.db"\nrules_dir = "{REPO / "rules"}"\n')
    return config


def export(config: Path, *args: str):
    return CliRunner().invoke(cli, ["--config", str(config), "export", *args])


def test_the_suffix_chooses_the_format(tmp_path):
    config = office(tmp_path)
    for name in ("book.csv", "book.json", "book.xlsx", "book"):
        assert export(config, "-o", str(tmp_path / name)).exit_code == 0, name
    assert (tmp_path / "book.csv").read_text(encoding="utf-8-sig").startswith("Nomor agenda")
    assert json.loads((tmp_path / "book.json").read_text()) == []
    assert (tmp_path / "book.xlsx").read_bytes()[:2] == b"PK"
    assert (tmp_path / "book").read_bytes()[:2] == b"PK"  # no known suffix: the workbook, as before


def test_a_workbook_goes_down_a_pipe_but_never_onto_a_terminal(tmp_path):
    config = office(tmp_path)
    piped = export(config, "-o", "-")
    assert piped.exit_code == 0 and piped.stdout_bytes[:2] == b"PK"
    main, terminal = pty.openpty()
    command = [sys.executable, "-m", "mailflow", "--config", str(config), "export"]
    try:
        shown = subprocess.run([*command, "-o", "-"], stdout=terminal, stderr=subprocess.PIPE, text=True)
        os.close(terminal)
        assert shown.returncode == 2 and "--format csv" in shown.stderr, shown.stderr
        try:
            written = os.read(main, 4096)
        except OSError:  # Linux: EIO when the terminal's other end closed with nothing unread
            written = b""
        assert b"PK" not in written
    finally:
        os.close(main)
    text = subprocess.run([*command, "--format", "csv", "-o", "-"], capture_output=True, text=True)
    assert text.returncode == 0 and text.stdout.lstrip("\ufeff").startswith("Nomor agenda"), text.stderr


def test_a_suffix_naming_another_format_is_refused(tmp_path):
    config = office(tmp_path)
    done = export(config, "--format", "xlsx", "-o", str(tmp_path / "book.csv"))
    assert done.exit_code == 2 and "tidak sesuai dengan --format xlsx" in done.output, done.output
    assert not (tmp_path / "book.csv").exists()
