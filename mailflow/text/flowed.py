"""format=flowed text (RFC 3676) joined back into the lines its writer typed (pure).

Thunderbird and Apple Mail send long lines soft-broken: a line that ends in a space continues on
the next. Read as sent, a long disposition is cut into pieces and loses its "batas 3 hari kerja".
This follows RFC 3676 section 4: quote depth (4.2, 4.5), space-stuffing (4.4), the signature
separator that never flows (4.3), and DelSp (4.1). A small implementation rather than a library:
the one on PyPI (formatflowed) has had no release since 2016, and the section fits in a page.
"""

from __future__ import annotations

SIGNATURE = "-- "


def unflow(text: str, delsp: bool = False) -> str:
    """`text` with every soft line break removed; quoted lines keep their `>` marks."""
    out: list[str] = []
    parts: list[str] = []  # the pieces of the paragraph being joined
    depth = -1  # its quote depth; -1: none open
    for raw in text.replace("\r\n", "\n").split("\n"):
        marks = len(raw) - len(raw.lstrip(">"))
        body = raw[marks:]
        if body.startswith(" "):
            body = body[1:]  # space-stuffed (4.4), or the space after quote marks
        if parts and marks != depth:
            out.append(_line(depth, parts))  # a flowed line before another depth is fixed (4.5)
            parts = []
        flowed = body.endswith(" ") and body != SIGNATURE
        parts.append(body[:-1] if flowed and delsp else body)
        depth = marks
        if not flowed:
            out.append(_line(depth, parts))
            parts = []
    if parts:
        out.append(_line(depth, parts))
    return "\n".join(out)


def _line(depth: int, parts: list[str]) -> str:
    text = "".join(parts)
    return f"{'>' * depth} {text}" if depth else text
