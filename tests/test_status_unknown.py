"""`mailflow status` when nothing can be known: UNKNOWN, exit 3, as monitoring plugins say it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from mailflow.storage.db import make_engine, upgrade
from tests.support.dovecot import free_port


def status(config: Path | None, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "MAILFLOW_CONFIG"}
    where = ["--config", str(config)] if config else []
    return subprocess.run(
        [sys.executable, "-m", "mailflow", *where, "status"], env=env, cwd=cwd, capture_output=True, text=True
    )


def test_no_config_is_unknown(tmp_path):
    done = status(None, tmp_path)
    assert done.returncode == 3 and done.stdout.startswith("MAILFLOW UNKNOWN - status tidak dapat diketahui")


def test_an_unreachable_database_is_unknown(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(f'database_url = "postgresql+psycopg://mailflow@127.0.0.1:{free_port()}/mailflow"\n')
    done = status(config, tmp_path)
    first = done.stdout.splitlines()[0]
    assert done.returncode == 3 and "basis data tidak dapat dihubungi" in first and "refused" in first, first


def test_a_missing_database_file_is_unknown_and_not_created(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(f'database_url = "sqlite:///{tmp_path}/mailflow.db"\n')
    done = status(config, tmp_path)
    assert done.returncode == 3 and "mailflow.db does not exist" in done.stdout, done.stdout
    assert not (tmp_path / "mailflow.db").exists()


def test_an_older_schema_is_unknown_until_upgraded(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(f'database_url = "sqlite:///{tmp_path}/mailflow.db"\n')
    upgrade(make_engine(f"sqlite:///{tmp_path}/mailflow.db"), "0008")  # last release's schema
    done = status(config, tmp_path)
    assert done.returncode == 3 and "mailflow db upgrade" in done.stdout, done.stdout
