"""Whether the service is healthy, as monitoring plugins say it: OK, WARNING, CRITICAL or
UNKNOWN, with exit codes 0-3, so Nagios, Icinga, Zabbix and a systemd timer use `mailflow status`
as it is. Pure: a snapshot and a clock in, a verdict out.

The rule (README "What to monitor"), with S = 3 x poll_interval:
- CRITICAL when no worker's heartbeat is younger than S (never ran, stopped, killed or hung);
- per mailbox: CRITICAL when its OAuth2 sign-in was refused, or its polls have failed, or its
  last good poll is older, for longer than `mailbox_alert_after`; WARNING when they fail or it
  is older than S for less than that, or it was never polled;
- WARNING when emails could not be sent after every retry (outbox `failed`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from zoneinfo import ZoneInfo

from mailflow.domain import Said

STALE_POLLS = 3  # poll intervals a heartbeat or a mailbox's last good poll may be old


class State(IntEnum):
    """The monitoring-plugins states, whose values are the exit codes."""

    OK = 0
    WARNING = 1
    CRITICAL = 2
    UNKNOWN = 3


@dataclass(frozen=True)
class WorkerBeat:
    worker: str
    host: str
    pid: int
    started_at: dt.datetime
    beat_at: dt.datetime
    stopped_at: dt.datetime | None


@dataclass(frozen=True)
class MailboxHealth:
    name: str
    last_success_at: dt.datetime | None
    last_error: str | None
    failing_since: dt.datetime | None
    sign_in_refused: bool = False


@dataclass(frozen=True)
class Limits:
    """From the config: how old is too old."""

    poll_interval: float
    alert_after: float  # `mailbox_alert_after`: a mailbox problem this old is CRITICAL

    @property
    def stale_after(self) -> dt.timedelta:
        return dt.timedelta(seconds=STALE_POLLS * self.poll_interval)


@dataclass(frozen=True)
class Finding:
    state: State
    said: Said
    mailbox: str | None = None  # the mailbox it is about; None: the whole service


@dataclass(frozen=True)
class Verdict:
    state: State
    findings: tuple[Finding, ...]  # the worst first
    live_workers: int
    heartbeat_age: float | None  # seconds since the newest heartbeat; None: never ran

    def of_mailboxes(self, names: tuple[str, ...]) -> State:
        """The state of a set of mailboxes (an office's), the service's own findings included."""
        return max(
            (f.state for f in self.findings if f.mailbox is None or f.mailbox in names), default=State.OK
        )


def judge(
    workers: tuple[WorkerBeat, ...],
    mailboxes: tuple[MailboxHealth, ...],
    outbox_failed: int,
    limits: Limits,
    now: dt.datetime,
    zone: ZoneInfo,
) -> Verdict:
    def at(moment: dt.datetime) -> str:
        local = moment.astimezone(zone)
        return f"{local:%Y-%m-%d %H:%M:%S} {local.tzname()}"

    def ago(moment: dt.datetime) -> str:
        return age_text((now - moment).total_seconds())

    stale, alert = limits.stale_after, dt.timedelta(seconds=limits.alert_after)
    findings = [*_service(workers, now, stale, at, ago)]
    for box in mailboxes:
        if box.sign_in_refused:
            findings.append(
                Finding(State.CRITICAL, Said.of("health.sign_in_refused", name=box.name), box.name)
            )
        elif box.failing_since is not None:
            state = State.CRITICAL if now - box.failing_since >= alert else State.WARNING
            said = Said.of(
                "health.mailbox_failing",
                name=box.name,
                since=at(box.failing_since),
                ago=ago(box.failing_since),
                error=box.last_error or "-",
            )
            findings.append(Finding(state, said, box.name))
        elif box.last_success_at is None:
            findings.append(Finding(State.WARNING, Said.of("health.mailbox_never", name=box.name), box.name))
        elif now - box.last_success_at > stale:
            state = State.CRITICAL if now - box.last_success_at > max(stale, alert) else State.WARNING
            said = Said.of(
                "health.mailbox_stale",
                name=box.name,
                at=at(box.last_success_at),
                ago=ago(box.last_success_at),
            )
            findings.append(Finding(state, said, box.name))
    if outbox_failed:
        findings.append(Finding(State.WARNING, Said.of("health.outbox_failed", count=outbox_failed)))
    findings.sort(key=lambda f: -f.state)
    live = [w for w in workers if w.stopped_at is None and now - w.beat_at <= stale]
    newest = max((w.beat_at for w in workers), default=None)
    return Verdict(
        max((f.state for f in findings), default=State.OK),
        tuple(findings),
        len(live),
        (now - newest).total_seconds() if newest else None,
    )


def _service(
    workers: tuple[WorkerBeat, ...],
    now: dt.datetime,
    stale: dt.timedelta,
    at: Callable[[dt.datetime], str],
    ago: Callable[[dt.datetime], str],
) -> list[Finding]:
    """CRITICAL unless some worker's heartbeat is fresh and it has not stopped."""
    if any(w.stopped_at is None and now - w.beat_at <= stale for w in workers):
        return []
    if not workers:
        return [Finding(State.CRITICAL, Said.of("health.never_ran"))]
    last = max(workers, key=lambda w: w.beat_at)
    if last.stopped_at is not None:
        said = Said.of("health.stopped", at=at(last.stopped_at), ago=ago(last.stopped_at), host=last.host)
    else:
        said = Said.of(
            "health.no_heartbeat", at=at(last.beat_at), ago=ago(last.beat_at), host=last.host, pid=last.pid
        )
    return [Finding(State.CRITICAL, said)]


def age_text(seconds: float) -> str:
    """A short age: "42 s", "4 min", "3 h", "2 d"."""
    seconds = max(0.0, seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= 2 * size:
            return f"{int(seconds // size)} {unit}"
    return f"{int(seconds)} s"
