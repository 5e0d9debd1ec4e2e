"""`mailflow run` and `mailflow poll --once`: the polls, the outbox and the IDLE watchers.

APScheduler runs each job with max_instances=1 (a busy run is never started twice) and
coalesce=True (missed runs collapse into one, none is skipped for good). IDLE watchers poll a
mailbox the moment it has news; a per-mailbox lock keeps them and the scheduler from polling it
twice at once. SIGTERM/SIGINT sets a stop flag that the poll checks between messages, so the
message in hand is finished first.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import multiprocessing
import os
import signal
import sys
import sysconfig
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.exc import OperationalError

from mailflow.app import App
from mailflow.config import MailboxSettings, exposed_secret
from mailflow.followup.run import FollowupReport, run_followups
from mailflow.inbound import scan_jobs
from mailflow.inbound.idle import AFTER_POLL, IdleWatcher
from mailflow.inbound.loop import PollReport, poll_mailbox
from mailflow.inbound.reading_apart import reading_processes
from mailflow.ops import heartbeat
from mailflow.ops.composing import compose_waiting
from mailflow.ops.health import alert_failing_mailboxes, log_health, snapshot, watched
from mailflow.ops.holdings import Holdings, period
from mailflow.ops.readers import CLOSING, Readers
from mailflow.outbound.outbox import flush_outbox
from mailflow.scans.work import limit_reader
from mailflow.storage.db import DATABASE_ERRORS
from mailflow.text.pdf_pool import readers as pdf_readers

log = logging.getLogger(__name__)

READER_NICENESS = 10
START_SETTLE = 2.0  # seconds: see Service.start
SCAN_INTERVAL = 2.0  # seconds between looks for scans to read (and for receipts waited too long)


def poll_all(
    app: App,
    stop: threading.Event | None = None,
    poll_one: Callable[[MailboxSettings], PollReport | None] | None = None,
    due: Callable[[MailboxSettings], bool] | None = None,
) -> list[PollReport]:
    """Every mailbox, or those `due` says (a worker's: held by it and not watched well)."""
    try:
        app.report_rules_problem()
    except OperationalError as exc:
        log.error("event=rules_report_failed error=%s", f"database unavailable: {exc.orig}")
    reports = []
    for box in app.settings.mailboxes:
        if stop is not None and stop.is_set():
            break
        if due is not None and not due(box):
            continue
        report = poll_one(box) if poll_one else poll_mailbox(app, box, stop)
        if report is None:
            break
        log.info(
            "event=poll_done mailbox=%s seen=%d outcomes=%s error=%s",
            box.name,
            report.seen,
            ",".join(f"{k}:{v}" for k, v in sorted(report.outcomes.items())) or "-",
            report.error or "-",
        )
        reports.append(report)
    try:
        alert_failing_mailboxes(app.engine, app.settings, app.rules.current, app.composer.catalogue)
        log_health(snapshot(app.engine, app.settings))
    except OperationalError as exc:
        log.error("event=health_failed error=%s", f"database unavailable: {exc.orig}")
    return reports


def flush(app: App) -> tuple[int, int]:
    try:
        people = {
            address
            for rules in app.rules.current.offices.values()
            for address in (
                *(a for p in rules.people.values() for a in p.addresses),
                *(c.email for c in rules.clerks),
            )
        }
        compose_waiting(app)  # receipts and requests written since the last flush
        return asyncio.run(flush_outbox(app.engine, app.sender, exempt=frozenset(people), owner=app.worker))
    except OperationalError as exc:
        log.error("event=outbox_failed error=%s (retried next run)", f"database unavailable: {exc.orig}")
        return (0, 0)


def followups(app: App, now: dt.datetime | None = None, send: bool = True) -> FollowupReport | None:
    """Reminders, escalations and digests by the office's clock (or the one given), office by
    office: each with its own people, calendar and letters. `send` False: a dry run."""
    now = now or _now(app)
    try:
        report = FollowupReport()
        for code in app.rules.get().offices:
            report.merge(run_followups(app.context(code), app.engine, now, send))
        return report
    except OperationalError as exc:
        log.error("event=followup_failed error=%s", f"database unavailable: {exc.orig}")
        return None


def once(app: App, progress: Callable[[str, int, int], None] | None = None) -> list[PollReport]:
    """One pass over every mailbox, then the outbox; `progress(mailbox, done, total)` if given."""
    poll_one = None
    if progress is not None:

        def poll_one(box: MailboxSettings) -> PollReport:
            return poll_mailbox(app, box, None, lambda done, total: progress(box.name, done, total))

    reports = poll_all(app, None, poll_one)
    read_scans_now(app)
    flush(app)
    return reports


def read_scans_now(app: App) -> None:
    """Every pending scan read before returning (`poll --once`, tests): a pool for this call."""
    if not scan_jobs.pending(app):
        return
    with reader_pool(app) as pool:
        try:
            while scan_jobs.run_scan_jobs(app, pool):
                pass
        except BrokenProcessPool:
            log.error("event=reader_died (killed or out of memory); its scans are read next run")


def reader_pool(app: App) -> ProcessPoolExecutor:
    """Processes that read scans; spawned, not forked, so no thread or connection of ours is
    copied into them, and each loads Tesseract's models once for all its pages. They run niced:
    on a busy machine the filing loop gets the cores first, OCR what is left."""
    return ProcessPoolExecutor(
        scan_jobs.readers(app), mp_context=multiprocessing.get_context("spawn"), initializer=_reader_setup
    )


def _reader_setup() -> None:
    os.nice(READER_NICENESS)
    # Ctrl-C in a terminal reaches the whole process group: the service stops its readers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    limit_reader()  # a decoder's bomb fails its job, not the machine (scans.work)
    # One thread per reader: the pool already has a reader per core, and Tesseract's OpenMP
    # threads on top of them would only contend (Tesseract's own advice for parallel use).
    os.environ["OMP_THREAD_LIMIT"] = "1"


class Service:
    """The scheduler (polls, outbox) and the IDLE watchers, startable in-process for tests."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.stop_event = threading.Event()
        self.locks = {box.name: threading.Lock() for box in app.settings.mailboxes}
        # Polls in parallel are bounded by the database connections: waiting here, a stop is
        # seen within a second; waiting for a pooled connection, it would not be.
        self.slots = threading.BoundedSemaphore(app.settings.parallel_polls)
        # IDLE logins at once, as many: hundreds of watchers starting together time out otherwise.
        self.logins = threading.BoundedSemaphore(app.settings.parallel_polls)
        self.scheduler = BackgroundScheduler(timezone=app.settings.zone)
        self.watchers: dict[str, tuple[IdleWatcher, threading.Event]] = {}
        self.holdings = Holdings(app, self._gained, self._letting_go)
        self.clean: dict[str, float] = {}  # mailbox -> when its last poll went through (monotonic)
        self.readers: Readers | None = None

    def poll_box(self, box: MailboxSettings, then: Callable[[], object] | None = None) -> PollReport | None:
        """One mailbox, never twice at once in this process (IDLE and the scheduler share it),
        then `then` in the same slot; None when stopping."""
        with self._holding(self.locks[box.name]) as mine, self._holding(self.slots) as slot:
            if not (mine and slot):
                return None
            if box.name not in self.holdings.held:  # let go meanwhile: another worker's now
                return PollReport(box.name, leased_elsewhere=True)
            report = poll_mailbox(self.app, box, self.stop_event, keep_lease=True)
            if report.error is None and not report.leased_elsewhere and not self.stop_event.is_set():
                self.clean[box.name] = time.monotonic()
            else:
                self.clean.pop(box.name, None)
            if then is not None:
                then()
            return report

    @contextmanager
    def _holding(self, lock: threading.Lock | threading.BoundedSemaphore) -> Iterator[bool]:
        while not lock.acquire(timeout=1):
            if self.stop_event.is_set():
                yield False
                return
        try:
            yield not self.stop_event.is_set()
        finally:
            lock.release()

    def poll_all(self) -> None:
        poll_all(self.app, self.stop_event, self.poll_box, self._due)

    def _due(self, box: MailboxSettings) -> bool:
        """A scheduled poll of `box`: held here, and not watched by a connected IDLE whose
        last full poll went through within `idle_renew_seconds` (the watcher's NOOP every poll
        interval finds what a push missed; a failed poll is retried by the schedule)."""
        if box.name not in self.holdings.held:
            return False
        return not self._watched_well(box) or time.monotonic() - self.clean[box.name] > box.idle_renew_seconds

    def _watched_well(self, box: MailboxSettings) -> bool:
        """Held, its watcher alive and answered within two poll intervals, its last poll clean."""
        watching = self.watchers.get(box.name)
        if box.name not in self.holdings.held or watching is None or box.name not in self.clean:
            return False
        watcher = watching[0]
        every = max(self.app.settings.poll_interval, AFTER_POLL)  # between two NOOPs, at most
        recent = time.monotonic() - watcher.checked_at < 2 * every + 1
        return watcher.is_alive() and watcher.connected.is_set() and recent

    def read_scans(self) -> None:
        """The scheduler's scan job: read what is due; the receipts it releases go out at once.
        A reader killed (out of memory, by hand) breaks its pool: a new one takes over."""
        if self.readers is None or self.stop_event.is_set():
            return
        try:
            if scan_jobs.run_scan_jobs(self.app, self.readers.pool, self.stop_event):
                flush(self.app)
        except BrokenProcessPool:
            if self.stop_event.is_set():
                return  # stopping killed the readers; their jobs were let go
            log.error("event=reader_died (killed or out of memory); new readers take over")
            self.readers.replace()
        except RuntimeError:
            if not self.stop_event.is_set():
                raise  # else a job handed to the readers just as stopping shut them down
        except OperationalError as exc:
            log.error("event=scans_failed error=%s (retried next run)", f"database unavailable: {exc.orig}")

    def start(self) -> None:
        app = self.app
        defaults = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}
        self.scheduler.add_job(
            self.poll_all,
            "interval",
            seconds=app.settings.poll_interval,
            id="poll",
            next_run_time=_now(app),
            **defaults,
        )
        self.scheduler.add_job(
            flush,
            "interval",
            args=[app],
            seconds=app.settings.outbox_interval,
            id="outbox",
            next_run_time=_now(app),
            **defaults,
        )
        self.scheduler.add_job(
            followups, "interval", args=[app], minutes=15, id="followup", next_run_time=_now(app), **defaults
        )
        if app.settings.ocr:  # scans are read beside the polls, never in their way
            self.readers = Readers(lambda: reader_pool(app))
            self.scheduler.add_job(
                self.read_scans,
                "interval",
                seconds=SCAN_INTERVAL,
                id="scans",
                next_run_time=_now(app),
                **defaults,
            )
        heartbeat.start(app.engine, app.worker)
        every = period(app.settings.poll_interval, app.settings.lease_seconds)
        # The first round waits a moment (a round at most) for the workers started beside this
        # one to beat, so that a province's cold start divides the mailboxes at once.
        settle = dt.timedelta(seconds=min(every, START_SETTLE))
        self.scheduler.add_job(
            self.beat, "interval", seconds=every, id="heartbeat", next_run_time=_now(app) + settle, **defaults
        )
        self.scheduler.start()
        log.info(
            "event=started worker=%s mailboxes=%d poll_interval=%s",
            app.worker,
            len(app.settings.mailboxes),
            app.settings.poll_interval,
        )

    def beat(self) -> None:
        """The scheduler's heartbeat job: this worker is alive and its scheduler runs; then its
        leases are renewed and its share claimed (ops.holdings)."""
        if self.stop_event.is_set():
            return
        try:
            heartbeat.beat(self.app.engine, self.app.worker)
            self.holdings.round()
            watched(self.app.engine, {b.name for b in self.app.settings.mailboxes if self._watched_well(b)})
        except DATABASE_ERRORS as exc:
            log.error("event=heartbeat_failed error=database unavailable: %s", getattr(exc, "orig", exc))

    def _gained(self, names: set[str]) -> None:
        """Newly held mailboxes: watched (the watcher polls once connected); one without IDLE
        is polled by the next scheduled poll, brought forward to now."""
        unwatched = False
        for box in self.app.settings.mailboxes:
            if box.name not in names or self.stop_event.is_set():
                continue
            if not box.idle:
                unwatched = True
                continue
            stop = threading.Event()
            watcher = IdleWatcher(
                self.app, box, stop, self._pushed, self.app.settings.poll_interval, self.logins
            )
            self.watchers[box.name] = (watcher, stop)
            watcher.start()
        if unwatched:
            self.scheduler.modify_job("poll", next_run_time=_now(self.app))

    def _letting_go(self, name: str) -> bool:
        """Stop watching `name`; True when no poll of it runs (none will start: it is no longer
        held), False while one does."""
        if (watching := self.watchers.pop(name, None)) is not None:
            watching[1].set()
        if not self.locks[name].acquire(blocking=False):
            return False
        self.locks[name].release()
        return True

    def _pushed(self, box: MailboxSettings) -> None:
        self.poll_box(box, then=lambda: flush(self.app))  # the confirmation goes out now

    def stop(self) -> bool:
        """Let the message in hand finish, for at most `stop_timeout`; False (and whatever is
        still busy named in the log) when it did not. Readers are killed at once, whatever state
        their pool is in: the letter in hand is let go and read again on the next start."""
        self.stop_event.set()
        deadline = time.monotonic() + self.app.settings.stop_timeout
        if self.readers is not None:
            self.readers.close()
        jobs = threading.Thread(target=self.scheduler.shutdown, kwargs={"wait": True}, daemon=True)
        jobs.start()
        for _watcher, stop in self.watchers.values():
            stop.set()
        watchers = [w for w, _stop in self.watchers.values()]
        for thread in (jobs, *watchers):
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        if self.readers is not None:
            self.readers.wait(deadline)
        pdf_readers().close()  # after the message in hand: its PDFs were read, or it was let go
        if (apart := reading_processes()) is not None:  # (a busy one ends when its message is read)
            apart.close()
        busy = [t for t in threading.enumerate() if t.is_alive() and t not in (threading.main_thread(), jobs)]
        busy = [t for t in busy if t in watchers or t.name.startswith(("ThreadPoolExecutor", CLOSING))]
        if busy:
            frames = sys._current_frames()
            log.warning(
                "event=stop_timeout worker=%s seconds=%s busy=%s",
                self.app.worker,
                self.app.settings.stop_timeout,
                ",".join(f"{t.name}@{_where(frames.get(t.ident or 0))}" for t in busy),
            )
        try:
            if not busy:  # a poll still running keeps its lease until it expires
                self.holdings.release_all()
            heartbeat.stop(self.app.engine, self.app.worker)
        except DATABASE_ERRORS as exc:
            log.error("event=heartbeat_failed error=database unavailable: %s", getattr(exc, "orig", exc))
        log.info("event=stopped worker=%s", self.app.worker)
        return not busy


# The kernel may hand a signal to any thread, and then nothing wakes the main thread, blocked in an
# endless wait, to run the Python handler (a SIGTERM at high load was ignored until SIGKILL): it
# waits in slices, so a stop signal is acted on within one.
SIGNAL_SLICE = 0.5


def run(app: App) -> None:
    """Until SIGTERM/SIGINT; then the message in hand is finished and the process exits."""
    if (exposed := exposed_secret(app.settings)) is not None:
        log.warning("event=config_exposed detail=%s", exposed)
    service = Service(app)
    done = threading.Event()

    def _stop(signum: int, _frame: object) -> None:
        log.info("event=stopping signal=%s (finishing the message in hand)", signal.Signals(signum).name)
        service.stop_event.set()
        done.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    service.start()
    while not done.wait(SIGNAL_SLICE):
        pass  # Python runs a handler only between the main thread's steps: see SIGNAL_SLICE
    if not service.stop():
        logging.shutdown()
        os._exit(1)  # a thread stuck past stop_timeout; the database rolls its transaction back


_LIBRARIES = tuple({sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")})


def _where(frame: FrameType | None) -> str:
    """Where a busy thread is: its innermost frame outside the libraries, then the innermost one."""
    stack = traceback.extract_stack(frame) if frame else []
    ours = [f for f in stack if not f.filename.startswith(_LIBRARIES)]
    places = [f"{Path(f.filename).name}:{f.lineno}:{f.name}" for f in ours[-1:] + stack[-1:]]
    return "<-".join(dict.fromkeys(places)) or "?"


def _now(app: App) -> dt.datetime:
    return dt.datetime.now(app.settings.zone)
