"""Outages survived, logged and caught up: IMAP restarts and drops, database locks, a failing
mailbox alerting the admin, and `mailflow status` telling the truth."""

from __future__ import annotations

import datetime as dt
import json
import socket
import sqlite3
import threading
import time

from click.testing import CliRunner
from sqlalchemy import insert
from sqlmodel import Session, select

from mailflow.cli import cli
from mailflow.net.imap import Mailbox
from mailflow.ops import heartbeat, service
from mailflow.storage.models import Letter, MailboxState, utcnow
from tests.support.letters import MAILBOX, gmail_forward, pdf_letter


def letters(office) -> list[int]:
    with Session(office.app.engine) as session:
        return [letter.seq for letter in session.exec(select(Letter).order_by(Letter.seq))]


def status(office) -> tuple[int, dict]:
    heartbeat.beat(office.app.engine, office.app.worker)  # the service is running: its scheduler beats
    result = CliRunner().invoke(cli, ["--config", str(office.config_path), "status", "--json"])
    return result.exit_code, json.loads(result.output)


def test_imap_server_restarted_in_the_middle_of_a_poll(office, servers):
    for n in range(6):
        office.mail.send(gmail_forward(pdf=pdf_letter(number=f"{n}/R/2026")))

    class RestartAfterTwo(Mailbox):
        fetched = 0

        def _fetch_batch(self, uids):
            for item in super()._fetch_batch(uids):
                RestartAfterTwo.fetched += 1
                if RestartAfterTwo.fetched == 3:
                    servers.imap.restart()  # the server goes away under the open connection
                yield item

    office.interval = 60  # a good poll counts as recent for 3 minutes, however slow the machine
    office.reconfigure(box_extra="fetch_batch = 2")
    office.app.connect = RestartAfterTwo.connect
    first = office.poll()
    assert first.error is not None  # logged, not fatal
    code, health = status(office)
    assert code == 1 and health["mailboxes"][0]["failing_since"] is not None
    office.app.connect = Mailbox.connect
    office.poll()
    assert letters(office) == [1, 2, 3, 4, 5, 6]
    assert office.mail.count(MAILBOX) == 0
    code, health = status(office)
    assert code == 0 and health["mailboxes"][0]["failing_since"] is None


def test_connection_dropped_during_fetch(office):
    office.mail.send(gmail_forward(pdf=pdf_letter()))

    class DropOnFetch(Mailbox):
        def _fetch_batch(self, uids):
            self.client._imap.sock.shutdown(socket.SHUT_RDWR)  # the connection dies in the middle of FETCH
            yield from super()._fetch_batch(uids)

    office.app.connect = DropOnFetch.connect
    assert office.poll().error is not None
    office.app.connect = Mailbox.connect
    assert office.poll().outcomes == {"letter": 1}


def test_database_locked_for_a_while(office):
    office.poll()  # creates the schema
    office.mail.send(gmail_forward(pdf=pdf_letter()))
    released = threading.Event()
    if office.app.engine.dialect.name == "sqlite":
        blocker = sqlite3.connect(office.app.engine.url.database, timeout=30, check_same_thread=False)
        blocker.execute("BEGIN IMMEDIATE")  # another process holds the write lock ...
    else:
        blocker = office.app.engine.raw_connection()
        blocker.cursor().execute("LOCK TABLE agendacounter, letter IN ACCESS EXCLUSIVE MODE")

    def release() -> None:  # ... for 1.5 s
        released.set()
        blocker.rollback()

    threading.Timer(1.5, release).start()
    assert not released.is_set()
    assert office.poll().outcomes == {"letter": 1}
    assert released.is_set()  # the filing could only commit after the lock was let go: it waited
    blocker.close()


def test_a_mailbox_failing_too_long_alerts_the_admin_once(office):
    office.reconfigure(extra="mailbox_alert_after = 0")
    broken = office.config_path.read_text().replace(f"port = {office.servers.imap.imap_port}", "port = 9")
    office.config_path.write_text(broken)
    office._app = None
    assert office.poll().error is not None
    office.poll()
    with Session(office.app.engine) as session:
        assert session.get(MailboxState, "surat").alerted
    alert = office.mail.wait_for("admin@probolinggokab.example", lambda m: "gagal sejak" in str(m["Subject"]))
    assert "Connection refused" in alert.get_body(("plain",)).get_content()
    assert office.mail.count("admin@probolinggokab.example") == 1


def test_a_mailbox_taken_out_of_the_config_while_failing_stops_no_alert(office):
    """An admin removes (or renames) a mailbox that was failing: its state row stays behind. The
    alerts of the mailboxes still configured go on, and the health is logged."""
    office.reconfigure(extra="mailbox_alert_after = 0")
    with office.app.engine.begin() as connection:
        long_ago = utcnow() - dt.timedelta(days=2)
        connection.execute(
            insert(MailboxState).values(mailbox="retired", failing_since=long_ago, last_error="gone")
        )
    broken = office.config_path.read_text().replace(f"port = {office.servers.imap.imap_port}", "port = 9")
    office.config_path.write_text(broken)
    office._app = None
    assert office.poll().error is not None
    with Session(office.app.engine) as session:
        assert session.get(MailboxState, "surat").alerted
        assert not session.get(MailboxState, "retired").alerted  # nobody to tell about it now
    alert = office.mail.wait_for("admin@probolinggokab.example", lambda m: "gagal sejak" in str(m["Subject"]))
    assert "surat" in str(alert["Subject"])


def test_a_stuck_job_cannot_hold_up_a_stop_past_stop_timeout(office, caplog):
    """SIGTERM must end the process even when a job hangs (a lock wait, a silent server)."""
    office.reconfigure(extra="stop_timeout = 1")
    running = service.Service(office.app)
    released = threading.Event()

    def stuck_job() -> None:
        released.wait(30)

    running.start()
    running.scheduler.add_job(stuck_job, id="stuck")
    time.sleep(0.5)  # the job is running
    started = time.monotonic()
    try:
        assert running.stop() is False
        assert time.monotonic() - started < 5
    finally:
        released.set()
    [warning] = [r.getMessage() for r in caplog.records if "event=stop_timeout" in r.getMessage()]
    assert "stuck_job" in warning
