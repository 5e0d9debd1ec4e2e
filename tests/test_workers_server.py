"""Several `mailflow run` workers share one database: every mailbox is served by one worker at a
time, a killed worker's mailboxes are taken over, and every letter is filed exactly once."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time

from sqlmodel import Session, func, select

from mailflow.ops import heartbeat
from mailflow.ops.holdings import Holdings
from mailflow.storage.models import InboundMessage, Letter, MailboxLease, MailboxState, QuarantineItem
from tests.conftest import DOMAIN
from tests.support.letters import gmail_forward, pdf_letter

BOXES = [f"surat{n:02d}" for n in range(1, 21)]


def boxes_config(imap_port: int) -> str:
    return "".join(
        f'\n[[mailboxes]]\nname = "{b}"\nhost = "127.0.0.1"\nport = {imap_port}\nsecurity = "none"\n'
        f'username = "{b}@{DOMAIN}"\npassword_env = "MAILFLOW_TEST_IMAP_PASSWORD"\naddress = "{b}@{DOMAIN}"\n'
        f'unit = "disdik"\nafter_processing = "keyword"\n'
        for b in BOXES
    )


def start_worker(office, n: int) -> subprocess.Popen:
    log = (office.dir / f"worker-{n}.log").open("wb")  # kept for a failure's post-mortem
    return subprocess.Popen(
        [sys.executable, "-m", "mailflow", "--config", str(office.config_path), "run"],
        env=dict(os.environ),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def counts(office) -> tuple[int, dict[str, int]]:
    with Session(office.app.engine) as session:
        letters = session.exec(select(func.count()).select_from(Letter)).one()
        per_box = dict(
            session.exec(select(InboundMessage.mailbox, func.count()).group_by(InboundMessage.mailbox)).all()
        )
    return letters, per_box


def held(office, workers: list[subprocess.Popen]) -> dict[int, int]:
    """How many of the test's mailboxes each worker (by pid) holds a lease on now."""
    with Session(office.app.engine) as session:
        owners = [lease.owner for lease in session.exec(select(MailboxLease)) if lease.mailbox in BOXES]
    pids = [int(owner.split(":")[1]) for owner in owners if owner]
    return {w.pid: pids.count(w.pid) for w in workers if w.pid in pids}


def send_round(office, round_no: int) -> None:
    for box in BOXES:
        letter = gmail_forward(
            pdf=pdf_letter(number=f"{box}/{round_no}/2026"), original_subject=f"Surat {box} {round_no}"
        )
        office.mail.send(letter, to=f"{box}@{DOMAIN}")


def test_three_workers_twenty_mailboxes_one_killed(office):
    office.interval = 0.5
    office.reconfigure()
    office.config_path.write_text(
        office.config_path.read_text() + boxes_config(office.servers.imap.imap_port)
    )
    office._app = None
    assert office.app.engine is not None  # the schema exists before the workers race for it
    workers = [start_worker(office, n) for n in range(3)]
    try:
        send_round(office, 1)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and counts(office)[0] < len(BOXES) // 2:
            time.sleep(0.2)
        os.killpg(workers[0].pid, signal.SIGKILL)  # one worker dies in the middle of the work
        send_round(office, 2)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and counts(office)[0] < 2 * len(BOXES):
            time.sleep(0.3)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and sorted(held(office, workers).values())[:1] < [9]:
            time.sleep(0.3)
        shares = held(office, workers)
    finally:
        for worker in workers[1:]:
            os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=30)
    # Every mailbox held by one worker: the living two about half each (21 with the office's own
    # "surat": 11 and 10), the killed one none.
    assert set(shares) == {workers[1].pid, workers[2].pid}, shares
    assert sum(shares.values()) == len(BOXES) and min(shares.values()) >= 9, shares
    assert [w.returncode for w in workers[1:]] == [0, 0]  # SIGTERM: finish the message in hand, exit 0
    letters, per_box = counts(office)
    with Session(office.app.engine) as session:
        numbers = session.exec(select(Letter.letter_number)).all()
        serials = sorted(session.exec(select(Letter.seq)).all())
    print(f"\nworkers: {letters} letters filed from {len(per_box)} mailboxes")
    with Session(office.app.engine) as session:
        leases = [
            (lease.mailbox, lease.owner, lease.expires_at) for lease in session.exec(select(MailboxLease))
        ]
        states = [(m.mailbox, m.last_uid, m.last_error) for m in session.exec(select(MailboxState))]
    behind = {box: per_box.get(box, 0) for box in BOXES if per_box.get(box, 0) != 2}
    with Session(office.app.engine) as session:
        outcomes = dict(
            session.exec(select(InboundMessage.outcome, func.count()).group_by(InboundMessage.outcome)).all()
        )
        reasons = [(q.reason, q.detail[:200]) for q in session.exec(select(QuarantineItem))]
    behind["outcomes"], behind["quarantine"] = outcomes, reasons
    assert letters == 2 * len(BOXES), (behind, leases, states)
    assert len(set(numbers)) == letters  # each letter once
    assert serials == list(range(1, letters + 1))  # gap-free under concurrency
    assert all(per_box.get(box) == 2 for box in BOXES)  # every mailbox kept being served


def test_a_worker_joining_gets_its_share_and_one_stopping_lets_go_at_once(office):
    """Rounds of two workers' holdings (ops/holdings.py) on one database: the first holds all;
    a second one beating makes the first let go of what is above its share, which the second
    claims; the first stopping frees its leases for the second's next round, not after expiry."""
    office.config_path.write_text(office.config_path.read_text() + boxes_config(office.servers.imap.imap_port))
    office._app = None
    app = office.app
    names = {box.name for box in app.settings.mailboxes}  # 21: the office's own and BOXES
    let_go: list[str] = []

    def stop_watching(name: str) -> bool:  # the service's: stop its watcher; no poll of it runs
        let_go.append(name)
        return True

    first = Holdings(dataclasses.replace(app, worker="first"), lambda _names: None, stop_watching)
    second = Holdings(dataclasses.replace(app, worker="second"), lambda _names: None, lambda _name: True)
    heartbeat.start(app.engine, "first")
    first.round()
    assert first.held == names
    heartbeat.start(app.engine, "second")
    first.round()
    second.round()
    assert (len(first.held), len(second.held), len(let_go)) == (11, 10, 10)
    assert first.held | second.held == names and not first.held & second.held
    assert set(let_go) == set(second.held)  # what the first stopped watching is what the second took
    first.release_all()
    heartbeat.stop(app.engine, "first")
    second.round()
    assert second.held == names
