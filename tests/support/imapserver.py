"""What every IMAP server of the test matrix offers the harness: its port, delivery of a message
to a user's INBOX, its own folder names, wiping mailboxes between tests, and a clean stop.

Each server runs in its own process session, so it outlives a crashed test run: it is stopped
from a fixture finalizer and an atexit hook, with SIGTERM to the whole group, then SIGKILL.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

MAIL_UID = 5000
PASSWORD = "secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def greets(port: int) -> bool:
    """True when something on `port` accepts a connection and says its greeting."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            return bool(s.recv(64))
    except OSError:
        return False


class ImapServer:
    """Base of the harness's servers; subclasses say how to start and how to deliver."""

    kind = "imap"
    # The personal namespace the server is configured with: what Mailflow must discover.
    prefix = ""
    delimiter = "/"
    log_name = "stderr.log"

    def __init__(self, users: list[str]) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix=f"mailflow-{self.kind}-"))
        os.chmod(self.dir, 0o755)
        self.imap_port = free_port()
        self.users = list(users)
        self.proc: subprocess.Popen | None = None
        atexit.register(self.stop)

    def folder(self, logical: str) -> str:
        """The name this server gives a folder that the config writes as "A/B"."""
        if logical.upper() == "INBOX":
            return "INBOX"
        return self.prefix + logical.replace("/", self.delimiter)

    def deliver(self, sender: str, recipients: list[str], data: bytes) -> None:
        raise NotImplementedError

    def command(self) -> list[str]:
        raise NotImplementedError

    def environment(self) -> dict[str, str]:
        return dict(os.environ)

    def ready(self) -> bool:
        return greets(self.imap_port)

    def start(self) -> None:
        self.proc = subprocess.Popen(
            self.command(),
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=open(self.dir / "stderr.log", "ab"),  # noqa: SIM115 (the child keeps it)
            env=self.environment(),
            cwd=self.dir,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.kind} exited: {self.log()[-2000:]}")
            if self.ready():
                return
            time.sleep(0.02)
        raise RuntimeError(f"{self.kind} did not start listening in 20 s: {self.log()[-2000:]}")

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        self.before_stop(proc.pid)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=3)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
        time.sleep(0.02)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)

    def before_stop(self, pid: int) -> None:
        """A server's own first step of a clean stop, before SIGTERM reaches its group."""

    def restart(self) -> None:
        self.stop()
        self.start()

    def wipe_mail(self) -> None:
        raise NotImplementedError

    def log(self) -> str:
        try:
            return (self.dir / self.log_name).read_text(errors="replace")
        except OSError:
            return ""

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
