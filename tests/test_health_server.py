"""`mailflow status` and `mailflow offices` as a monitoring system meets them: a real `mailflow run`
against the test Dovecot, stopped cleanly or killed, a mailbox whose login fails, and two
workers sharing one database. Exit codes are the monitoring plugins' (0 OK, 1 WARNING,
2 CRITICAL, 3 UNKNOWN)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from tests.conftest import Office

RUN = [sys.executable, "-m", "mailflow"]


def start_worker(office: Office, name: str) -> subprocess.Popen:
    log = (office.dir / f"{name}.log").open("wb")  # kept for a failure's post-mortem
    return subprocess.Popen(
        [*RUN, "--config", str(office.config_path), "run"],
        env=dict(os.environ),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def status(office: Office, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*RUN, "--config", str(office.config_path), "status", *args],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=60,
    )


def until(check: Callable[[], Any], seconds: float = 60) -> Any:
    """The first answer `check` gives that is not None, asked again until `seconds` have passed."""
    deadline = time.monotonic() + seconds
    while True:
        answer = check()
        if answer is not None or time.monotonic() > deadline:
            return answer
        time.sleep(0.5)


def exits(office: Office, code: int, saying: str = "") -> Callable[[], subprocess.CompletedProcess[str] | None]:
    def check() -> subprocess.CompletedProcess[str] | None:
        done = status(office)
        return done if done.returncode == code and saying in done.stdout else None

    return check


def offices(office: Office) -> dict:
    done = subprocess.run(
        [*RUN, "--config", str(office.config_path), "offices", "--json"],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)[0]


def stop(worker: subprocess.Popen, how: signal.Signals) -> int:
    os.killpg(worker.pid, how)
    return worker.wait(timeout=60)


def test_status_is_critical_once_the_service_stops_or_dies(office):
    office.interval = 1  # a heartbeat is stale after 3 s: the test waits seconds, not minutes
    office.reconfigure()
    assert office.app.engine is not None  # the schema made (`db upgrade`), the service never started
    never = status(office)
    assert never.returncode == 2 and never.stdout.startswith("MAILFLOW CRITICAL - layanan belum pernah berjalan")
    worker = start_worker(office, "killed")
    try:
        ok = until(exits(office, 0))
        assert ok is not None, (office.dir / "killed.log").read_text()
        assert ok.stdout.startswith("MAILFLOW OK - ") and "workers=1;;1:" in ok.stdout.splitlines()[0]
        row = until(lambda: next((r for r in [offices(office)] if r["health"] == "OK"), None))
        assert row is not None and row["healthy"] and row["problems"] == []
    finally:
        assert stop(worker, signal.SIGKILL) == -signal.SIGKILL  # a crash: no goodbye in the database
    dead = until(exits(office, 2), 30)
    assert dead is not None
    first = dead.stdout.splitlines()[0]
    assert first.startswith("MAILFLOW CRITICAL - layanan tidak berdetak sejak"), first
    assert "mati atau macet" in first and "workers=0;;1:" in first
    row = offices(office)
    assert row["health"] == "CRITICAL" and not row["healthy"] and "tidak berdetak" in row["problems"][0]

    worker = start_worker(office, "stopped")
    try:
        assert until(exits(office, 0)) is not None, (office.dir / "stopped.log").read_text()
    finally:
        assert stop(worker, signal.SIGTERM) == 0
    stopped = status(office)  # systemctl stop: CRITICAL at once, not after the beats go stale
    assert stopped.returncode == 2, stopped.stdout
    assert stopped.stdout.startswith("MAILFLOW CRITICAL - layanan dihentikan pada"), stopped.stdout
    report = json.loads(status(office, "--json").stdout)
    assert report["state"] == "CRITICAL" and report["exit_code"] == 2 and report["live_workers"] == 0


def test_a_mailbox_whose_login_fails_is_a_warning_then_critical(office, monkeypatch):
    office.interval = 5  # heartbeats every 5 s, stale after 15: the worker stays live throughout
    office.reconfigure()
    monkeypatch.setenv("MAILFLOW_TEST_IMAP_PASSWORD", "not-the-password")
    worker = start_worker(office, "refused")
    try:
        warned = until(exits(office, 1, "gagal sejak"))  # once the first login has failed
        assert warned is not None, (office.dir / "refused.log").read_text()
        first = warned.stdout.splitlines()[0]
        assert first.startswith("MAILFLOW WARNING - mailbox surat gagal sejak"), first
        assert "mailboxes_failing=1;1" in first
        row = offices(office)
        assert row["health"] == "WARNING" and "mailbox surat gagal sejak" in row["problems"][0]
        office.reconfigure(extra="mailbox_alert_after = 0")  # failing longer than the admin allows
        critical = status(office)
        assert critical.returncode == 2 and critical.stdout.startswith("MAILFLOW CRITICAL - mailbox surat")
    finally:
        assert stop(worker, signal.SIGTERM) == 0


def test_two_workers_one_killed_the_other_keeps_it_ok(office):
    """Heartbeats are rows in the shared database (PostgreSQL when MAILFLOW_TEST_DATABASE_URL is
    set): a worker killed is noticed, the one left keeps the service OK, and its stop is CRITICAL."""
    office.interval = 2
    office.reconfigure()
    assert office.app.engine is not None  # the schema exists before the workers race for it
    workers = [start_worker(office, f"worker-{n}") for n in range(2)]
    try:

        def live(count: int) -> Callable[[], subprocess.CompletedProcess[str] | None]:
            """OK with exactly `count` workers beating."""

            def check() -> subprocess.CompletedProcess[str] | None:
                done = status(office, "--json")
                report = json.loads(done.stdout)
                return done if (report["live_workers"], report["state"]) == (count, "OK") else None

            return check

        both = until(live(2))
        assert both is not None, [(office.dir / f"worker-{n}.log").read_text() for n in range(2)]
        assert len(json.loads(both.stdout)["workers"]) == 2
        assert stop(workers[0], signal.SIGKILL) == -signal.SIGKILL
        one = until(live(1), 30)  # the killed one's beat goes stale; the other keeps it OK
        assert one is not None and one.returncode == 0
        assert len(json.loads(one.stdout)["workers"]) == 2  # the dead worker's row stays, listed
    finally:
        assert stop(workers[1], signal.SIGTERM) == 0
    assert status(office).returncode == 2
