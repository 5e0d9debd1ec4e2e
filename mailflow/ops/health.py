"""Health of the service: the workers' heartbeats, per-mailbox polling, outbox backlog,
quarantine size, judged by ops/verdict.py; and the alert email when a mailbox has been failing
for longer than the configured time."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, update
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, col, select

from mailflow.config import Settings
from mailflow.domain import Said
from mailflow.errors import ConfigError, SchemaError
from mailflow.office.regency import Regency
from mailflow.ops.verdict import Limits, MailboxHealth, Verdict, WorkerBeat, judge
from mailflow.outbound import outbox
from mailflow.outbound.catalogue import Catalogue
from mailflow.outbound.compose import Rendered, build_message
from mailflow.outbound.html_part import html_part
from mailflow.storage.db import current_revision, head_revision, make_engine, transaction
from mailflow.storage.models import (
    Heartbeat,
    HeldStatus,
    MailboxState,
    OutboxMessage,
    OutboxStatus,
    QuarantineItem,
    utcnow,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Health:
    mailboxes: tuple[MailboxHealth, ...]
    outbox_pending: int
    outbox_failed: int
    quarantine_held: int
    workers: tuple[WorkerBeat, ...]

    @property
    def ok(self) -> bool:
        return all(m.failing_since is None for m in self.mailboxes) and self.outbox_failed == 0


def snapshot(engine: Engine, settings: Settings) -> Health:
    with Session(engine) as session:
        states = {s.mailbox: s for s in session.exec(select(MailboxState)).all()}

        def count(model, *where) -> int:
            return session.exec(select(func.count()).select_from(model).where(*where)).one()

        def mailbox(name: str) -> MailboxHealth:
            state = states.get(name)
            if state is None:
                return MailboxHealth(name, None, None, None)
            return MailboxHealth(
                name, state.last_success_at, state.last_error, state.failing_since, state.sign_in_refused
            )

        return Health(
            tuple(mailbox(b.name) for b in settings.mailboxes),
            count(OutboxMessage, OutboxMessage.status == OutboxStatus.PENDING),
            count(OutboxMessage, OutboxMessage.status == OutboxStatus.FAILED),
            count(QuarantineItem, QuarantineItem.status == HeldStatus.HELD),
            tuple(
                WorkerBeat(h.worker, h.host, h.pid, h.started_at, h.beat_at, h.stopped_at)
                for h in session.exec(select(Heartbeat)).all()
            ),
        )


def verdict(health: Health, settings: Settings, now: dt.datetime | None = None) -> Verdict:
    """The monitoring verdict on a snapshot (ops/verdict.py holds the rule)."""
    limits = Limits(settings.poll_interval, settings.mailbox_alert_after)
    return judge(
        health.workers, health.mailboxes, health.outbox_failed, limits, now or utcnow(), settings.zone
    )


def status_engine(settings: Settings) -> Engine:
    """The database as `status` reads it: never created or migrated by looking at it (a missing
    SQLite file is not made, an empty database is not given a schema)."""
    url = make_url(settings.database_url)
    file = url.database if url.get_backend_name() == "sqlite" and url.database != ":memory:" else None
    if file and not Path(file).exists():
        raise ConfigError(f"the database {file} does not exist: has `mailflow run` ever run here?")
    engine = make_engine(settings.database_url, connections=1)
    current, head = current_revision(engine), head_revision()
    if current != head:
        raise SchemaError(
            f"the database schema is at revision {current or 'empty'}, this Mailflow needs {head}: "
            "run `mailflow db upgrade`",
            behind=(current or "-", head),
        )
    return engine


def log_health(health: Health) -> None:
    failing = [m.name for m in health.mailboxes if m.failing_since]
    log.info(
        "event=health ok=%s mailboxes=%d failing=%s outbox_pending=%d outbox_failed=%d quarantine=%d",
        health.ok,
        len(health.mailboxes),
        ",".join(failing) or "-",
        health.outbox_pending,
        health.outbox_failed,
        health.quarantine_held,
    )


def alert_failing_mailboxes(
    engine: Engine, settings: Settings, regency: Regency, catalogue: Catalogue
) -> list[str]:
    """Email the admin once per failure episode of each mailbox failing longer than allowed, or at
    once when its OAuth2 sign-in was refused (that does not heal by waiting). In a regency, the
    admin of the office the mailbox serves, where the office names one."""
    limit = dt.timedelta(seconds=settings.mailbox_alert_after)
    boxes = {box.name: box for box in settings.mailboxes}  # a state row outlives its mailbox's config
    alerted = []
    with transaction(engine) as session:
        for state in session.exec(select(MailboxState)).all():
            box = boxes.get(state.mailbox)
            if box is None or state.failing_since is None or state.alerted:
                continue
            if not state.sign_in_refused and utcnow() - state.failing_since < limit:
                continue
            code = regency.office_of_mailbox(box.address, box.office) or next(iter(regency.offices))
            rules = regency.office(code)
            admin = rules.admin or settings.admin_email
            if not admin:
                continue
            language = rules.language_of(admin, settings.language)
            since = f"{state.failing_since:%Y-%m-%d %H:%M}"
            facts = {"name": box.name, "address": box.address, "host": box.host, "port": box.port}
            text = catalogue.say(
                language, Said.of("alert.mailbox_body", since=since, error=state.last_error, **facts)
            )
            rendered = Rendered(
                catalogue.say(language, Said.of("alert.mailbox_subject", name=box.name, since=since)),
                text,
                html_part(text, language),
            )
            mail = build_message(
                rendered,
                sender=box.address,
                sender_name=f"Mailflow {code}",
                to=admin,
                auto_submitted="auto-generated",
            )
            outbox.enqueue(session, mail, "mailbox_alert")
            state.alerted = True
            session.add(state)
            alerted.append(box.name)
            log.warning("event=mailbox_alert mailbox=%s failing_since=%s", box.name, state.failing_since)
    return alerted


def watched(engine: Engine, mailboxes: set[str]) -> None:
    """Mailboxes whose IDLE connection answered its NOOP within the poll interval, their last poll
    having gone through: as good as a poll for `status` (a watched mailbox is no longer logged into
    every interval). One statement per worker and round, not one per mailbox."""
    if mailboxes:
        with transaction(engine) as session:
            session.execute(
                update(MailboxState)
                .where(col(MailboxState.mailbox).in_(mailboxes), col(MailboxState.failing_since).is_(None))
                .values(last_success_at=utcnow())
            )
