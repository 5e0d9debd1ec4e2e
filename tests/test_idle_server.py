"""IMAP IDLE: with polling every minute, a reply is still handled within seconds; a dropped IDLE
connection reconnects and catches up."""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
import time

import pytest
from click.testing import CliRunner

from mailflow.cli import cli
from mailflow.config import MailboxSettings
from mailflow.errors import MailboxError
from mailflow.inbound.idle import IdleWatcher
from mailflow.net.imap import Mailbox
from mailflow.ops.service import Service
from tests.support import clients
from tests.support.letters import gmail_forward, pdf_letter

KADIS, SEKRETARIS = "kadis@probolinggokab.example", "sekretaris@probolinggokab.example"


@pytest.fixture
def running(office):
    office.interval = 60  # polls too rare to explain what follows: only IDLE can
    office.reconfigure()
    service = Service(office.app)
    service.start()
    deadline = time.monotonic() + 10
    while not service.watchers and time.monotonic() < deadline:  # the first round claims the mailbox
        time.sleep(0.1)
    assert service.watchers and all(w.connected.wait(10) for w, _stop in service.watchers.values())
    yield service
    service.stop()


def test_a_reply_is_handled_within_seconds_by_idle(office, running):
    time.sleep(1.5)  # the first scheduled poll is done; the next is a minute away
    office.mail.send(gmail_forward(pdf=pdf_letter()))
    request = office.mail.wait_for(KADIS, lambda m: "Mohon disposisi" in str(m["Subject"]), timeout=30)
    office.mail.send(clients.gmail_android_id(request, KADIS, "Sekretaris: pelajari"))
    office.mail.wait_for(SEKRETARIS, lambda m: "Disposisi dari" in str(m["Subject"]), timeout=30)


def test_idle_reconnects_after_the_server_drops_it(office, servers, running):
    servers.imap.restart()  # every connection, the IDLE one included, is cut
    time.sleep(0.5)
    office.mail.send(gmail_forward(pdf=pdf_letter()))
    office.mail.wait_for(KADIS, lambda m: "Mohon disposisi" in str(m["Subject"]), timeout=60)
    out = CliRunner().invoke(cli, ["--config", str(office.config_path), "letters", "--json"])
    assert len(json.loads(out.output)) == 1


def test_a_watched_mailbox_is_checked_on_its_idle_connection_not_polled_every_interval(office, caplog):
    """At a province's size a login-and-search poll of every mailbox every interval is most of the
    idle cost (bench/README.md, issue 25): a mailbox its IDLE watches is checked with a NOOP on
    that connection instead, and polled when the NOOP or a push tells of news."""
    caplog.set_level(logging.INFO, logger="mailflow")
    office.interval = 0.5
    office.reconfigure()
    service = Service(office.app)
    service.start()
    try:
        deadline = time.monotonic() + 10
        while not service.watchers and time.monotonic() < deadline:
            time.sleep(0.1)
        assert all(w.caught_up.wait(10) for w, _stop in service.watchers.values())
        caplog.clear()
        time.sleep(3)  # six poll intervals, six NOOPs on the IDLE connection
        scheduled = [r for r in caplog.records if "event=poll_done mailbox=surat " in r.getMessage()]
        office.mail.send(gmail_forward(pdf=pdf_letter()))
        office.mail.wait_for(KADIS, lambda m: "Mohon disposisi" in str(m["Subject"]), timeout=30)
    finally:
        service.stop()
    assert scheduled == []


def test_watchers_log_in_a_few_at_a_time(office):
    """A worker that starts watching its share (250 mailboxes in a province) logs in through a
    gate: all at once, the server's logins time out and every watcher retries (bench/README.md)."""
    lock, busy, most, tries = threading.Lock(), [0], [0], []

    def connect(box: MailboxSettings) -> Mailbox:  # the edge: a server that refuses, slowly
        with lock:
            busy[0] += 1
            most[0] = max(most[0], busy[0])
            tries.append(box.name)
        time.sleep(0.2)
        with lock:
            busy[0] -= 1
        raise MailboxError(f"{box.name}: refused")

    app = dataclasses.replace(office.app, connect=connect)
    stop, gate = threading.Event(), threading.Semaphore(3)
    box = office.app.settings.mailboxes[0]
    watchers = [IdleWatcher(app, box, stop, lambda _box: None, gate=gate) for _ in range(20)]
    for watcher in watchers:
        watcher.start()
    deadline = time.monotonic() + 30
    while len(tries) < len(watchers) and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    for watcher in watchers:
        watcher.join(5)
    assert len(tries) >= len(watchers) and 2 <= most[0] <= 3  # never more than the gate's three
