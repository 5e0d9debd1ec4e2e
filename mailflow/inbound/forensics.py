"""What an admin needs to judge a held message: its MIME defects and the path it took.

mail-parser (named in the project's design) serves here: it lists the standard library's defects
by part and reads the Received hops into (from, by, with, date) rows. It is not the intake parser
(text.parsing): it keeps every decoded part and a base64 copy of each attachment in memory, so a
message costs several times its size, and it has no budget against hostile nesting. Here it reads
the header alone, and the whole message only when it is small.
"""

from __future__ import annotations

from dataclasses import dataclass

import mailparser
from mailparser.exceptions import MailParserError

from mailflow.text.parsing import header_part

WHOLE_LIMIT = 1_000_000  # bytes: larger messages are examined by their header only


@dataclass(frozen=True)
class Forensics:
    defects: tuple[str, ...]  # "multipart/mixed: CloseBoundaryNotFoundDefect: ..."
    hops: tuple[str, ...]  # "from mail.example (1.2.3.4) by mx.office with ESMTPS, <date>"
    whole: bool  # False: only the header was examined (the message is large)


# mail-parser's own failures on hostile structure (seen: AttributeError on unclosed nesting).
_PARSER_FAILURES = (MailParserError, AttributeError, ValueError, TypeError, LookupError, RecursionError)


def examine(raw: bytes) -> Forensics:
    whole = len(raw) <= WHOLE_LIMIT
    failed: tuple[str, ...] = ()
    try:
        parsed = mailparser.parse_from_bytes(raw if whole else header_part(raw))
    except _PARSER_FAILURES as exc:
        failed, whole = (f"message: mail-parser failed on its structure ({type(exc).__name__})",), False
        parsed = mailparser.parse_from_bytes(header_part(raw))
    defects = failed + tuple(
        f"{part}: {text}" for entry in parsed.defects for part, texts in entry.items() for text in texts
    )
    hops = tuple(
        " ".join(f"{key} {hop[key]}" for key in ("from", "by", "with") if hop.get(key))
        + (f", {hop['date']}" if hop.get("date") else "")
        for hop in parsed.received
    )
    return Forensics(defects, hops, whole)
