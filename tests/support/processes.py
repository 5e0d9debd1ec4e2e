"""What /proc says of the processes a test started: for tests that a stop or a kill leaves none."""

from __future__ import annotations

from pathlib import Path


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def in_session(sid: int) -> list[int]:
    """The processes still in a session (the run and everything it started)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[4]) == sid:
            found.append(int(proc.name))
    return found
