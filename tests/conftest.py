"""Fixtures: the real loopback mail servers, and a fresh office configured against them."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from mailflow.app import App
from mailflow.config import load_settings
from mailflow.demo import dkim
from mailflow.inbound.loop import PollReport
from mailflow.ops import service
from tests.support import REPO, regency
from tests.support.dovecot import PASSWORD, Dovecot, free_port
from tests.support.imapserver import ImapServer
from tests.support.inbox import Inbox
from tests.support.letters import gmail_forward, pdf_letter
from tests.support.mail import Mail
from tests.support.postgres import fresh_postgres_database
from tests.support.relay import start_relay

DOMAIN = "probolinggokab.example"
USERS = [
    f"{u}@{DOMAIN}"
    for u in (
        "surat",
        "agenda",
        "kadis",
        "sekretaris",
        "kabid.dikdas",
        "kabid.paud",
        "kasubbag.umum",
        "admin",
    )
] + ["umum@kemendagri.go.id", "sekretariat@jatimprov.example", "stranger@elsewhere.example"]
USERS += [f"surat{n:02d}@{DOMAIN}" for n in range(1, 21)]  # the multi-worker test's mailboxes
USERS += [a for a in regency.addresses() if a not in USERS]  # the example regency's people


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """A fresh, empty database: SQLite by default, PostgreSQL when MAILFLOW_TEST_DATABASE_URL is set."""
    base = os.environ.get("MAILFLOW_TEST_DATABASE_URL")
    if not base:
        return f"sqlite:///{tmp_path}/test.db"
    return fresh_postgres_database(base)


@dataclass
class Servers:
    """An IMAP server and the SMTP relay in front of it. `submission_port` is where Mailflow
    sends (a server that may demand AUTH); officials' test mail goes in at `smtp_port`."""

    imap: ImapServer
    smtp_port: int
    relay: object
    mail: Mail
    submission_port: int = 0

    def __post_init__(self) -> None:
        self.submission_port = self.submission_port or self.smtp_port


@pytest.fixture(scope="session")
def servers():
    """The suite's default server: Dovecot as Debian ships it (Maildir++, "." between folders)."""
    if shutil.which("dovecot") is None:
        pytest.skip("dovecot is not installed; run scripts/install-test-deps (CI installs it)")
    dovecot = Dovecot(USERS)
    dovecot.start()
    smtp_port = free_port()
    controller, relay = start_relay(dovecot, smtp_port)
    try:
        yield Servers(dovecot, smtp_port, relay, Mail(dovecot, smtp_port))
    finally:
        controller.stop()
        dovecot.cleanup()


CONFIG = """\
database_url = "{database_url}"
storage_dir = "{dir}/storage"
rules_dir = "{rules}"
poll_interval = {interval}
outbox_interval = {interval}
lease_seconds = 2
rules_check_seconds = 0
admin_email = "admin@{domain}"
{extra}

[dkim_keys]
"{dkim_name}" = "{dkim_record}"

[smtp]
host = "127.0.0.1"
port = {smtp}
security = "none"
from_address = "surat@{domain}"
claim_seconds = 3
{smtp_extra}

[[mailboxes]]
name = "surat"
host = "127.0.0.1"
port = {imap}
security = "none"
username = "surat@{domain}"
password_env = "MAILFLOW_TEST_IMAP_PASSWORD"
address = "surat@{domain}"
unit = "disdik"
{box_extra}
{box_tables}
"""


@dataclass
class Office:
    """One test's office: a config against the real servers, and the App built from it."""

    dir: Path
    servers: Servers
    extra: str = ""
    box_extra: str = ""
    rules_dir: Path = REPO / "rules"
    smtp_extra: str = ""
    # Sub-tables of the mailbox ([mailboxes.oauth]): after its keys, kept by reconfigure().
    box_tables: str = ""
    interval: float = 1
    database_url: str = ""

    def __post_init__(self) -> None:
        self.write_config()
        self._app: App | None = None

    def write_config(self) -> Path:
        path = self.dir / "config.toml"
        path.write_text(
            CONFIG.format(
                dir=self.dir,
                rules=self.rules_dir,
                domain=DOMAIN,
                smtp=self.servers.submission_port,
                imap=self.servers.imap.imap_port,
                extra=self.extra,
                box_extra=self.box_extra,
                box_tables=self.box_tables,
                smtp_extra=self.smtp_extra,
                interval=self.interval,
                database_url=self.database_url or f"sqlite:///{self.dir}/mailflow.db",
                dkim_name=dkim.RECORD_NAME,
                dkim_record=dkim.RECORD,
            )
        )
        return path

    def reconfigure(self, extra: str = "", box_extra: str = "") -> None:
        self.extra, self.box_extra = extra, box_extra
        self.write_config()
        self._app = None

    @property
    def config_path(self) -> Path:
        return self.dir / "config.toml"

    @property
    def app(self) -> App:
        if self._app is None:
            self._app = App.build(load_settings(self.config_path))
        return self._app

    @property
    def mail(self) -> Mail:
        return self.servers.mail

    def poll(self) -> PollReport:
        reports = service.once(self.app)
        return reports[0]


@pytest.fixture
def office(servers: Servers, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> Office:
    servers.imap.wipe_mail()
    servers.relay.refuse = False
    monkeypatch.setenv("MAILFLOW_TEST_IMAP_PASSWORD", PASSWORD)
    return Office(tmp_path, servers, database_url=database_url)


@dataclass
class Regency(Office):
    """The example regency (rules/regency): a mailbox per office, all polled in one pass."""

    rules_dir: Path = regency.TREE

    def write_config(self) -> Path:
        path = self.dir / "config.toml"
        path.write_text(
            regency.config_text(
                self.dir,
                self.database_url or f"sqlite:///{self.dir}/mailflow.db",
                self.servers.submission_port,
                self.servers.imap.imap_port,
                self.interval,
                self.rules_dir,
            )
        )
        return path

    def poll(self) -> PollReport:
        """Every office's mailbox once; the outcomes added up."""
        total = PollReport("regency")
        for report in service.once(self.app):
            for outcome, count in report.outcomes.items():
                total.outcomes[outcome] = total.outcomes.get(outcome, 0) + count
        return total


@pytest.fixture
def regency_office(
    servers: Servers, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> Regency:
    servers.imap.wipe_mail()
    servers.relay.refuse = False
    monkeypatch.setenv("MAILFLOW_TEST_IMAP_PASSWORD", PASSWORD)
    return Regency(tmp_path, servers, database_url=database_url)


@pytest.fixture
def inbox(office):
    """Each official's view of their own mailbox."""
    return Inbox(office)


@pytest.fixture
def request_to_kadis(office, inbox):
    office.mail.send(gmail_forward(pdf=pdf_letter()))
    office.poll()
    return inbox.next(f"kadis@{DOMAIN}", "Mohon disposisi")
