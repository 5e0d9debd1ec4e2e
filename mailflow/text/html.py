"""HTML bodies as plain text, for senders whose client writes only HTML: all of it, and the part
the sender wrote without the original they replied to.

One streaming pass of the standard library's HTMLParser yields either, so the cost is linear in the
size of the HTML (a tree library inserting line breaks around each block was quadratic in the
number of sibling blocks: 100 KB of `<div>`s took seconds); when nothing is quoted, the body text
is the new text too, and one pass yields both.
Quote containers are found by the marks phone and web clients put on them; a container's own tag
name is counted open and closed, so its end is found however the HTML inside it is nested or left
unclosed. From Outlook's header block (or an `<hr>`) on, the new text stops: Outlook puts the
original after it as siblings, not inside a container.

Memory (issue 25): the parser is fed the HTML in chunks cut before a `<`, each line is tidied as
soon as it is complete, and the text is written once, to a file past SPOOL_AT, then decoded from
its mapped pages: a 1 MB HTML mail costs its text, not its parser's tokens (11 MB before).
"""

from __future__ import annotations

import mmap
import re
import tempfile
from functools import lru_cache
from html.parser import HTMLParser
from typing import BinaryIO

_INVISIBLE = re.compile("[\u200b-\u200f\u2060\ufeff]")
_BLANKS = re.compile(r"[ \t]+")
# What str.splitlines ends a line at (a CR is held back: an LF may follow it in the next piece).
_BREAKS = re.compile("[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")
CHUNK = 64 * 1024  # HTML fed to the parser at a time
SPOOL_AT = 256 * 1024  # characters of text kept in memory before they move to a file
_BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "blockquote", "table", "pre"})
_HIDDEN = frozenset({"script", "style", "head", "title"})
QUOTE_CLASSES = re.compile(
    r"gmail_quote|yahoo_quoted|moz-cite-prefix|protonmail_quote|zmail_extra|gmail_attr|"
    r"AppleOriginalContents",
    re.I,
)
CUT_AFTER = re.compile(r"divRplyFwdMsg|OLK_SRC_BODY_SECTION|ms-outlook-mobile-reference", re.I)


class _Text:
    """The tidied text, written line by line: every run of blanks one space, each line stripped,
    invisible characters gone, no blank line first, last or twice in a row (what joining every
    piece and tidying the whole gave). Small text stays in memory; past SPOOL_AT characters it
    goes to a file, and the result is decoded from it at once (built once, never held twice)."""

    def __init__(self, spool_at: int) -> None:
        self.spool_at = spool_at
        self.pending: list[str] = []  # the pieces of the line not yet ended
        self.lines: list[str] = []
        self.size = 0
        self.file: BinaryIO | None = None
        self.started = False
        self.blank = False  # a blank line is due before the next line

    def add(self, piece: str) -> None:
        piece = _INVISIBLE.sub("", piece.replace("\xa0", " "))
        if not piece:
            return
        if self.pending and self.pending[-1].endswith("\r") and not piece.startswith("\n"):
            self._lines("".join(self.pending))
            self.pending = []
        if not _BREAKS.search(piece):
            self.pending.append(piece)
            return
        end = len(piece) - 1 if piece.endswith("\r") else len(piece)
        last = max(m.end() for m in _BREAKS.finditer(piece, 0, end)) if _BREAKS.search(piece, 0, end) else 0
        if last:
            self._lines("".join([*self.pending, piece[:last]]))
            self.pending = [piece[last:]] if last < len(piece) else []
        else:
            self.pending.append(piece)

    def _lines(self, text: str) -> None:
        for raw in text.splitlines():
            line = _BLANKS.sub(" ", raw).strip()
            if not line:
                self.blank = self.started
                continue
            self._write("\n\n" if self.blank else "\n" if self.started else "")
            self._write(line)
            self.started, self.blank = True, False

    def _write(self, text: str) -> None:
        if not text:
            return
        self.size += len(text)
        if self.file is None and self.size > self.spool_at:
            self.file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by value())
            for line in self.lines:
                self.file.write(line.encode("utf-8", "surrogatepass"))
            self.lines = []
        if self.file is not None:
            self.file.write(text.encode("utf-8", "surrogatepass"))
        else:
            self.lines.append(text)

    def value(self) -> str:
        if self.pending:
            self._lines("".join(self.pending))
            self.pending = []
        if self.file is None:
            return "".join(self.lines)
        self.file.flush()
        with self.file, mmap.mmap(self.file.fileno(), 0, access=mmap.ACCESS_READ) as pages:
            return str(pages, "utf-8", "surrogatepass")


class _Reader(HTMLParser):
    def __init__(self, new_only: bool, spool_at: int) -> None:
        super().__init__(convert_charrefs=True)
        self.text = _Text(spool_at)
        self.new_only = new_only  # leave out the quoted original
        self.left_out = False  # something quoted was met: the new text is not all the text
        self.hidden = 0
        self.cut = False
        self.quote: str | None = None  # the tag name of the open quote container
        self.depth = 0

    @property
    def quoted(self) -> bool:
        return self.cut or self.quote is not None

    def _put(self, text: str) -> None:
        if self.quoted:
            self.left_out = True
            if self.new_only:
                return
        self.text.add(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        if self.quote is not None:
            self.depth += tag == self.quote
        elif not self.cut:
            ident = " ".join(value or "" for name, value in attrs if name in ("class", "id", "name"))
            if CUT_AFTER.search(ident) or tag == "hr":
                self.cut = True
            elif tag == "blockquote" or QUOTE_CLASSES.search(ident):
                self.quote, self.depth = tag, 1
        if tag in _BLOCKS:
            self._put("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self._put("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        if tag in _BLOCKS:
            self._put("\n")
        if self.quote is not None:
            self.depth -= tag == self.quote
            if self.depth <= 0:
                self.quote = None

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self._put(data)


def _chunks(html: str, size: int) -> list[int]:
    """Where to cut `html` for the parser: each cut just before a `<`, at least `size` apart, so
    a chunk ends where the parser would have ended a run of text anyway."""
    cuts = []
    at = html.find("<", size)
    while at > 0:
        cuts.append(at)
        at = html.find("<", at + size)
    return [*cuts, len(html)]


def _read(html: str, new_only: bool, chunk: int = CHUNK, spool_at: int = SPOOL_AT) -> tuple[str, bool]:
    """The text of `html`, and whether any of it was quoted; `chunk` and `spool_at` change where
    the HTML is cut and the text kept, never what is read (tests/test_html_memory.py)."""
    reader = _Reader(new_only, spool_at)
    start = 0
    for end in _chunks(html, chunk):
        reader.feed(html[start:end])
        start = end
    reader.close()
    return reader.text.value(), reader.left_out


@lru_cache(maxsize=1)  # the body text, then the new text of the same message
def _all(html: str) -> tuple[str, bool]:
    return _read(html, new_only=False)


def html_to_text(html: str) -> str:
    """Visible text with one line per block; scripts and styles never reach the text."""
    return _all(html)[0]


def html_new_text(html: str) -> str:
    """The visible text without the quoted original: the body text itself (no second parse, no
    second copy) when nothing in it is quoted."""
    text, quoted = _all(html)
    return _read(html, new_only=True)[0] if quoted else text
