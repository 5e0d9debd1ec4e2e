"""`mailflow doctor`: every part a running Mailflow needs, checked, with a verdict and a fix each."""

from __future__ import annotations

import asyncio
import ssl
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from functools import partial
from pathlib import Path

import aiosmtplib
from sqlalchemy import inspect
from sqlalchemy.exc import SQLAlchemyError

from mailflow.config import MailboxSettings, Settings, exposed_mode
from mailflow.domain import Said
from mailflow.errors import MailboxError, RulesError, SignInError
from mailflow.inbound.senders import HELD, SenderVerdict, service_lookup
from mailflow.net.imap import Mailbox
from mailflow.net.misdial import explained
from mailflow.office.regency import load_regency
from mailflow.ops.survey import LATEST, survey
from mailflow.outbound.catalogue import Catalogue, Words
from mailflow.outbound.compose import size_text
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


def _rules(settings: Settings, say: Words) -> Check:
    item = say("doctor.item.rules")
    try:
        regency = load_regency(settings.rules_dir)
    except RulesError as exc:
        more = f" (+{len(exc.problems) - 1})" if len(exc.problems) > 1 else ""
        first = exc.problems[0]
        where = f"{first.file}:{first.line}" if first.line else first.file
        message = say(first.key) if first.key else first.message
        return Check(item, False, f"{where}: {message}{more}", say("doctor.rules_fix"))
    offices = regency.offices.values()
    summary = say(
        "doctor.rules_summary",
        positions=sum(len(r.positions) for r in offices),
        people=sum(len(r.people) for r in offices),
        routing=sum(len(r.routing) for r in offices),
    )
    if regency.single:
        return Check(item, True, summary)
    orphans = [b.name for b in settings.mailboxes if regency.office_of_mailbox(b.address, b.office) is None]
    if orphans:
        return Check(item, False, say("doctor.rules_orphans", names=orphans), say("doctor.rules_orphans_fix"))
    return Check(item, True, say("doctor.rules_offices", offices=len(regency.offices), summary=summary))


def _database(settings: Settings, say: Words) -> Check:
    item = say("doctor.item.database")
    try:
        engine = make_engine(settings.database_url)
        current = current_revision(engine)
    except SQLAlchemyError as exc:
        return Check(
            item,
            False,
            say("doctor.database_unreachable", error=type(exc).__name__),
            say("doctor.database_unreachable_fix"),
        )
    head = head_revision()
    if current is None and not inspect(engine).get_table_names():
        return Check(item, True, say("doctor.database_empty", head=head))
    if current != head:
        return Check(
            item,
            False,
            say("doctor.database_behind", current=current or say("doctor.database_nothing"), head=head),
            say("doctor.database_behind_fix"),
        )
    return Check(item, True, say("doctor.database_ok", head=head, dialect=engine.dialect.name))


def _senders(box: MailboxSettings, say: Words) -> Check:
    """How this mailbox tells a real clerk or official from a forged From (README "Trust")."""
    item, policy = say("doctor.item.senders", name=box.name), box.verify_senders
    if policy == "off":
        return Check(item, True, say("doctor.senders_off"), say("doctor.senders_off_fix"))
    if policy == "authentication-results" or (policy == "auto" and box.authserv_id):
        if not box.authserv_id:
            return Check(
                item, False, say("doctor.senders_no_authserv"), say("doctor.senders_no_authserv_fix")
            )
        return Check(item, True, say("doctor.senders_by_results", authserv_id=box.authserv_id))
    return Check(item, True, say("doctor.senders_by_dkim"))


@dataclass(frozen=True)
class _Relay:
    """What the SMTP check learned that a mailbox's checks use."""

    answered: bool
    size: int | None  # the SIZE it announced


def _mailbox(
    box: MailboxSettings, settings: Settings, say: Words, probe: bool, relay: _Relay
) -> Iterator[Check]:
    item = say("doctor.item.imap", name=box.name)
    yield _senders(box, say)
    try:
        mailbox = Mailbox.connect(box)
    except SignInError as exc:
        yield Check(item, False, str(exc), say("doctor.login_fix", name=box.name))
        return
    except MailboxError as exc:
        yield Check(item, False, explained(exc, partial(_said, say)), say("doctor.imap_fix"))
        return
    with mailbox:
        signed_in = say(
            "doctor.imap_ok", how=_sign_in(box.auth, say), folder=box.folder, uidvalidity=mailbox.uidvalidity
        )
        yield Check(item, True, signed_in)
        yield from _server_facts(box, settings, say, mailbox)
        yield _message_limit(box, settings, say, mailbox, relay)
        if probe:
            yield _plus_addressing(box, settings, say, mailbox)
        yield from _senders_seen(box, settings, say, mailbox)  # last: it leaves the folder read-only


def _said(say: Words, said: Said) -> str:
    return say(said.key, **dict(said.params))


def _sign_in(auth: str, say: Words) -> str:
    return say("doctor.password") if auth == "password" else f"OAuth2 ({auth.upper()})"


def _server_facts(box: MailboxSettings, settings: Settings, say: Words, mailbox: Mailbox) -> Iterator[Check]:
    """What this server is like, and what Mailflow does about each difference."""
    client, ns = mailbox.client, mailbox.namespace
    delimiter = say("doctor.folders_flat") if ns.delimiter is None else repr(ns.delimiter)
    folders = say("doctor.item.folders", name=box.name)
    try:
        names = {f: mailbox.folder_name(f) for f in (box.folder, box.processed_folder, box.quarantine_folder)}
    except MailboxError as exc:
        yield Check(folders, False, str(exc), say("doctor.folders_fix"))
        return
    prefix = repr(ns.prefix) if ns.prefix else say("doctor.folders_no_prefix")
    moved = ", ".join(f"{k} -> {v}" for k, v in names.items())
    yield Check(folders, True, say("doctor.folders_ok", prefix=prefix, delimiter=delimiter, names=moved))
    idle = client.has_capability("IDLE")
    seconds = f"{settings.poll_interval:g}"
    yield Check(
        say("doctor.item.idle", name=box.name),
        True,
        say("doctor.idle_push")
        if idle and box.idle
        else say("doctor.idle_polling" if idle else "doctor.idle_polling_no_idle", seconds=seconds),
        "" if idle else say("doctor.idle_fix"),
    )
    moves, uidplus = client.has_capability("MOVE"), client.has_capability("UIDPLUS")
    if box.after_processing == "keyword":
        how = say("doctor.move_keyword")
    elif moves:
        how = "MOVE"
    elif uidplus:
        how = say("doctor.move_uidplus")
    else:
        how = say("doctor.move_neither")
    special = say("doctor.yes" if client.has_capability("SPECIAL-USE") else "doctor.no")
    yield Check(
        say("doctor.item.move", name=box.name),
        True,
        say("doctor.move_ok", how=how, special=special),
        "" if moves or uidplus or box.after_processing == "keyword" else say("doctor.move_fix"),
    )


def _message_limit(
    box: MailboxSettings, settings: Settings, say: Words, mailbox: Mailbox, relay: _Relay
) -> Check:
    """The largest message the poll takes from this mailbox, and where that figure comes from, as
    App.message_limit chooses it (a larger one is held as too large, its sender told)."""
    imap = mailbox.append_limit
    size = settings.message_limit(imap, relay.size)
    if settings.max_message_bytes is not None:
        source = "doctor.size_config"
    elif imap:
        source = "doctor.size_imap"
    elif relay.size:
        source = "doctor.size_smtp"
    else:
        source = "doctor.size_default" if relay.answered else "doctor.size_unasked"
    return Check(say("doctor.item.size", name=box.name), True, say(source, size=size_text(size)))


PROBE_WAIT = 20  # seconds a plus-addressed probe may take to arrive


def _plus_addressing(box: MailboxSettings, settings: Settings, say: Words, mailbox: Mailbox) -> Check:
    item = say("doctor.item.plus", name=box.name)
    tag = f"mailflow-doctor-{uuid.uuid4().hex[:8]}"
    local, _, domain = box.address.partition("@")
    probe = EmailMessage()
    probe["From"], probe["To"], probe["Subject"] = box.address, f"{local}+{tag}@{domain}", tag
    probe["Auto-Submitted"] = "auto-generated"
    probe.set_content(say("doctor.plus_probe"))
    try:
        asyncio.run(Sender.of(settings).send(probe.as_bytes(), probe["To"]))
    except (aiosmtplib.SMTPException, OSError) as exc:
        return Check(
            item, False, say("doctor.plus_unsent", error=type(exc).__name__), say("doctor.plus_unsent_fix")
        )
    client = mailbox.client
    deadline = time.monotonic() + PROBE_WAIT
    folder = mailbox.folder_name(box.folder)
    address = f"{local}+TAG@{domain}"
    while time.monotonic() < deadline:
        client.noop()
        found = client.search(["SUBJECT", tag])
        if found:
            client.add_flags(found, [b"\\Deleted"], silent=True)
            client.expunge()
            return Check(item, True, say("doctor.plus_ok", address=address, folder=folder))
        time.sleep(1)
    return Check(
        item, False, say("doctor.plus_missing", address=address, seconds=PROBE_WAIT), say("doctor.plus_fix")
    )


def _smtp(settings: Settings, say: Words) -> tuple[Check, int | None]:
    """The relay's check, and the SIZE it announced (None: none, or it did not answer)."""
    s, sender = settings.smtp, Sender.of(settings)
    try:
        offered, signed_in, size = asyncio.run(sender.probe())
    except SignInError as exc:
        fix = say("doctor.login_fix", name=s.oauth_mailbox or "smtp")
        return Check("smtp", False, str(exc), fix), sender.announced_size()[1]
    except (aiosmtplib.SMTPException, OSError, ssl.SSLError) as exc:
        # A server that answered (a login refused) still told its SIZE, which the poll reads unsigned.
        size = sender.announced_size()[1] if isinstance(exc, aiosmtplib.SMTPResponseException) else None
        return Check("smtp", False, f"{s.host}:{s.port}: {sender.failure(exc)}", say("doctor.smtp_fix")), size
    tls = {"none": say("doctor.smtp_no_tls"), "starttls": "STARTTLS", "tls": "TLS"}[s.security]
    if signed_in is not None:
        offered = say("doctor.smtp_signed_in", offered=offered, how=_sign_in(signed_in, say))
    ok = Check("smtp", True, say("doctor.smtp_ok", host=s.host, port=s.port, tls=tls, offered=offered))
    return ok, size


OCR_PACKAGES = "tesseract-ocr-ind tesseract-ocr-eng tesseract-ocr-osd"


def _ocr(settings: Settings, say: Words) -> Check:
    if not settings.ocr:
        return Check("ocr", True, say("doctor.ocr_off"))
    command = tesseract_command()
    if command is None:  # the language packages only recommend it
        return Check("ocr", False, say("doctor.ocr_no_command"), "apt-get install tesseract-ocr")
    try:
        models = tessdata()
    except OcrUnavailable as exc:
        return Check("ocr", False, str(exc), f"apt-get install {OCR_PACKAGES}")
    languages = settings.ocr_languages
    missing = [lang for lang in languages.split("+") if not Path(models, f"{lang}.traineddata").exists()]
    if missing:
        return Check(
            "ocr",
            False,
            say("doctor.ocr_no_model", languages=missing, models=models),
            say("doctor.ocr_model_fix"),
        )
    return Check("ocr", True, say("doctor.ocr_ok", languages=languages, models=models, command=command))


def _senders_seen(box: MailboxSettings, settings: Settings, say: Words, mailbox: Mailbox) -> Iterator[Check]:
    """Per sender of the newest mail: would they verify, why not, and what their mail meets."""
    item = say("doctor.item.senders_mail", name=box.name)
    try:
        regency = load_regency(settings.rules_dir)
    except RulesError:
        return  # the rules check names the problems
    code = regency.office_of_mailbox(box.address, box.office)
    if code is None:
        return
    try:
        limit = settings.message_limit(mailbox.append_limit)
        seen = survey(mailbox, regency.office(code), service_lookup(settings), limit)
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
    own = settings.templates_dir
    say = Catalogue(None if own == TEMPLATES else own).words(settings.admin_language)
    path, item = settings.config_path, say("doctor.item.config")
    exposed = exposed_mode(settings)
    smtp, smtp_size = _smtp(settings, say)
    checks = [
        Check(item, True, str(path))
        if exposed is None
        else Check(
            item,
            False,
            say("doctor.config_exposed", path=path, mode=f"{exposed:o}"),
            say("doctor.config_exposed_fix", path=path),
        ),
        _rules(settings, say),
        _database(settings, say),
        smtp,
        _ocr(settings, say),
    ]
    for box in settings.mailboxes:
        checks.extend(_mailbox(box, settings, say, probe, _Relay(smtp.ok, smtp_size)))
    if not settings.mailboxes:
        checks.append(
            Check(
                say("doctor.item.mailboxes"),
                False,
                say("doctor.mailboxes_none"),
                say("doctor.mailboxes_none_fix"),
            )
        )
    return checks
