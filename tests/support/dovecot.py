"""A real Dovecot on loopback, started in the foreground with a config of its own.

The settings and the stop sequence follow ../shared/docs/mail-servers.md: a root-run instance
needs dovenull for logins, a non-root mail uid, 0755 directories, its own base/state dirs; it is
stopped with SIGQUIT to the master, SIGTERM to the group, SIGKILL for leftovers.
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
# One account whose password LOGIN cannot carry (RFC 3501 strings are ASCII): AUTHENTICATE PLAIN.
UTF8_USER, UTF8_PASSWORD = "pustaka@probolinggokab.example", "Sandi-rahasia-éñ-ŝ"

CONFIG = """\
base_dir = {dir}/run
state_dir = {dir}/state
instance_name = mailflow-test-{imap}
log_path = {dir}/dovecot.log
info_log_path = {dir}/dovecot.log
listen = 127.0.0.1
protocols = imap lmtp
default_login_user = dovenull
default_internal_user = root
default_internal_group = root
mail_uid = {uid}
mail_gid = {uid}
first_valid_uid = {uid}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{dir}/mail/%d/%n/Maildir
mail_plugins =
namespace inbox {{
  inbox = yes
  separator = /
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%Lu {dir}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={uid} home={dir}/mail/%d/%n
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {lmtp}
  }}
}}
protocol imap {{
  mail_max_userip_connections = 50
}}
# One imap process per connection: the benchmarks watch 200 mailboxes at once (the default is 100).
default_process_limit = 1000
default_client_limit = 4000
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Dovecot:
    def __init__(self, users: list[str]) -> None:
        if shutil.which("dovecot") is None:
            raise RuntimeError("dovecot is not installed (run scripts/install-test-deps)")
        self.dir = Path(tempfile.mkdtemp(prefix="mailflow-dovecot-"))
        os.chmod(self.dir, 0o755)
        self.imap_port = free_port()
        self.lmtp_port = free_port()
        self.users = list(users)
        self.proc: subprocess.Popen | None = None
        (self.dir / "mail").mkdir()
        os.chown(self.dir / "mail", MAIL_UID, MAIL_UID)
        accounts = [(u, PASSWORD) for u in users] + [(UTF8_USER, UTF8_PASSWORD)]
        (self.dir / "passwd").write_text(
            "".join(f"{u}:{{PLAIN}}{p}::::::\n" for u, p in accounts), encoding="utf-8"
        )
        (self.dir / "dovecot.conf").write_text(
            CONFIG.format(dir=self.dir, imap=self.imap_port, lmtp=self.lmtp_port, uid=MAIL_UID)
        )
        atexit.register(self.stop)

    def start(self) -> None:
        pid_file = self.dir / "run" / "master.pid"
        pid_file.unlink(missing_ok=True)
        self.proc = subprocess.Popen(
            ["dovecot", "-F", "-c", str(self.dir / "dovecot.conf")],
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"dovecot exited: {self.proc.stderr.read().decode()} {self.log()[-2000:]}")
            if self._ours_listening():
                return
            time.sleep(0.02)
        raise RuntimeError("dovecot did not start listening in 15 s")

    def _ours_listening(self) -> bool:
        pid_file = self.dir / "run" / "master.pid"
        try:
            if int(pid_file.read_text().strip()) != self.proc.pid:
                return False
        except (OSError, ValueError):
            return False
        for port in (self.imap_port, self.lmtp_port):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                    if not s.recv(64):
                        return False
            except OSError:
                return False
        return True

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGQUIT)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
        time.sleep(0.02)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)

    def restart(self) -> None:
        self.stop()
        self.start()

    def wipe_mail(self) -> None:
        """Empty every mailbox (between tests; no client may be connected)."""
        for child in (self.dir / "mail").iterdir():
            shutil.rmtree(child, ignore_errors=True)

    def log(self) -> str:
        try:
            return (self.dir / "dovecot.log").read_text(errors="replace")
        except OSError:
            return ""

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
