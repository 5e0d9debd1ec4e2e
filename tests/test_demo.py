"""The README's first command: the demo runs end to end on its embedded mail server."""

import subprocess
import sys


def test_demo_runs_end_to_end_and_exits_zero(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "mailflow", "demo", "--workdir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "001/SM/" in result.stdout and "Tanda terima" in result.stdout
    assert "disposed" in result.stdout and "acknowledged" in result.stdout
    assert (tmp_path / "mailflow.db").exists()
    assert "Terlambat" in result.stdout
    assert (tmp_path / "records" / "buku-agenda.xlsx").stat().st_size > 0
    assert (tmp_path / "records" / "lembar-disposisi.pdf").read_bytes().startswith(b"%PDF")
