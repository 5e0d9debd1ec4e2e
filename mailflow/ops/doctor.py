"""`mailflow doctor`: every part a running Mailflow needs, checked, with a verdict and a fix each."""

from __future__ import annotations

import asyncio
import smtplib
import ssl
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage

import aiosmtplib
from sqlalchemy import inspect
from sqlalchemy.exc import SQLAlchemyError

from mailflow.config import MailboxSettings, Settings, exposed_secret
from mailflow.errors import MailboxError, RulesError
from mailflow.inbound.imap import Mailbox
from mailflow.office.load import load_rules
from mailflow.outbound.outbox import Sender
from mailflow.storage.db import current_revision, head_revision, make_engine
from mailflow.tls import tls_context


@dataclass(frozen=True)
class Check:
    item: str
    ok: bool
    detail: str
    fix: str = ""


def _rules(settings: Settings) -> Check:
    try:
        rules = load_rules(settings.rules_dir)
    except RulesError as exc:
        return Check(
            "rules",
            False,
            f"{len(exc.problems)} problems, first: {exc.problems[0]}",
            "run `mailflow rules check` and fix each file and line it names",
        )
    return Check(
        "rules",
        True,
        f"{len(rules.positions)} positions, {len(rules.people)} people, {len(rules.routing)} routing rules",
    )


def _database(settings: Settings) -> Check:
    try:
        engine = make_engine(settings.database_url)
        current = current_revision(engine)
    except SQLAlchemyError as exc:
        return Check(
            "database",
            False,
            f"cannot connect: {type(exc).__name__}",
            "check database_url in the config and that the server runs",
        )
    head = head_revision()
    if current is None and not inspect(engine).get_table_names():
        return Check("database", True, f"empty; the schema ({head}) is created on the first run")
    if current != head:
        return Check(
            "database",
            False,
            f"schema at {current or 'nothing yet'}, this Mailflow needs {head}",
            "back up the database, then run `mailflow db upgrade`",
        )
    return Check("database", True, f"schema {head} ({engine.dialect.name})")


def _senders(box: MailboxSettings) -> Check:
    """How this mailbox tells a real clerk or official from a forged From (README "Trust")."""
    policy = box.verify_senders
    if policy == "off":
        return Check(
            f"senders {box.name}",
            True,
            "verification off: clerks are trusted on their From address; replies need their code",
            'set verify_senders = "auto" once the office\'s mail server signs with DKIM',
        )
    if policy == "authentication-results" or (policy == "auto" and box.authserv_id):
        if not box.authserv_id:
            return Check(f"senders {box.name}", False, "authentication-results without authserv_id",
                         "set authserv_id to the name your receiving server stamps")  # fmt: skip
        return Check(f"senders {box.name}", True, f"verified by {box.authserv_id}'s Authentication-Results")
    return Check(f"senders {box.name}", True, "verified by DKIM signatures, checked by Mailflow (DNS keys)")


def _mailbox(box: MailboxSettings, settings: Settings, probe: bool) -> Iterator[Check]:
    yield _senders(box)
    try:
        mailbox = Mailbox.connect(box)
    except MailboxError as exc:
        yield Check(
            f"imap {box.name}",
            False,
            str(exc),
            "check host, port, security (none/starttls/tls), username and the password source",
        )
        return
    with mailbox:
        client = mailbox.client
        yield Check(
            f"imap {box.name}", True, f"logged in, {box.folder} selected (UIDVALIDITY {mailbox.uidvalidity})"
        )
        yield Check(
            f"imap {box.name} IDLE",
            client.has_capability("IDLE"),
            "push supported"
            if client.has_capability("IDLE")
            else "no IDLE: Mailflow polls every poll_interval",
            ""
            if client.has_capability("IDLE")
            else "lower poll_interval, or set idle = false for this mailbox",
        )
        moves = client.has_capability("MOVE")
        yield Check(
            f"imap {box.name} MOVE",
            moves or box.after_processing == "keyword",
            "MOVE supported" if moves else "no MOVE: COPY + delete is used",
            "" if moves else 'or set after_processing = "keyword"',
        )
        if probe:
            yield _plus_addressing(box, settings, mailbox)


def _plus_addressing(box: MailboxSettings, settings: Settings, mailbox: Mailbox) -> Check:
    tag = f"mailflow-doctor-{uuid.uuid4().hex[:8]}"
    local, _, domain = box.address.partition("@")
    probe = EmailMessage()
    probe["From"], probe["To"], probe["Subject"] = box.address, f"{local}+{tag}@{domain}", tag
    probe["Auto-Submitted"] = "auto-generated"
    probe.set_content(
        "Mailflow doctor checks that plus-addressed replies reach this mailbox. Safe to delete."
    )
    try:
        asyncio.run(Sender(settings.smtp).send(probe.as_bytes(), probe["To"]))
    except (aiosmtplib.SMTPException, OSError) as exc:
        return Check(
            f"plus-addressing {box.name}",
            False,
            f"could not send the probe: {type(exc).__name__}",
            "fix the SMTP check first",
        )
    client = mailbox.client
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        client.noop()
        found = client.search(["SUBJECT", tag])
        if found:
            client.add_flags(found, [b"\\Deleted"], silent=True)
            client.expunge()
            return Check(f"plus-addressing {box.name}", True, f"{local}+TAG@{domain} arrives in {box.folder}")
        time.sleep(1)
    return Check(
        f"plus-addressing {box.name}",
        False,
        f"{local}+TAG@{domain} did not arrive in 20 s",
        "enable sub-addressing (recipient_delimiter = +) on the mail server; replies are still found "
        "by Message-ID, subject tag and footer code, but less surely",
    )


def _smtp(settings: Settings) -> Check:
    s = settings.smtp
    try:
        with (
            smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=tls_context(s.tls_verify, "smtp"))
            if s.security == "tls"
            else smtplib.SMTP(s.host, s.port, timeout=s.timeout) as smtp
        ):
            smtp.ehlo()
            if s.security == "starttls":
                if not smtp.has_extn("starttls"):
                    return Check(
                        "smtp",
                        False,
                        f"{s.host}:{s.port} offers no STARTTLS",
                        'use security = "tls" on port 465, or a server with STARTTLS',
                    )
                smtp.starttls(context=tls_context(s.tls_verify, "smtp"))
                smtp.ehlo()
            if s.username:
                smtp.login(s.username, s.secret())
    except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
        return Check(
            "smtp",
            False,
            f"{s.host}:{s.port}: {type(exc).__name__}: {str(exc)[:120]}",
            "check the [smtp] host, port, security and login",
        )
    tls = {"none": "no TLS (loopback only!)", "starttls": "STARTTLS", "tls": "TLS"}[s.security]
    return Check("smtp", True, f"{s.host}:{s.port}, {tls}{', logged in' if s.username else ''}")


def diagnose(settings: Settings, probe: bool = True) -> list[Check]:
    exposed = exposed_secret(settings)
    checks = [
        Check("config", True, str(settings.config_path))
        if exposed is None
        else Check("config", False, exposed, f"chmod 600 {settings.config_path}, or use password_file"),
        _rules(settings),
        _database(settings),
        _smtp(settings),
    ]
    for box in settings.mailboxes:
        checks.extend(_mailbox(box, settings, probe))
    if not settings.mailboxes:
        checks.append(Check("mailboxes", False, "none configured", "add a [[mailboxes]] table to the config"))
    return checks
