"""The fresh outsider set (tests/corpus/fresh.py) read through `mailflow reply explain`, as the
issue's last check does: one test per reply asserting the reading written before the product
read it. Replies the engine still misreads are listed in MISSES (xfail, strict) for a fixer."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mailflow.cli import cli
from tests.corpus.fresh import CASES, Case, S
from tests.support import REPO

ADDRESS = {
    "kadis": "kadis@probolinggokab.example",
    "sekretaris": "sekretaris@probolinggokab.example",
    "kabid_dikdas": "kabid.dikdas@probolinggokab.example",
    "kabid_paud": "kabid.paud@probolinggokab.example",
}

Reply = Mapping[str, Any]
GRAVE = ("dispose", "archive", "undo")  # a wrong one of these acts on the letter itself

# Misread at the last run (after reply-fix): number -> what went wrong.
MISSES: dict[int, str] = {}


def eml(case: Case) -> bytes:
    """The reply as a phone sends it: plain text, UTF-8, flowed when the app flows."""
    flowed = "; format=flowed; delsp=no" if case.flowed else ""
    body = case.text.replace("\n", "\r\n")
    head = (
        f"From: {ADDRESS[case.holder]}\r\nTo: surat@probolinggokab.example\r\n"
        "Subject: Re: [Disposisi 2026/0412] Undangan Rapat Koordinasi BOS\r\n"
        "Message-ID: <fresh@phone.example>\r\nIn-Reply-To: <request@probolinggokab.example>\r\n"
        "Date: Wed, 25 Nov 2026 09:00:00 +0700\r\nMIME-Version: 1.0\r\n"
        f"Content-Type: text/plain; charset=utf-8{flowed}\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    )
    return (head + body + "\r\n").encode()


def read_all(folder: Path) -> dict[int, Reply]:
    """Every case through `mailflow reply explain --json`, one call per holder, as on 25 Nov 2026."""
    config = folder / "config.toml"
    config.write_text(f'rules_dir = "{REPO / "rules"}"\nstorage_dir = "{folder}/storage"\n')
    out: dict[int, Reply] = {}
    for holder in sorted({c.holder for c in CASES}):
        sub = folder / holder
        sub.mkdir()
        for i, case in enumerate(CASES):
            if case.holder == holder:
                (sub / f"{i:03d}.eml").write_bytes(eml(case))
        result = CliRunner().invoke(
            cli,
            ["--config", str(config), "reply", "explain", str(sub), "--as", holder, "--today", "2026-11-25", "--json"],
        )
        assert result.exit_code == 0, result.output
        for reply in json.loads(result.output)["replies"]:
            out[int(Path(reply["file"]).stem)] = reply
    return out


def matches(e: S, st: Reply) -> bool:
    if st["kind"] != e.kind:
        return False
    if e.kind != "dispose":
        return True
    if {p["position"] for p in st["positions"]} != set(e.targets) or len(st["positions"]) != len(e.targets):
        return False
    if e.codes and tuple(st["codes"]) != e.codes:
        return False
    if e.words and e.words not in " ".join(st["instruction"].lower().split()):
        return False
    if e.deadline == "":
        return not st["deadline_given"]
    return bool(st["deadline_given"]) and e.deadline in ("*", st["deadline"])


def acting(reply: Reply) -> list[Reply]:
    return [s for s in reply["statements"] if s["kind"] != "note"]


def verdict(case: Case, reply: Reply) -> str:
    """exact | dangerous (acts wrongly, or acts where it should ask, propose or stay silent) |
    silent (a statement that ends as nothing, unanswered) | other."""
    acts = acting(reply)
    wrong = [st for st in acts if not any(matches(e, st) for e in case.acts)]
    if case.outcome in ("proposed", "asked", "ignored") and wrong:
        return "dangerous"
    if any(st["kind"] in GRAVE or any(e.kind in GRAVE for e in case.acts) for st in wrong):
        return "dangerous"
    if case.outcome != "ignored" and reply["outcome"] == "ignored":
        return "silent"
    if case.outcome not in ("notes", "ignored") and not (
        reply["statements"] or reply["proposals"] or reply["problems"]
    ):
        return "silent"
    if len(acts) != len(case.acts) or not all(matches(e, st) for e, st in zip(case.acts, acts, strict=True)):
        return "other"
    got, want = reply["outcome"], case.outcome
    if want == "proposed" and got == "asked":
        offered = {c["position"] for p in reply["problems"] for c in p["candidate_positions"]}
        offered |= {t["position"] for p in reply["proposals"] for t in p["statement"]["positions"]}
        wanted = {t for e in case.proposes for t in e.targets}
        # "a deadline-like phrase not read: propose or ask" (issue 22): a deadline asked back is right
        deadline = all(p["reason"] == "bad_deadline" for p in reply["problems"]) and all(
            e.deadline == "*" for e in case.proposes
        )
        return "exact" if wanted <= offered or deadline else "other"
    if got != want:
        return "other"
    if want == "proposed":
        props = [p["statement"] for p in reply["proposals"]]
        ok = len(props) == len(case.proposes) and all(
            matches(e, st) for e, st in zip(case.proposes, props, strict=True)
        )
        return "exact" if ok else "other"
    if want == "asked":
        problems = reply["problems"]
        if len(problems) != len(case.asks):
            return "other"
        for ask, problem in zip(case.asks, problems, strict=True):
            if problem["reason"] != ask.reason:
                return "other"
            offered = {c["position"] for c in problem["candidate_positions"]}
            if ask.candidates is not None and offered != set(ask.candidates):
                return "other"
    return "exact"


def describe(reply: Reply) -> str:
    """The reading in one line, for reports and failure messages."""

    def st(s: Reply) -> str:
        if s["kind"] != "dispose":
            return s["kind"] + (f" {s['text']!r}" if s["text"] else "")
        who = ",".join(p["position"] for p in s["positions"])
        when = s["deadline"] if s["deadline_given"] else "default"
        return f"dispose {who} codes={s['codes']} {s['instruction']!r} deadline={when}"

    parts = [reply["outcome"].upper()]
    parts += [st(s) for s in reply["statements"]]
    parts += [f"PROPOSE[{p['reason']}] {st(p['statement'])}" for p in reply["proposals"]]
    for p in reply["problems"]:
        cands = ",".join(c["position"] for c in p["candidate_positions"])
        parts.append(f"ASK[{p['reason']}] {p['line']!r} candidates={cands}")
    if reply["automatic"]:
        parts.append("automatic")
    return " | ".join(parts)


@pytest.fixture(scope="module")
def replies(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Reply]:
    return read_all(tmp_path_factory.mktemp("fresh"))


def _param(i: int, case: Case) -> Any:
    slug = re.sub(r"[^a-z0-9]+", "-", case.text.lower())[:40].strip("-")
    marks = [pytest.mark.xfail(strict=True, reason=MISSES[i])] if i in MISSES else []
    return pytest.param(i, case, id=f"{i:03d}-{slug}", marks=marks)


def test_the_set_holds_150_replies() -> None:
    assert len(CASES) == 150


@pytest.mark.parametrize(("number", "case"), [_param(i, c) for i, c in enumerate(CASES)])
def test_fresh_reply_reads_as_expected(replies: dict[int, Reply], number: int, case: Case) -> None:
    reply = replies[number]
    assert verdict(case, reply) == "exact", describe(reply)
