"""Cyrus IMAP 3.6 from Debian's cyrus-imapd and cyrus-common packages, unpacked by
scripts/install-test-deps (they conflict with dovecot-imapd as installed packages) and run by
its own `master` with a config in a temp folder, IMAP and LMTP on loopback.

Debian's imapd.conf defaults are kept where they shape what a client sees: altnamespace and
unixhierarchysep off, so folders live under "INBOX." with "." between parts. Passwords are
checked against a sasldb of the test's own; INBOXes are made at first login or delivery.
"""

from __future__ import annotations

import os
import shutil
import smtplib
import subprocess
from pathlib import Path

from tests.support.imapserver import PASSWORD, ImapServer, free_port, greets

UNPACKED = Path("/opt/mailflow-test")
BIN = UNPACKED / "cyrus-common/usr/lib/cyrus/bin"  # master, lmtpd and the tools
IMAPD = UNPACKED / "cyrus-imapd/usr/lib/cyrus/bin/imapd"
LIBS = UNPACKED / "cyrus-common/usr/lib/x86_64-linux-gnu"

IMAPD_CONF = """\
configdirectory: {dir}/lib
defaultpartition: default
partition-default: {dir}/spool
proc_path: {dir}/run/proc
mboxname_lockpath: {dir}/run/lock
lmtpsocket: {dir}/run/socket/lmtp
idlesocket: {dir}/run/socket/idle
notifysocket: {dir}/run/socket/notify
sievedir: {dir}/sieve
altnamespace: no
unixhierarchysep: no
allowplaintext: yes
sasl_pwcheck_method: auxprop
sasl_auxprop_plugin: sasldb
sasl_sasldb_path: {dir}/sasldb2
sasl_mech_list: PLAIN LOGIN
autocreate_quota: 0
autocreate_post: yes
lmtp_downcase_rcpt: yes
virtdomains: userid
"""

CYRUS_CONF = """\
START {{
  recover cmd="{bin}/ctl_cyrusdb -r -C {dir}/imapd.conf"
}}
SERVICES {{
  imap cmd="{imapd} -C {dir}/imapd.conf" listen="127.0.0.1:{imap}" prefork=0 maxchild=100
  lmtp cmd="{bin}/lmtpd -a -C {dir}/imapd.conf" listen="127.0.0.1:{lmtp}" prefork=0 maxchild=20
}}
EVENTS {{
}}
"""

DIRS = ["lib/db", "lib/log", "lib/msg", "lib/user", "lib/quota", "lib/proc", "lib/socket", "lib/ptclient",
        "lib/sync", "lib/lock", "spool", "run/proc", "run/lock", "run/socket", "sieve"]  # fmt: skip


def missing() -> str | None:
    """Why Cyrus cannot run here, or None."""
    if not (BIN / "master").exists() or not IMAPD.exists():
        return "Cyrus IMAP is not unpacked; run scripts/install-test-deps (CI does)"
    if shutil.which("saslpasswd2") is None:
        return "saslpasswd2 (sasl2-bin) is missing; run scripts/install-test-deps"
    return None


class Cyrus(ImapServer):
    kind = "cyrus"
    prefix = "INBOX."
    delimiter = "."

    def __init__(self, users: list[str]) -> None:
        super().__init__(users)
        self.lmtp_port = free_port()
        (self.dir / "imapd.conf").write_text(IMAPD_CONF.format(dir=self.dir))
        (self.dir / "cyrus.conf").write_text(
            CYRUS_CONF.format(dir=self.dir, bin=BIN, imapd=IMAPD, imap=self.imap_port, lmtp=self.lmtp_port)
        )
        for user in users:
            subprocess.run(
                ["saslpasswd2", "-f", str(self.dir / "sasldb2"), "-p", "-c", user],
                input=PASSWORD,
                text=True,
                check=True,
            )
        self._fresh_dirs()

    def _fresh_dirs(self) -> None:
        for name in ("lib", "spool", "run", "sieve"):
            shutil.rmtree(self.dir / name, ignore_errors=True)
        for name in DIRS:
            (self.dir / name).mkdir(parents=True, exist_ok=True)
        shutil.chown(self.dir / "sasldb2", "cyrus", "mail")
        for path in [self.dir / n for n in ("lib", "spool", "run", "sieve")]:
            for sub in [path, *path.rglob("*")]:
                shutil.chown(sub, "cyrus", "mail")

    def command(self) -> list[str]:
        return [str(BIN / "master"), "-C", str(self.dir / "imapd.conf"), "-M", str(self.dir / "cyrus.conf"),
                "-p", str(self.dir / "run/master.pid")]  # fmt: skip

    def environment(self) -> dict[str, str]:
        return {**os.environ, "LD_LIBRARY_PATH": str(LIBS)}

    def ready(self) -> bool:
        return greets(self.imap_port) and greets(self.lmtp_port)

    def deliver(self, sender: str, recipients: list[str], data: bytes) -> None:
        with smtplib.LMTP("127.0.0.1", self.lmtp_port) as lmtp:
            lmtp.sendmail(sender, recipients, data)

    def wipe_mail(self) -> None:
        """Cyrus keeps mailboxes in its own databases: wiping is a fresh start."""
        running = self.proc is not None
        self.stop()
        self._fresh_dirs()
        if running:
            self.start()
