"""HTML bodies as plain text, for senders whose client writes only HTML."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup

_INVISIBLE = re.compile("[\u200b-\u200f\u2060\ufeff]")
_BLOCKS = ("p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "blockquote", "table", "pre")


def html_to_text(html: str) -> str:
    """Visible text with one line per block; scripts and styles never reach the text."""
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "head", "title"]):
        tag.decompose()
    for tag in soup.find_all(_BLOCKS):
        tag.insert_before("\n")
        tag.insert_after("\n")
    text = soup.get_text()
    text = _INVISIBLE.sub("", text.replace("\xa0", " "))
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()
