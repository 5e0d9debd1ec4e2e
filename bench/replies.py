"""Reply understanding on Mailflow's own corpus (tests/corpus/own.py, as three mail apps each send
every case): replies per second through the whole reading (MIME parse, new text, statements)
against a floor measured in the same run (the MIME parse alone), the score, and the share of
replies that act directly, are proposed, are asked back, stay notes, or are out-of-office texts.

    .venv/bin/python bench/replies.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mailflow.language.statements import Kind, Reading, read_answer  # noqa: E402
from mailflow.text.parsing import parse_message  # noqa: E402
from tests.corpus.own import CASES  # noqa: E402
from tests.test_reply_corpus import REPLIES, RULES, TODAY, judge, raw_reply  # noqa: E402


def outcome(reading: Reading) -> str:
    """What the one answer to this reply does."""
    if reading.automatic:
        return "out-of-office (nothing, no answer)"
    if any(s.kind is not Kind.NOTE for s in reading.statements):
        return "acts directly"
    if reading.proposals:
        return "proposed (confirm with Ya)"
    if reading.problems:
        return "asked back"
    return "notes only"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    replies = [(reply.case, raw_reply(reply)) for reply in REPLIES]
    started = time.perf_counter()
    for _ in range(args.rounds):
        for _case, raw in replies:
            parse_message(raw)
    floor = len(replies) * args.rounds / (time.perf_counter() - started)
    exact = 0
    shares: Counter[str] = Counter()
    started = time.perf_counter()
    for _ in range(args.rounds):
        for case, raw in replies:
            name = RULES.holder(case.holder, TODAY).person.name
            _text, reading = read_answer(parse_message(raw), RULES, case.holder, TODAY, name)
            exact += judge(case, reading).exact
            shares[outcome(reading)] += 1
    ours = len(replies) * args.rounds / (time.perf_counter() - started)
    print("| measure | value |\n|---|---|")
    print(f"| replies in the corpus | {len(replies)} ({len(CASES)} cases, each as 3 mail apps send it) |")
    print(f"| exact | {exact // args.rounds}/{len(replies)} |")
    for what, n in shares.most_common():
        print(f"| {what} | {n // args.rounds} ({n / args.rounds / len(replies):.1%}) |")
    print(f"| floor: MIME parse alone | {floor:.0f} replies/s |")
    print(f"| Mailflow: parse, new text, statements | {ours:.0f} replies/s |")
    print(f"| ratio to the floor | {ours / floor:.2f} |")


if __name__ == "__main__":
    main()
