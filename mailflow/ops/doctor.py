"""`mailflow doctor`: every part a running Mailflow needs, checked, with a verdict and a fix each."""

from __future__ import annotations

import asyncio
import ssl
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib
from sqlalchemy import inspect
from sqlalchemy.exc import SQLAlchemyError

from mailflow.config import MailboxSettings, Settings, exposed_secret
from mailflow.domain import Said
from mailflow.errors import MailboxError, RulesError, SignInError
from mailflow.inbound.imap import Mailbox
from mailflow.inbound.senders import HELD, SenderVerdict, service_lookup
from mailflow.misdial import explained
from mailflow.office.regency import load_regency
from mailflow.ops.survey import LATEST, survey
from mailflow.outbound.catalogue import Catalogue, words_for
from mailflow.outbound.outbox import Sender
from mailflow.resources import TEMPLATES
from mailflow.scans.ocr import OcrUnavailable, tessdata, tesseract_command
from mailflow.storage.db import current_revision, head_revision, make_engine


@dataclass(frozen=True)
class Check:
    item: str
    ok: bool
    detail: str
    fix: str = ""


def _rules(settings: Settings) -> Check:
    try:
        regency = load_regency(settings.rules_dir)
    except RulesError as exc:
        return Check(
            "rules",
            False,
            str(exc.problems[0]) + (f" (+{len(exc.problems) - 1})" if len(exc.problems) > 1 else ""),
            "run `mailflow rules check` and fix each file and line it names",
        )
    offices = regency.offices.values()
    summary = (
        f"{sum(len(r.positions) for r in offices)} positions, {sum(len(r.people) for r in offices)} people, "
        f"{sum(len(r.routing) for r in offices)} routing rules"
    )
    if regency.single:
        return Check("rules", True, summary)
    orphans = [b.name for b in settings.mailboxes if regency.office_of_mailbox(b.address, b.office) is None]
    if orphans:
        return Check(
            "rules",
            False,
            f"mailboxes serving no office: {', '.join(orphans)}",
            'give each [[mailboxes]] an office = "CODE", or list its address as a unit\'s mailbox',
        )
    return Check("rules", True, f"{len(regency.offices)} offices, {summary}")


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
    say = words_for(settings.templates_dir, settings.admin_language)
    yield _senders(box)
    try:
        mailbox = Mailbox.connect(box)
    except SignInError as exc:
        yield Check(f"imap {box.name}", False, str(exc), f"run `mailflow auth login {box.name}`")
        return
    except MailboxError as exc:
        yield Check(
            f"imap {box.name}",
            False,
            explained(exc, say),
            "check host, port, security (none/starttls/tls), username and the password source",
        )
        return
    with mailbox:
        yield Check(
            f"imap {box.name}",
            True,
            f"signed in by {_sign_in(box)}, {box.folder} selected (UIDVALIDITY {mailbox.uidvalidity})",
        )
        yield from _server_facts(box, settings, mailbox)
        if probe:
            yield _plus_addressing(box, settings, mailbox)
        yield from _senders_seen(box, settings, mailbox)  # last: it leaves the folder read-only


def _sign_in(box: MailboxSettings) -> str:
    return "password" if box.auth == "password" else f"OAuth2 ({box.auth.upper()})"


def _server_facts(box: MailboxSettings, settings: Settings, mailbox: Mailbox) -> Iterator[Check]:
    """What this server is like, and what Mailflow does about each difference."""
    client, ns = mailbox.client, mailbox.namespace
    delimiter = "none (flat)" if ns.delimiter is None else repr(ns.delimiter)
    try:
        names = {f: mailbox.folder_name(f) for f in (box.folder, box.processed_folder, box.quarantine_folder)}
    except MailboxError as exc:
        yield Check(f"imap {box.name} folders", False, str(exc), "rename the folder in the config")
        return
    yield Check(
        f"imap {box.name} folders",
        True,
        f"namespace prefix {ns.prefix or '(none)'!r}, delimiter {delimiter}; "
        + ", ".join(f"{k} -> {v}" for k, v in names.items()),
    )
    idle = client.has_capability("IDLE")
    yield Check(
        f"imap {box.name} IDLE",
        True,
        "push supported"
        if idle and box.idle
        else f"polling every {settings.poll_interval:g} s" + ("" if idle else " (the server offers no IDLE)"),
        "" if idle else "lower poll_interval if replies should be seen sooner",
    )
    moves, uidplus = client.has_capability("MOVE"), client.has_capability("UIDPLUS")
    if box.after_processing == "keyword":
        how = "messages stay in place, tagged with a keyword"
    elif moves:
        how = "MOVE"
    elif uidplus:
        how = "no MOVE: COPY, then UID EXPUNGE of just those messages (UIDPLUS)"
    else:
        how = "no MOVE, no UIDPLUS: COPY, then \\Deleted and a keyword (nothing is expunged)"
    yield Check(
        f"imap {box.name} MOVE",
        True,
        f"{how}; SPECIAL-USE {'yes' if client.has_capability('SPECIAL-USE') else 'no'}",
        ""
        if moves or uidplus or box.after_processing == "keyword"
        else 'deleted copies pile up in the inbox: set after_processing = "keyword"',
    )


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
        asyncio.run(Sender.of(settings).send(probe.as_bytes(), probe["To"]))
    except (aiosmtplib.SMTPException, OSError) as exc:
        return Check(
            f"plus-addressing {box.name}",
            False,
            f"could not send the probe: {type(exc).__name__}",
            "fix the SMTP check first",
        )
    client = mailbox.client
    deadline = time.monotonic() + 20
    folder = mailbox.folder_name(box.folder)
    while time.monotonic() < deadline:
        client.noop()
        found = client.search(["SUBJECT", tag])
        if found:
            client.add_flags(found, [b"\\Deleted"], silent=True)
            client.expunge()
            return Check(f"plus-addressing {box.name}", True, f"{local}+TAG@{domain} arrives in {folder}")
        time.sleep(1)
    return Check(
        f"plus-addressing {box.name}",
        False,
        f"{local}+TAG@{domain} did not arrive in 20 s",
        "enable sub-addressing (recipient_delimiter = +) on the mail server; replies are still found "
        "by Message-ID, subject tag and footer code, but less surely",
    )


def _smtp(settings: Settings) -> Check:
    s, sender = settings.smtp, Sender.of(settings)
    try:
        offered = asyncio.run(sender.probe())
    except SignInError as exc:
        return Check("smtp", False, str(exc), f"run `mailflow auth login {s.oauth_mailbox or 'smtp'}`")
    except (aiosmtplib.SMTPException, OSError, ssl.SSLError) as exc:
        return Check(
            "smtp",
            False,
            f"{s.host}:{s.port}: {sender.failure(exc)}",
            "check the [smtp] host, port, security (465: tls, 587: starttls) and login",
        )
    tls = {"none": "no TLS (loopback only!)", "starttls": "STARTTLS", "tls": "TLS"}[s.security]
    return Check("smtp", True, f"{s.host}:{s.port}, {tls}; {offered}")


OCR_PACKAGES = "tesseract-ocr-ind tesseract-ocr-eng tesseract-ocr-osd"


def _ocr(settings: Settings) -> Check:
    if not settings.ocr:
        return Check("ocr", True, "off (ocr = false): scans are filed unread")
    command = tesseract_command()
    if command is None:  # the language packages only recommend it
        return Check("ocr", False, "no tesseract command: scans go unread", "apt-get install tesseract-ocr")
    try:
        models = tessdata()
    except OcrUnavailable as exc:
        return Check(
            "ocr", False, str(exc), "apt-get install tesseract-ocr-ind tesseract-ocr-eng tesseract-ocr-osd"
        )
    missing = [
        lang for lang in settings.ocr_languages.split("+") if not Path(models, f"{lang}.traineddata").exists()
    ]
    if missing:
        return Check(
            "ocr", False, f"no model for {', '.join(missing)} in {models}", "install tesseract-ocr-LANG"
        )
    return Check("ocr", True, f"Tesseract models {settings.ocr_languages} in {models}, command {command}")


def _senders_seen(box: MailboxSettings, settings: Settings, mailbox: Mailbox) -> Iterator[Check]:
    """Per sender of the newest mail: would they verify, why not, and what their mail meets."""
    own = settings.templates_dir
    catalogue = Catalogue(None if own == TEMPLATES else own)

    def say(key: str, **values: object) -> str:
        return catalogue.say(settings.admin_language, Said.of(key, **values))

    item = f"senders {box.name} mail"
    try:
        regency = load_regency(settings.rules_dir)
    except RulesError:
        return  # the rules check names the problems
    code = regency.office_of_mailbox(box.address, box.office)
    if code is None:
        return
    try:
        seen = survey(mailbox, regency.office(code), service_lookup(settings), settings.max_message_bytes)
    except MailboxError as exc:
        yield Check(item, False, str(exc), "")
        return
    folders = ", ".join(seen.folders) or box.folder
    for sender in seen.senders:
        found = sender.verdict
        why, then = found.said(box)
        count = _messages(sender.count, say)
        held = found.outcome in HELD
        yield Check(
            item,
            not held,
            say(
                "senders.line",
                address=found.address,
                role=Said.of(f"senders.role.{found.role}"),
                count=count,
                why=why,
                then=then,
            ),
            _sender_fix(found, box, say) if held else "",
        )
    if seen.outside:
        then = Said.of(f"senders.then.{seen.outside_outcome}")
        yield Check(item, True, say("senders.outside", count=_messages(seen.outside, say), then=then))
    if not seen.senders:
        yield Check(item, True, say("senders.none", folders=folders, latest=LATEST))


def _messages(count: int, say: Callable[..., str]) -> str:
    return say("senders.messages_one") if count == 1 else say("senders.messages", count=count)


def _sender_fix(found: SenderVerdict, box: MailboxSettings, say: Callable[..., str]) -> str:
    """The choice an admin has when this sender's mail would be held (README "Setting up an office")."""
    if found.why in ("no_results", "results_fail"):
        return say("senders.fix.results", authserv_id=box.authserv_id, seen=found.stamped_by or "-")
    if found.outcome == "replies_rejected":
        return say("senders.fix.require")
    if found.stamped_by:
        return say("senders.fix.stamped", authserv_id=found.stamped_by)
    return say("senders.fix.sign")


def diagnose(settings: Settings, probe: bool = True) -> list[Check]:
    exposed = exposed_secret(settings)
    checks = [
        Check("config", True, str(settings.config_path))
        if exposed is None
        else Check("config", False, exposed, f"chmod 600 {settings.config_path}, or use password_file"),
        _rules(settings),
        _database(settings),
        _smtp(settings),
        _ocr(settings),
    ]
    for box in settings.mailboxes:
        checks.extend(_mailbox(box, settings, probe))
    if not settings.mailboxes:
        checks.append(Check("mailboxes", False, "none configured", "add a [[mailboxes]] table to the config"))
    return checks
