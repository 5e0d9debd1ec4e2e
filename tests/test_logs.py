"""Log lines as a collector and an admin read them: one field per value, typed, ISO time with
the offset; no scheduler chatter while a job is busy."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import subprocess
import sys
import threading
import time
from zoneinfo import ZoneInfo

import pytest
from apscheduler.events import EVENT_JOB_MAX_INSTANCES
from apscheduler.schedulers.background import BackgroundScheduler

from mailflow.ops.logs import setup_logging

ISO_WITH_OFFSET = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+07:00")
log = logging.getLogger("mailflow.test")


def _lines(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return capsys.readouterr().err.splitlines()


def test_json_lines_keep_each_value_whole_and_typed(capsys):
    setup_logging("json", zone=ZoneInfo("Asia/Jakarta"))
    error = "surat@127.0.0.1:31143: cannot log in: [AUTHENTICATIONFAILED] Authentication failed."
    log.error("event=poll_failed mailbox=%s error=%s", "surat", error)
    log.info("event=health ok=%s mailboxes=%d failing=%s detail=%r", True, 2, "-", "a b")
    log.error("event=outbox_failed error=%s (retried next run)", "database unavailable: gone")
    [failed, health, outbox] = [json.loads(line) for line in _lines(capsys)]
    assert failed == {"at": failed["at"], "level": "ERROR", "event": "poll_failed", "mailbox": "surat", "error": error}
    assert ISO_WITH_OFFSET.fullmatch(failed["at"]), failed["at"]
    assert health["ok"] is True and health["mailboxes"] == 2 and health["detail"] == "a b"
    assert outbox["error"] == "database unavailable: gone" and outbox["text"] == "(retried next run)"


def test_kv_lines_quote_a_value_with_spaces_and_carry_the_offset(capsys):
    setup_logging("kv", zone=ZoneInfo("Asia/Jakarta"))
    log.warning("event=send_failed outbox=%s error=%r", 7, 'SMTPDataError: 550 "no"')
    [line] = _lines(capsys)
    at, rest = line.split(" ", 1)
    assert ISO_WITH_OFFSET.fullmatch(at), at
    assert rest == r'level=WARNING event=send_failed outbox=7 error="SMTPDataError: 550 \"no\""'


def test_a_busy_job_is_not_reported_every_tick_but_a_failing_one_is(capsys):
    """The service's jobs run with max_instances=1: while OCR or a slow login holds one, the
    scheduler's "skipped: maximum number of running instances reached" must not fill the log."""
    setup_logging("kv", zone=ZoneInfo("Asia/Jakarta"))
    release, failed = threading.Event(), threading.Event()
    skipped = []

    def broken() -> None:
        failed.set()
        raise RuntimeError("a real error")

    scheduler = BackgroundScheduler()
    scheduler.add_listener(skipped.append, EVENT_JOB_MAX_INSTANCES)
    defaults = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}
    scheduler.add_job(release.wait, "interval", args=[30], seconds=0.05, **defaults)
    scheduler.start()
    try:
        while len(skipped) < 3:  # the job was found busy, three times
            time.sleep(0.05)
        scheduler.add_job(broken, "interval", hours=1, next_run_time=dt.datetime.now(dt.UTC))
        failed.wait(30)
    finally:
        release.set()
        scheduler.shutdown(wait=True)
    err = "\n".join(_lines(capsys))
    assert "maximum number of running instances" not in err
    assert "raised an exception" in err and "RuntimeError: a real error" in err


def test_a_libraries_line_stays_text_whatever_its_values_hold(capsys):
    setup_logging("json", zone=ZoneInfo("Asia/Jakarta"))
    logging.getLogger("apscheduler.executors.default").error('Job "%s" raised %s', "poll a=b", "x")
    try:
        raise ValueError("boom")
    except ValueError:
        log.exception("event=message_failed mailbox=%s uid=%d", "surat", 7)
    [library, failed] = [json.loads(line) for line in _lines(capsys)]
    assert library["text"] == 'Job "poll a=b" raised x' and "a" not in library
    assert failed["uid"] == 7 and "ValueError: boom" in failed["exception"]


def test_a_library_imported_after_setup_says_nothing_at_info():
    """The CLI imports its commands lazily, so pikepdf is first imported after logging is set up
    (`mailflow restore` printed its "logger bridge initialized" line)."""
    code = "from mailflow.ops.logs import setup_logging; setup_logging(); import pikepdf"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stderr == ""
