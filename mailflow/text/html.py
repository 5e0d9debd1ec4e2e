"""HTML bodies as plain text, for senders whose client writes only HTML.

One pass of the standard library's HTMLParser, so the cost is linear in the size of the HTML
(a tree library inserting line breaks around each block was quadratic in the number of sibling
blocks: 100 KB of `<div>`s took seconds). Quote containers are removed beforehand on the tree, in
text.quotes, where structure matters.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_INVISIBLE = re.compile("[\u200b-\u200f\u2060\ufeff]")
_BLANKS = re.compile(r"[ \t]+")
_BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "blockquote", "table", "pre"})
_HIDDEN = frozenset({"script", "style", "head", "title"})


class HtmlText(HTMLParser):
    """Collects the visible text; subclasses decide what else to leave out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Visible text with one line per block; scripts and styles never reach the text."""
    return text_of(html, HtmlText())


def text_of(html: str, parser: HtmlText) -> str:
    """Run `parser` (HtmlText or a subclass that leaves parts out) and tidy what it kept."""
    parser.feed(html)
    parser.close()
    text = _INVISIBLE.sub("", "".join(parser.parts).replace("\xa0", " "))
    out: list[str] = []
    for raw in text.splitlines():
        line = _BLANKS.sub(" ", raw).strip()
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()
