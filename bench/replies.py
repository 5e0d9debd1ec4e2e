"""Reply understanding on Mailflow's own corpus (tests/corpus/own.py, every case as three mail apps
send it): replies per second through the whole reading (MIME parse, new text, statements) against
a floor measured in the same run (the MIME parse alone), the score (exact, dangerous, silent
losses), and the share of replies that act directly, are proposed, are asked back or stay notes.

    .venv/bin/python bench/replies.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mailflow.disposition.explain import OUTCOMES, outcome_of, summary  # noqa: E402
from mailflow.language.statements import read_answer  # noqa: E402
from mailflow.text.parsing import parse_message  # noqa: E402
from tests.corpus.own import CASES, Case  # noqa: E402
from tests.test_reply_corpus import REPLIES, RULES, TODAY, judge, raw_reply  # noqa: E402


def expected_outcome(case: Case) -> str:
    """The outcome the contract's reading of a case has (as outcome_of names a reading's)."""
    if case.automatic:
        return "ignored"
    if case.problems:
        return "asked"
    if case.proposals:
        return "proposed"
    return "acted" if any(e.kind != "note" for e in case.expect) else "notes"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    replies = [(reply, raw_reply(reply)) for reply in REPLIES]
    started = time.perf_counter()
    for _ in range(args.rounds):
        for _reply, raw in replies:
            parse_message(raw)
    floor = len(replies) * args.rounds / (time.perf_counter() - started)
    exact = dangerous = silent = 0
    outcomes: list[str] = []
    started = time.perf_counter()
    for round_ in range(args.rounds):
        for reply, raw in replies:
            name = RULES.holder(reply.case.holder, TODAY).person.name
            _text, reading = read_answer(parse_message(raw), RULES, reply.case.holder, TODAY, name)
            if round_ == 0:
                outcome = judge(reply.case, reading)
                exact += outcome.exact
                dangerous += bool(outcome.dangerous)
                silent += outcome.silent
                outcomes.append(outcome_of(reading))
    ours = len(replies) * args.rounds / (time.perf_counter() - started)
    n = len(replies)
    shares = summary(outcomes)
    wanted = summary([expected_outcome(reply.case) for reply, _raw in replies])
    print("| measure | value |\n|---|---|")
    print(f"| replies in the corpus | {n} ({len(CASES)} cases, each as 3 mail apps send it) |")
    print(f"| exact | {exact}/{n} ({exact / n:.1%}) |")
    print(f"| dangerous / silent losses | {dangerous} / {silent} |")
    print("| share read: " + ", ".join(OUTCOMES) + " | " + ", ".join(f"{shares[o] / n:.1%}" for o in OUTCOMES) + " |")
    print("| share the contract reads | " + ", ".join(f"{wanted[o] / n:.1%}" for o in OUTCOMES) + " |")
    print(f"| floor: MIME parse alone | {floor:.0f} replies/s |")
    print(f"| Mailflow: parse, new text, statements | {ours:.0f} replies/s |")
    print(f"| ratio to the floor | {ours / floor:.2f} |")


if __name__ == "__main__":
    main()
