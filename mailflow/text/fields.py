"""Registry fields of a filed letter, from what the clerk sent (pure functions).

Trust order (issue "Letters in"): `Label: value` lines the clerk wrote, then the forwarded
message itself (a body forward in Gmail, Outlook or Apple format, or an attached .eml), then the
text layer of an attached PDF, then the clerk's own subject line. A field none of them states
stays None and the receipt says it is unknown.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from typing import Any

from mailflow.domain import LetterFields, Security, Source, Urgency
from mailflow.text.dates import parse_date
from mailflow.text.lines import MAX_LINE, tidy_lines
from mailflow.text.message import ParsedMessage

# Label words (lower case) -> registry field, Indonesian and English (reply-language.md).
LABELS: dict[str, str] = {
    "nomor": "letter_number", "nomor surat": "letter_number", "no": "letter_number",
    "no. surat": "letter_number", "number": "letter_number", "letter number": "letter_number",
    "tanggal": "letter_date", "tanggal surat": "letter_date", "tgl": "letter_date",
    "date": "letter_date", "letter date": "letter_date",
    "dari": "sender", "asal": "sender", "asal surat": "sender", "pengirim": "sender",
    "from": "sender", "sender": "sender",
    "perihal": "subject", "hal": "subject", "subject": "subject",
    "sifat": "sifat", "urgency": "urgency", "security": "security",
    "klasifikasi": "classification", "kode": "classification", "classification": "classification",
    "lampiran": "attachment_count", "attachments": "attachment_count",
    "catatan": "note", "keterangan": "note", "note": "note",
}  # fmt: skip

_LABEL_LINE = re.compile(
    r"^\s*+("
    + "|".join(re.escape(k) for k in sorted(LABELS, key=len, reverse=True))
    + r")\s*[:=]\s*(.*?)\s*$",
    re.I,
)
_FORWARD_PREFIX = re.compile(r"^\s*+((fwd?|fw|tr|trs|wg|i)\s*:\s*)+", re.I)
# Matched where a line stands in the text (match(text, start, end)), so no "^" (it would hold at
# the text's start only): a line starts at the text's start or after a line break (str.splitlines'),
# and its leading blanks stay within it, so a search, too, tries each line once.
_LINE_START = (
    "(?<![^\\n\\r\\v\\f\\x1c-\\x1e\\x85\\u2028\\u2029])[^\\S\\n\\r\\v\\f\\x1c-\\x1e\\x85\\u2028\\u2029]*+"
)
_FORWARD_MARKERS = re.compile(
    _LINE_START + r"(-{2,}\s*(forwarded message|pesan yang diteruskan|pesan diteruskan|original message|"
    r"pesan asli|pesan orisinal)\s*-{2,}|begin forwarded message:|awal pesan yang diteruskan:|"
    r"_{10,})\s*$",
    re.I,
)
_HEADER_LINE = re.compile(
    _LINE_START
    + r"\*?(from|dari|date|sent|dikirim|terkirim|tanggal|subject|subjek|perihal|to|kepada|cc)\*?"
    r"\s*:\s*(.*)$",
    re.I,
)
_HEADER_KEY = {
    "from": "from", "dari": "from",
    "date": "date", "sent": "date", "dikirim": "date", "terkirim": "date", "tanggal": "date",
    "subject": "subject", "subjek": "subject", "perihal": "subject",
    "to": "to", "kepada": "to", "cc": "cc",
}  # fmt: skip
# The lookbehind starts a search only where a run of address characters starts, and no two parts
# of the address can take the same character: a long run is scanned once, not once per start.
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]++@[\w-]++(?:\.[\w-]++)+")
_NUMBER_WORDS = {
    "satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6, "tujuh": 7,
    "delapan": 8, "sembilan": 9, "sepuluh": 10, "one": 1, "two": 2, "three": 3,
}  # fmt: skip
_CLASSIFICATION = re.compile(r"^\d{3}(\.\d{1,3})*$")


@dataclass(frozen=True)
class Forward:
    """A forwarded message found in a body: its own header block and the text above it."""

    own_text: str
    headers: dict[str, str]
    body: str
    cut: frozenset[str] = frozenset()  # the headers whose value was cut (_header_value)


def strip_forward_prefix(subject: str) -> str:
    return _FORWARD_PREFIX.sub("", subject or "").strip()


def parse_sifat(value: str) -> tuple[Urgency | None, Security | None]:
    """Sifat names both axes in one word list: 'Segera, Rahasia' -> (SEGERA, RAHASIA)."""
    v = value.lower()
    urgency = security = None
    if re.search(r"\b(sangat|amat)\s+segera\b|\bkilat\b|\bvery urgent\b|\bimmediate\b", v):
        urgency = Urgency.AMAT_SEGERA
    elif re.search(r"\bsegera\b|\burgent\b", v):
        urgency = Urgency.SEGERA
    elif re.search(r"\bpenting\b|\bimportant\b", v):
        urgency = Urgency.PENTING
    if re.search(r"\bsangat rahasia\b|\btop secret\b", v):
        security = Security.SANGAT_RAHASIA
    elif re.search(r"\brahasia\b|\bconfidential\b|\bsecret\b|\bkonfidensial\b", v):
        security = Security.RAHASIA
    elif re.search(r"\bterbatas\b|\brestricted\b", v):
        security = Security.TERBATAS
    if re.search(r"\bbiasa\b|\bnormal\b|\bordinary\b|\broutine\b", v):
        urgency = urgency or Urgency.BIASA
        security = security or Security.BIASA
    return urgency, security


def parse_count(value: str) -> int | None:
    """'1 (satu) berkas' -> 1, '-' -> 0, 'dua lembar' -> 2; None when no count is stated."""
    v = value.strip().lower()
    if v in {"-", "--", "nihil", "tidak ada", "none", "0"}:
        return 0
    if m := re.match(r"^(\d{1,3})\b", v):
        return int(m[1])
    first = v.split()[0] if v.split() else ""
    return _NUMBER_WORDS.get(first)


def classification_of(letter_number: str | None) -> str | None:
    """The archive code that opens a letter number ('005/123/426.101/2026' -> '005')."""
    if not letter_number:
        return None
    head = re.split(r"[/\s]", letter_number.strip(), maxsplit=1)[0]
    return head if _CLASSIFICATION.match(head) else None


def _set(values: dict, name: str, raw: str) -> None:
    if not raw:
        return
    if name == "letter_date":
        if (d := parse_date(raw)) is not None:
            values[name] = d
    elif name in ("sifat", "urgency", "security"):
        urgency, security = parse_sifat(raw)
        if urgency and name != "security":
            values["urgency"] = urgency
        if security and name != "urgency":
            values["security"] = security
    elif name == "attachment_count":
        if (n := parse_count(raw)) is not None:
            values[name] = n
    else:
        values[name] = raw


def label_fields(text: str, source: Source = Source.CLERK) -> LetterFields:
    """Fields from `Label: value` lines; the first line with a label wins."""
    values: dict[str, Any] = {}
    for line in tidy_lines(text):
        m = _LABEL_LINE.match(line)
        if not m:
            continue
        name = LABELS[m[1].lower()]
        if any(target not in values for target in _targets(name)):
            _set(values, name, m[2])
    return LetterFields(**values, sources={k: source for k in values})


def _targets(name: str) -> tuple[str, ...]:
    return ("urgency", "security") if name == "sifat" else (name,)


# Where str.splitlines ends a line: the lines are read where they stand in the text, one at a
# time, so a megabyte of one-character lines is not a list of half a million strings.
_LINE_END = re.compile("\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")


def _line_at(text: str, at: int) -> tuple[int, int]:
    """Where the line starting at offset `at` ends, and where the next one starts."""
    end = _LINE_END.search(text, at)
    return (end.start(), end.end()) if end else (len(text), len(text))


_BLANK = re.compile(r"\s*")
_SOMETHING = re.compile(r"\S")


def _header_block(text: str, start: int) -> tuple[dict[str, str], int, frozenset[str]]:
    """The headers from `start`, where they end, and which of them were cut."""
    headers: dict[str, str] = {}
    cut: set[str] = set()
    at = start
    while at < len(text) and (len(headers) < 6):
        end, after = _line_at(text, at)
        if _BLANK.fullmatch(text, at, end):
            if headers:
                break
            at = after
            continue
        m = _HEADER_LINE.match(text, at, end)
        if not m:
            if headers and not text.startswith((" ", "\t"), at, end):
                break
            at = after
            continue
        key = _HEADER_KEY[m[1].lower()]
        if key not in headers:
            headers[key], whole = _header_value(text, m)
            if not whole:
                cut.add(key)
        at = after
    return headers, at, frozenset(cut)


# What ends a forwarded header's value cut at MAX_LINE characters, for the clerk to see.
CUT = " …"


def _header_value(text: str, m: re.Match[str]) -> tuple[str, bool]:
    """A forwarded header's value, at most its first MAX_LINE characters (the bound of every line
    the readers read, text.lines), and whether it is whole. A From line of a megabyte names no
    sender, and would be a second megabyte beside the text (issue 25); a value cut ends in CUT.
    Blanks around it do not count: an address padded with spaces is whole."""
    start, end = m.span(2)
    start = _BLANK.match(text, start, end).end()  # type: ignore[union-attr]  # \s* always matches
    if end - start <= MAX_LINE or not _SOMETHING.search(text, start + MAX_LINE, end):
        return text[start : min(end, start + MAX_LINE)].strip(), True
    return text[start : start + MAX_LINE].strip() + CUT, False


def _looks_like_headers(headers: dict[str, str]) -> bool:
    return (
        bool(_EMAIL.search(headers.get("from", "")))
        and "date" in headers
        and ("subject" in headers or "to" in headers)
    )


def find_forwards(text: str) -> list[Forward]:
    """Every forwarded header block in `text`, outermost first."""
    found: list[Forward] = []
    at = 0
    while at < len(text):
        end, after = _line_at(text, at)
        marker = bool(_FORWARD_MARKERS.match(text, at, end))
        start = after if marker else at
        if marker or _HEADER_LINE.match(text, at, end):
            headers, end, cut = _header_block(text, start)
            if _looks_like_headers(headers) or (marker and "from" in headers):
                own = _LINE_END.sub("\n", text[:at]).strip()
                body = _LINE_END.sub("\n", text[end:]).strip()
                found.append(Forward(own, headers, body, cut))
                at = end
                continue
        at = after
    return found


def _sender(value: str) -> str:
    m = re.match(r'^\s*"?([^"<]*?)"?\s*[<\[](?:mailto:)?([^>\]]+)[>\]]\s*$', value)
    if m and m[1].strip():
        return f"{m[1].strip()} <{m[2].strip()}>"
    return value.strip().strip("<>")


def forward_fields(headers: dict[str, str], body: str, cut: frozenset[str] = frozenset()) -> LetterFields:
    """The fields a forwarded header block gives; one read from a header that was cut is CUT."""
    values: dict[str, Any] = {}
    if headers.get("from"):
        values["sender"] = _sender(headers["from"])
    if (d := parse_date(headers.get("date", ""))) is not None:
        values["letter_date"] = d
    if subject := strip_forward_prefix(headers.get("subject", "")):
        values["subject"] = subject
    whence = {"sender": "from", "letter_date": "date", "subject": "subject"}
    sources = {k: Source.CUT if whence[k] in cut else Source.FORWARD for k in values}
    fields = LetterFields(**values, sources=sources)
    return fields.merged_under(label_fields(body, Source.FORWARD))


def embedded_fields(message: ParsedMessage) -> LetterFields:
    """Fields of an attached original (.eml / message/rfc822), innermost original first."""
    if message.embedded:
        return embedded_fields(message.embedded[0])
    forwards = find_forwards(message.body_text)
    if forwards:
        return forward_fields(forwards[-1].headers, forwards[-1].body, forwards[-1].cut)
    values: dict[str, Any] = {}
    if message.from_address:
        name = message.from_name
        values["sender"] = f"{name} <{message.from_address}>" if name else message.from_address
    if message.date is not None:
        values["letter_date"] = message.date.date()
    if subject := strip_forward_prefix(message.subject):
        values["subject"] = subject
    fields = LetterFields(**values, sources={k: Source.FORWARD for k in values})
    return fields.merged_under(label_fields(message.body_text, Source.FORWARD))


# Blanks within a line only ([^\S\n]): a \s at a line start would run on over every empty line
# below it, from every line start, and a page of empty lines would cost its length squared.
_PDF_LINE = re.compile(
    r"^[^\S\n]*+(nomor|no\.?|sifat|lampiran|hal|perihal)[^\S\n]*:[^\S\n]*(.+?)[^\S\n]*$", re.I | re.M
)
_PDF_PLACE_DATE = re.compile(r"^[^\S\n]*+[A-Z][A-Za-z .'-]{2,40},[^\S\n]*(.+\d{4})[^\S\n]*$", re.M)
_KOP_STOP = re.compile(r"\b(jalan|jl\.|telp|telepon|fax|faks|email|website|kode pos|nomor)\b", re.I)


def pdf_fields(text: str) -> LetterFields:
    """Fields from the text layer of a scanned or born-digital letter."""
    values: dict[str, Any] = {}
    for m in _PDF_LINE.finditer(text):
        label = m[1].lower().rstrip(".")
        value = m[2]
        if label in ("nomor", "no") and "letter_number" not in values:
            values["letter_number"] = value
        elif label == "sifat" and "urgency" not in values and "security" not in values:
            urgency, security = parse_sifat(value)
            if urgency:
                values["urgency"] = urgency
            if security:
                values["security"] = security
        elif label == "lampiran" and "attachment_count" not in values:
            if (n := parse_count(value)) is not None:
                values["attachment_count"] = n
        elif label in ("hal", "perihal") and "subject" not in values:
            values["subject"] = value
    for m in _PDF_PLACE_DATE.finditer(text):
        if (d := parse_date(m[1], fallback=False)) is not None:
            values["letter_date"] = d
            break
    kop: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if _KOP_STOP.search(line) or not line.isupper() or len(kop) == 3:
            break
        kop.append(line)
    if kop:
        values["sender"] = " ".join(kop)
    return LetterFields(**values, sources={k: Source.PDF for k in values})


def extract_fields(message: ParsedMessage, pdf_texts: list[str], direct: bool = False) -> LetterFields:
    """Registry fields of the letter `message` files, in the documented order of trust.

    `direct` means the message is the letter itself (an agency wrote to the mailbox), not a
    clerk's forward: its own From, Date and Subject then describe the letter.
    """
    if direct:
        fields = embedded_fields(message)
        for pdf_text in pdf_texts:
            fields = fields.merged_under(pdf_fields(pdf_text))
        return _derived(fields)
    text = message.body_text
    forwards = find_forwards(text)
    own_text = forwards[0].own_text if forwards else text
    fields = label_fields(own_text)
    if forwards:
        innermost = forwards[-1]
        fields = fields.merged_under(forward_fields(innermost.headers, innermost.body, innermost.cut))
    elif message.embedded:
        fields = fields.merged_under(embedded_fields(message.embedded[0]))
    for pdf_text in pdf_texts:
        fields = fields.merged_under(pdf_fields(pdf_text))
    if fields.subject is None and (subject := strip_forward_prefix(message.subject)):
        fields = replace(fields, subject=subject, sources={**fields.sources, "subject": Source.EMAIL})
    return _derived(fields)


def _derived(fields: LetterFields) -> LetterFields:
    if fields.classification is None and (code := classification_of(fields.letter_number)):
        fields = replace(
            fields,
            classification=code,
            sources={**fields.sources, "classification": Source.LETTER_NUMBER},
        )
    return fields


def fingerprint(message: ParsedMessage, fields: LetterFields, file_hashes: list[str]) -> str:
    """What makes two filings the same letter, so a second forward is linked, not re-filed.

    The original's Message-ID when an .eml was attached; else the set of scans; else the
    sender's letter number; else the forwarding message itself.
    """
    return _indexable(_fingerprint_key(message, fields, file_hashes))


def _fingerprint_key(message: ParsedMessage, fields: LetterFields, file_hashes: list[str]) -> str:
    for inner in message.embedded:
        if inner.message_id and not inner.message_id.endswith("@mailflow.invalid>"):
            return "mid:" + inner.message_id.lower()
    if file_hashes:
        return "files:" + ",".join(sorted(set(file_hashes)))
    if fields.letter_number and fields.sender:
        number = re.sub(r"\s+", "", fields.letter_number.lower())
        return f"number:{number}|{fields.sender.lower()}"
    return "mid:" + message.message_id.lower()


# A database index holds a few KB per row (PostgreSQL's btree: 8191 bytes); a key past this (a
# letter of hundreds of scans, a forwarded sender of 18 KB) is kept as its digest instead.
FINGERPRINT_CHARS = 512


def _indexable(key: str) -> str:
    if len(key) <= FINGERPRINT_CHARS:
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def letter_files(message: ParsedMessage) -> list:
    """The files of a letter: the forwarding message's own and those of attached originals."""
    files = list(message.attachments)
    for inner in message.embedded:
        files.extend(letter_files(inner))
    return files
