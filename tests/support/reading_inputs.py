"""Inputs whose reading must not change when the readers' memory does (tests/test_reading_golden.py):
the reply corpus as mail apps send it, the hostile mail, and seeded random HTML and text shaped
like replies, forwards and quotes. Their readings were recorded once (tests/data/reading_golden.json,
by `python -m tests.support.reading_inputs`) by the readers that held whole copies of the text."""

from __future__ import annotations

import hashlib
import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent.parent / "data" / "reading_golden.json"

_TAGS = ("p", "div", "br", "li", "tr", "td", "span", "b", "blockquote", "table", "pre", "h1", "hr", "a", "font")
_CLASSES = ("gmail_quote", "yahoo_quoted", "divRplyFwdMsg", "moz-cite-prefix", "x", "", "OLK_SRC_BODY_SECTION")
_PIECES = (
    "Setuju", " ", "  ", "\t", "\n", "\r\n", "\r", "\xa0", "\u200b", "\ufeff", "&amp;", "&nbsp;", "&#65;", "&lt;",
    "&", "&#x", ";", "<", ">", "<!-- c -->", "<!--", "-->", "<script>x<y</script>", "<style>p{}</style>",
    "Pada 1 Des 2026, Budi <b@x.id> menulis:", "> kutipan", "-- ", "Salam,", "Dari: Budi <b@x.id>",
    "Tanggal: Sen, 30 Nov 2026 09:00", "Perihal: Rapat", "Nomor: 005/12/2026", "\u2028", "\x0c", "\x1c",
    "=\n", "=3D", "Sekretaris: pelajari", "a" * 50, "<!DOCTYPE html>", "<?x?>", "<![CDATA[z]]>", "</",
    "<a href='x<y'>", "/", "---------- Forwarded message ---------", "From: a@b.c", "Sent from my iPhone",
)


def random_html(rng: random.Random) -> str:
    out: list[str] = []
    for _ in range(rng.randrange(1, 60)):
        r = rng.random()
        if r < 0.35:
            tag = rng.choice(_TAGS)
            if rng.random() < 0.3:
                out.append(f'<{tag} class="{rng.choice(_CLASSES)}">')
            else:
                out.append(f"<{tag}>" if rng.random() < 0.6 else f"</{tag}>")
        else:
            out.append(rng.choice(_PIECES))
    return "".join(out)


def random_text(rng: random.Random) -> str:
    return "\n".join(
        "".join(rng.choice(_PIECES) for _ in range(rng.randrange(0, 4))) for _ in range(rng.randrange(1, 40))
    )


def messages() -> Iterator[tuple[str, bytes]]:
    from tests.support.hostile import SCALED, corpus
    from tests.test_reply_corpus import REPLIES, raw_reply

    for reply in REPLIES:
        yield f"reply {reply.id}", raw_reply(reply)
    for name, raw in corpus().items():
        yield f"hostile {name}", raw
    for kind, make in SCALED.items():
        if "PDF" not in kind:
            for size in (3_000, 30_000):
                yield f"scaled {kind} {size}", make(size)


def readings() -> Iterator[tuple[str, str]]:
    """Every input's name and the digest of what the readers make of it."""
    from mailflow.errors import MessageError
    from mailflow.text.fields import extract_fields, find_forwards, label_fields
    from mailflow.text.html import html_new_text, html_to_text
    from mailflow.text.parsing import parse_message
    from mailflow.text.quotes import extract_new_text

    def digest(*values: object) -> str:
        return hashlib.sha256(repr(values).encode("utf-8", "surrogatepass")).hexdigest()

    for name, raw in messages():
        try:
            m = parse_message(raw)
        except MessageError as exc:
            yield name, digest("refused", exc.reason)
            continue
        yield name, digest(
            m.body_text, html_to_text(m.html), html_new_text(m.html),
            extract_new_text(m.text, m.html, m.from_name), extract_fields(m, []),
        )  # fmt: skip
    rng = random.Random(25)
    for n in range(1500):
        html, text = random_html(rng), random_text(rng)
        yield f"random {n}", digest(
            html_to_text(html), html_new_text(html), extract_new_text("", html, "Budi"),
            extract_new_text(text, "", "Budi"), label_fields(text), find_forwards(text),
        )  # fmt: skip


if __name__ == "__main__":
    GOLDEN.write_text(json.dumps(dict(readings()), indent=0, sort_keys=True) + "\n")
    print(f"{GOLDEN}: recorded", file=sys.stderr)
