"""What an IMAP FETCH returns for one stored message: sections, ENVELOPE and BODYSTRUCTURE.

The embedded demo server (devserver.py) needs these so that desktop clients (Thunderbird, Apple
Mail) can list and open mail, not only scripts that fetch whole messages. The MIME tree is found
in the raw bytes, not re-serialised, because RFC 3501 sections and sizes are byte-exact; the
email package is used only to read the Content-* headers of each entity. Dovecot is the oracle:
tests/test_devserver_server.py compares every answer with Dovecot's for the same messages.
"""

from __future__ import annotations

import email.parser
import email.policy
import email.utils
import re
from dataclasses import dataclass, field
from email.message import Message

_HEADER_END = re.compile(rb"\r?\n\r?\n")
_FIELD_NAME = re.compile(rb"^([!-9;-~]+)[ \t]*:")
_PARTIAL = re.compile(r"<(\d+)(?:\.(\d+))?>$")
_ENVELOPE_ADDRESSES = ("from", "sender", "reply-to", "to", "cc", "bcc")


class FetchError(ValueError):
    """A FETCH item or section this message does not have; the server answers BAD/NO."""


@dataclass
class Entity:
    """A MIME entity by its byte ranges: `header` ends with the blank line, `body` is the rest."""

    header: bytes
    body: bytes
    info: Message
    parts: list[Entity] = field(default_factory=list)  # children; the message of message/rfc822

    @property
    def maintype(self) -> str:
        return self.info.get_content_maintype()

    @property
    def subtype(self) -> str:
        return self.info.get_content_subtype()

    @property
    def encapsulates(self) -> bool:
        return self.info.get_content_type() in ("message/rfc822", "message/global")


def parse(raw: bytes, default_type: str = "text/plain") -> Entity:
    """The MIME tree of `raw`; never raises: an unterminated multipart keeps the parts it has."""
    if raw.startswith((b"\r\n", b"\n")):
        split = 2 if raw.startswith(b"\r\n") else 1
        header, body = raw[:split], raw[split:]
    elif match := _HEADER_END.search(raw):
        header, body = raw[: match.end()], raw[match.end() :]
    else:
        header, body = raw, b""
    info = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(header)
    if "content-type" not in info:
        info.set_default_type(default_type)
    entity = Entity(header, body, info)
    boundary = info.get_boundary() if entity.maintype == "multipart" else None
    if boundary:
        child_type = "message/rfc822" if entity.subtype == "digest" else "text/plain"
        entity.parts = [parse(chunk, child_type) for chunk in _split(body, boundary.encode())]
    elif entity.encapsulates:
        entity.parts = [parse(body)]
    return entity


def _split(body: bytes, boundary: bytes) -> list[bytes]:
    """The parts between `--boundary` lines; the CRLF before a delimiter belongs to it (RFC 2046)."""
    delimiter = re.compile(rb"(?:^|\r?\n)--" + re.escape(boundary) + rb"(--)?[ \t]*(?:\r?\n|$)")
    chunks: list[bytes] = []
    start: int | None = None
    for match in delimiter.finditer(body):
        if start is not None:
            chunks.append(body[start : match.start()])
        if match.group(1):
            return chunks
        start = match.end()
    if start is not None:
        chunks.append(body[start:])
    return chunks


# --- sections --------------------------------------------------------------------------------


def section(top: Entity, spec: str) -> bytes:
    """The bytes of BODY[spec]: "", HEADER, TEXT, HEADER.FIELDS[.NOT] (..), n.n, n.MIME, n.HEADER."""
    numbers, rest = _split_spec(spec)
    if not numbers:
        return _message_section(top, rest, whole=top.header + top.body)
    node = _part(top, numbers)
    if not rest:
        return node.body
    if rest == "MIME":
        return node.header
    if not node.encapsulates:
        raise FetchError(f"part {'.'.join(map(str, numbers))} is not a message")
    inner = node.parts[0]
    return _message_section(inner, rest, whole=node.body)


def _split_spec(spec: str) -> tuple[list[int], str]:
    """ "1.2.HEADER.FIELDS (To)" -> [1, 2], "HEADER.FIELDS (TO)"."""
    numbers: list[int] = []
    words = spec.split(".")
    while words and words[0].isdigit():
        numbers.append(int(words.pop(0)))
    return numbers, ".".join(words).upper()


def _message_section(message: Entity, rest: str, whole: bytes) -> bytes:
    if not rest:
        return whole
    if rest == "HEADER":
        return message.header
    if rest == "TEXT":
        return message.body
    match = re.fullmatch(r"HEADER\.FIELDS(\.NOT)?\s*\((.*)\)", rest, re.S)
    if not match:
        raise FetchError(f"unknown section {rest}")
    names = {n.lower().encode() for n in match[2].replace('"', " ").split()}
    return _header_fields(message.header, names, keep=not match[1])


def _header_fields(header: bytes, names: set[bytes], keep: bool) -> bytes:
    out, taking = bytearray(), False
    for line in header.splitlines(keepends=True):
        if line.strip() == b"":
            break
        if line[:1] in (b" ", b"\t"):
            if taking:
                out += line
            continue
        name = _FIELD_NAME.match(line)
        taking = name is not None and ((name[1].lower() in names) == keep)
        if taking:
            out += line
    return bytes(out) + b"\r\n"


def _part(top: Entity, numbers: list[int]) -> Entity:
    """Walk part numbers; like Dovecot, a single-part entity is its own part 1, once."""
    node, stayed = top, False
    for depth, number in enumerate(numbers):
        if node.maintype == "multipart" and 0 < number <= len(node.parts):
            node, stayed = node.parts[number - 1], False
        elif node.maintype != "multipart" and number == 1 and not stayed:
            stayed = True
        else:
            raise FetchError(f"no part {'.'.join(map(str, numbers[: depth + 1]))}")
        if depth < len(numbers) - 1 and node.encapsulates and node.parts:
            node, stayed = node.parts[0], False
    return node


def partial(data: bytes, suffix: str) -> tuple[bytes, str]:
    """Apply `<start.length>`: the slice and the `<start>` the response names."""
    match = _PARTIAL.search(suffix)
    if not match:
        return data, ""
    start = int(match[1])
    end = start + int(match[2]) if match[2] else len(data)
    return data[start:end], f"<{start}>"


# --- ENVELOPE and BODYSTRUCTURE --------------------------------------------------------------


def nstring(value: bytes | str | None) -> bytes:
    """NIL, a quoted string, or a literal when quoting cannot carry the bytes."""
    if value is None:
        return b"NIL"
    data = value.encode("utf-8", "surrogateescape") if isinstance(value, str) else value
    data = data.replace(b"\x00", "\ufffd".encode())  # as Dovecot: IMAP strings cannot carry NUL
    if any(b > 0x7E or b in (0x0A, 0x0D, 0x00) for b in data) or len(data) > 1000:
        return b"{%d}\r\n" % len(data) + data
    return b'"' + data.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


def _fields(header: bytes) -> dict[str, bytes]:
    """The first value of each header field, unfolded, as raw bytes (encoded-words untouched)."""
    found: dict[str, bytes] = {}
    for line in re.split(rb"\r?\n(?![ \t])", header):
        name = _FIELD_NAME.match(line)
        if name:
            value = re.sub(rb"\r?\n", b"", line[name.end() :]).strip()
            found.setdefault(name[1].decode().lower(), value)
    return found


def _addresses(value: bytes | None) -> bytes:
    if not value:
        return b"NIL"
    text = value.decode("utf-8", "surrogateescape")
    out = []
    for name, address in email.utils.getaddresses([text]):
        if not address:
            continue
        mailbox, at, host = address.rpartition("@")
        mailbox, host = (mailbox, host) if at else (address, "")
        out.append(
            b"(" + b" ".join([nstring(name or None), b"NIL", nstring(mailbox), nstring(host or None)]) + b")"
        )
    return b"(" + b"".join(out) + b")" if out else b"NIL"


def envelope(message: Entity) -> bytes:
    found = _fields(message.header)
    sender = found.get("sender") or found.get("from")
    reply_to = found.get("reply-to") or found.get("from")
    items = [
        nstring(found.get("date")),
        nstring(found.get("subject")),
        _addresses(found.get("from")),
        _addresses(sender),
        _addresses(reply_to),
        _addresses(found.get("to")),
        _addresses(found.get("cc")),
        _addresses(found.get("bcc")),
        nstring(found.get("in-reply-to")),
        nstring(found.get("message-id")),
    ]
    return b"(" + b" ".join(items) + b")"


def _params(pairs: list[tuple[str, str]]) -> bytes:
    if not pairs:
        return b"NIL"
    return b"(" + b" ".join(nstring(k) + b" " + nstring(v) for k, v in pairs) + b")"


def _content_params(entity: Entity) -> list[tuple[str, str]]:
    pairs = entity.info.get_params(failobj=[])[1:] if "content-type" in entity.info else []
    found = [(key, str(email.utils.collapse_rfc2231_value(value))) for key, value in pairs]
    if entity.maintype == "text" and not any(key.lower() == "charset" for key, _ in found):
        found.insert(0, ("charset", "us-ascii"))
    return found


def _disposition(entity: Entity) -> bytes:
    value = entity.info.get("content-disposition")
    if not value:
        return b"NIL"
    kind = value.split(";", 1)[0].strip()
    pairs = entity.info.get_params(header="content-disposition", failobj=[])[1:]
    values = [(k, str(email.utils.collapse_rfc2231_value(v))) for k, v in pairs]
    return b"(" + nstring(kind) + b" " + _params(values) + b")"


def _lines(body: bytes) -> int:
    return body.count(b"\n")  # as Dovecot counts: an unterminated last line is not counted


def bodystructure(entity: Entity, extensible: bool = True) -> bytes:
    """BODYSTRUCTURE (extensible) or BODY of an entity, as RFC 3501 §7.4.2 lays it out."""
    fields = _fields(entity.header)
    if entity.maintype == "multipart":
        parts = entity.parts or [parse(b"")]  # as Dovecot: an empty multipart has one empty text part
        children = b"".join(bodystructure(p, extensible) for p in parts)
        out = children + b" " + nstring(entity.subtype)
        if extensible:
            out += b" " + b" ".join(
                [
                    _params(_content_params(entity)),
                    _disposition(entity),
                    nstring(fields.get("content-language")),
                    nstring(fields.get("content-location")),
                ]
            )
        return b"(" + out + b")"
    items = [
        nstring(entity.maintype),
        nstring(entity.subtype),
        _params(_content_params(entity)),
        nstring(fields.get("content-id")),
        nstring(fields.get("content-description")),
        nstring((fields.get("content-transfer-encoding") or b"7bit").decode("ascii", "replace").lower()),
        b"%d" % len(entity.body),
    ]
    if entity.encapsulates and entity.parts:
        inner = entity.parts[0]
        items += [envelope(inner), bodystructure(inner, extensible), b"%d" % _lines(entity.body)]
    elif entity.maintype == "text":
        items.append(b"%d" % _lines(entity.body))
    if extensible:
        items += [
            nstring(fields.get("content-md5")),
            _disposition(entity),
            nstring(fields.get("content-language")),
            nstring(fields.get("content-location")),
        ]
    return b"(" + b" ".join(items) + b")"
