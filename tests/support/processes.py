"""What /proc says of the processes a test started: for tests that a stop or a kill leaves none."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def of_office(config: Path) -> list[int]:
    """The live processes started for an office, found by the MAILFLOW_CONFIG they inherit: the
    run, its reading processes (each in a session of its own), their PDF readers and the scan
    readers, orphaned or not."""
    mark = f"MAILFLOW_CONFIG={config}".encode()
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            carried = mark in (proc / "environ").read_bytes().split(b"\0")
        except OSError:  # gone, or not ours
            continue
        if carried and alive(int(proc.name)):
            found.append(int(proc.name))
    return found


def demo_keeping(temp: Path, sigint_ignored: bool = False) -> tuple[subprocess.Popen[str], str]:
    """`mailflow demo --keep` started with its temporary folder in `temp` (and SIGINT ignored, as
    a shell does for `cmd &`), once it says Ctrl-C ends it; and what it printed until then."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "mailflow", "demo", "--keep"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "TMPDIR": str(temp), "COLUMNS": "200"},
        preexec_fn=(lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)) if sigint_ignored else None,
    )
    assert proc.stdout is not None
    out = ""
    while "Ctrl-C" not in out:
        if not (line := proc.stdout.readline()):
            proc.kill()
            proc.wait()
            raise AssertionError(f"the demo ended before it kept running:\n{out}")
        out += line
    return proc, out
