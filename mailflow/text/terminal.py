"""Outside text made inert for a terminal or a log line.

A letter's subject or sender is written by a stranger: an ESC in it can clear the admin's screen
(CSI 2J), write their clipboard (OSC 52), retitle the window or hide text; a C1 control (U+009B
is CSI on its own) does the same on terminals that honour C1; a bidi override reorders what the
admin reads; a CR or LF forges a log line. Every such character is shown as its `\\uXXXX`
escape instead: visible, harmless, and still a valid escape inside a JSON string.
"""

from __future__ import annotations

# C0 and DEL, C1, the line and paragraph separators, and the bidi embedding, override, isolate
# and mark characters (Trojan Source, CVE-2021-42574).
_UNSAFE = (
    *range(0x00, 0x20),
    *range(0x7F, 0xA0),
    0x061C,
    0x200E,
    0x200F,
    *range(0x2028, 0x202F),
    *range(0x2066, 0x206A),
)
_ESCAPES = {code: f"\\u{code:04x}" for code in _UNSAFE}
_ESCAPES_KEEP_LINES = {code: text for code, text in _ESCAPES.items() if code != 0x0A}


def inert(text: str, *, lines: bool = False) -> str:
    """`text` with every control character escaped; `lines`: newlines stay (a whole view, whose
    own line breaks are ours, made of fields already made inert or escaped by JSON)."""
    return text.translate(_ESCAPES_KEEP_LINES if lines else _ESCAPES)
