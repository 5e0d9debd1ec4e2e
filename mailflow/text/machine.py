"""Mail written by machines, told by its headers and the opening of its body (pure): auto-replies
and list mail (RFC 3834) and delivery failures (RFC 3464 and the usual non-standard ones).

Triage (inbound/) ignores or matches such mail before anything reads it; `reply explain` says so too.
"""

from __future__ import annotations

import re

from mailflow.text.message import ParsedMessage

_AUTO_SUBJECT = re.compile(
    r"^\s*+(out of (the )?office|automatic reply|auto[- ]?reply|autoreply|balasan otomatis|"
    r"di luar kantor|sedang cuti|undeliverable|undelivered mail|delivery status notification|"
    r"mail delivery failed|returned mail|failure notice|pesan tidak terkirim)\b",
    re.I,
)


_AUTO_BODY = re.compile(
    r"^\W*+(saya (sedang )?(di luar kantor|cuti|tidak berada di kantor)|sedang cuti|di luar kantor|"
    r"i am (currently )?(out of (the )?office|away|on leave)|i'?m (currently )?(out of (the )?office|away)|"
    r"this is an automatic reply|ini adalah balasan otomatis|balasan otomatis|automatic reply)",
    re.I,
)
_BOUNCE_SUBJECT = re.compile(
    r"^\s*+(undeliverable|undelivered mail|delivery status notification \(failure\)|mail delivery failed|"
    r"returned mail|failure notice|delivery failure|pesan tidak terkirim|tidak dapat dikirim)",
    re.I,
)


def bounce_kind(m: ParsedMessage) -> str | None:
    """Whether a message is a delivery failure: an RFC 3464 report, or a usual non-standard one."""
    ctype = (m.header("Content-Type") or "").lower()
    standard = "multipart/report" in ctype and "delivery-status" in ctype
    daemon = m.from_address.startswith(("mailer-daemon@", "postmaster@")) or not m.from_address
    if standard or (daemon and _BOUNCE_SUBJECT.match(m.subject)):
        return "RFC 3464 report" if standard else "non-standard bounce"
    return None


def auto_signals(m: ParsedMessage) -> list[str]:
    """The headers (and body opening) that mark a message as sent by a machine, by name."""
    auto = (m.header("Auto-Submitted") or "no").strip().lower()
    precedence = (m.header("Precedence") or "").strip().lower()
    return_path = m.header("Return-Path")
    ctype = (m.header("Content-Type") or "").lower()
    signals = [
        ("auto-submitted", not auto.startswith("no")),
        ("precedence", precedence in {"bulk", "list", "junk", "auto_reply"}),
        ("x-autoreply", m.header("X-Autoreply") is not None or m.header("X-Autorespond") is not None),
        ("x-auto-response-suppress", m.header("X-Auto-Response-Suppress") is not None),
        ("list", m.header("List-Id") is not None or m.header("List-Unsubscribe") is not None),
        ("null return path", return_path is not None and return_path.strip() in ("<>", "")),
        ("bounce", "multipart/report" in ctype),
        ("subject", bool(_AUTO_SUBJECT.match(m.subject))),
        ("body", bool(_AUTO_BODY.match(m.body_text[:400].strip()))),
        ("mailer-daemon", m.from_address.startswith(("mailer-daemon@", "postmaster@"))),
    ]
    return [name for name, hit in signals if hit]
