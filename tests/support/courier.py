"""Courier-IMAP from Debian's courier-imap package, unpacked by scripts/install-test-deps (it
conflicts with dovecot-imapd as an installed package), run by couriertcpd on loopback.

Courier keeps its folders under "INBOX." with "." between parts, as cPanel and older hosting do.
Logins go through courier-authlib's authdaemond with the userdb module; its socket and userdb
file live at fixed places in /etc/courier and /run/courier, so one Courier runs at a time.
Delivery writes the message into the user's Maildir, as a local delivery agent would.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

from tests.support.imapserver import MAIL_UID, PASSWORD, ImapServer

UNPACKED = Path("/opt/mailflow-test/courier-imap")
USERDB = Path("/etc/courier/userdb")
AUTHDAEMON = Path("/run/courier/authdaemon")


def missing() -> str | None:
    """Why Courier cannot run here, or None."""
    if not (UNPACKED / "usr/bin/imapd").exists() or shutil.which("couriertcpd") is None:
        return "Courier-IMAP is not unpacked; run scripts/install-test-deps (CI does)"
    return None


class Courier(ImapServer):
    kind = "courier"
    prefix = "INBOX."
    delimiter = "."

    def __init__(self, users: list[str]) -> None:
        super().__init__(users)
        (self.dir / "home").mkdir()
        self._write_userdb()
        self.wipe_mail()

    def _home(self, user: str) -> Path:
        return self.dir / "home" / user

    def _write_userdb(self) -> None:
        crypted = subprocess.run(
            ["userdbpw", "-md5"],
            input=f"{PASSWORD}\n{PASSWORD}\n",
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        lines = [
            f"{u}\tuid={MAIL_UID}|gid={MAIL_UID}|home={self._home(u)}|mail={self._home(u)}/Maildir|systempw={crypted}\n"
            for u in self.users
        ]
        USERDB.write_text("".join(lines))
        USERDB.chmod(0o600)
        subprocess.run(["makeuserdb"], check=True)
        conf = Path("/etc/courier/authdaemonrc")
        text = conf.read_text()
        if 'authmodulelist="authuserdb"' not in text:
            lines = [
                'authmodulelist="authuserdb"' if line.startswith("authmodulelist=") else line
                for line in text.splitlines()
            ]
            conf.write_text("\n".join(lines) + "\n")
            subprocess.run(["authdaemond", "stop"], check=False, capture_output=True)
        if not (AUTHDAEMON / "socket").exists() or not _alive(AUTHDAEMON / "pid"):
            AUTHDAEMON.mkdir(parents=True, exist_ok=True)
            subprocess.run(["authdaemond", "start"], check=True, capture_output=True)
            deadline = time.monotonic() + 5
            while not (AUTHDAEMON / "socket").exists() and time.monotonic() < deadline:
                time.sleep(0.02)

    def command(self) -> list[str]:
        # Debian's own imapd settings, then couriertcpd in the foreground on loopback.
        return [
            "bash",
            "-c",
            f"set -a; . {UNPACKED}/etc/courier/imapd; set +a; "
            'export IMAP_CAPABILITY="$IMAP_CAPABILITY AUTH=PLAIN"; '
            f"exec couriertcpd -address=127.0.0.1 -nodnslookup -noidentlookup -maxprocs=100 -maxperip=100 "
            f"{self.imap_port} {UNPACKED}/usr/lib/courier/courier/imaplogin {UNPACKED}/usr/bin/imapd Maildir",
        ]

    def deliver(self, sender: str, recipients: list[str], data: bytes) -> None:
        for rcpt in recipients:
            local, _, domain = rcpt.lower().partition("@")
            user = f"{local.split('+')[0]}@{domain}"
            if user not in self.users:
                raise LookupError(rcpt)
            maildir = self._home(user) / "Maildir"
            name = f"{time.time_ns()}.{os.getpid()}_{id(data)}.mailflow-test"
            tmp = maildir / "tmp" / name
            # Maildir files end lines with LF alone; Courier adds the CR when it serves them.
            tmp.write_bytes(f"Delivered-To: {rcpt}\n".encode() + data.replace(b"\r\n", b"\n"))
            os.chown(tmp, MAIL_UID, MAIL_UID)
            tmp.rename(maildir / "new" / name)

    def wipe_mail(self) -> None:
        for user in self.users:
            home = self._home(user)
            shutil.rmtree(home, ignore_errors=True)
            home.mkdir(parents=True)
            for sub in ("cur", "new", "tmp"):
                (home / "Maildir" / sub).mkdir(parents=True)
            for path in [home, *home.rglob("*")]:
                os.chown(path, MAIL_UID, MAIL_UID)


def _alive(pid_file: Path) -> bool:
    try:
        os.kill(int(pid_file.read_text().strip()), 0)
    except (OSError, ValueError):
        return False
    return True
