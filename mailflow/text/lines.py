"""Text made safe for patterns: every run of blanks one space, every line at most MAX_LINE long.

Every pure reader of what people write (fields, dates, quotes, the reply language, deadlines)
tidies its input first. A line of thousands of spaces, or of "1/" repeated, then costs each
pattern a bounded amount of work per line, so reading a message costs time linear in its size,
however its lines are shaped. Nobody writes a field, a date or a statement longer than a line.
"""

from __future__ import annotations

import re

MAX_LINE = 2000
_BLANKS = re.compile(r"[^\S\n]+")


def tidy(text: str, max_line: int = MAX_LINE) -> str:
    return "\n".join(line[:max_line] for line in _BLANKS.sub(" ", text.replace("\r\n", "\n")).split("\n"))
