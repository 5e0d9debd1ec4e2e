"""Reply understanding on Mailflow's own corpus (tests/corpus/own.py, as three mail apps each send
every case): replies per second through the whole reading (MIME parse, new text, statements)
against a floor measured in the same run (the MIME parse alone), and the score.

    .venv/bin/python bench/replies.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import sys
import time
from email.policy import SMTP
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mailflow.language.statements import read_answer  # noqa: E402
from mailflow.text.parsing import parse_message  # noqa: E402
from tests.corpus.own import CASES  # noqa: E402
from tests.test_reply_corpus import APPS, PER_CASE, RULES, TODAY, _request, judge  # noqa: E402


def corpus() -> list[tuple[object, bytes]]:
    out = []
    for i, case in enumerate(CASES):
        email = RULES.holder(case.holder, TODAY).person.email
        for k in range(PER_CASE):
            app = APPS[(i * PER_CASE + k) % len(APPS)]
            out.append((case, app(_request(email), email, case.text).as_bytes(policy=SMTP)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    replies = corpus()
    started = time.perf_counter()
    for _ in range(args.rounds):
        for _case, raw in replies:
            parse_message(raw)
    floor = len(replies) * args.rounds / (time.perf_counter() - started)
    exact = 0
    started = time.perf_counter()
    for _ in range(args.rounds):
        for case, raw in replies:
            name = RULES.holder(case.holder, TODAY).person.name
            _text, reading = read_answer(parse_message(raw), RULES, case.holder, TODAY, name)
            exact += judge(case, reading).exact
    ours = len(replies) * args.rounds / (time.perf_counter() - started)
    print("| measure | value |\n|---|---|")
    print(f"| replies in the corpus | {len(replies)} ({len(CASES)} cases x {PER_CASE} apps) |")
    print(f"| exact | {exact // args.rounds}/{len(replies)} |")
    print(f"| floor: MIME parse alone | {floor:.0f} replies/s |")
    print(f"| Mailflow: parse, new text, statements | {ours:.0f} replies/s |")
    print(f"| ratio to the floor | {ours / floor:.2f} |")


if __name__ == "__main__":
    main()
