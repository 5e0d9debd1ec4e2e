"""The agenda journal: which message got which agenda number, one JSON line per filed letter,
appended after the filing commit to storage/journal/agenda.jsonl.

It is the one trace of a number outside the database. After a database is restored from a backup,
`mailflow reconcile` files the later letters again and reads here the numbers clerks were given
before, so it can tell them which numbers changed. A line of a filing that rolled back cannot
appear (it is written after the commit); a line lost in a crash only costs that comparison.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from mailflow.storage.archive import private_dirs

JOURNAL = Path("journal") / "agenda.jsonl"


@dataclass(frozen=True)
class Entry:
    sha256: str  # the raw message that was filed
    office: str
    agenda_number: str
    tag: str  # the subject tag replies carry, "SM 011/2026"


def note(storage_dir: Path, *entries: Entry) -> None:
    """Append the entries of one commit (a group's letters) in one write and one fsync."""
    path = storage_dir / JOURNAL
    private_dirs(path.parent)
    lines = "".join(
        json.dumps({"sha256": e.sha256, "office": e.office, "agenda": e.agenda_number, "tag": e.tag}) + "\n"
        for e in entries
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, lines.encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def numbers(storage_dir: Path) -> dict[str, Entry]:
    """The last number each message was given, by the SHA-256 of its raw bytes."""
    path = storage_dir / JOURNAL
    if not path.exists():
        return {}
    found: dict[str, Entry] = {}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            try:
                item = json.loads(line)
                found[item["sha256"]] = Entry(item["sha256"], item["office"], item["agenda"], item["tag"])
            except (ValueError, KeyError, TypeError):
                continue  # a line cut short by a crash
    return found


def merge(live: Path, saved: Path) -> None:
    """Restore: the journal kept in a backup joined with the live one (the live one usually holds
    every saved line already; after a lost disk it is new)."""
    have = live.read_text(encoding="utf-8").splitlines() if live.exists() else []
    known = set(have)
    older = [line for line in saved.read_text(encoding="utf-8").splitlines() if line not in known]
    private_dirs(live.parent)
    fresh = live.with_name(f".{live.name}.merging")
    fd = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write("".join(f"{line}\n" for line in [*older, *have]))
        out.flush()
        os.fsync(out.fileno())
    os.replace(fresh, live)
