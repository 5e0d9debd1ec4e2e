"""The systemd units as an admin gets them: from `mailflow init` and from `mailflow systemd-unit`
run by the installed command, checked by systemd's own `systemd-analyze verify` (which needs no
running systemd, only the unit files and the programs they start) and `security --offline`."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailflow.cli import cli
from mailflow.config import settings_from_dict
from mailflow.ops.systemd import UNITS, render_units, write_units

ANALYZE = shutil.which("systemd-analyze")


def analyze(*args: str) -> subprocess.CompletedProcess[str]:
    if ANALYZE is None:
        pytest.skip("systemd-analyze is missing: scripts/install-test-deps installs Debian's systemd")
    return subprocess.run([ANALYZE, *args], capture_output=True, text=True, timeout=120)


def verified(folder: Path) -> None:
    """systemd accepts the units: exit 0, and not one warning about them (an unknown key is
    only a warning)."""
    done = analyze("verify", *(str(folder / name) for name in UNITS))
    ours = [line for line in done.stderr.splitlines() if str(folder) in line or "mailflow" in line]
    assert done.returncode == 0 and ours == [], done.stderr


def key(unit: str, name: str) -> list[str]:
    return re.findall(rf"^{name}=(.*)$", unit, re.MULTILINE)


def test_init_writes_hardened_units_that_systemd_accepts(tmp_path):
    folder = tmp_path / "srv-mailflow"
    result = CliRunner().invoke(cli, ["init", str(folder), "--mailbox", "surat@dinas.example.go.id"], input="\n\n")
    assert result.exit_code == 0, result.output
    assert "systemctl enable --now mailflow.service mailflow-status.timer" in result.output
    units = folder / "systemd"
    verified(units)
    service = (units / "mailflow.service").read_text()
    assert key(service, "User") == ["mailflow"] and key(service, "WorkingDirectory") == [str(folder)]
    assert key(service, "Environment") == [f"MAILFLOW_CONFIG={folder / 'config.toml'}"]
    [start] = key(service, "ExecStart")
    assert start.endswith(" run") and Path(start.split()[0]).is_file()  # the Mailflow that wrote it
    assert key(service, "ReadWritePaths") == [str(folder)]  # SQLite's folder (storage is inside it)
    in_a_home = any(Path(start.split()[0]).is_relative_to(h) for h in ("/home", "/root"))
    assert key(service, "ProtectHome") == ["read-only" if in_a_home else "yes"]
    for setting, value in (
        ("ProtectSystem", "strict"),
        ("NoNewPrivileges", "yes"),
        ("PrivateTmp", "yes"),
        ("Restart", "on-failure"),
        ("KillMode", "mixed"),
        ("TimeoutStopSec", "30"),  # stop_timeout 20 s, then 10 s before systemd kills
    ):
        assert key(service, setting) == [value], setting
    status = (units / "mailflow-status.service").read_text()
    assert key(status, "Type") == ["oneshot"] and key(status, "ExecStart") == [start.replace(" run", " status")]
    exposure = analyze("security", "--offline=true", str(units / "mailflow.service"))
    level = re.search(r"Overall exposure level for mailflow.service: ([\d.]+) (\w+)", exposure.stdout)
    assert level and float(level.group(1)) <= 2.0 and level.group(2) == "OK", exposure.stdout[-400:]


def test_systemd_unit_from_the_installed_command_follows_the_config(tmp_path):
    """A PostgreSQL install from a virtualenv: ExecStart is that virtualenv's mailflow, the only
    writable path is the storage, systemd waits stop_timeout + 10 s."""
    command = Path(sys.executable).parent / "mailflow"
    config = tmp_path / "config.toml"
    config.write_text(
        'database_url = "postgresql+psycopg://mailflow@127.0.0.1/mailflow"\n'
        f'storage_dir = "{tmp_path}/data/storage"\nstop_timeout = 45\n'
    )
    printed = subprocess.run(
        [str(command), "--config", str(config), "systemd-unit", "--user", "surat"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert printed.returncode == 0, printed.stderr
    service = printed.stdout
    assert key(service, "ExecStart") == [f"{command} run"] and key(service, "User") == ["surat"]
    assert key(service, "ReadWritePaths") == [f"{tmp_path}/data/storage"]
    assert key(service, "TimeoutStopSec") == ["55"] and "postgresql.service" in key(service, "After")[0]
    written = subprocess.run(
        [str(command), "--config", str(config), "systemd-unit", "-o", str(tmp_path / "units")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert written.returncode == 0 and (tmp_path / "units" / "mailflow.service").read_text() == service.replace(
        "User=surat\nGroup=surat", "User=mailflow\nGroup=mailflow"
    )
    verified(tmp_path / "units")


def test_a_pipx_install_in_a_home_keeps_home_read_only_and_a_missing_command_fails_verify(tmp_path):
    settings = settings_from_dict({"storage_dir": "storage"}, tmp_path / "config.toml")
    home = render_units(settings, "mailflow", "/home/mailflow/.local/bin/mailflow")
    assert key(home["mailflow.service"], "ProtectHome") == ["read-only"]  # pipx as that user: ~/.local
    write_units(home, tmp_path / "units")
    done = analyze("verify", *(str(tmp_path / "units" / name) for name in UNITS))
    assert done.returncode != 0 and "/home/mailflow/.local/bin/mailflow" in done.stderr  # the check is real
