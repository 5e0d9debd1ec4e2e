"""A log entry in the reader's words, made when it is shown: the log stores codes (the action)
and facts (targets, instruction, deadline, and the entry's `facts`), never Mailflow's sentences,
so the web page and `letter show` say each entry in their reader's language.

A row of before the facts (migration 0015: `facts` is None) has the words Mailflow wrote then in
its `text`: those the previous release wrote in English are read back into facts by their exact
form (`_BEFORE`), so an office that upgrades reads its old log in its own language too; any other
text of before is shown as it is."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Container, Mapping
from dataclasses import dataclass

from mailflow.domain import Said
from mailflow.storage.models import Event


@dataclass(frozen=True)
class Entry:
    """What the log holds of one entry, as the page and `letter show` read it."""

    action: str
    targets: list[str]
    instruction: str | None
    deadline: dt.date | None
    text: str
    facts: Mapping[str, object] | None

    @classmethod
    def of(cls, event: Event) -> Entry:
        targets = [str(t) for t in event.targets]
        return cls(event.action, targets, event.instruction, event.deadline, event.text, event.facts)


# The English texts the release before the facts (before migration 0015) wrote, each by its own
# writer, in full: read back into the facts its writer now stores. Anchored (`\A`), so a search
# tries one start only and costs time linear in the text (tests/test_linear_patterns.py).
_BEFORE: dict[str, re.Pattern[str]] = {
    "registered": re.compile(r"\Afiled from (?P<mailbox>\S+)"),
    "duplicate": re.compile(r"\Afiled again in (?P<message>\S+)"),
    "received_from": re.compile(r"\A(?P<office>\S+) (?P<agenda>\S+)"),
    "passed_on": re.compile(r"\A(?P<office>\S+) (?P<agenda>\S+)"),
    "completed": re.compile(r"\A(?P<office>\S+) (?P<agenda>\S+)"),
    "archived": re.compile(r"\A(?P<office>\S+) (?P<agenda>\S+)"),
    "digested": re.compile(r"\A(?P<sections>[a-z_]+(?:, [a-z_]+)*)"),
    "bounced": re.compile(r"\A(?P<kind>[a-z_]+) to \S+ could not be delivered"),
    "rejected": re.compile(r"\A(?P<reason>[a-z_]+): .* \(quarantine (?P<quarantine>\d+|None)\)", re.S),
    "released": re.compile(r"\Aquarantine (?P<quarantine>\d+) \((?P<reason>[a-z_]+)\): .*", re.S),
    "not_read": re.compile(r"\A.+: not read \([a-z_]+\)", re.S),
    "scanned": re.compile(
        r"\AOCR: (?P<pages>\d+) page\(s\), confidence (?P<confidence>\d+); "
        r"read (?P<read>nothing|[a-z_]+(?:, [a-z_]+)*)(?:; not read: (?P<refused>.*))?",
        re.S,
    ),
}


def facts_before(action: str, text: str) -> dict[str, object] | None:
    """The facts of a row of before whose `text` is the English its writer wrote then, else None."""
    pattern = _BEFORE.get(action)
    found = pattern.fullmatch(text) if pattern else None
    if found is None:
        return None
    facts: dict[str, object] = {k: v for k, v in found.groupdict().items() if v is not None}
    if action == "digested":
        facts["sections"] = str(facts["sections"]).split(", ")
    if action == "scanned":
        read = str(facts.pop("read"))
        facts["read"] = [] if read == "nothing" else read.split(", ")
        facts["pages"], facts["confidence"] = int(str(facts["pages"])), int(str(facts["confidence"]))
        if "refused" in facts:  # each "NAME: why" of before: the file's name
            facts["refused"] = [part.partition(":")[0] for part in str(facts["refused"]).split("; ")]
    return facts


def _coded(known: Container[str], section: str, code: object) -> Said | str:
    """A stored code in words; one a newer Mailflow wrote, as it is."""
    key = f"{section}.{code}"
    return Said.of(key) if key in known else str(code)


def _strings(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _rows(value: object, width: int) -> list[list[object]]:
    """A fact that is a list of rows of `width` values (a corrected field, a route's reason)."""
    if not isinstance(value, list):
        return []
    return [row for row in value if isinstance(row, list) and len(row) == width]


def _route(known: Container[str], code: object, values: object) -> Said | str:
    key = f"route.{code}"
    if key not in known:
        return str(code)
    return Said.of(key, **({str(k): v for k, v in values.items()} if isinstance(values, dict) else {}))


def _facts_said(entry: Entry, known: Container[str]) -> Said | None:
    """The words of the entry's own facts (`log.<action>`), or None when it has none to say."""
    facts, action = entry.facts or {}, entry.action
    if action == "corrected":
        changes = [Said.of("log.change", field=_coded(known, "field", name), old=old, new=new)
                   for name, old, new in _rows(facts.get("changes"), 3)]  # fmt: skip
        return Said.of("log.corrected", changes=changes) if changes else None
    if action == "scanned":
        read = [_coded(known, "field", name) for name in _strings(facts.get("read"))]
        scanned = Said.of("log.scanned", pages=facts.get("pages", 0), confidence=facts.get("confidence", 0),
                          read=read or Said.of("log.nothing"))  # fmt: skip
        refused = _strings(facts.get("refused"))
        return Said.of("log.scanned_refused", read=scanned, files=refused) if refused else scanned
    if action == "not_read" and len(entry.targets) == 2:
        file, reason = entry.targets
        if f"unread.{reason}" in known:
            return Said.of(f"unread.{reason}", file=file)
        return Said.of("log.not_read", file=file, reason=reason)
    if action == "requested" and "rule" in facts:
        reasons = [_route(known, code, values) for code, values in _rows(facts.get("reasons"), 2)]
        return Said.of("route.logged", rule=facts["rule"], reasons=reasons)
    if action == "digested":
        sections = [_coded(known, "log.section", s) for s in _strings(facts.get("sections"))]
        return Said.of("log.digested", sections=sections) if sections else None
    if action in ("rejected", "released") and "quarantine" in facts:
        return Said.of(f"log.{action}", quarantine=facts["quarantine"],
                       reason=_coded(known, "held_reason", facts.get("reason", "")))  # fmt: skip
    if action in ("completed", "archived") and "office" in facts:
        return Said.of("log.finished_there", office=facts["office"], agenda=facts.get("agenda", ""))
    if action == "bounced" and "kind" in facts:  # the kind of email, in words
        return Said.of("log.bounced", kind=_coded(known, "log.kind", facts["kind"]))
    needed = {"registered": "mailbox", "duplicate": "message", "received_from": "office",
              "passed_on": "office"}  # fmt: skip
    if action in needed and needed[action] in facts:
        return Said.of(f"log.{action}", **{k: v for k, v in facts.items() if isinstance(v, str | int)})
    return None


def entry_words(entry: Entry, say: Callable[[Said], str], known: Container[str]) -> list[str]:
    """The entry's details beyond its moment, actor and action, in `say`'s language: whom it
    went to, its facts, the instruction, the deadline, and the person's own words (quoted). A
    row of before the facts shows its targets and the words stored then."""
    if entry.facts is None and (before := facts_before(entry.action, entry.text)) is not None:
        entry = dataclasses.replace(entry, text="", facts=before)
    to = [Said.of("log.to", to=entry.targets)] if entry.targets and entry.action != "not_read" else []
    if entry.facts is None:
        return [say(w) for w in to] + ([entry.text] if entry.text else [])
    words: list[Said] = to
    if (facts := _facts_said(entry, known)) is not None:
        words.append(facts)
    if entry.instruction:
        words.append(Said.of("log.instruction", text=entry.instruction))
    if entry.deadline:
        words.append(Said.of("log.deadline", date=entry.deadline))
    if entry.text:
        words.append(Said.of("log.said", text=entry.text))
    return [say(w) for w in words]
