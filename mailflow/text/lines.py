"""Text made safe for patterns: every run of blanks one space, every line at most MAX_LINE long.

Every pure reader of what people write (fields, dates, quotes, the reply language, deadlines)
tidies its input first. A line of thousands of spaces, or of "1/" repeated, then costs each
pattern a bounded amount of work per line, so reading a message costs time linear in its size,
however its lines are shaped. Nobody writes a field, a date or a statement longer than a line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

MAX_LINE = 2000
_BLANKS = re.compile(r"[^\S\n]+")
LF = re.compile(r"\r?\n")  # what tidy ends a line at
ANY_BREAK = re.compile(r"\r\n|\r|\n")


def tidy(text: str, max_line: int = MAX_LINE) -> str:
    return "\n".join(line[:max_line] for line in _BLANKS.sub(" ", text.replace("\r\n", "\n")).split("\n"))


# Characters of whole lines tidied at a time: a block costs a few copies of itself and its lines
# as strings (each some 50 bytes more than its characters), held while its lines are read.
BLOCK = 4 * 1024


def tidy_lines(
    text: str, breaks: re.Pattern[str] = LF, max_line: int = MAX_LINE, block: int = BLOCK
) -> Iterator[str]:
    """The lines of `tidy(text)` one at a time (`breaks`: ANY_BREAK ends a line at a lone CR too),
    read from `text` a block of whole lines at a time: a megabyte of text is never copied whole,
    and a line longer than a block costs its first `max_line` characters, not its length."""
    start, size = 0, len(text)
    while start <= size:
        if size - start <= block:
            yield from _tidied(text[start:], breaks, max_line)
            return
        last = text.rfind("\n", start, start + block)
        if last >= 0:  # whole lines, cut after a line feed: no CR LF pair and no blank run is split
            lines = _tidied(text[start : last + 1], breaks, max_line)
            lines.pop()  # the empty line after the cut
            yield from lines
            start = last + 1
        else:
            line, start = _long_line(text, start, breaks, max_line)
            yield line


def _tidied(text: str, breaks: re.Pattern[str], max_line: int) -> list[str]:
    """`tidy(text, max_line).split("\n")`, without joining the lines and splitting them again."""
    text = text.replace("\r\n", "\n")
    if breaks is ANY_BREAK:
        text = text.replace("\r", "\n")
    return [line[:max_line] for line in _BLANKS.sub(" ", text).split("\n")]


def _long_line(text: str, start: int, breaks: re.Pattern[str], max_line: int) -> tuple[str, int]:
    """The tidied line at `start` (tidy_line) and where the next line starts."""
    end = breaks.search(text, start)
    stop = end.start() if end else len(text)
    return tidy_line(text, start, stop, max_line), end.end() if end else len(text) + 1


def tidy_line(text: str, start: int, stop: int, max_line: int = MAX_LINE) -> str:
    """The tidied line `text[start:stop]` (it holds no line break), built from its first
    `max_line` characters after blanks are squeezed: a long line is never copied whole."""
    if stop - start <= max_line:
        return _BLANKS.sub(" ", text[start:stop])
    parts: list[str] = []
    kept = 0
    at = start
    while at < stop and kept < max_line:
        blank = _BLANKS.search(text, at, stop)
        cut = blank.start() if blank else stop
        parts.append(text[at : min(cut, at + max_line - kept)])
        kept += len(parts[-1])
        if blank is None or kept >= max_line:
            break
        parts.append(" ")
        kept += 1
        at = blank.end()
    return "".join(parts)[:max_line]
