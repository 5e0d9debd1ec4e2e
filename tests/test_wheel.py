"""The package as a new user gets it: a wheel built by `python -m build`, installed into a fresh
virtualenv, run from a folder that is not the checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.support import REPO


def _run(args: list[str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("MAILFLOW_CONFIG", "VIRTUAL_ENV", "PYTHONPATH")}
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin/ folder of a fresh venv holding nothing but the wheel and its dependencies."""
    root = tmp_path_factory.mktemp("wheel")
    built = _run([sys.executable, "-m", "build", "--wheel", "--outdir", str(root / "dist"), str(REPO)], root)
    assert "deprecat" not in (built.stdout + built.stderr).lower(), built.stderr
    (wheel,) = (root / "dist").glob("mailflow-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for shipped in (
        "mailflow/_builtin/templates/id/request.txt.j2",
        "mailflow/_builtin/templates/sheet.html.j2",
        "mailflow/_builtin/rules/office.toml",
        "mailflow/_builtin/config.example.toml",
        "mailflow/storage/migrations/script.py.mako",
        "mailflow/ops/systemd_units/mailflow.service.j2",
    ):
        assert shipped in names, shipped
    assert not [n for n in names if n.startswith("tests/")]
    _run([sys.executable, "-m", "venv", str(root / "venv")], root)
    bin_dir = root / "venv" / "bin"
    installing = _run([str(bin_dir / "pip"), "install", "--disable-pip-version-check", str(wheel)], root, 600)
    assert "deprecat" not in installing.stderr.lower(), installing.stderr
    return bin_dir


def test_demo_runs_from_any_folder(installed: Path, tmp_path: Path) -> None:
    result = _run([str(installed / "mailflow"), "demo", "--workdir", "play"], tmp_path)
    assert "Siap" in result.stdout
    assert (tmp_path / "play" / "records" / "lembar-disposisi.pdf").stat().st_size > 1000
    sheet = tmp_path / "sheet.pdf"
    config = str(tmp_path / "play" / "config.toml")
    _run(
        [str(installed / "mailflow"), "--config", config, "sheet", "001/SM/2026", "-o", str(sheet)], tmp_path
    )
    assert sheet.read_bytes().startswith(b"%PDF")
    regency = _run([str(installed / "mailflow"), "demo", "--regency", "--workdir", "regency"], tmp_path)
    assert "sebagai DISDIK 001/SM/" in " ".join(regency.stdout.split())  # the example tree travels too


def test_init_copies_the_example_rules_which_check_clean(installed: Path, tmp_path: Path) -> None:
    mailflow = str(installed / "mailflow")
    answers = ["--mailbox", "surat@dinas.example.go.id", "--imap-host", "mail.x", "--smtp-host", "mail.x"]
    _run([mailflow, "init", "office", *answers], tmp_path)
    assert (tmp_path / "office" / "rules" / "organisation.toml").exists()
    checked = _run([mailflow, "--config", "office/config.toml", "rules", "check"], tmp_path)
    assert checked.stdout.startswith(f"{tmp_path / 'office' / 'rules'}: OK"), checked.stdout
    unit = (tmp_path / "office" / "systemd" / "mailflow.service").read_text()
    assert f"\nExecStart={installed / 'mailflow'} run\n" in unit  # the virtualenv's own command
