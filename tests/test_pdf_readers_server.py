"""The PDF readers live and end with the service, through the real servers: `mailflow run` files
a letter with its PDF read by a reader and, told to stop, leaves no reader behind; `mailflow poll
--once` leaves no process of its own once it has exited."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlmodel import Session, select

from mailflow.storage.models import Letter
from tests.support.letters import gmail_forward, pdf_letter
from tests.support.processes import alive, of_office

STOP_WAIT = 60  # a slow, shared machine's margin for a stop (stop_timeout is 10 s by default)


def test_mailflow_run_stops_its_pdf_readers(office):
    office.mail.send(gmail_forward(pdf=pdf_letter(number="31/PDF/2026")))
    env = {**os.environ, "MAILFLOW_CONFIG": str(office.config_path)}
    run = subprocess.Popen(
        [sys.executable, "-m", "mailflow", "run"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _wait(lambda: _letter_numbers(office.app) == ["31/PDF/2026"])  # read from the PDF
        readers = _pdf_readers(run.pid)
        assert readers
        os.kill(run.pid, signal.SIGTERM)
        run.wait(timeout=STOP_WAIT)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()
    assert run.returncode == 0
    assert not [pid for pid in readers if alive(pid)]
    # Every process of the run ends: one busy at the stop (a reading process) once its input closes.
    _wait(lambda: not of_office(office.config_path), timeout=STOP_WAIT)


def test_mailflow_poll_once_leaves_no_pdf_reader(office):
    office.mail.send(gmail_forward(pdf=pdf_letter(number="32/PDF/2026")))
    env = {**os.environ, "MAILFLOW_CONFIG": str(office.config_path)}
    once = subprocess.Popen(
        [sys.executable, "-m", "mailflow", "poll", "--once"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    _, said = once.communicate(timeout=STOP_WAIT * 2)
    assert once.returncode == 0, said
    assert _letter_numbers(office.app) == ["32/PDF/2026"]
    _wait(lambda: not of_office(office.config_path), timeout=STOP_WAIT)  # its readers ended with it


def _letter_numbers(app) -> list[str | None]:
    with Session(app.engine) as session:
        return [letter.letter_number for letter in session.exec(select(Letter))]


def _pdf_readers(ancestor: int) -> list[int]:
    """The PDF readers under `ancestor`: its own, and those of its reading processes."""
    parents, commands = {}, {}
    for proc in Path("/proc").iterdir():
        try:
            stat, cmdline = (proc / "stat").read_text(), (proc / "cmdline").read_bytes()
        except OSError:  # not a process, or gone
            continue
        if not proc.name.isdigit():  # /proc/self
            continue
        parents[int(proc.name)], commands[int(proc.name)] = int(stat.rsplit(")", 1)[1].split()[1]), cmdline

    def under(pid: int) -> bool:
        while pid in parents and pid != ancestor:
            pid = parents[pid]
        return pid == ancestor

    return [pid for pid, cmdline in commands.items() if b"mailflow.text.pdf_reader" in cmdline and under(pid)]


def _wait(condition, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)
