"""One follow-up pass: reminders and escalations for every open instruction; after `digest_hour`
on a working day, the morning digests, and on the week's first working day the weekly summary.

Everything takes the office's `now` from the caller, so the scheduler passes the office's clock
and tests pass theirs. Each email is keyed in the outbox (`dedupe_key`), so running twice, or
restarting, never sends one twice. Reminders, escalations and digests are events in the logs of
the letters they concern (`reminded`, `escalated`, `digested`); the weekly summary is about the
office, not a letter, so only its outbox key records it.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from mailflow.context import Context
from mailflow.disposition.states import OPEN
from mailflow.followup.digests import holdings, send_digest
from mailflow.followup.escalation import escalate
from mailflow.followup.notices import send_notice_digests
from mailflow.followup.reminders import remind
from mailflow.followup.warnings import send_warning_digests
from mailflow.followup.weekly import first_workday_of_week, send_weekly
from mailflow.outbound import outbox
from mailflow.storage.db import rehearsal, transaction
from mailflow.storage.models import Disposition, Letter

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Planned:
    """One follow-up email as queued (or, in a dry run, as it would be)."""

    kind: str
    recipient: str
    subject: str


@dataclass
class FollowupReport:
    planned: list[Planned] = field(default_factory=list)
    reminded: list[str] = field(default_factory=list)
    escalated: list[str] = field(default_factory=list)
    digests: list[str] = field(default_factory=list)
    weekly: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # digests of notices over the cap

    def merge(self, other: FollowupReport) -> None:
        """Another office's pass added to this one (the service runs one pass per office)."""
        for name in ("planned", "reminded", "escalated", "digests", "weekly", "warnings", "notices"):
            getattr(self, name).extend(getattr(other, name))


def run_followups(ctx: Context, engine: Engine, now: dt.datetime, send: bool = True) -> FollowupReport:
    """`now` is the office's local time: it says which day it is, and whether digests are due.
    With `send` False, a dry run: the same pass, rolled back; the report lists what it would queue."""
    today, hour = now.date(), now.hour
    report = FollowupReport()
    with (transaction if send else rehearsal)(engine) as session:
        with outbox.enqueued_in(session) as queued:
            report.warnings.extend(send_warning_digests(session, ctx, now))
            report.notices.extend(send_notice_digests(session, ctx, now))
            open_nodes = session.exec(
                select(Disposition, Letter)
                .join(Letter, col(Letter.id) == col(Disposition.letter_id))
                .where(col(Disposition.state).in_(OPEN), Letter.office == ctx.rules.office_code)
            ).all()
            for node, letter in open_nodes:
                if (reminded := remind(session, ctx, node, letter, today)) is not None:
                    report.reminded.append(reminded)
                report.escalated.extend(escalate(session, ctx, node, letter, today))
            if hour >= ctx.settings.digest_hour and ctx.rules.calendar.is_workday(today):
                held = holdings(session, ctx.rules.office_code)
                for person in ctx.rules.people.values():
                    if send_digest(session, ctx, person, held, today):
                        report.digests.append(person.email)
                if first_workday_of_week(ctx.rules.calendar, today):
                    report.weekly.extend(send_weekly(session, ctx, today))
        report.planned.extend(Planned(row.kind, row.recipient, row.subject) for row in queued)
    if not send:
        return report
    told = (report.reminded, report.escalated, report.digests, report.weekly, report.warnings, report.notices)
    if any(told):
        log.info(
            "event=followup reminded=%d escalated=%d digests=%d weekly=%d warnings=%d notices=%d",
            len(report.reminded),
            len(report.escalated),
            len(report.digests),
            len(report.weekly),
            len(report.warnings),
            len(report.notices),
        )
    return report
