"""Fixtures: the real loopback mail servers, and a fresh office configured against them."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from mailflow.app import App
from mailflow.config import load_settings
from mailflow.demo import dkim
from mailflow.inbound.loop import PollReport
from mailflow.ops import service
from mailflow.storage.db import make_engine, upgrade
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


# The lanes (README "Tests"). `server`: the test needs a server the harness starts (Dovecot, the
# SMTP relay, the Courier/Cyrus matrix, the demo's loopback servers) or builds the wheel; every
# other test is pure, and `scripts/test --quick` runs only those. The mark follows from what a
# test uses, so a new test is in the right lane without being told: any fixture below in its
# fixture closure, or a file named as the harness's tests are (*_server.py, test_demo.py,
# test_wheel.py). `postgres`: behaviour that differs on PostgreSQL (row locks, migrations,
# workers and leases, the outbox and scan claims, the filing transaction, pg_dump backups); the
# second pass of scripts/test runs only these against PostgreSQL, listed in POSTGRES_LANE.
SERVER_FIXTURES = frozenset({"servers", "matrix"})
SERVER_FILES = frozenset({"test_demo.py", "test_wheel.py"})

# The PostgreSQL lane: test file -> the tests in it ("*": all), and why they differ there.
POSTGRES_LANE: dict[str, tuple[str, ...]] = {
    # The migrations, the schema check and `db upgrade`: DDL differs per dialect.
    "test_migrations.py": ("*",),
    "test_regency_server.py": ("test_a_single_office_setup_is_upgraded_in_place",),
    # Workers, heartbeats and mailbox leases: row locks (FOR UPDATE) and several processes at once.
    "test_heartbeat.py": ("*",),
    "test_leases.py": ("*",),  # held leases claimed with SKIP LOCKED, inserted ON CONFLICT DO NOTHING
    "test_workers_server.py": ("*",),
    "test_health_server.py": (
        "test_status_is_critical_once_the_service_stops_or_dies",
        "test_two_workers_one_killed_the_other_keeps_it_ok",
    ),
    # Backup and restore: pg_dump/pg_restore instead of SQLite's file copy.
    "test_backup_server.py": ("*",),
    # The filing transaction, attempts and the quarantine release: FOR UPDATE, unique keys, rollback.
    "test_intake_guarantees.py": (
        "test_nothing_moves_before_commit_and_an_interrupted_move_is_finished_next_run",
        "test_sigkill_in_the_middle_of_a_poll_loses_and_doubles_nothing",
        "test_direct_letter_is_held_for_a_clerk_and_released_by_an_admin",
        "test_smtp_outage_is_caught_up_with_the_same_message_id",
        "test_a_message_that_kills_its_worker_twice_is_held_not_retried_forever",
    ),
    "test_intake_server.py": ("test_second_poll_and_restart_never_file_twice",),
    # Receipts and requests composed after the commit: rows claimed with FOR UPDATE SKIP LOCKED.
    "test_compose_later_server.py": ("*",),
    "test_attack_compose_server.py": ("test_two_workers_composing_and_sending_at_once_send_each_email_once",),
    # A row composed larger than the relay's SIZE, composed again: UPDATE ... RETURNING, length(bytea).
    "test_attack3_relay_server.py": (
        "test_a_request_composed_while_the_relay_is_down_still_fits_it_when_it_is_back",
        "test_only_a_never_sent_recipe_larger_than_the_size_and_not_being_sent_is_composed_again",
    ),
    "test_attack_compose_upgrade_server.py": ("*",),  # db upgrade and a refused downgrade, in place
    # Group commit under SIGKILL: one transaction for several letters, the state row locked.
    "test_group_commit_server.py": ("*",),
    "test_first_letter_server.py": ("test_a_release_is_logged_on_the_letter_and_its_mail_goes_through_the_outbox",),
    "test_trust_server.py": ("test_the_same_reply_delivered_twice_is_applied_once",),
    "test_outages_server.py": ("test_database_locked_for_a_while",),
    # Scan jobs: claimed with FOR UPDATE SKIP LOCKED by reader processes.
    "test_scans_server.py": (
        "test_a_sigkill_mid_ocr_repeats_the_job_never_loses_or_doubles_it",
        "test_a_reader_killed_alone_is_replaced_and_its_scan_read_at_once",
    ),
    "test_scan_overdue_race_server.py": ("*",),  # a scan job and the overdue check holding one letter
    # The whole flow once, and the registry's queries (search, holder, overdue, the agenda book,
    # follow-up's date arithmetic): SQL the dialects may read differently.
    "test_disposition_server.py": ("test_the_probolinggo_scenario", "test_letters_by_holder_and_overdue"),
    "test_records_server.py": ("test_agenda_book_exports",),
    "test_followup_server.py": ("test_reminders_escalations_and_no_doubles",),
    # A proposal confirmed once: its row is locked (FOR UPDATE) until the reply's transaction ends.
    "test_proposals_server.py": ("test_ya_twice_acts_once",),
    "test_confirm_attacks_server.py": ("test_two_yeses_processed_at_once_cannot_both_find_the_proposal_pending",),
    # The web lists' query plans and the dashboard's medians computed in SQL, per dialect.
    "test_web_scope.py": ("test_main_lists_use_indexes", "test_dashboard_weeks_are_the_medians_of_their_letters",
                          "test_dashboard_counts_no_letter_outside_the_readers_scope"),
    "test_attack_admin_dashboard.py": ("*",),  # the letters a reader cannot open, found per dialect
    "test_attack_final_dashboard.py": ("*",),  # positions gone from the chart, in a non-C collation
    "test_attack_final_weeks.py": ("*",),  # a restore before 0017 recomputing the weeks in place
    # 0017's weeks, recomputed in the office's zone, and the dashboard's weeks over them.
    "test_attack_admin_upgrade.py": ("test_a_letter_received_early_monday_counts_in_the_offices_week",),
    # The letters' stored spans (each dialect's date arithmetic and week), the open deadline's
    # UPDATE, and the weekly medians read by LIMIT/OFFSET against the old window computation.
    "test_web_facts.py": ("*",),
    # The rows filing writes past the ORM (ids by RETURNING, enums, JSON, dates) are the objects
    # the session keeps, per dialect.
    "test_filing_rows_server.py": ("*",),
    # Sessions kept in the database, shared by every instance: their moments compared in SQL's time.
    "test_web_sessions.py": ("*",),
    "test_web_attack_server.py": ("test_session_cookie_copied_before_sign_out_is_refused_after",
                                  "test_session_cookie_reused_after_its_expiry_is_refused",
                                  "test_session_idle_longer_than_the_timeout_is_refused",
                                  "test_sessions_of_one_who_left_the_chart_end_when_the_rules_change"),
}


# Pure tests too slow for the quick lane (`slow`): the whole suite still runs them, and why.
SLOW_LANE: dict[str, tuple[str, ...]] = {
    # Tesseract reads real page images: seconds of OCR per test.
    "test_scan_reading.py": ("*",),
    # Times every compiled pattern of the package on growing adversarial input.
    "test_linear_patterns.py": ("test_every_pattern_of_the_package_is_linear",),
    # The chunked DKIM body hash against dkimpy: hundreds of RSA signatures over client mail and
    # fuzzed mail, a 14 MB scan signed, and 8 MB runs hashed by dkimpy as well (~30 s together).
    "test_dkim_body.py": (
        "test_client_mail_signed_every_way_hashes_as_the_signer_did_and_verifies_alike",
        "test_fuzzed_mail_hashes_and_verifies_as_dkimpy_does",
        "test_a_large_signed_scan_is_verified_from_its_spool_file_in_chunk_sized_memory",
        "test_long_runs_of_empty_lines_and_blanks_cost_chunk_sized_memory",
    ),
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test's lanes; a POSTGRES_LANE entry naming no collected test fails the run, so
    that a renamed test cannot leave the lane unnoticed."""
    unseen = {(file, name) for file, names in POSTGRES_LANE.items() for name in names if name != "*"}
    files = set()
    for item in items:
        name = item.path.name
        files.add(name)
        fixtures = set(getattr(item, "fixturenames", ()))
        if fixtures & SERVER_FIXTURES or name.endswith("_server.py") or name in SERVER_FILES:
            item.add_marker(pytest.mark.server)
        test = getattr(item, "originalname", item.name)
        if "*" in (slow := SLOW_LANE.get(name, ())) or test in slow:
            item.add_marker(pytest.mark.slow)
        lane = POSTGRES_LANE.get(name, ())
        if "*" in lane or test in lane:
            item.add_marker(pytest.mark.postgres)
            unseen.discard((name, test))
    if missing := sorted(f"{file}::{test}" for file, test in unseen if file in files):
        raise pytest.UsageError(f"POSTGRES_LANE names tests that do not exist: {', '.join(missing)}")


@pytest.fixture
def empty_database_url(tmp_path: Path) -> str:
    """A fresh, empty database: SQLite by default, PostgreSQL when MAILFLOW_TEST_DATABASE_URL is set."""
    base = os.environ.get("MAILFLOW_TEST_DATABASE_URL")
    if not base:
        return f"sqlite:///{tmp_path}/test.db"
    return fresh_postgres_database(base)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One database migrated to the head revision, once per session: what `database_url` copies."""
    base = os.environ.get("MAILFLOW_TEST_DATABASE_URL")
    url = fresh_postgres_database(base) if base else f"sqlite:///{tmp_path_factory.mktemp('template')}/migrated.db"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()  # no connection left open: SQLite's WAL folded in, PostgreSQL free to copy it
    return url


@pytest.fixture
def database_url(tmp_path: Path, migrated_template: str) -> str:
    """A fresh database already at the head revision (a copy of the session's migrated template):
    SQLite by default, PostgreSQL when MAILFLOW_TEST_DATABASE_URL is set."""
    base = os.environ.get("MAILFLOW_TEST_DATABASE_URL")
    if not base:
        shutil.copy2(make_url(migrated_template).database or "", tmp_path / "test.db")
        return f"sqlite:///{tmp_path}/test.db"
    return fresh_postgres_database(base, template=make_url(migrated_template).database)


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
rules_check_seconds = {rules_check}
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
    # Tests change rules files and expect the next poll to see them; the product's default is 2 s.
    rules_check: float = 0

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
                rules_check=self.rules_check,
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
