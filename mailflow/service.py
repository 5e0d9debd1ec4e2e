"""`mailflow run` and `mailflow poll --once`: the polls and the outbox on their intervals.

APScheduler runs each job with max_instances=1 (a busy run is never started twice) and
coalesce=True (missed runs collapse into one, none is skipped for good). SIGTERM/SIGINT sets a
stop flag that the poll checks between messages, so the message in hand is finished first.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import signal
import threading

from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy.exc import OperationalError

from mailflow.app import App
from mailflow.health import alert_failing_mailboxes, log_health, snapshot
from mailflow.outbox import flush_outbox
from mailflow.poll import PollReport, poll_mailbox

log = logging.getLogger(__name__)


def poll_all(app: App, stop: threading.Event | None = None) -> list[PollReport]:
    try:
        app.report_rules_problem()
    except OperationalError as exc:
        log.error("event=rules_report_failed error=database unavailable: %s", exc.orig)
    reports = []
    for box in app.settings.mailboxes:
        if stop is not None and stop.is_set():
            break
        report = poll_mailbox(app, box, stop)
        log.info(
            "event=poll_done mailbox=%s seen=%d outcomes=%s error=%s",
            box.name,
            report.seen,
            ",".join(f"{k}:{v}" for k, v in sorted(report.outcomes.items())) or "-",
            report.error or "-",
        )
        reports.append(report)
    try:
        alert_failing_mailboxes(app.engine, app.settings, app.rules.current.office_code)
        log_health(snapshot(app.engine, app.settings))
    except OperationalError as exc:
        log.error("event=health_failed error=database unavailable: %s", exc.orig)
    return reports


def flush(app: App) -> tuple[int, int]:
    try:
        rules = app.rules.current
        people = {a for p in rules.people.values() for a in p.addresses} | {c.email for c in rules.clerks}
        return asyncio.run(flush_outbox(app.engine, app.sender, exempt=frozenset(people), owner=app.worker))
    except OperationalError as exc:
        log.error("event=outbox_failed error=database unavailable: %s (retried next run)", exc.orig)
        return (0, 0)


def once(app: App) -> list[PollReport]:
    """One pass over every mailbox, then the outbox."""
    reports = poll_all(app)
    flush(app)
    return reports


def run(app: App) -> None:
    stop = threading.Event()
    scheduler = BlockingScheduler(timezone=app.settings.zone)
    defaults = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}
    scheduler.add_job(
        poll_all,
        "interval",
        args=[app, stop],
        seconds=app.settings.poll_interval,
        id="poll",
        next_run_time=_now(app),
        **defaults,
    )
    scheduler.add_job(
        flush,
        "interval",
        args=[app],
        seconds=app.settings.outbox_interval,
        id="outbox",
        next_run_time=_now(app),
        **defaults,
    )

    def _stop(signum: int, _frame: object) -> None:
        log.info("event=stopping signal=%s (finishing the message in hand)", signal.Signals(signum).name)
        stop.set()
        threading.Thread(target=scheduler.shutdown, kwargs={"wait": True}, daemon=True).start()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    log.info(
        "event=started mailboxes=%d poll_interval=%s", len(app.settings.mailboxes), app.settings.poll_interval
    )
    scheduler.start()
    log.info("event=stopped")


def _now(app: App) -> dt.datetime:
    return dt.datetime.now(app.settings.zone)
