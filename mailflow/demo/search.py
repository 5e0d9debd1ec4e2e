"""IMAP SEARCH criteria (RFC 3501 §6.4.4) for the demo server, as predicates over messages.

Desktop clients search on the server (Apple Mail's `NOT DELETED`, Thunderbird's online search by
subject or sender), so the demo server understands the whole grammar: flags, keywords, sets,
NOT/OR/(groups), dates, sizes, header fields and text. Text matches as Dovecot's does:
case-insensitive substrings of decoded headers and decoded text parts.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import email.utils
from collections.abc import Callable
from email.header import decode_header, make_header
from email.message import Message
from typing import Protocol


class Searchable(Protocol):
    uid: int
    raw: bytes
    flags: set[str]
    internal: float


Predicate = Callable[[Searchable], bool]
SetResolver = Callable[[str, bool], set[int]]  # (sequence set, by uid) -> the uids it names

FLAGS = {f.upper(): f"\\{f}" for f in ("Seen", "Answered", "Flagged", "Deleted", "Draft")}
NO_ARGUMENT = {"ALL", "NEW", "RECENT", "OLD"}  # no \Recent here: every message is old
DATE_KEYS = {"SINCE", "BEFORE", "ON", "SENTSINCE", "SENTBEFORE", "SENTON"}
TEXT_KEYS = {"SUBJECT", "FROM", "TO", "CC", "BCC", "BODY", "TEXT"}


def compile_search(words: list, resolve: SetResolver, by_uid: bool) -> Predicate:
    """All criteria must hold; raises ValueError on an unknown key, which the server answers BAD."""
    words = [w.decode("utf-8", "replace") if isinstance(w, bytes) else w for w in words]
    if len(words) >= 2 and str(words[0]).upper() == "CHARSET":
        words = words[2:]
    checks, i = [], 0
    while i < len(words):
        check, i = _criterion(words, i, resolve, by_uid)
        checks.append(check)
    return lambda msg: all(check(msg) for check in checks)


def _criterion(words: list, i: int, resolve: SetResolver, by_uid: bool) -> tuple[Predicate, int]:
    word = words[i]
    if isinstance(word, list):
        return compile_search(word, resolve, by_uid), i + 1
    key = word.upper()
    if key == "NOT":
        inner, i = _criterion(words, i + 1, resolve, by_uid)
        return (lambda msg: not inner(msg)), i
    if key == "OR":
        left, i = _criterion(words, i + 1, resolve, by_uid)
        right, i = _criterion(words, i, resolve, by_uid)
        return (lambda msg: left(msg) or right(msg)), i
    if key in NO_ARGUMENT:
        return (lambda msg: True), i + 1
    if key.removeprefix("UN") in FLAGS:
        flag, wanted = FLAGS[key.removeprefix("UN")], not key.startswith("UN")
        return (lambda msg: (flag in msg.flags) == wanted), i + 1
    if key in ("KEYWORD", "UNKEYWORD"):
        flag, wanted = words[i + 1], key == "KEYWORD"
        return (lambda msg: (flag in msg.flags) == wanted), i + 2
    if key == "UID" or key[:1].isdigit() or key[:1] == "*":
        spec, set_by_uid = (words[i + 1], True) if key == "UID" else (word, by_uid)
        chosen = resolve(spec, set_by_uid)
        return (lambda msg: msg.uid in chosen), i + (2 if key == "UID" else 1)
    if key in ("LARGER", "SMALLER"):
        size, larger = int(words[i + 1]), key == "LARGER"
        return (lambda msg: len(msg.raw) > size if larger else len(msg.raw) < size), i + 2
    if key in DATE_KEYS:
        return _date(key, dt.datetime.strptime(words[i + 1], "%d-%b-%Y").date()), i + 2
    if key in TEXT_KEYS:
        needle = words[i + 1].lower()
        return (lambda msg: needle in _text(key, _parse(msg.raw)).lower()), i + 2
    if key == "HEADER":
        name, needle = words[i + 1], words[i + 2].lower()
        return (
            lambda msg: any(needle in _decoded(v).lower() for v in _parse(msg.raw).get_all(name, []))
        ), i + 3
    raise ValueError(f"search key {word} not supported")


def _date(key: str, day: dt.date) -> Predicate:
    def when(msg: Searchable) -> dt.date | None:
        if not key.startswith("SENT"):
            return dt.datetime.fromtimestamp(msg.internal, dt.UTC).date()
        try:
            return email.utils.parsedate_to_datetime(_parse(msg.raw)["Date"] or "").date()
        except (TypeError, ValueError):
            return None

    compare = {
        "SINCE": lambda d: d >= day,
        "BEFORE": lambda d: d < day,
        "ON": lambda d: d == day,
    }[key.removeprefix("SENT")]
    return lambda msg: (d := when(msg)) is not None and compare(d)


def _parse(raw: bytes) -> Message:
    return email.message_from_bytes(raw, policy=email.policy.compat32)


def _decoded(value: object) -> str:
    try:
        return str(make_header(decode_header(str(value))))
    except (LookupError, ValueError, UnicodeError):
        return str(value)


def _body_text(msg: Message) -> str:
    out = []
    for part in msg.walk():
        if part.get_content_maintype() == "text":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                out.append(payload.decode(part.get_content_charset() or "utf-8", "replace"))
    return "\n".join(out)


def _text(key: str, msg: Message) -> str:
    if key == "BODY":
        return _body_text(msg)
    if key == "TEXT":
        headers = "\n".join(f"{k}: {_decoded(v)}" for k, v in msg.items())
        return headers + "\n" + _body_text(msg)
    return "\n".join(_decoded(v) for v in msg.get_all(key, []))
