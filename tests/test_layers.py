"""The house rules of mailflow's tree. Every import between its packages runs downward
(pyproject.toml, "every import runs downward"): the real tree keeps the layers contract, and a copy
of it with one upward import, or with a module placed in no layer, breaks it, as CI checks it, by
`lint-imports`. And each file name has one meaning: no two modules share one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from tests.support import REPO

CONTRACT = "every import runs downward"
LINT_IMPORTS = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """`lint-imports` with the project's contracts on the package at `root`/mailflow."""
    return subprocess.run(
        [sys.executable, "-c", LINT_IMPORTS, "--no-cache", str(REPO / "pyproject.toml")],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def copy_of_package(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "mailflow", tmp_path / "mailflow", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path / "mailflow"


def test_the_real_tree_keeps_every_contract() -> None:
    result = lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{CONTRACT} KEPT" in result.stdout


@pytest.mark.parametrize(
    ("module", "added", "edge"),
    [
        # text/ is near the bottom; reaching up into the registry is refused, naming the import.
        ("text/lines.py", "from mailflow.registry import filing", "mailflow.text.lines -> mailflow.registry.filing"),
        # The App builds the network edge; the edge asking the App back is the cycle that was.
        ("net/imap.py", "from mailflow import app", "mailflow.net.imap -> mailflow.app"),
    ],
)
def test_an_upward_import_breaks_the_layers(tmp_path: Path, module: str, added: str, edge: str) -> None:
    package = copy_of_package(tmp_path)
    path = package / module
    path.write_text(path.read_text() + f"\n{added}  # noqa: E402, F401\n")
    result = lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{CONTRACT} BROKEN" in result.stdout
    assert edge in result.stdout


def test_a_module_in_no_layer_breaks_the_contract(tmp_path: Path) -> None:
    """`exhaustive`: a new top-level module must be given its place before it can land."""
    package = copy_of_package(tmp_path)
    (package / "letters_out.py").write_text('"""A new room nobody placed."""\n')
    result = lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{CONTRACT} BROKEN" in result.stdout
    assert "mailflow.letters_out" in result.stdout


def test_no_two_modules_share_a_file_name() -> None:
    """`offices.py` three times meant three things; name a file for what it holds (a command
    module of cli/ is `cli_<family>.py`). Migrations are numbered files of their own."""
    places: defaultdict[str, list[str]] = defaultdict(list)
    for path in sorted((REPO / "mailflow").rglob("*.py")):
        relative = path.relative_to(REPO / "mailflow")
        if path.name != "__init__.py" and "migrations" not in relative.parts:
            places[path.name].append(str(relative))
    shared = {name: where for name, where in places.items() if len(where) > 1}
    assert not shared, shared
