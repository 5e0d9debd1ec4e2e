"""Mailflow's own reply corpus, scored: every case of tests/corpus/own.py as three different mail
apps send it (raw MIME: plain, HTML-only, quoted-printable, top- and bottom-posted, with the apps'
footers), read the way Mailflow reads a reply.

exact: the same statements (kind, targets, instruction, deadline, text) and ask-backs.
action-correct: the same kinds and targets.
dangerous: a statement applied to someone not meant, or an action where an ask-back (or nothing,
for an out-of-office text) was due.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP

from mailflow.language.statements import Kind, Reading, read_answer
from mailflow.office.load import load_rules
from mailflow.text.parsing import parse_message
from tests.corpus.own import CASES, TODAY_ISO, Case
from tests.support import REPO, clients

RULES = load_rules(REPO / "rules")
TODAY = dt.date.fromisoformat(TODAY_ISO)
APPS = [
    clients.gmail_android_id, clients.iphone_id, clients.outlook_html_only, clients.samsung_id,
    clients.yahoo_android_id, clients.apple_mail_en, clients.outlook_android_id, clients.outlook_ios_en,
    clients.huawei_id, clients.xiaomi_en, clients.blackberry_en, clients.spark_id, clients.k9_en,
    clients.windows_mail_id, clients.thunderbird_bottom, clients.gmail_quoted_printable,
]  # fmt: skip
PER_CASE = 3
ACTIONS = {Kind.DISPOSE, Kind.DONE, Kind.ARCHIVE, Kind.UNDO, Kind.PROGRESS, Kind.ACK}


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
        "Balas email ini, misalnya:  Sekretaris: pelajari batas 3 hari\n\nKode balasan: dAbC123\n"
    )
    return msg


@dataclass(frozen=True)
class Outcome:
    exact: bool
    action_correct: bool
    dangerous: bool
    got: str


def _shape(reading: Reading) -> tuple:
    return tuple(
        (
            s.kind.value,
            tuple(t.email.split("@")[0] for t in s.targets),
            s.instruction,
            s.deadline.isoformat() if s.deadline else None,
            s.text if s.kind is not Kind.DISPOSE else "",
        )
        for s in reading.statements
    )


def _expected(case: Case) -> tuple:
    return tuple((e.kind, e.targets, e.instruction, e.deadline, e.text) for e in case.expect)


def judge(case: Case, reading: Reading) -> Outcome:
    got, want = _shape(reading), _expected(case)
    reasons = tuple(p.reason for p in reading.problems)
    exact = got == want and reasons == case.problems and reading.automatic == case.automatic
    action_correct = [(g[0], g[1]) for g in got] == [(w[0], w[1]) for w in want]
    meant = {t for e in case.expect for t in e.targets}
    wanted_kinds = {e.kind for e in case.expect}
    dangerous = any(
        (g[0] == "dispose" and not set(g[1]) <= meant) or (Kind(g[0]) in ACTIONS and g[0] not in wanted_kinds)
        for g in got
    ) or (case.automatic and bool(got))
    return Outcome(exact, action_correct, dangerous, f"{got} {reasons} automatic={reading.automatic}")


def read_as_mailflow(case: Case, app) -> Reading:
    position = RULES.positions[case.holder]
    holder = RULES.holder(case.holder, TODAY)
    raw = app(_request(holder.person.email), holder.person.email, case.text).as_bytes(policy=SMTP)
    return read_answer(parse_message(raw), RULES, position.id, TODAY, holder.person.name)[1]


def score() -> tuple[int, int, int, int, list[str]]:
    exact = correct = dangerous = total = 0
    misses: list[str] = []
    for i, case in enumerate(CASES):
        for k in range(PER_CASE):
            app = APPS[(i * PER_CASE + k) % len(APPS)]
            outcome = judge(case, read_as_mailflow(case, app))
            total += 1
            exact += outcome.exact
            correct += outcome.action_correct
            dangerous += outcome.dangerous
            if not outcome.exact:
                flag = "DANGEROUS " if outcome.dangerous else ""
                misses.append(f"{flag}{app.__name__} {case.holder}: {case.text!r}\n      got {outcome.got}")
    return exact, correct, dangerous, total, misses


def test_own_reply_corpus_scores_exact_and_never_dangerous():
    exact, correct, dangerous, total, misses = score()
    print(f"\nown reply corpus: {total} replies, exact {exact} ({exact / total:.1%}), "
          f"action-correct {correct} ({correct / total:.1%}), dangerous {dangerous}")  # fmt: skip
    for miss in misses:
        print("  miss", miss)
    assert total >= 300
    assert dangerous == 0
    assert exact == total
