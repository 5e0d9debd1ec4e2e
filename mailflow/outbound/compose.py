"""Jinja2 templates -> email messages, threaded and with a Message-ID fixed at creation.

Each email is one template, `templates/<lang>/NAME.txt.j2` (first line: the subject; then a blank
line; then the plain-text body); its HTML part is made from the rendered text (html_part), so each
sentence is written once. An office's or admin's own templates folder is searched first, so any
email can be overridden by a file of the same name.

Every template renders in Jinja's sandbox: an office's `templates/` folder is written by whoever
may edit that office's rules, and must not reach Python (`''.__class__.__mro__`,
`cycler.__init__.__globals__.os`). A template the sandbox refuses, or that fails otherwise, is
replaced by the built-in one of the same name, and the admin is told in the log
(`event=template_refused`); `mailflow rules check` finds such templates before they run.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import logging
import secrets
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from email import encoders
from email.header import Header
from email.message import Message
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import format_datetime, formataddr
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

from jinja2 import FileSystemLoader, StrictUndefined, TemplateError, nodes, select_autoescape
from jinja2.sandbox import SandboxedEnvironment

from mailflow.clock import office_moment
from mailflow.domain import FIELD_NAMES, Said, Source
from mailflow.outbound.catalogue import LANGUAGES, Catalogue, load_messages, unsafe_entries
from mailflow.outbound.date_words import date_en, date_id
from mailflow.outbound.html_part import html_part
from mailflow.resources import TEMPLATES

if TYPE_CHECKING:
    from mailflow.storage.models import Letter

log = logging.getLogger(__name__)

BUILTIN_TEMPLATES = TEMPLATES

# The registry fields in the order receipts and corrections show them (labels: catalogue "field.*").
FIELD_ORDER = (
    "sender", "letter_number", "letter_date", "subject", "attachment_count", "urgency", "security",
    "classification", "note",
)  # fmt: skip


def size_text(size: float) -> str:
    for unit in ("B", "KB", "MB"):
        if size < 1024 or unit == "MB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size} B"


def one_line(value: str) -> str:
    """No CR, LF or control character of a sender's text may reach one of our headers."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in value).split())


@dataclass(frozen=True)
class FileView:
    filename: str
    content_type: str
    size: int

    @property
    def size_text(self) -> str:
        return size_text(self.size)


@dataclass(frozen=True)
class LetterView:
    """A letter as templates show it: unknown fields are named, never left blank."""

    agenda_number: str
    tag: str
    received_at: dt.datetime
    values: dict[str, Any]
    check: frozenset[str] = frozenset()  # read by OCR: the clerk is asked to check them
    cut: frozenset[str] = frozenset()  # cut at the readers' bound (text.fields.CUT): checked too

    def display(self, name: str, language: str = "id") -> str:
        value = self.values.get(name)
        if value is None:
            return "-" if name == "note" else ("(not known)" if language == "en" else "(belum diketahui)")
        if isinstance(value, dt.date):
            return date_en(value) if language == "en" else date_id(value)
        return str(value)

    @property
    def subject(self) -> str | None:
        return self.values.get("subject")

    @property
    def unknown(self) -> list[str]:
        return [n for n in FIELD_ORDER if n != "note" and self.values.get(n) is None]

    @property
    def received_text(self) -> str:
        return date_id(self.received_at.date())


def letter_view(letter: Letter, zone: ZoneInfo) -> LetterView:
    """The letter as mail shows it; its receipt time on the office's clock (a letter filed at
    06:30 WIB was received that day, not the UTC day before)."""
    values = {name: getattr(letter, name) for name in FIELD_NAMES}
    check = frozenset(name for name, source in letter.sources.items() if source == Source.OCR)
    cut = frozenset(name for name, source in letter.sources.items() if source == Source.CUT)
    received = office_moment(letter.received_at, zone)
    return LetterView(letter.agenda_number, letter.subject_tag, received, values, check, cut)


def thread_root(letter: Letter, mailbox: str) -> str:
    """A stable Message-ID every email about `letter` references, so clients keep one thread."""
    domain = mailbox.rpartition("@")[2]
    return f"<letter.{letter.id}.{letter.fingerprint[-12:].replace(',', '')}@{domain}>"


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def sandbox(*folders: Path) -> SandboxedEnvironment:
    """The environment every template renders in, `folders` searched in order."""
    env = SandboxedEnvironment(
        loader=FileSystemLoader([str(f) for f in folders]),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters.update(date_id=date_id, date_en=date_en)
    return env


def template_problems(folder: Path) -> list[str]:
    """What `rules check` says of an admin's templates folder: syntax errors, any reach for an
    underscore attribute (`__class__`, `__globals__`...), which the sandbox refuses anyway, an
    email's HTML template (no longer read: its words would silently differ from the text's), and
    messages.toml entries whose placeholders are more than names (catalogue.unsafe_entries)."""
    env = sandbox(folder)
    problems = []
    for path in sorted(folder.rglob("*.j2")):
        name = path.relative_to(folder).as_posix()
        try:
            tree = env.parse(path.read_text(encoding="utf-8"), name, str(path))
        except TemplateError as exc:
            problems.append(f"{path}:{getattr(exc, 'lineno', '') or ''}: {exc}")
            continue
        for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
            attr = None
            if isinstance(node, nodes.Getattr):
                attr = node.attr
            elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
                attr = node.arg.value
            if isinstance(attr, str) and attr.startswith("_"):
                problems.append(f"{path}:{node.lineno}: '{attr}' is not allowed in a template")
    for lang in LANGUAGES:
        for path in sorted((folder / lang).glob("*.html.j2")):
            text = path.name.removesuffix(".html.j2") + ".txt.j2"
            problems.append(f"{path}: not read: an email's HTML part is made from its {text}")
        for key in unsafe_entries(load_messages(folder, lang)):
            problems.append(f"{folder / lang / 'messages.toml'}: {key}: a placeholder may only be a name")
    return problems


class Composer:
    @staticmethod
    def builtin() -> Path:
        return BUILTIN_TEMPLATES

    def __init__(self, *override_dirs: Path | None) -> None:
        """`override_dirs`, first wins: an office's own templates, then the service's, then ours."""
        own = [p for p in override_dirs if p is not None]
        self.env = sandbox(*own, BUILTIN_TEMPLATES)
        self.builtin_env = sandbox(BUILTIN_TEMPLATES) if own else self.env
        self.catalogue = Catalogue(*override_dirs)

    def say(self, language: str, said: Said | str) -> str:
        return self.catalogue.say(language, said)

    def render(self, name: str, language: str, **context: Any) -> Rendered:
        """Render `name` in `language`; templates write catalogue words with `say(...)`."""
        lang = language if (BUILTIN_TEMPLATES / language / f"{name}.txt.j2").exists() else "id"
        context = {
            "say": lambda said: self.catalogue.say(lang, said),
            "word": lambda key, **values: self.catalogue.say(lang, Said.of(key, **values)),
            **context,
        }
        try:
            return _rendered(self.env, f"{lang}/{name}", context)
        except TemplateError as exc:
            if self.builtin_env is self.env:
                raise
            # The file that failed (a syntax error names it; parsing the template again would fail again).
            own = getattr(exc, "filename", None) or _source_file(self.env, f"{lang}/{name}.txt.j2")
            if own and Path(own).is_relative_to(BUILTIN_TEMPLATES):
                own = None
            log.error(
                "event=template_refused template=%s/%s files=%s error=%r fallback=builtin",
                lang,
                name,
                own or "-",
                str(exc),
            )
            return _rendered(self.builtin_env, f"{lang}/{name}", context)


def _source_file(env: SandboxedEnvironment, name: str) -> str | None:
    return env.loader.get_source(env, name)[1] if env.loader is not None else None


def _rendered(env: SandboxedEnvironment, name: str, context: dict[str, Any]) -> Rendered:
    text = env.get_template(f"{name}.txt.j2").render(**context)
    subject, _, body = text.partition("\n")
    body = body.lstrip("\n")
    return Rendered(one_line(subject), body, html_part(body, name.partition("/")[0]))


def message_id(domain: str) -> str:
    """A Message-ID nobody can predict (`secrets`, where email.utils.make_msgid uses `random`)."""
    return f"<{time.time_ns() // 1_000_000}.{secrets.token_hex(10)}.mailflow@{domain}>"


@dataclass(frozen=True)
class Stamp:
    """What an email is given the moment it is written: its Message-ID (replies, bounces and
    threads find it by that) and its Date. An email composed after its commit is given the
    ones its outbox row fixed (outbound/recipe.py)."""

    message_id: str
    date: str

    @classmethod
    def now(cls, sender: str) -> Stamp:
        domain = sender.rpartition("@")[2] or "mailflow.invalid"
        return cls(message_id(domain), format_datetime(dt.datetime.now(dt.UTC)))


class Answered(Protocol):
    """What an email that answers another takes from it: a ParsedMessage, or the thread a recipe kept."""

    @property
    def message_id(self) -> str: ...

    @property
    def references(self) -> tuple[str, ...]: ...


def build_message(
    rendered: Rendered,
    *,
    sender: str,
    sender_name: str,
    to: str,
    reply_to: str | None = None,
    in_reply_to: str | None = None,
    references: Sequence[str] = (),
    auto_submitted: str = "auto-replied",
    attach_messages: Sequence[bytes] = (),
    files: Sequence[tuple[str, str, bytes]] = (),
    stamp: Stamp | None = None,
) -> Message:
    """A ready-to-send message; its Message-ID is fixed now (or was, in `stamp`) so a retry is
    never a new email.

    Built with the compat32 MIME classes: the modern EmailMessage API re-parses every header it
    is given and cost about 10x more per message, on the ingest path. Every value that comes from
    a sender has been through one_line() or the address parser, so no CR/LF reaches a header.
    """
    body = MIMEMultipart("alternative")
    body.attach(MIMEText(rendered.text, "plain", "utf-8"))
    body.attach(MIMEText(rendered.html, "html", "utf-8"))
    attachments = [*files, *(("surat-asli.eml", "application/octet-stream", raw) for raw in attach_messages)]
    msg = body
    if attachments:
        msg = MIMEMultipart("mixed")
        msg.attach(body)
        for filename, content_type, payload in attachments:
            maintype, _, subtype = content_type.partition("/")
            part = _attachment(msg, payload, subtype or "octet-stream")
            if maintype and maintype != "application":
                part.replace_header("Content-Type", f"{maintype}/{subtype}")
            # A .eml travels byte-exact as a file: re-serialising message/rfc822 could alter it.
            name = one_line(filename) or "lampiran"
            part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", name))
            msg.attach(part)
    stamp = stamp or Stamp.now(sender)
    msg["Message-ID"] = stamp.message_id
    msg["Date"] = stamp.date
    msg["From"] = formataddr((one_line(sender_name), sender), charset="utf-8")
    msg["To"] = to
    if reply_to:
        msg["Reply-To"] = reply_to
    subject: Any = rendered.subject if rendered.subject.isascii() else Header(rendered.subject, "utf-8")
    msg["Subject"] = subject  # compat32 takes a Header for non-ASCII text
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = " ".join([*[r for r in references if r != in_reply_to], in_reply_to])
    # RFC 3834: our mail is machine-sent; well-behaved responders must not answer it.
    msg["Auto-Submitted"] = auto_submitted
    msg["X-Mailflow"] = "1"
    return msg


# An attachment larger than this is base64-encoded into the email's bytes in chunks by
# message_bytes, not by the stdlib (its base64 str, the CRLF copy, the generator's buffer and its
# bytes held a 9.5 MB scan seven times over: +71 MB). The bytes are the same.
CHUNKED_ATTACHMENT = 256 * 1024
_B64_BLOCK = 57 * 1024  # encodebytes writes 76-character lines of 57 bytes each
# The payloads kept out of each message's MIME tree until message_bytes writes them, by marker.
_SPLICES: weakref.WeakKeyDictionary[Message, dict[str, bytes]] = weakref.WeakKeyDictionary()


def _attachment(msg: Message, payload: bytes, subtype: str) -> MIMEApplication:
    if len(payload) <= CHUNKED_ATTACHMENT:
        return MIMEApplication(payload, _subtype=subtype)
    part = MIMEApplication(b"", _subtype=subtype, _encoder=encoders.encode_noop)
    part["Content-Transfer-Encoding"] = "base64"
    marker = f"mailflow-attachment-{secrets.token_hex(16)}"
    part.set_payload(marker + "\n")
    _SPLICES.setdefault(msg, {})[marker] = payload
    return part


def message_bytes(msg: Message) -> bytes:
    """The bytes to send and keep: CRLF line ends, as SMTP wants them.

    The generator writes a part line by line (a 60 KB scan: ~1,100 calls, most of the cost of
    composing a request): large base64 parts stand in as a marker while it runs and are spliced
    in after, their line ends made CRLF in one pass. The bytes are the generator's own
    (tests/test_compose.py compares them). An attachment over CHUNKED_ATTACHMENT was never encoded into the
    tree at all (_attachment): it is base64-encoded into the bytes here, a block at a time."""
    spliced: list[tuple[Message, str, str]] = []
    for part in msg.walk():
        payload = part.get_payload()
        if (
            isinstance(payload, str)
            and len(payload) > SPLICED_BYTES
            and "\r" not in payload
            and part.get("Content-Transfer-Encoding") == "base64"
        ):
            marker = f"mailflow-part-{secrets.token_hex(16)}"
            spliced.append((part, marker, payload))
            part.set_payload(marker)
    try:
        flat = msg.as_bytes(policy=compat32.clone(linesep="\r\n"))
    finally:
        for part, _, payload in spliced:
            part.set_payload(payload)
    for _, marker, payload in spliced:
        flat = flat.replace(marker.encode("ascii"), payload.replace("\n", "\r\n").encode("ascii"), 1)
    for marker, data in _SPLICES.get(msg, {}).items():  # attachments never made a str (_attachment)
        before, found, after = flat.partition(marker.encode() + b"\r\n")
        if not found:
            raise LookupError(f"attachment marker {marker} missing from the message")
        out = io.BytesIO()
        out.write(before)
        for at in range(0, len(data), _B64_BLOCK):
            out.write(base64.encodebytes(data[at : at + _B64_BLOCK]).replace(b"\n", b"\r\n"))
        out.write(after)
        flat = out.getvalue()
    return flat


SPLICED_BYTES = 4096

