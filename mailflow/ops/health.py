"""Health of the service: per-mailbox polling, outbox backlog, quarantine size; and the alert
email when a mailbox has been failing for longer than the configured time."""

from __future__ import annotations

import datetime as dt
import html
import logging
from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from mailflow.config import Settings
from mailflow.domain import Said
from mailflow.office.regency import Regency
from mailflow.outbound import outbox
from mailflow.outbound.catalogue import Catalogue
from mailflow.outbound.compose import Rendered, build_message
from mailflow.storage.db import transaction
from mailflow.storage.models import MailboxState, OutboxMessage, QuarantineItem, utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MailboxHealth:
    name: str
    last_success_at: dt.datetime | None
    last_error: str | None
    failing_since: dt.datetime | None


@dataclass(frozen=True)
class Health:
    mailboxes: tuple[MailboxHealth, ...]
    outbox_pending: int
    outbox_failed: int
    quarantine_held: int

    @property
    def ok(self) -> bool:
        return all(m.failing_since is None for m in self.mailboxes) and self.outbox_failed == 0


def snapshot(engine: Engine, settings: Settings) -> Health:
    with Session(engine) as session:
        states = {s.mailbox: s for s in session.exec(select(MailboxState)).all()}

        def count(model, *where) -> int:
            return session.exec(select(func.count()).select_from(model).where(*where)).one()

        return Health(
            tuple(
                MailboxHealth(
                    b.name,
                    states[b.name].last_success_at if b.name in states else None,
                    states[b.name].last_error if b.name in states else None,
                    states[b.name].failing_since if b.name in states else None,
                )
                for b in settings.mailboxes
            ),
            count(OutboxMessage, OutboxMessage.status == "pending"),
            count(OutboxMessage, OutboxMessage.status == "failed"),
            count(QuarantineItem, QuarantineItem.status == "held"),
        )


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
    alerted = []
    with transaction(engine) as session:
        for state in session.exec(select(MailboxState)).all():
            if state.failing_since is None or state.alerted:
                continue
            if not state.sign_in_refused and utcnow() - state.failing_since < limit:
                continue
            box = settings.mailbox(state.mailbox)
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
                f"<pre>{html.escape(text)}</pre>",
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
