"""`mailflow status | head -1`: a reader that stops early must not change the state the exit code
reports (click turns a broken pipe into exit 1, a false WARNING)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from mailflow.storage.db import make_engine, upgrade


def status_into_a_closed_pipe(config: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """stdout is a pipe whose reader is already gone: every write breaks it, whatever the timing."""
    reader, writer = os.pipe()
    os.close(reader)
    env = {k: v for k, v in os.environ.items() if k != "MAILFLOW_CONFIG"}
    try:
        return subprocess.run(
            [sys.executable, "-m", "mailflow", "--config", str(config), "status"],
            env=env,
            cwd=cwd,
            stdout=writer,
            stderr=subprocess.PIPE,
            text=True,
        )
    finally:
        os.close(writer)


def test_critical_stays_critical_when_the_reader_stops(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(f'database_url = "sqlite:///{tmp_path}/mailflow.db"\n')
    upgrade(make_engine(f"sqlite:///{tmp_path}/mailflow.db"))  # the service never ran: CRITICAL
    done = status_into_a_closed_pipe(config, tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr


def test_unknown_stays_unknown_when_the_reader_stops(tmp_path):
    done = status_into_a_closed_pipe(tmp_path / "missing.toml", tmp_path)
    assert done.returncode == 3 and "Traceback" not in done.stderr, done.stderr
