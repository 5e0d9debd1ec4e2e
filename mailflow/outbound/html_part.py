"""The HTML part of an email, made from its text part: each sentence is written once, in the
text template, and the HTML part cannot say anything the text part does not.

Every character of the text is escaped first; only the layout below becomes markup, so nothing a
sender wrote (a subject, a name, a reply line) can become a tag, a link or an attribute. The
layout is read line by line, each line on its own (linear in the text):

- a blank line ends a block (a list goes on when its next item follows); the line `-- ` starts
  the signature (grey, to the end);
- `- item` is a bullet (two more spaces of indent than the list's first item: one level down),
  `1. item` a numbered item; a line indented deeper than the item before it continues that item;
- `Label   : value` (spaces before the colon, as the text aligns it) is a row of a form table:
  label, colon, value, as Indonesian forms print them;
- any other indented line is kept as typed (monospace: examples to type, the reply card);
- other lines are paragraphs; a line of WRAP_AT characters or more that ends inside a sentence
  (not with `.`, `:`, `!` or `?`) runs on into the next plain line (the text part wraps its
  sentences by hand); any other line ends where the text ends it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from itertools import pairwise
from typing import Literal

WRAP_AT = 60
SENTENCE_ENDS = (".", ":", "!", "?")
SIGNATURE = "--"

Kind = Literal["p", "ul", "ol", "form", "pre", "sig"]


@dataclass
class _Block:
    kind: Kind
    rows: list[list[str]] = field(default_factory=list)  # per kind: lines, items or table cells
    indent: int = 0  # of the last list item: a deeper line continues it
    first: int = 0  # of the list's first item: its level 0


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _marker(line: str) -> tuple[str, str, str] | None:
    """("ul", "", item) for `- item`, ("ol", "3", item) for `3. item`, after any indent."""
    rest = line.lstrip(" ")
    if rest.startswith("- "):
        return "ul", "", rest[2:]
    number, dot, item = rest.partition(". ")
    return ("ol", number, item) if dot and number.isdigit() and len(number) <= 4 else None


def _field(line: str) -> tuple[str, str] | None:
    """`Label   : value` -> (label, value); a colon right after a word is a sentence's own."""
    label, colon, value = line.partition(":")
    name = label.strip()
    if not colon or not label.endswith(" ") or not name or name.startswith("-"):
        return None
    return name, value.removeprefix(" ")


def _blocks(text: str) -> list[_Block]:
    blocks: list[_Block] = []
    current: _Block | None = None

    def start(kind: Kind) -> _Block:
        nonlocal current
        if current is None or current.kind != kind:
            current = _Block(kind)
            blocks.append(current)
        return current

    signed = gap = False
    for raw in text.splitlines():
        line = raw.rstrip()
        if signed:
            start("sig").rows.append([line])
            continue
        if raw == "-- " or line == SIGNATURE:
            signed, current = True, None
            continue
        if not line:
            gap = True
            continue
        marker = _marker(line)
        if gap and (current is None or marker is None or current.kind != marker[0]):
            current = None
        gap = False
        if marker is not None:
            kind, number, item = marker
            block = start("ul" if kind == "ul" else "ol")
            block.indent = _indent(line)
            block.first = block.indent if not block.rows else block.first
            level = str(max(block.indent - block.first, 0) // 2) if kind == "ul" else number
            block.rows.append([level, item])
        elif current is not None and current.kind in ("ul", "ol") and _indent(line) > current.indent:
            current.rows[-1].append(line.strip())
        elif (cells := _field(line)) is not None:
            start("form").rows.append(list(cells))
        elif _indent(line):
            start("pre").rows.append([line])
        else:
            start("p").rows.append([line])
    return blocks


def _paragraph(lines: list[str]) -> str:
    out = [escape(lines[0])]
    for before, line in pairwise(lines):
        runs_on = len(before) >= WRAP_AT and not before.endswith(SENTENCE_ENDS)
        out += (" " if runs_on else "<br>\n", escape(line))
    return f"<p>{''.join(out)}</p>"


def _item(first: str, more: list[str]) -> str:
    return "<br>".join(escape(part) for part in (first, *more))


def _level(depth: int) -> str:
    return f' style="margin-left:{depth * 1.5}em"' if depth else ""


def _html(block: _Block) -> str:
    rows = block.rows
    if block.kind == "p":
        return _paragraph([r[0] for r in rows])
    if block.kind == "sig":
        return '<p style="color:#666">' + "<br>\n".join(escape(r[0]) for r in rows) + "</p>"
    if block.kind == "pre":
        lines = "\n".join(escape(r[0]) for r in rows)
        return f'<pre style="white-space:pre-wrap">{lines}</pre>'
    if block.kind == "form":
        cells = "".join(
            f'<tr><th align="left">{escape(label)}</th><td>:</td><td>{escape(value)}</td></tr>\n'
            for label, value in rows
        )
        return f'<table cellpadding="2" style="border-collapse:collapse">\n{cells}</table>'
    if block.kind == "ol":
        items = "".join(f'<li value="{n}">{_item(first, more)}</li>\n' for n, first, *more in rows)
        return f"<ol>\n{items}</ol>"
    items = "".join(
        f"<li{_level(int(depth))}>{_item(first, more)}</li>\n" for depth, first, *more in rows
    )
    return f"<ul>\n{items}</ul>"


def html_part(text: str, language: str) -> str:
    """The HTML part of an email whose text part is `text` (its body, without the subject)."""
    body = "\n".join(_html(b) for b in _blocks(text) if b.rows)
    return f'<html lang="{escape(language)}"><body style="font-family:sans-serif">\n{body}\n</body></html>\n'
