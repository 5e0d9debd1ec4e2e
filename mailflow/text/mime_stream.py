"""A message read from a file in one pass: MIME structure, decoded parts, budgets as it goes.

The standard library's parser holds a message several times over (a str per line, the joined
payload, its bytes, the decoded bytes) and counts nothing until it is done: 800,000 parts took
64 s and 0.48 GB before they could be refused. Here the message is read line by line from a
seekable file (a part's body in runs of whole lines, up to the next line that may be a boundary:
_Input.readrun), following the stdlib's FeedParser step by step (its line ends, its boundaries and
their quirks, its defects, which part's last line end belongs to the boundary), so the parts,
their bytes and the header are the ones the stdlib reads, and tests/test_mime_stream.py holds it
to that on the test corpus and on mutated messages. What differs is where things go:
- each part's header (small) is parsed by the stdlib's own header parser;
- each leaf's body is decoded as it is read (text.transfer) into memory, or into a spool file
  once large; small leaves are decoded by the stdlib itself;
- the Budget is spent as parts open and bytes are decoded, so a message past it is refused at
  the limit, with what was read so far only.
Attached messages (message/rfc822, and .eml files) are read within the same budget.
"""

from __future__ import annotations

import email.message
import email.parser
import email.policy
import hashlib
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from email import errors
from pathlib import Path
from typing import BinaryIO

from mailflow.errors import MessageError
from mailflow.text.flowed import unflow
from mailflow.text.header_fields import filename_of, summarize
from mailflow.text.message import Attachment, HeaderProblem, ParsedMessage
from mailflow.text.transfer import CHUNK, Base64, Decoder, Output, Plain, QuotedPrintable, decoded_text

MAX_PARTS = 500
MAX_DEPTH = 12
MAX_TEXT = 1_000_000
SMALL = 64 * 1024  # a leaf's raw bytes decoded whole by the stdlib (exactly its reading)
_LINE = 64 * 1024  # read at a time; a longer line is joined in a bytearray
_RUN = 4 * 1024  # the least a run of lines is read by; one this long goes straight to its decoder
_RUN_MAX = 32 * 1024  # the most (a run in memory beside a part's 256 KB and its decoder's chunk)
_SHORT = 256  # a run shorter than this makes readrun back off
_HEADER = re.compile(rb"(From |[\041-\071\073-\176]*:|[\t ])")  # feedparser.headerRE
_UU = ("x-uuencode", "uuencode", "uue", "x-uue")


@dataclass
class Budget:
    """What reading one message may cost, spent by every part of it and of the messages in it."""

    parts: int
    decoded: int  # bytes decoded from attachments and attached messages
    text: int = MAX_TEXT

    @classmethod
    def for_size(cls, size: int) -> Budget:
        # Decoding only shrinks (base64 to 3/4, quoted-printable at most 1), so what is decoded
        # beyond the raw size is attached messages read again inside each other: a forward of a
        # forward of a forward fits in four times, a bomb of nested copies does not.
        return cls(parts=MAX_PARTS, decoded=4 * size + 1_000_000)

    def part(self, level: int) -> None:
        self.parts -= 1
        if self.parts < 0:
            raise MessageError("malformed", f"more than {MAX_PARTS} MIME parts")
        if level > MAX_DEPTH:
            raise MessageError("malformed", f"MIME nesting deeper than {MAX_DEPTH}")

    def decode(self, size: int) -> None:
        """Spend `size` decoded bytes (a negative size gives bytes back)."""
        self.decoded -= size
        if size > 0 and self.decoded < 0:
            raise MessageError("malformed", "attached messages decode to more than four times the message")

    def keep_text(self, text: str) -> str:
        kept = text[: max(0, self.text)]
        self.text -= len(kept)
        return kept


def read_message(
    source: BinaryIO, spool: Path | None, budget: Budget | None = None, *, whole_below: int = SMALL
) -> ParsedMessage:
    """Read the message in `source` (a seekable binary file, from its current position to its
    end) in one pass. Large parts are decoded into files of `spool` (a folder the caller owns and
    removes when done with the message, e.g. `spooled()`); with no spool everything stays in
    memory. A message that cannot be read, or is past its budget, is a MessageError.
    `whole_below`: a leaf of fewer raw bytes is decoded whole by the stdlib (tests pass 0, so
    every leaf goes through the chunked decoders)."""
    start = source.tell()
    if budget is None:
        budget = Budget.for_size(source.seek(0, io.SEEK_END) - start)
        source.seek(start)
    return _Reader(source, 0, budget, spool, whole_below).read()


# --- the lines, as feedparser.BufferedSubFile gives them --------------------------------------


class _Input:
    """Lines ended by CRLF, CR or LF (the stdlib's), with pushback and false-EOF predicates; the
    offset of each line is known (a part's raw bytes can be read again), and the header block as
    text.headers.split_header sees it is watched on the way."""

    def __init__(self, source: BinaryIO) -> None:
        self.source = source
        self.at = source.tell()  # offset of the next byte of the file
        self.cut: list[tuple[bytes | bytearray, int]] = []  # lines split off at a lone CR, reversed
        self.back: list[tuple[bytes | bytearray, int]] = []  # lines pushed back
        self.eofstack: list[Callable[[bytes | bytearray], object]] = []
        self.start = 0  # offset of the line last read
        self._lone_cr = False  # in the header block as text.headers.split_header finds it
        self._mbox_from = False
        self._watching = True
        self._lf = False  # the last line ended with a line feed
        self._run = _RUN_MAX  # what readrun reads next
        self._backoff = self._skip = 0  # readrun calls to answer at once (after short runs)

    def _raw(self) -> tuple[bytes | bytearray, int]:
        if self.cut:
            return self.cut.pop()
        line: bytes | bytearray = self.source.readline(_LINE)
        if len(line) == _LINE and not line.endswith(b"\n"):
            line = bytearray(line)
            while more := self.source.readline(_LINE):
                line += more
                if more.endswith(b"\n"):
                    break
        start, self.at = self.at, self.at + len(line)
        end = len(line) - 2 if line.endswith(b"\r\n") else len(line)
        if line.find(b"\r", 0, end) >= 0:  # a lone CR ends a line too
            pieces = line.split(b"\r")
            lines = [p + b"\r" for p in pieces[:-1]]
            if pieces[-1] == b"\n":
                lines[-1] += b"\n"
            elif pieces[-1]:
                lines.append(pieces[-1])
            offsets = [start]
            for piece in lines[:-1]:
                offsets.append(offsets[-1] + len(piece))
            self.cut = list(zip(lines, offsets, strict=True))[::-1]
            return self.cut.pop()
        return line, start

    def _watch(self, line: bytes | bytearray) -> None:
        if self._lf and line in (b"\n", b"\r\n"):
            self._watching = False
            return
        self._lone_cr = self._lone_cr or line.endswith(b"\r")
        self._mbox_from = self._mbox_from or (self._lf and line.startswith(b"From "))
        self._lf = line.endswith(b"\n")

    @property
    def split(self) -> str:
        """Why the header block reads two ways, as text.headers.split_header says."""
        if self._lone_cr:
            return "a carriage return without a line feed in the header"
        return "an mbox From line inside the header" if self._mbox_from else ""

    def readline(self) -> bytes | bytearray:
        if self.back:
            line, self.start = self.back.pop()
        elif self.cut or self._watching:
            line, self.start = self._raw()
            if self._watching and line:
                self._watch(line)
        else:  # the common line, inline: no lone CR in it, not longer than _LINE
            line = self.source.readline(_LINE)
            size = len(line)
            cr = line.find(b"\r")
            if (cr >= 0 and (cr != size - 2 or line[-1] != 10)) or size == _LINE:
                self.source.seek(self.at)
                line, self.start = self._raw()
            else:
                self.start = self.at
                self.at += size
        if not line:
            return line
        if self.eofstack and line[:1] in (b"-", b"\r", b"\n"):
            for ateof in reversed(self.eofstack):
                if ateof(line):
                    self.back.append((line, self.start))
                    return b""
        return line

    def readrun(self, also: _Boundary | None = None) -> bytearray:
        """Whole lines at once, up to the first that must be read alone: one that may be a
        boundary of the eofstack's (or `also`), one longer than the read, or the header block's.
        The bytes are the lines' bytes whatever their ends (a base64 part's thousand lines are
        a few reads and finds); empty when the next line must go through readline. Each call
        reads at most eight times what the last one took (or _RUN): short runs cost little."""
        if self.back or self.cut or self._watching:
            return bytearray()
        if self._skip:
            self._skip -= 1
            return bytearray()
        needles: list[bytes] = []
        for ateof in [*self.eofstack, also] if also is not None else self.eofstack:
            if not isinstance(ateof, _Boundary) or ateof.needles is None:
                return bytearray()  # a blank line ends it (delivery-status): line by line
            needles.extend(ateof.needles)
        chunk = bytearray(self._run)  # read into, and cut in place: the run is never copied
        del chunk[self.source.readinto(chunk) :]  # type: ignore[attr-defined]  # binary files have it
        end = chunk.rfind(b"\n") + 1
        for needle in needles:
            if chunk.startswith(needle[1:]):
                end = 0
                break
            if (at := chunk.find(needle, 0, end)) >= 0:
                end = at + 1  # after the line feed or the lone carriage return that ends a line
        self._run = min(_RUN_MAX, max(_RUN, 8 * end))
        # A run of a line or none: lines that may be boundaries come close together here (a
        # hostile part of them), so the next 1, 2, 4 ... 64 calls answer at once and readline
        # takes those lines, as cheaply as before runs.
        self._backoff = min(2 * self._backoff or 1, 64) if end < _SHORT else 0
        self._skip = self._backoff
        self.source.seek(self.at + end)
        if not end:
            return bytearray()
        self.start, self.at = self.at, self.at + end
        del chunk[end:]
        return chunk

    def unreadline(self, line: bytes | bytearray, start: int | None = None) -> None:
        self.back.append((line, self.start if start is None else start))

    def span(self, start: int, end: int) -> Iterator[bytes]:
        """The file's bytes start..end, read again in chunks (then back where it was)."""
        here = self.source.tell()
        self.source.seek(start)
        left = end - start
        while left > 0 and (chunk := self.source.read(min(left, 1 << 20))):
            left -= len(chunk)
            yield chunk
        self.source.seek(here)


def _blank(line: bytes | bytearray) -> bool:
    return line[:1] in (b"\r", b"\n")


OPENS, CLOSES = "opens", "closes"  # what a boundary line does


class _Boundary:
    """feedparser's boundary line (its pattern `--boundary(--)?[ \t]*(\r\n|\r|\n)?$`): the
    separator, "--" if it closes, blanks, a line end; OPENS, CLOSES or None. Matched by hand:
    each message's boundary is new, and compiling its pattern cost more than all its matching.
    `needles`: what starts every line that can be one, with the line end before it (a line feed,
    or a lone carriage return), for _Input.readrun's bytes.find; None if they cannot be told
    (a line end inside the separator)."""

    def __init__(self, boundary: str) -> None:
        try:
            self.separator: bytes | None = ("--" + boundary).encode("ascii", "surrogateescape")
        except UnicodeEncodeError:  # an RFC 2231 boundary of real non-ASCII: no line is 8-bit text
            self.separator = None
        self.needles: tuple[bytes, ...] | None = ()
        if self.separator is not None:
            split = b"\r" in self.separator or b"\n" in self.separator
            self.needles = None if split else (b"\n" + self.separator, b"\r" + self.separator)

    def __call__(self, line: bytes | bytearray) -> str | None:
        if self.separator is None or not line.startswith(self.separator):
            return None
        rest = bytes(line[len(self.separator) :])
        rest = rest[:-1] if rest.endswith(b"\n") else rest  # `$` matches before a last line feed
        rest = rest[:-2] if rest.endswith(b"\r\n") else rest[:-1] if rest.endswith((b"\r", b"\n")) else rest
        if rest.startswith(b"--") and not rest[2:].strip(b" \t"):
            return CLOSES
        return None if rest.strip(b" \t") else OPENS


# --- the parts ---------------------------------------------------------------------------------


@dataclass(eq=False)
class _Collected:
    """What one message (the outer one, or one attached) gathers, as text.parsing's walker did."""

    msg: email.message.Message
    text: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    embedded: list[_Collected | ParsedMessage] = field(default_factory=list)

    def parsed(self) -> ParsedMessage:
        inner = [e if isinstance(e, ParsedMessage) else e.parsed() for e in self.embedded]
        return summarize(
            self.msg, text=self.text, html=self.html, attachments=self.attachments, embedded=inner
        )


@dataclass(eq=False)
class _Node:
    msg: email.message.Message
    level: int
    into: _Collected
    leaf: _Leaf | None = None


class _Leaf:
    """One leaf's body as it is read (lines, or runs of them): its raw bytes while small (the
    stdlib decodes them whole), then decoded as they come. The last line's end is held back: the
    boundary after it may claim it (feedparser)."""

    def __init__(self, reader: _Reader, node: _Node, kind: str, *, counted: bool = True) -> None:
        self.reader = reader
        self.node = node
        self.kind = kind  # "text", "html", "eml" or "file"
        self.counted = counted  # spends the decode budget as it goes (files and .eml)
        self.raw = bytearray()  # what is not yet decoded: at least the last line's end
        self.start = -1
        self.end = 0
        self.flush_at = reader.small
        self.out: Output | None = None
        self.decoder: Decoder | None = None
        self.whole = False  # uuencoded: kept raw, decoded by the stdlib at the end

    def write(self, line: bytes | bytearray, start: int) -> None:
        if self.start < 0:
            self.start = start
        self.end = start + len(line)
        # a run of lines or a long line is not copied: it goes to the decoder as it is
        big = len(self.raw) + len(line) >= self.flush_at or (self.decoder is not None and len(line) >= _RUN)
        if big and len(line) > 2:
            if self.decoder is None and not self.whole:
                self._stream()
            if self.decoder is not None:
                self.decoder.feed(self.raw)
                with memoryview(line) as view:
                    self.decoder.feed(view[:-2])
                    self.raw = bytearray(view[-2:])
                return
        self.raw += line
        if len(self.raw) >= self.flush_at:
            self._flush()

    def _flush(self) -> None:
        if self.decoder is None:
            self._stream()
            if self.decoder is None:
                return
        cut = len(self.raw) - 2  # the last line's end may yet belong to a boundary
        if cut <= 0:
            return
        with memoryview(self.raw) as view:
            self.decoder.feed(view[:cut])
        del self.raw[:cut]

    def _stream(self) -> None:
        msg = self.node.msg
        cte = str(msg.get("content-transfer-encoding", "")).lower()
        count = self.reader.budget.decode if self.counted else None
        self.out = Output(self.reader.spool, count, hashed=self.kind == "file")
        self.flush_at = max(self.flush_at, CHUNK)
        if cte == "base64":
            self.decoder = Base64(self.out, lambda: self.reader.input.span(self.start, self.end))
        elif cte == "quoted-printable":
            self.decoder = QuotedPrintable(self.out)
        elif cte in _UU:
            self.whole = True  # rare: kept raw and decoded by the stdlib at the end
            self.flush_at = 1 << 62
        else:
            self.decoder = Plain(self.out)

    def forget(self) -> None:
        """A multipart's preamble, once a part starts: read by nobody."""
        if self.out is not None:
            self.out.remove()

    def close(self, strip: bool) -> None:
        """The body is complete; `strip`: its last line end belongs to a boundary."""
        if strip and self.raw.endswith((b"\r", b"\n")):
            del self.raw[-2 if self.raw.endswith(b"\r\n") else -1 :]
        budget = self.reader.budget
        msg = self.node.msg
        if self.decoder is None and not self.whole and len(self.raw) >= self.reader.small:
            self._stream()
        if self.decoder is None:
            msg.set_payload(self.raw.decode("ascii", "surrogateescape"))
            decoded = msg.get_payload(decode=True)
            msg.set_payload("")
            assert isinstance(decoded, bytes)  # a str payload always decodes to bytes
            self.raw = bytearray()
            out = Output(self.reader.spool, hashed=self.kind == "file")
            out.write(decoded)
            if self.counted:
                budget.decode(len(decoded))
        else:
            assert self.out is not None
            self.decoder.feed(self.raw)
            self.raw = bytearray()
            msg.defects.extend(self.decoder.finish())
            out = self.out
        self.reader.done(self, out)


class _Reader:
    """feedparser.FeedParser._parsegen, step for step, over _Input (see the module)."""

    def __init__(self, source: BinaryIO, level: int, budget: Budget, spool: Path | None, small: int) -> None:
        self.small = small
        self.origin = source.tell()
        self.input = _Input(source)
        self.level = level
        self.budget = budget
        self.spool = spool
        self.pending: _Leaf | None = None  # the leaf whose last line end is not yet decided
        self.last: _Node | None = None  # feedparser's _last

    def read(self) -> ParsedMessage:
        root = self._part(None, _Collected(email.message.Message()))
        if root.msg.get_content_maintype() == "multipart" and root.leaf is not None:
            root.msg.defects.append(errors.MultipartInvariantViolationDefect())
        self._settle(strip=False)
        parsed = root.into.parsed()
        if parsed.header_problem is None and self.input.split:
            parsed = replace(parsed, header_problem=HeaderProblem("ambiguous_header", self.input.split))
        if not parsed.message_id:
            # Some scanners send no Message-ID; the content hash stands in so dedupe still works.
            digest = hashlib.sha256()
            for chunk in self.input.span(self.origin, self.input.at):
                digest.update(chunk)
            parsed = replace(parsed, message_id=f"<{digest.hexdigest()}@mailflow.invalid>")
        return parsed

    def _settle(self, strip: bool) -> None:
        if self.pending is not None:
            leaf, self.pending = self.pending, None
            leaf.close(strip)

    def _part(self, parent: _Node | None, into: _Collected) -> _Node:
        self._settle(strip=False)  # feedparser's _new_message: the leaf before is complete
        lines: list[tuple[bytes | bytearray, int]] = []
        missing_separator = False
        while line := self.input.readline():
            if not _HEADER.match(line):
                if not _blank(line):
                    missing_separator = True
                    self.input.unreadline(line)
                break
            lines.append((line, self.input.start))
        header = b"".join(text for text, _ in lines)
        msg = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(header)
        if msg.get_payload():  # a "From " line last: feedparser gives it back to the body
            self.input.unreadline(*lines[-1])
        msg.set_payload("")
        if missing_separator:
            msg.defects.insert(0, errors.MissingHeaderBodySeparatorDefect())
        if parent is not None and parent.msg.get_content_type() == "multipart/digest":
            msg.set_default_type("message/rfc822")
        level = self.level if parent is None else parent.level + 1
        if parent is None:
            if not msg.keys():
                raise MessageError("malformed", "no header could be read")
            into.msg = msg
        node = _Node(msg, level, into)
        self.last = node
        self.budget.part(level)
        self._body(node)
        return node

    def _body(self, node: _Node) -> None:
        msg = node.msg
        ctype = msg.get_content_type()
        if ctype == "message/delivery-status":
            while True:
                self.input.eofstack.append(_blank)
                self._part(node, node.into)
                self.input.eofstack.pop()
                self.input.readline()
                if not (line := self.input.readline()):
                    break
                self.input.unreadline(line)
            return
        if msg.get_content_maintype() == "message":
            into = node.into
            if ctype == "message/rfc822":
                into = _Collected(email.message.Message())
                node.into.embedded.append(into)
            inner = self._part(node, into)
            if ctype == "message/rfc822":
                into.msg = inner.msg
            return
        if msg.get_content_maintype() == "multipart":
            self._multipart(node)
            return
        self._leaf_body(node, self._leaf(node))

    def _leaf(self, node: _Node, *, counted: bool = True) -> _Leaf:
        msg = node.msg
        ctype = msg.get_content_type()
        disposition = str(msg.get("Content-Disposition") or "").split(";")[0].strip().lower()
        filename = filename_of(msg)
        if ctype in ("text/plain", "text/html") and disposition != "attachment" and not filename:
            kind = "text" if ctype == "text/plain" else "html"
        elif ctype == "application/octet-stream" and filename.lower().endswith(".eml"):
            kind = "eml"
        else:
            kind = "file"
        return _Leaf(self, node, kind, counted=counted and kind in ("eml", "file"))

    def _leaf_body(self, node: _Node, leaf: _Leaf) -> None:
        node.leaf = leaf
        while line := self.input.readrun() or self.input.readline():
            leaf.write(line, self.input.start)
        self.pending = leaf

    def _multipart(self, node: _Node) -> None:
        msg = node.msg
        boundary = msg.get_boundary()
        if boundary is None:
            msg.defects.append(errors.NoBoundaryInMultipartDefect())
            self._leaf_body(node, self._leaf(node))
            return
        if str(msg.get("content-transfer-encoding", "8bit")).lower() not in ("7bit", "8bit", "binary"):
            msg.defects.append(errors.InvalidMultipartContentTransferEncodingDefect())
        at_boundary = _Boundary(boundary)
        preamble: _Leaf | None = self._leaf(node, counted=False)  # the body, if no part starts
        closed = False
        while line := self.input.readrun(at_boundary) or self.input.readline():
            found = at_boundary(line)
            if not found:
                if preamble is not None:
                    preamble.write(line, self.input.start)
                continue
            if found == CLOSES:
                closed = True
                break
            if preamble is not None:
                preamble.forget()
                preamble = None
                self.input.unreadline(line)
                continue
            while True:  # repeated boundary lines open no part
                line = self.input.readline()
                if not at_boundary(line):
                    self.input.unreadline(line)
                    break
            self.input.eofstack.append(at_boundary)
            self._part(node, node.into)
            last = self.last
            assert last is not None
            if last.msg.get_content_maintype() != "multipart" and self.pending is last.leaf:
                self._settle(strip=True)
            self.input.eofstack.pop()
            self.last = node
        if preamble is not None:
            msg.defects.append(errors.StartBoundaryNotFoundDefect())
            node.leaf, self.pending = preamble, preamble
            preamble.counted = preamble.kind in ("eml", "file")
            if preamble.counted and preamble.out is not None:
                preamble.out.count = self.budget.decode
                self.budget.decode(preamble.out.size)
            while self.input.readrun() or self.input.readline():
                pass
            return
        if not closed:
            msg.defects.append(errors.CloseBoundaryNotFoundDefect())
            return
        while self.input.readrun() or self.input.readline():  # the epilogue: read by nobody
            pass

    def done(self, leaf: _Leaf, out: Output) -> None:
        """A leaf decoded: its text kept, or its file, or the message it is read."""
        into = leaf.node.into
        msg = leaf.node.msg
        if leaf.kind in ("text", "html"):
            value = out.value()
            text = decoded_text(value, msg.get_content_charset() or "utf-8", self.budget.text)
            out.remove()
            text = self.budget.keep_text(text)
            if leaf.kind == "text" and str(msg.get_param("format", "")).lower() == "flowed":
                text = unflow(text, str(msg.get_param("delsp", "")).lower() == "yes")
            (into.text if leaf.kind == "text" else into.html).append(text)
            return
        if not out.size:
            out.remove()
            return
        value = out.value()
        if leaf.kind == "eml":
            try:
                with io.BytesIO(value) if isinstance(value, bytes) else value.open("rb") as inner:
                    reader = _Reader(inner, leaf.node.level + 1, self.budget, self.spool, self.small)
                    into.embedded.append(reader.read())
            finally:
                out.remove()
            return
        name, ctype = filename_of(msg), msg.get_content_type()
        if isinstance(value, bytes):
            into.attachments.append(Attachment(name, ctype, value, sha256=out.sha256))
        else:
            into.attachments.append(Attachment.at(name, ctype, value, out.size, out.sha256))
