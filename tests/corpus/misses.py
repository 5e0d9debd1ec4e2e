"""The own-corpus replies today's reading engine does not read exactly, each with what it reads.

tests/test_reply_corpus.py marks each as a strict xfail: once the engine reads one exactly, its
test fails until the line here goes. Regenerate (never edit by hand) after changing the engine:

    .venv/bin/python -m tests.corpus.misses

The goal of issue 22 is this dict empty.
"""

from __future__ import annotations

MISSES: dict[str, str] = {
}  # fmt: skip


def write() -> int:
    """Rewrite this file from a fresh scoring; the number of misses."""
    from pathlib import Path

    from tests.test_reply_corpus import score

    _totals, _classes, misses = score()
    path = Path(__file__)
    text = path.read_text()
    head = text[: text.index("MISSES: dict[str, str] = {")]
    tail = text[text.index("\n\ndef write()") :]
    entries = "".join(
        f"    {rid!r}: {('DANGEROUS ' + o.dangerous + ': ' if o.dangerous else 'SILENT: ' if o.silent else '') + o.got!r},\n"
        for rid, o in misses
    )
    path.write_text(f"{head}MISSES: dict[str, str] = {{\n{entries}}}  # fmt: skip\n{tail}")
    return len(misses)


if __name__ == "__main__":
    print(f"{write()} misses written")
