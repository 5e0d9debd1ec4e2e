"""`mailflow --help` and `reply explain` start without the database, the mail servers' clients,
pypdf or the scheduler: the command modules import those inside their commands. Checked by what a fresh
interpreter has imported, not by a timing (the start times are in bench/README.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from email.policy import SMTP
from pathlib import Path

from tests.support import REPO, clients
from tests.test_reply_corpus import _request

HEAVY = ("sqlalchemy", "sqlmodel", "alembic", "imapclient", "aiosmtplib", "apscheduler", "pypdf")

RUN = """
import json, sys
from mailflow.cli import cli
cli.main(sys.argv[1:], prog_name="mailflow", standalone_mode=False)
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules} & set(HEAVY))))
"""


def imported_by(*args: str) -> tuple[str, list[str]]:
    """Run `mailflow ARGS` in a fresh interpreter: its output, and which heavy packages it loaded."""
    done = subprocess.run(
        [sys.executable, "-c", f"HEAVY = {HEAVY!r}\n{RUN}", *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    output, _, last = done.stdout.rstrip("\n").rpartition("\n")
    return output, json.loads(last)


def test_help_imports_no_database_and_no_mail_client():
    output, heavy = imported_by("--help")
    assert "reply" in output and "letters" in output  # every command is still listed
    assert heavy == []


def test_reply_explain_imports_no_database_and_no_mail_client(tmp_path: Path):
    config = tmp_path / "config.toml"
    config.write_text(f'rules_dir = "{REPO / "rules"}"\nstorage_dir = "{tmp_path}/storage"\n')
    sekdis = "sekretaris@probolinggokab.example"
    reply = tmp_path / "reply.eml"
    reply.write_bytes(clients.iphone_id(_request(sekdis), sekdis, "Siap").as_bytes(policy=SMTP))
    args = ("--config", str(config), "reply", "explain", str(reply), "--as", "sekdis", "--json")
    output, heavy = imported_by(*args, "--today", "2026-11-25")
    assert json.loads(output)["statements"][0]["kind"] == "acknowledge"
    assert heavy == []


def test_the_letters_status_choice_is_every_letter_status():
    from mailflow.cli.cli_letters import STATUS_STYLE
    from mailflow.storage.models import LetterStatus

    assert sorted(STATUS_STYLE) == sorted(s.value for s in LetterStatus)
