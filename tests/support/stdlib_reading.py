"""The reading text.parsing made before issue 25: the whole message through the standard
library's parser, then its tree walked. The streaming reader (text.mime_stream) must read every
message as this does: same parts, same bytes, same text, same header, same refusal."""

from __future__ import annotations

import email
import email.message
import hashlib
from dataclasses import replace

from mailflow.errors import MessageError
from mailflow.text.flowed import unflow
from mailflow.text.header_fields import filename_of, summarize
from mailflow.text.headers import split_header
from mailflow.text.message import Attachment, HeaderProblem, ParsedMessage
from mailflow.text.mime_stream import Budget


def _decode_text(part: email.message.Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    for candidate in (charset, "utf-8"):
        try:
            return payload.decode(candidate)
        except (LookupError, UnicodeDecodeError, ValueError):
            continue
    return payload.decode("latin-1")


class _Walker:
    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self.text: list[str] = []
        self.html: list[str] = []
        self.attachments: list[Attachment] = []
        self.embedded: list[ParsedMessage] = []

    def walk(self, part: email.message.Message, level: int) -> None:
        self.budget.part(level)
        ctype = part.get_content_type()
        disposition = str(part.get("Content-Disposition") or "").split(";")[0].strip().lower()
        if ctype == "message/rfc822":
            inner = part.get_payload()
            first = inner[0] if isinstance(inner, list) and inner else None
            if isinstance(first, email.message.Message):
                self.embedded.append(_from_message(first, level + 1, self.budget))
            return
        if part.is_multipart():
            for child in part.get_payload():
                self.walk(child, level + 1)
            return
        filename = filename_of(part)
        if ctype in ("text/plain", "text/html") and disposition != "attachment" and not filename:
            text = self.budget.keep_text(_decode_text(part))
            if ctype == "text/plain" and str(part.get_param("format", "")).lower() == "flowed":
                text = unflow(text, str(part.get_param("delsp", "")).lower() == "yes")
            (self.text if ctype == "text/plain" else self.html).append(text)
            return
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes) or not payload:
            return
        self.budget.decode(len(payload))
        if ctype == "application/octet-stream" and filename.lower().endswith(".eml"):
            self.embedded.append(_parse(payload, level + 1, self.budget))
            return
        self.attachments.append(Attachment(filename, ctype, payload))


def _from_message(msg: email.message.Message, level: int, budget: Budget) -> ParsedMessage:
    walker = _Walker(budget)
    walker.walk(msg, level)
    return summarize(
        msg, text=walker.text, html=walker.html, attachments=walker.attachments, embedded=walker.embedded
    )


def _parse(raw: bytes, level: int, budget: Budget) -> ParsedMessage:
    msg = email.message_from_bytes(raw)
    if not msg.keys():
        raise MessageError("malformed", "no header could be read")
    parsed = _from_message(msg, level, budget)
    if parsed.header_problem is None and (split := split_header(raw)):
        parsed = replace(parsed, header_problem=HeaderProblem("ambiguous_header", split))
    if not parsed.message_id:
        parsed = replace(parsed, message_id=f"<{hashlib.sha256(raw).hexdigest()}@mailflow.invalid>")
    return parsed


def stdlib_reading(raw: bytes) -> ParsedMessage:
    return _parse(raw, 0, Budget.for_size(len(raw)))


def outcome(read, raw: bytes) -> object:
    """What a reading makes of `raw`, comparable between readers: every field, each file as its
    name, type and bytes, inner messages alike; or the refusal's reason and detail."""
    try:
        return _flat(read(raw))
    except MessageError as exc:
        return ("refused", exc.reason, str(exc))


def _flat(m: ParsedMessage) -> tuple:
    return (
        m.message_id, m.from_address, m.from_name, m.to_addresses, m.subject, m.date, m.in_reply_to,
        m.references, m.text, m.html, m.headers, m.defects, m.header_problem,
        tuple((a.filename, a.content_type, a.size, a.sha256, a.read_bytes()) for a in m.attachments),
        tuple(_flat(e) for e in m.embedded),
    )  # fmt: skip
