"""One reading of a message's header: the reading a DKIM verifier and a mail server make.

Mailflow acts on the From address, the Subject and the threading headers; a signature or our
server's Authentication-Results vouch for them. Both must read the same header the same way, so:

- an address header is split into display name and address on its raw text, and only the
  display name is decoded (RFC 2047 allows encoded words in a phrase, never in an address); a
  From that two parsers read differently, that names a group or several addresses, that encodes
  its address, or whose display name or comment names another address, has no single reading;
- a header RFC 5322 3.6 allows once (From, Subject, Message-ID, ...) and that appears twice has
  no single reading either: DKIM covers the last instance, a naive reader takes the first;
- trace headers (Authentication-Results, DKIM-Signature, Received) are kept as their server wrote
  them, never decoded: an encoded word must not turn into a verdict.
"""

from __future__ import annotations

import email.utils
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from email.errors import CharsetError, HeaderParseError, InvalidHeaderDefect
from email.header import decode_header, make_header
from email.headerregistry import HeaderRegistry

# RFC 5322 3.6 and RFC 2045: the fields a message carries at most once.
SINGLE = (
    "date", "from", "sender", "reply-to", "to", "cc", "bcc",
    "message-id", "in-reply-to", "references", "subject",
    "content-type", "content-transfer-encoding",
)  # fmt: skip
# The stdlib's own word that it read the header block differently from a line-based reader.
SPLIT_DEFECTS = frozenset({
    "MissingHeaderBodySeparatorDefect",
    "FirstHeaderLineIsContinuationDefect",
    "MisplacedEnvelopeHeaderDefect",
})  # fmt: skip
# Unstructured text, decoded for reading. Address headers stay raw in `headers`: they are split
# before anything in them is decoded (single_address, address_list).
DECODED = frozenset({"subject", "comments", "keywords", "thread-topic"})
# A From longer than this is no From a mail client writes; the parsers' cost stays bounded.
MAX_ADDRESS_HEADER = 2048
# Decoding RFC 2047 costs more than linear time in the number of encoded words: no real Subject
# comes near this, and what is past it is not read.
MAX_DECODED_HEADER = 8192

# No brackets either: an address is shown in terminals and mail, where "[...]" can be markup.
_ADDRESS = re.compile(r"^[^@\s<>\"\[\]]+@[^@\s<>\"\[\]]+\.[^@\s<>\"\[\]]+$|^[^@\s<>\"\[\]]+@[A-Za-z0-9-]+$")
# C0, DEL and C1 are never text: each becomes U+FFFD rather than vanishing, so that removing one
# cannot join two words into a new one ("mx.kab\x01.example" is not "mx.kab.example").
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_DELIMITERS = re.compile(r"[\s<>\"(),;:\[\]']+")
# Charset and payload stop at the next "?": each character is looked at a bounded number of times.
# An encoded word at every "=?" where one starts, overlapping: in "=?UTF-8?B??=?UTF-8?B?...?=" the
# "=" that ends an empty word also starts the next, which a lenient client decodes.
_ENCODED_WORD = re.compile(r"(?=(=\?[^?\s]{1,40}\?[bBqQ]\?[^?\s]*\?=))")
_REGISTRY = HeaderRegistry()


@dataclass(frozen=True)
class AddressReading:
    """The one address of a From (or Sender) header, or why it has none to act on."""

    name: str
    address: str
    problem: str = ""  # why there is no single reading; empty when there is one, or no address at all


def raw_text(value: str) -> str:
    """A raw header value (8-bit bytes kept as surrogates by the parser) as text: UTF-8, as
    RFC 6532 writes it; what is not UTF-8 becomes U+FFFD, never a guess at another charset."""
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def unfolded(value: str) -> str:
    """One line: folding and injected line breaks removed, control characters made U+FFFD.
    Only ASCII blanks are trimmed: U+2028 or U+3000 after an address is part of what it says."""
    return _CONTROL.sub("\ufffd", " ".join(value.replace("\r", "\n").split("\n"))).strip(" \t")


def decoded(value: str) -> str:
    """An unstructured header as one line of text, whatever RFC 2047 or charset damage it carries."""
    value = value[:MAX_DECODED_HEADER]
    try:
        text = str(make_header(decode_header(value)))
    except (HeaderParseError, CharsetError, LookupError, UnicodeError, ValueError):
        text = value
    return unfolded(text)


def header_text(name: str, value: str) -> str:
    """What the pipeline reads of one raw header: decoded where words may be encoded, else as written."""
    text = raw_text(value)
    return decoded(text) if name.lower() in DECODED else unfolded(text)


def split_header(raw: bytes) -> str:
    """Why the header block reads differently to the stdlib and to a DKIM verifier, or "".

    The stdlib ends a line at a bare CR, dkimpy and mail servers only at LF: a CR alone can hide
    a signed header below a line the stdlib reads as the end of the header (or a new From). Only
    the first line may be an mbox "From " envelope line, which both readers skip."""
    ends = [i + 1 for i in (raw.find(b"\n\n"), raw.find(b"\n\r\n")) if i >= 0]  # with its LF
    block = raw[: min(ends) if ends else len(raw)]
    if block.count(b"\r") != block.count(b"\r\n"):
        return "a carriage return without a line feed in the header"
    # An mbox "From " line below the first: dkimpy skips it as an envelope line, the stdlib moves
    # it into the body (quietly, when it is last), above the words the signature covered.
    if block.find(b"\nFrom ") >= 0:
        return "an mbox From line inside the header"
    return ""


def repeated(names: list[str]) -> tuple[str, ...]:
    """The once-only headers (RFC 5322 3.6) that appear more than once."""
    counts = Counter(name.lower() for name in names)
    return tuple(name for name in SINGLE if counts[name] > 1)


def single_address(value: str) -> AddressReading:
    """Split a raw From header first, decode its display name after, and accept it only when the
    stdlib's two address parsers agree on one plain address that nothing else in it contradicts."""
    text = unfolded(raw_text(value))
    if len(text) > MAX_ADDRESS_HEADER:
        return AddressReading("", "", f"the header is {len(text)} characters long")
    if "@" not in decoded(text):
        return AddressReading("", "")  # no address at all: nobody to answer (triage's no_sender)
    try:
        pairs = [(name, addr) for name, addr in email.utils.getaddresses([text]) if addr]
        parsed = _REGISTRY("from", text)
        addresses = parsed.addresses  # type: ignore[attr-defined]
        groups = parsed.groups  # type: ignore[attr-defined]
    except (AttributeError, IndexError, TypeError, ValueError, RecursionError):  # the parsers' own failures
        return AddressReading("", "", "the header is not well formed")
    if len(pairs) != 1 or len(addresses) != 1:
        return AddressReading("", "", "the header names several addresses")
    if any(group.display_name is not None for group in groups):
        return AddressReading("", "", "the header is a group")
    if any(isinstance(defect, InvalidHeaderDefect) for defect in parsed.defects):
        return AddressReading("", "", "the header is not well formed")
    if not pairs[0][1].isascii():  # a Kelvin sign lower-cases to "k", U+3000 strips away
        return AddressReading("", "", "the address is not plain ASCII")
    address = pairs[0][1].strip().lower()
    if "=?" in address or not _ADDRESS.match(address):
        return AddressReading("", "", "the address part is encoded or not a plain address")
    if addresses[0].addr_spec.lower() != address:
        return AddressReading("", "", "the header reads as two different addresses")
    name = unfolded(addresses[0].display_name)
    readings = (text, decoded(text), name, *_each_word(text))  # as strict and as lenient clients read it
    others = sorted(_named_addresses(*readings) - {address})
    if others:
        return AddressReading("", "", f"the display name or a comment names another address ({others[0]})")
    return AddressReading(name, address)


def address_list(values: list[str]) -> tuple[str, ...]:
    """The plain addresses of To, Cc and the like, split on their raw text."""
    texts = [unfolded(raw_text(v))[:MAX_DECODED_HEADER] for v in values]
    try:
        pairs = email.utils.getaddresses(texts)
    except RecursionError:  # nested comments: no address is read from such a header
        return ()
    out = []
    for _name, addr in pairs:
        if addr.isascii() and "=?" not in addr and _ADDRESS.match(addr.strip().lower()):
            out.append(addr.strip().lower())
    return tuple(out)


def _each_word(text: str) -> list[str]:
    """Each encoded word decoded on its own, as a lenient mail client would, even where the
    header around it keeps a strict decoder from decoding it."""
    return [decoded(match[1]) for match in _ENCODED_WORD.finditer(text)]


def _named_addresses(*texts: str) -> set[str]:
    """Every address-like word of these readings of a header (a split, no backtracking pattern),
    after NFKC folding: a fullwidth or small commercial at is an at sign to a reader."""
    folded = (unicodedata.normalize("NFKC", text) for text in texts)
    words = (word.strip(".").lower() for text in folded for word in _DELIMITERS.split(text))
    return {word for word in words if "@" in word.strip("@")}
