"""Mailflow's own reply corpus, scored: every case of tests/corpus/own.py as three mail apps send it
(raw MIME: plain, HTML-only, quoted-printable, format=flowed, top- and bottom-posted, with the
apps' footers), read the way Mailflow reads a reply. Each reply is one test asserting the exact
reading; the replies today's engine misses are strict xfails listed in tests/corpus/misses.py.

exact: the same statements (kind, targets, instruction, deadline, text), the same proposals (a
near target may instead be asked back offering only the proposed targets), the same ask-backs.
dangerous: acts on a wrong target, with a wrong instruction code or a wrong deadline (a stated one
replaced by the default included), acts where it should ask, propose or leave a note, or
disposes, finishes, archives or undoes where the contract reads no such thing.
silent loss: a statement that becomes nothing, and no answer says so.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from functools import cache

import pytest

from mailflow.language.statements import Kind, Problem, Reading, Statement, read_answer
from mailflow.office.load import load_rules
from mailflow.text.parsing import parse_message
from tests.corpus.expect import Ask, Case, Expect
from tests.corpus.misses import MISSES
from tests.corpus.own import CASES, TODAY_ISO
from tests.support import REPO, clients

RULES = load_rules(REPO / "rules")
TODAY = dt.date.fromisoformat(TODAY_ISO)
APPS = [
    clients.gmail_android_id, clients.iphone_id, clients.outlook_html_only, clients.samsung_id,
    clients.yahoo_android_id, clients.apple_mail_en, clients.outlook_android_id, clients.outlook_ios_en,
    clients.huawei_id, clients.xiaomi_en, clients.blackberry_en, clients.spark_id, clients.k9_en,
    clients.windows_mail_id, clients.thunderbird_bottom, clients.gmail_quoted_printable,
    clients.thunderbird_flowed, clients.apple_mail_flowed, clients.thunderbird_flowed_bottom,
]  # fmt: skip
PER_CASE = 3
ACTIONS = {Kind.DISPOSE, Kind.DONE, Kind.ARCHIVE, Kind.UNDO, Kind.PROGRESS, Kind.ACK}
# Actions that change where a letter stands; an acknowledgement read as progress (or the other
# way) is inexact, not dangerous.
CLOSING = {Kind.DISPOSE, Kind.DONE, Kind.ARCHIVE, Kind.UNDO}
LOCAL_BY_NAME = {
    RULES.holder(p, TODAY).person.name: RULES.holder(p, TODAY).person.email.split("@")[0] for p in RULES.positions
}
CODES = {i.text: i.code for i in RULES.instructions}


@dataclass(frozen=True)
class Reply:
    id: str  # class/slug/app: the key of tests/corpus/misses.py
    case: Case
    app_name: str


def replies() -> list[Reply]:
    """Every case as PER_CASE mail apps send it: its own apps, or the next ones in turn."""
    out = []
    for i, case in enumerate(CASES):
        names = case.apps or tuple(APPS[(i * PER_CASE + k) % len(APPS)].__name__ for k in range(PER_CASE))
        out.extend(Reply(f"{case.cls}/{case.slug}/{name}", case, name) for name in names)
    return out


REPLIES = replies()


def _request(holder_email: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Mailflow Dinas Pendidikan <surat@probolinggokab.example>"
    msg["Reply-To"] = "surat+dAbC123@probolinggokab.example"
    msg["To"] = holder_email
    msg["Subject"] = "Mohon disposisi: 001/SM/2026 Pembentukan Cabang Dinas [MF-001/SM/2026]"
    msg["Message-ID"] = "<req.001@probolinggokab.example>"
    msg.set_content(
        "Yth. Kepala Dinas Pendidikan,\n\nSurat masuk 001/SM/2026 menunggu disposisi Anda.\n"
        "1. Sekretaris Dinas Pendidikan (Agus Wibowo)\n2. Kepala Bidang Pendidikan Dasar\n"
        "3. Kepala Bidang PAUD dan Pendidikan Nonformal\n"
        "Balas email ini, misalnya:  Sekretaris: pelajari batas 3 hari\n\nKode balasan: dAbC123\n"
    )
    return msg


def raw_reply(reply: Reply) -> bytes:
    email = RULES.holder(reply.case.holder, TODAY).person.email
    app = getattr(clients, reply.app_name)
    return bytes(app(_request(email), email, reply.case.text).as_bytes(policy=SMTP))


@cache
def read(reply: Reply) -> Reading:
    holder = RULES.holder(reply.case.holder, TODAY)
    return read_answer(parse_message(raw_reply(reply)), RULES, reply.case.holder, TODAY, holder.person.name)[1]


@dataclass(frozen=True)
class Outcome:
    exact: bool
    dangerous: str  # why, or ""
    silent: bool
    got: str


Shape = tuple[str, tuple[str, ...], str, str | None, str]


def _shape(s: Statement) -> Shape:
    return (
        s.kind.value,
        tuple(t.email.split("@")[0] for t in s.targets),
        s.instruction,
        s.deadline.isoformat() if s.deadline else None,
        s.text if s.kind is not Kind.DISPOSE else "",
    )


def _want(e: Expect) -> Shape:
    return (e.kind, e.targets, e.instruction, e.deadline, e.text)


def _offered(problem: Problem) -> frozenset[str]:
    """The positions an ask-back offers, by their holders' names in its candidates."""
    return frozenset(local for c in problem.candidates for name, local in LOCAL_BY_NAME.items() if name in c)


def _asks_met(case: Case, reading: Reading) -> bool:
    """Proposals and ask-backs as expected: a proposal of a disposition may be met by an ask-back
    offering only targets it names (the near one of "Kepala Bidang PAUD, Sekretaris: 4" is PAUD);
    nothing else may remain."""
    proposals = [_shape(p.statement) for p in reading.proposals]
    problems = list(reading.problems)
    for e in case.proposals:
        if _want(e) in proposals:
            proposals.remove(_want(e))
            continue
        near = next((p for p in problems if _offered(p) and _offered(p) <= frozenset(e.targets)), None)
        if near is None:
            return False
        problems.remove(near)
    for ask in (a if isinstance(a, Ask) else Ask(a) for a in case.problems):
        met = next(
            (p for p in problems
             if p.reason == ask.reason and (ask.candidates is None or _offered(p) == frozenset(ask.candidates))),
            None,
        )  # fmt: skip
        if met is None:
            return False
        problems.remove(met)
    return not proposals and not problems


def _codes(instruction: str) -> tuple[int, ...]:
    return tuple(CODES[t] for t in instruction.split(" - ")[0].split("; ") if t in CODES)


def _danger(case: Case, reading: Reading) -> str:
    acted = [s for s in reading.statements if s.kind in ACTIONS]
    if case.automatic and acted:
        return "acts on an out-of-office text"
    wanted = [e for e in case.expect if e.kind != "note"]
    for s in acted:
        if s.kind.value not in {e.kind for e in wanted} and (s.kind in CLOSING or not wanted):
            return f"acts ({s.kind.value}) where it should ask, propose or note"
        if s.kind is not Kind.DISPOSE:
            continue
        got = _shape(s)
        same = next((e for e in wanted if e.kind == "dispose" and set(e.targets) == set(got[1])), None)
        if same is None:
            return f"disposes to a wrong target {got[1]}"
        if got[3] != same.deadline:
            return f"wrong deadline {got[3]} for {same.deadline}"
        if s.codes != _codes(same.instruction):
            return f"wrong instruction codes {s.codes}"
    return ""


def _silent(case: Case, reading: Reading) -> bool:
    """A statement became nothing: the reply was taken for a responder, or fewer lines came out
    (as statements, notes, proposals or ask-backs) than the contract reads in it."""
    if case.automatic:
        return False
    expected = len(case.expect) + len(case.proposals) + len(case.problems)
    got = len(reading.statements) + len(reading.proposals) + len(reading.problems)
    return expected > 0 and (reading.automatic or got < expected)


def judge(case: Case, reading: Reading) -> Outcome:
    got = tuple(_shape(s) for s in reading.statements)
    exact = (
        got == tuple(_want(e) for e in case.expect)
        and _asks_met(case, reading)
        and reading.automatic == case.automatic
    )
    described = (
        f"{got} proposals={[_shape(p.statement) for p in reading.proposals]} "
        f"asks={[(p.reason, sorted(_offered(p))) for p in reading.problems]} automatic={reading.automatic}"
    )
    return Outcome(exact, _danger(case, reading), _silent(case, reading), described)


def _param(reply: Reply):
    marks = [pytest.mark.xfail(strict=True, reason=MISSES[reply.id])] if reply.id in MISSES else []
    return pytest.param(reply, id=reply.id, marks=marks)


def test_reply_ids_are_unique():
    assert len({r.id for r in REPLIES}) == len(REPLIES)


@pytest.mark.parametrize("reply", [_param(r) for r in REPLIES])
def test_reply_is_read_exactly(reply: Reply):
    case = reply.case
    outcome = judge(case, read(reply))
    want = (
        f"{tuple(_want(e) for e in case.expect)} proposals={[_want(e) for e in case.proposals]} "
        f"asks={case.problems} automatic={case.automatic}"
    )
    assert outcome.exact, f"{case.text!r}\n  want {want}\n  got  {outcome.got}"


def score() -> tuple[Counter[str], dict[str, Counter[str]], list[tuple[str, Outcome]]]:
    """Totals, totals per class, and the replies that were not exact."""
    totals: Counter[str] = Counter()
    per_class: dict[str, Counter[str]] = {}
    misses = []
    for reply in REPLIES:
        outcome = judge(reply.case, read(reply))
        for counter in (totals, per_class.setdefault(reply.case.cls, Counter())):
            counter["replies"] += 1
            counter["exact"] += outcome.exact
            counter["dangerous"] += bool(outcome.dangerous)
            counter["silent"] += outcome.silent
        if not outcome.exact:
            misses.append((reply.id, outcome))
    return totals, per_class, misses


def test_own_reply_corpus_score_and_no_new_danger():
    totals, per_class, misses = score()
    print(f"\nown reply corpus: {totals['replies']} replies ({len(CASES)} cases), exact {totals['exact']} "
          f"({totals['exact'] / totals['replies']:.1%}), dangerous {totals['dangerous']}, "
          f"silent losses {totals['silent']}")  # fmt: skip
    for cls, c in sorted(per_class.items()):
        print(f"  {cls:24} {c['exact']:4}/{c['replies']:<4} dangerous {c['dangerous']:3} silent {c['silent']:3}")
    for rid, outcome in misses:
        flag = "DANGEROUS " if outcome.dangerous else "SILENT " if outcome.silent else ""
        print(f"  miss {flag}{rid} {outcome.dangerous}\n      got {outcome.got}")
    assert totals["replies"] >= 500
    assert {rid for rid, _ in misses} <= set(MISSES), "a reply read exactly before is missed now"
