"""A real Dovecot on loopback, started in the foreground with a config of its own.

The settings and the stop sequence follow ../shared/docs/mail-servers.md: a root-run instance
needs dovenull for logins, a non-root mail uid, 0755 directories, its own base/state dirs; it is
stopped with SIGQUIT to the master, SIGTERM to the group, SIGKILL for leftovers.

Variants of the server matrix: Maildir++ with Debian's default "." separator (the suite's default
server), "/" as a separator, MOVE and IDLE taken out of the capabilities, and an `oauth2` passdb
that checks bearer tokens against the local token endpoint (tests/support/oauth.py).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import smtplib
import subprocess

from tests.support.imapserver import MAIL_UID, PASSWORD, ImapServer, free_port, greets

__all__ = ["MAIL_UID", "PASSWORD", "Dovecot", "free_port"]
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
auth_mechanisms = {mechanisms}
mail_location = maildir:{dir}/mail/%d/%n/Maildir
mail_plugins =
namespace inbox {{
  inbox = yes
{separator}  mailbox Archive {{
    special_use = \\Archive
    auto = create
  }}
}}
{passdb_oauth2}
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
# One imap process per connection: the benchmarks watch 200 mailboxes at once (the default is 100);
# bench/province.py raises it for its thousands.
default_process_limit = {processes}
default_client_limit = {clients}
# The imap service has a default of its own (1024) that default_process_limit does not lift.
service imap {{
  process_limit = {processes}
}}
{capability}
"""

OAUTH2_PASSDB = """passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {dir}/oauth2.conf.ext
}}"""

OAUTH2_CONF = """introspection_mode = post
introspection_url = {url}
tokeninfo_url = {url}?token=
username_attribute = username
active_attribute = active
active_value = true
"""

# Dovecot 2.3's own list less MOVE and IDLE: a server as old or as stripped as some hosting has.
BARE_CAPABILITIES = (
    "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE LITERAL+ SORT SORT=DISPLAY THREAD=REFERENCES "
    "THREAD=REFS THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN NAMESPACE "
    "UIDPLUS LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH ESORT SEARCHRES WITHIN CONTEXT=SEARCH "
    "LIST-STATUS BINARY SNIPPET=FUZZY PREVIEW=FUZZY PREVIEW STATUS=SIZE SAVEDATE"
)


class Dovecot(ImapServer):
    kind = "dovecot"
    log_name = "dovecot.log"

    def __init__(
        self,
        users: list[str],
        separator: str | None = None,
        capabilities: str | None = None,
        oauth_url: str | None = None,
        processes: int = 1000,
    ) -> None:
        """`separator` None is Maildir++'s own "." (Debian's stock config names none); `processes`:
        the most imap processes (one per connection) and logins at once."""
        if shutil.which("dovecot") is None:
            raise RuntimeError("dovecot is not installed (run scripts/install-test-deps)")
        super().__init__(users)
        self.delimiter = separator or "."
        self.lmtp_port = free_port()
        (self.dir / "mail").mkdir()
        os.chown(self.dir / "mail", MAIL_UID, MAIL_UID)
        accounts = [(u, PASSWORD) for u in users] + [(UTF8_USER, UTF8_PASSWORD)]
        (self.dir / "passwd").write_text(
            "".join(f"{u}:{{PLAIN}}{p}::::::\n" for u, p in accounts), encoding="utf-8"
        )
        if oauth_url:
            (self.dir / "oauth2.conf.ext").write_text(OAUTH2_CONF.format(url=oauth_url))
        (self.dir / "dovecot.conf").write_text(
            CONFIG.format(
                dir=self.dir,
                imap=self.imap_port,
                lmtp=self.lmtp_port,
                uid=MAIL_UID,
                separator=f"  separator = {separator}\n" if separator else "",
                passdb_oauth2=OAUTH2_PASSDB.format(dir=self.dir) if oauth_url else "",
                capability=f"imap_capability = {capabilities}" if capabilities else "",
                mechanisms="plain login xoauth2 oauthbearer" if oauth_url else "plain login",
                processes=processes,
                clients=4 * processes,
            )
        )

    def deliver(self, sender: str, recipients: list[str], data: bytes) -> None:
        with smtplib.LMTP("127.0.0.1", self.lmtp_port) as lmtp:
            lmtp.sendmail(sender, recipients, data)

    def command(self) -> list[str]:
        (self.dir / "run" / "master.pid").unlink(missing_ok=True)  # a stale one blocks the start
        return ["dovecot", "-F", "-c", str(self.dir / "dovecot.conf")]

    def ready(self) -> bool:
        """Our master owns the ports: a connect probe alone would also greet another instance."""
        try:
            if self.proc is None or int((self.dir / "run" / "master.pid").read_text()) != self.proc.pid:
                return False
        except (OSError, ValueError):
            return False
        return all(greets(port) for port in (self.imap_port, self.lmtp_port))

    def before_stop(self, pid: int) -> None:
        """SIGQUIT first: SIGTERM alone takes seconds and leaves imap children serving."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGQUIT)

    def kick(self, user: str) -> None:
        """Disconnect `user`'s sessions now, as an admin or a server going down does (BYE)."""
        subprocess.run(["doveadm", "-c", str(self.dir / "dovecot.conf"), "kick", user], check=True,
                       capture_output=True)  # fmt: skip

    def wipe_mail(self) -> None:
        """Empty every mailbox (between tests; no client may be connected)."""
        for child in (self.dir / "mail").iterdir():
            shutil.rmtree(child, ignore_errors=True)
