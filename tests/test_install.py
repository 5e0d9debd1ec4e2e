"""What scripts/install brings a fresh Debian machine, and that the test setup adds nothing the
product needs (else the tests would pass on packages a real install never gets)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"


def _packages(script: str) -> list[str]:
    """The PACKAGES=(...) array of scripts/install."""
    found = re.search(r"^PACKAGES=\(([^)]*)\)", (SCRIPTS / script).read_text(), re.M)
    assert found, f"scripts/{script} names no PACKAGES=(...)"
    return found[1].split()


def test_scripts_install_brings_the_tesseract_command():
    """The package that owns the `tesseract` command on this machine is in scripts/install's list:
    the language packages alone only recommend it."""
    command = shutil.which("tesseract")
    assert command, "no tesseract on this machine: scripts/install (run by scripts/test) installs it"
    owner = subprocess.run(
        ["dpkg", "-S", str(Path(command).resolve())], capture_output=True, text=True, check=True
    ).stdout
    package = owner.split(":", 1)[0]
    assert package == "tesseract-ocr"
    assert package in _packages("install")
    assert {"tesseract-ocr-ind", "tesseract-ocr-eng", "tesseract-ocr-osd"} <= set(_packages("install"))


def test_the_test_setup_installs_no_product_package_itself():
    """install-test-deps runs scripts/install for the product's packages and names none of them."""
    text = (SCRIPTS / "install-test-deps").read_text()
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    assert re.search(r"^scripts/install$", body, re.M)
    for package in _packages("install"):
        assert not re.search(rf"(?<![\w-]){re.escape(package)}(?![\w-])", body), package


def test_what_a_build_writes_is_ignored_by_git():
    """`python -m build` writes dist/ (and build/): neither shows up as work to commit."""
    root = SCRIPTS.parent
    if not (root / ".git").exists():
        pytest.skip("not a git checkout: nothing for git to ignore")
    for path in ("dist/mailflow-1.0.tar.gz", "dist/mailflow-1.0-py3-none-any.whl", "build/lib/x.py"):
        ignored = subprocess.run(["git", "-C", str(root), "check-ignore", "-q", path])
        assert ignored.returncode == 0, f"{path} is not ignored by git"
