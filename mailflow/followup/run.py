"""Follow-up: reminders before and after deadlines, escalation of overdue instructions, the
morning digest per official and the weekly summary per office.

Everything takes `today` (and `hour`) from the caller, so the scheduler passes the office's clock
and tests pass theirs. Each email is keyed in the outbox (`dedupe_key`), so running twice, or
restarting, never sends one twice. Reminders, escalations and digests are events in the logs of
the letters they concern (`reminded`, `escalated`, `digested`); the weekly summary is about the
office, not a letter, so only its outbox key records it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass, field
from email.message import Message

from sqlmodel import Session, col, select

from mailflow.config import MailboxSettings
from mailflow.context import Context
from mailflow.disposition.mail import language_of, official_mail
from mailflow.disposition.states import OPEN, State
from mailflow.office.rules import Person
from mailflow.outbound import outbox
from mailflow.outbound.compose import date_id, letter_view, notice
from mailflow.registry.log import log_event
from mailflow.storage.db import transaction
from mailflow.storage.models import Disposition, Event, Letter

log = logging.getLogger(__name__)

CHASE_KINDS = {"reminded": "reminder", "escalated": "escalation"}  # event action -> outbox kind


@dataclass
class FollowupReport:
    reminded: list[str] = field(default_factory=list)
    escalated: list[str] = field(default_factory=list)
    digests: list[str] = field(default_factory=list)
    weekly: list[str] = field(default_factory=list)


def _box(ctx: Context, letter: Letter) -> MailboxSettings:
    names = {b.name: b for b in ctx.settings.mailboxes}
    return names.get(letter.mailbox) or ctx.settings.mailboxes[0]


def _remind(
    session: Session, ctx: Context, node: Disposition, letter: Letter, today: dt.date, report: FollowupReport
) -> None:
    calendar = ctx.rules.calendar
    if node.deadline is None or not calendar.is_workday(today):
        return
    overdue = calendar.workdays_between(node.deadline, today) if node.deadline < today else 0
    if not overdue and calendar.workdays_between(today, node.deadline) != ctx.settings.remind_before_days:
        return
    if overdue and (overdue - 1) % ctx.settings.remind_overdue_every_days:
        return
    key = f"remind:{node.id}:{today.isoformat()}"
    if outbox.already_queued(session, key):
        return
    when = (
        f"terlambat {overdue} hari kerja (batas {date_id(node.deadline)})"
        if overdue
        else f"batas {date_id(node.deadline)}"
    )
    mail = official_mail(
        ctx,
        _box(ctx, letter),
        letter,
        node,
        "reminder",
        deadline=node.deadline,
        overdue_days=overdue,
        instruction=node.instruction,
    )
    _chase(session, letter, node, mail, "reminded", node.id, key, when, report.reminded, overdue_days=overdue)


def _chase(
    session: Session,
    letter: Letter,
    node: Disposition,
    mail: Message,
    action: str,
    answerable_id: int | None,
    key: str,
    text: str,
    done: list[str],
    **logged: object,
) -> None:
    """Queue a reminder or escalation about `node` and log it on the letter, the same way for both."""
    to = mail["To"]
    outbox.enqueue(session, mail, CHASE_KINDS[action], letter.id, answerable_id, dedupe_key=key)
    log_event(
        session,
        letter_id=letter.id,
        action=action,
        targets=[to],
        instruction=node.instruction or None,
        deadline=node.deadline,
        text=text,
    )
    done.append(f"{letter.agenda_number}:{to}")
    fields = "".join(f" {name}={value}" for name, value in logged.items())
    log.info(
        "event=%s agenda=%s to=%s%s message_id=%s",
        action,
        letter.agenda_number,
        to,
        fields,
        mail["Message-ID"],
    )


def _escalate(
    session: Session, ctx: Context, node: Disposition, letter: Letter, today: dt.date, report: FollowupReport
) -> None:
    calendar = ctx.rules.calendar
    if (
        node.deadline is None
        or node.deadline >= today
        or node.parent_id is None
        or not calendar.is_workday(today)
    ):
        return
    overdue = calendar.workdays_between(node.deadline, today)
    step = ctx.settings.escalate_after_days
    parent = session.get(Disposition, node.parent_id)
    targets = [(1, parent)]
    superior = ctx.rules.positions.get(parent.position_id)
    if superior is not None and superior.reports_to:
        holder = ctx.rules.holder(superior.reports_to, today)
        up = session.exec(
            select(Disposition).where(
                Disposition.letter_id == letter.id, Disposition.holder == holder.person.email
            )
        ).first()
        # A superior without a part in this letter gets the news, not an answerable request.
        targets.append(
            (
                2,
                up
                or Disposition(
                    letter_id=letter.id,
                    position_id=superior.reports_to,
                    holder=holder.person.email,
                    holder_name=holder.person.name,
                    holder_title=holder.title,
                    disposer="mailflow",
                ),
            )
        )
    for level, target in targets:
        key = f"escalate:{node.id}:{level}"
        if overdue < step * level or outbox.already_queued(session, key):
            continue
        text = (
            f'{node.holder_title} ({node.holder_name}) belum menyelesaikan "{node.instruction or "-"}": '
            f"terlambat {overdue} hari kerja (batas {date_id(node.deadline)})"
        )
        box = _box(ctx, letter)
        late = {
            "late_title": node.holder_title,
            "late_name": node.holder_name,
            "instruction": node.instruction,
            "overdue_days": overdue,
            "deadline": node.deadline,
            "level": level,
        }
        if target.id is not None:
            mail = official_mail(ctx, box, letter, target, "escalation", **late)
        else:
            mail = notice(
                ctx.composer,
                "escalation",
                sender=box.address,
                office_code=ctx.rules.office_code,
                to=target.holder,
                language=language_of(ctx, target.holder),
                office=ctx.rules.office_name,
                **late,
                letter=letter_view(letter),
                token="",
                targets=[],
                instructions=[],
                holder_title=target.holder_title,
                holder_name=target.holder_name,
            )
        _chase(
            session, letter, node, mail, "escalated", target.id, key, text, report.escalated,
            level=level, overdue_days=overdue,
        )  # fmt: skip


@dataclass(frozen=True)
class DigestItem:
    letter_id: int
    agenda: str
    subject: str
    deadline: dt.date | None = None
    completed_by: str = ""


DIGEST_SECTIONS = {
    "waiting": "menunggu disposisi",
    "unacknowledged": "instruksi belum dijawab",
    "overdue": "terlambat",
    "completed": "diselesaikan bawahan kemarin",
}


def _digest(session: Session, ctx: Context, person: Person, today: dt.date, report: FollowupReport) -> None:
    email = person.email
    key = f"digest:{email}:{today.isoformat()}"
    if outbox.already_queued(session, key):
        return
    mine = session.exec(select(Disposition).where(Disposition.holder == email)).all()
    yesterday = today - dt.timedelta(days=1)
    sections: dict[str, list[DigestItem]] = {name: [] for name in DIGEST_SECTIONS}
    for node in mine:
        letter = session.get(Letter, node.letter_id)
        item = DigestItem(letter.id, letter.agenda_number, letter.subject or "-", node.deadline)
        children = session.exec(select(Disposition.id).where(Disposition.parent_id == node.id)).first()
        if node.state == State.PENDING and node.parent_id is None and children is None:
            sections["waiting"].append(item)
        elif node.state == State.PENDING and node.parent_id is not None:
            sections["unacknowledged"].append(item)
        if node.state in OPEN and node.deadline and node.deadline < today:
            sections["overdue"].append(item)
        if node.state == State.DISPOSED:
            for child in session.exec(
                select(Disposition).where(
                    Disposition.parent_id == node.id, Disposition.state == State.COMPLETED
                )
            ).all():
                if child.updated_at.astimezone(ctx.settings.zone).date() == yesterday:
                    sections["completed"].append(
                        DigestItem(
                            letter.id,
                            letter.agenda_number,
                            letter.subject or "-",
                            completed_by=f"{child.holder_title} ({child.holder_name})",
                        )
                    )
    if not any(sections.values()):
        return
    mail = notice(
        ctx.composer,
        "digest",
        sender=ctx.settings.mailboxes[0].address,
        office_code=ctx.rules.office_code,
        to=email,
        language=person.language,
        office=ctx.rules.office_name,
        person=person.name,
        today=today,
        sections=sections,
    )
    outbox.enqueue(session, mail, "digest", dedupe_key=key)
    mentioned: dict[int, list[str]] = {}
    for name, items in sections.items():
        for item in items:
            mentioned.setdefault(item.letter_id, []).append(DIGEST_SECTIONS[name])
    for letter_id, where in mentioned.items():
        log_event(
            session,
            letter_id=letter_id,
            action="digested",
            targets=[email],
            text=f"ringkasan pagi {today.isoformat()}: " + ", ".join(dict.fromkeys(where)),
        )
    report.digests.append(email)


def _first_workday_of_week(ctx: Context, today: dt.date) -> bool:
    monday = today - dt.timedelta(days=today.weekday())
    days = (monday + dt.timedelta(days=n) for n in range(today.weekday()))
    return ctx.rules.calendar.is_workday(today) and not any(map(ctx.rules.calendar.is_workday, days))


def _weekly(session: Session, ctx: Context, today: dt.date, report: FollowupReport) -> None:
    """Each unit head's last week (Monday to Sunday, office time), on this week's first working
    day: counts over the letters whose disposition tree reaches the unit."""
    monday = today - dt.timedelta(days=today.weekday())
    week = (monday - dt.timedelta(days=7)).isocalendar()
    # Timestamps are stored as UTC: compare in UTC, on SQLite and PostgreSQL alike.
    end = dt.datetime.combine(monday, dt.time(), ctx.settings.zone).astimezone(dt.UTC)
    start = end - dt.timedelta(days=7)
    nodes = session.exec(select(Disposition)).all()
    for unit in ctx.rules.units.values():
        key = f"weekly:{unit.id}:{week.year}-{week.week:02d}"
        if outbox.already_queued(session, key):
            continue
        ours = [n for n in nodes if (p := ctx.rules.positions.get(n.position_id)) and p.unit == unit.id]
        letter_ids = {n.letter_id for n in ours}
        events = session.exec(
            select(Event).where(Event.at >= start, Event.at < end, col(Event.letter_id).in_(letter_ids))
        ).all()
        counts = Counter(e.action for e in events)
        overdue = sum(1 for n in ours if n.state in OPEN and n.deadline and n.deadline < today)
        on_time = sum(
            1 for e in events if e.action == "completed" and e.deadline and e.at.date() <= e.deadline
        )
        firsts = []
        for letter in session.exec(
            select(Letter).where(
                Letter.received_at >= start, Letter.received_at < end, col(Letter.id).in_(letter_ids)
            )
        ).all():
            first = session.exec(
                select(Event.at)
                .where(Event.letter_id == letter.id, Event.action == "disposed")
                .order_by(col(Event.at))
            ).first()
            if first is not None:
                firsts.append((first - letter.received_at).total_seconds() / 3600)
        head = ctx.rules.holder(unit.head, today)
        mail = notice(
            ctx.composer,
            "weekly",
            sender=ctx.settings.mailboxes[0].address,
            office_code=ctx.rules.office_code,
            to=head.person.email,
            language=head.person.language,
            office=ctx.rules.office_name,
            unit=unit.name,
            week=f"{week.year}-W{week.week:02d}",
            received=counts["registered"],
            disposed=counts["disposed"],
            completed=counts["completed"],
            on_time=on_time,
            overdue=overdue,
            first_hours=sum(firsts) / len(firsts) if firsts else None,
        )
        outbox.enqueue(session, mail, "weekly", dedupe_key=key)
        report.weekly.append(unit.id)


def run_followups(ctx: Context, engine, today: dt.date, hour: int) -> FollowupReport:
    """One pass: reminders and escalations for every open instruction; digests after digest_hour."""
    report = FollowupReport()
    with transaction(engine) as session:
        for node in session.exec(select(Disposition).where(col(Disposition.state).in_(OPEN))).all():
            letter = session.get(Letter, node.letter_id)
            _remind(session, ctx, node, letter, today, report)
            _escalate(session, ctx, node, letter, today, report)
        if hour >= ctx.settings.digest_hour and ctx.rules.calendar.is_workday(today):
            for person in ctx.rules.people.values():
                _digest(session, ctx, person, today, report)
            if _first_workday_of_week(ctx, today):
                _weekly(session, ctx, today, report)
    if report.reminded or report.escalated or report.digests or report.weekly:
        log.info(
            "event=followup reminded=%d escalated=%d digests=%d weekly=%d",
            len(report.reminded),
            len(report.escalated),
            len(report.digests),
            len(report.weekly),
        )
    return report
