"""Scoring Mailflow's reply extraction on the peer projects' public test suites.

The corpora live beside the repo in ../shared/corpora/replies (see its MANIFEST.md) and are read
in place, never copied. A case passes when every line of its expected new text is kept and no
other line (quoted text) leaks, plus its must_contain / must_not_contain strings. Projects
disagree on signatures (talon keeps "Sent from my iPhone", the others drop it), so signature lines
are left out of the comparison on both sides.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from mailflow.text.parsing import parse_message
from mailflow.text.quotes import extract_new_text, is_signature_line, strip_signature
from tests.support import REPO

CORPUS = REPO.parent / "shared" / "corpora" / "replies"
SCORED_TIERS = {"explicit", "derived", "borrowed", "partial"}


@dataclass(frozen=True)
class Case:
    source: str
    id: str
    format: str
    input: Path
    expected: str | None
    must_contain: tuple[str, ...]
    must_not_contain: tuple[str, ...]
    sender: str = ""


def cases() -> list[Case]:
    found = []
    for index in sorted(CORPUS.glob("*/cases.json")):
        data = json.loads(index.read_text())
        for c in data["cases"]:
            if c["tier"] not in SCORED_TIERS:
                continue
            expected = (index.parent / c["expected"]).read_text(errors="replace") if c["expected"] else None
            sender = (index.parent / c["sender_file"]).read_text().strip() if c.get("sender_file") else ""
            found.append(
                Case(
                    index.parent.name,
                    c["id"],
                    c["format"],
                    index.parent / c["input"],
                    expected,
                    tuple(c.get("must_contain") or ()),
                    tuple(c.get("must_not_contain") or ()),
                    sender,
                )
            )
    return found


def extract(case: Case) -> str:
    raw = case.input.read_bytes()
    if case.format == "eml":
        message = parse_message(raw)
        return extract_new_text(message.text, message.html, message.from_name)
    if case.format == "html":
        return extract_new_text("", raw.decode("utf-8", errors="replace"), case.sender)
    return extract_new_text(raw.decode("utf-8", errors="replace"), sender_name=case.sender)


def _lines(text: str, sender: str = "") -> list[str]:
    out = []
    for line in strip_signature(text.strip(), sender).splitlines():
        line = re.sub(r"\s+", " ", line).strip()
        if not line or is_signature_line(line):
            continue
        out.append(line)
    return out


def verdict(case: Case, output: str) -> str | None:
    """None when the case passes, else what went wrong."""
    for needle in case.must_contain:
        if needle not in output:
            return f"lost {needle!r}"
    for needle in case.must_not_contain:
        if needle in output:
            return f"leaked {needle!r}"
    if case.expected is None:
        return None
    if case.format == "html":
        want = re.sub(r"\s+", "", "".join(_lines(case.expected)))
        got = re.sub(r"\s+", "", "".join(_lines(output)))
        return None if want == got else f"html differs: {got[:80]!r} vs {want[:80]!r}"
    want, got = _lines(case.expected, case.sender), _lines(output, case.sender)
    lost = [line for line in want if line not in got]
    leaked = [line for line in got if line not in want]
    if lost:
        return f"lost {lost[0]!r}"
    if leaked:
        return f"leaked {leaked[0]!r}"
    return None


def score() -> tuple[int, int, list[tuple[Case, str]]]:
    failures = []
    all_cases = cases()
    for case in all_cases:
        problem = verdict(case, extract(case))
        if problem:
            failures.append((case, problem))
    return len(all_cases) - len(failures), len(all_cases), failures


if __name__ == "__main__":
    passed, total, failures = score()
    for case, problem in failures:
        print(f"FAIL {case.source}/{case.id}: {problem}")
    print(f"{passed}/{total} = {passed / total:.1%}")
