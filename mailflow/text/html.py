"""HTML bodies as plain text, for senders whose client writes only HTML: all of it, and the part
the sender wrote without the original they replied to.

One streaming pass of the standard library's HTMLParser yields both, so the cost is linear in the
size of the HTML and paid once per message (a tree library inserting line breaks around each
block was quadratic in the number of sibling blocks: 100 KB of `<div>`s took seconds).
Quote containers are found by the marks phone and web clients put on them; a container's own tag
name is counted open and closed, so its end is found however the HTML inside it is nested or left
unclosed. From Outlook's header block (or an `<hr>`) on, the new text stops: Outlook puts the
original after it as siblings, not inside a container.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html.parser import HTMLParser

_INVISIBLE = re.compile("[\u200b-\u200f\u2060\ufeff]")
_BLANKS = re.compile(r"[ \t]+")
_BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "blockquote", "table", "pre"})
_HIDDEN = frozenset({"script", "style", "head", "title"})
QUOTE_CLASSES = re.compile(
    r"gmail_quote|yahoo_quoted|moz-cite-prefix|protonmail_quote|zmail_extra|gmail_attr|"
    r"AppleOriginalContents",
    re.I,
)
CUT_AFTER = re.compile(r"divRplyFwdMsg|OLK_SRC_BODY_SECTION|ms-outlook-mobile-reference", re.I)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.all: list[str] = []
        self.new: list[str] = []
        self.hidden = 0
        self.cut = False
        self.quote: str | None = None  # the tag name of the open quote container
        self.depth = 0

    @property
    def quoted(self) -> bool:
        return self.cut or self.quote is not None

    def _put(self, text: str) -> None:
        self.all.append(text)
        if not self.quoted:
            self.new.append(text)

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


def _tidy(parts: list[str]) -> str:
    text = _INVISIBLE.sub("", "".join(parts).replace("\xa0", " "))
    out: list[str] = []
    for raw in text.splitlines():
        line = _BLANKS.sub(" ", raw).strip()
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


@lru_cache(maxsize=2)  # body text and new text of the same message: one parse
def _read(html: str) -> tuple[str, str]:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return _tidy(reader.all), _tidy(reader.new)


def html_to_text(html: str) -> str:
    """Visible text with one line per block; scripts and styles never reach the text."""
    return _read(html)[0]


def html_new_text(html: str) -> str:
    """The visible text without the quoted original."""
    return _read(html)[1]
