"""The health rule `mailflow status` applies (ops/verdict.py), case by case, on a clock the test
holds: S = 3 poll intervals for heartbeats and good polls, `mailbox_alert_after` for CRITICAL."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from mailflow.ops.verdict import Limits, MailboxHealth, State, WorkerBeat, age_text, judge

NOW = dt.datetime(2026, 12, 2, 1, 0, tzinfo=dt.UTC)
LIMITS = Limits(poll_interval=60, alert_after=1800)  # S = 180 s, CRITICAL after 30 min
WIB = ZoneInfo("Asia/Jakarta")


def ago(seconds: float) -> dt.datetime:
    return NOW - dt.timedelta(seconds=seconds)


def worker(beat: float, stopped: float | None = None, name: str = "a") -> WorkerBeat:
    return WorkerBeat(name, "host", 1, ago(3600), ago(beat), None if stopped is None else ago(stopped))


def box(good: float | None = 10, failing: float | None = None, refused: bool = False) -> MailboxHealth:
    return MailboxHealth(
        "surat",
        None if good is None else ago(good),
        "cannot log in" if failing is not None else None,
        None if failing is None else ago(failing),
        refused,
    )


def judged(workers=(), boxes=(), failed=0):
    return judge(tuple(workers), tuple(boxes), failed, LIMITS, NOW, WIB)


def test_a_fresh_heartbeat_and_a_recent_good_poll_are_ok():
    found = judged([worker(5)], [box(30)])
    assert found.state is State.OK and found.findings == () and found.live_workers == 1


def test_the_service_never_run_stopped_or_silent_is_critical():
    assert judged([], [box(30)]).findings[0].said.key == "health.never_ran"
    stopped = judged([worker(200, stopped=200)], [box(30)])
    assert stopped.state is State.CRITICAL and stopped.findings[0].said.key == "health.stopped"
    just_stopped = judged([worker(1, stopped=1)], [box(30)])  # a clean stop counts at once
    assert just_stopped.state is State.CRITICAL
    silent = judged([worker(181)], [box(30)])
    assert silent.state is State.CRITICAL and silent.findings[0].said.key == "health.no_heartbeat"
    assert judged([worker(179)], [box(30)]).state is State.OK  # within S


def test_one_live_worker_of_two_is_enough():
    found = judged([worker(900, name="dead"), worker(3, name="alive")], [box(30)])
    assert found.state is State.OK and found.live_workers == 1


def test_a_failing_mailbox_is_a_warning_then_critical():
    warning = judged([worker(5)], [box(good=None, failing=60)])
    assert warning.state is State.WARNING and warning.findings[0].mailbox == "surat"
    assert judged([worker(5)], [box(good=None, failing=1800)]).state is State.CRITICAL
    assert judged([worker(5)], [box(failing=5, refused=True)]).state is State.CRITICAL  # no healing by waiting


def test_a_mailbox_without_a_recent_good_poll():
    assert judged([worker(5)], [box(good=None)]).findings[0].said.key == "health.mailbox_never"
    assert judged([worker(5)], [box(good=181)]).state is State.WARNING
    assert judged([worker(5)], [box(good=1801)]).state is State.CRITICAL


def test_mail_that_could_not_be_sent_is_a_warning_and_offices_see_their_share():
    found = judged([worker(5)], [box(30)], failed=2)
    assert found.state is State.WARNING and found.of_mailboxes(("surat",)) is State.WARNING
    down = judged([worker(500)], [box(30)])
    assert down.of_mailboxes(()) is State.CRITICAL  # the service's own findings concern every office


def test_ages_read_short():
    assert [age_text(s) for s in (0, 42, 119, 240, 7200, 3 * 86400)] == ["0 s", "42 s", "119 s", "4 min", "2 h", "3 d"]
