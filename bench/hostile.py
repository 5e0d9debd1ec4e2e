"""Hostile mail scaled up in size: seconds per MB, peak memory per MB, and how time grows.

For each class of tests/support/hostile.SCALED at 10 KB, 100 KB, 1 MB, 2 MB and 10 MB it reads
the message as the poll does before its transaction (parse, body text, PDF text, registry
fields, new text of a reply, reply statements), in a fresh process each time, and reports:
- seconds and seconds per MB (goal < 2 s/MB);
- peak Python memory (tracemalloc, a second run) as a multiple of the message size (goal < 2x);
- the doubling ratio t(2 MB) / t(1 MB) (about 2 when the cost is linear) and t(10 MB) / t(1 MB);
- the same message through a bare `email.message_from_bytes` in the same process, as a floor
  of time and of memory (the standard library's parser alone holds several copies of a message).
A message refused as too deep, too big or too broken counts as read (it is held, not read).

    .venv/bin/python bench/hostile.py [--sizes 10000,100000,1000000,2000000,10000000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = """
import datetime as dt, email, gc, json, sys, time, tracemalloc
from pathlib import Path
sys.path.insert(0, {root!r})
from mailflow.errors import MessageError
from mailflow.office.load import load_rules
from mailflow.text.fields import extract_fields, letter_files
from mailflow.text.parsing import parse_message
from mailflow.text.pdf import letter_pdf_texts
from mailflow.text.quotes import extract_new_text
from mailflow.text.replies import read_reply, reply_context
from tests.support.hostile import SCALED

raw = SCALED[{kind!r}]({size})
context = reply_context(load_rules(Path({rules!r})), "kadis", dt.date(2026, 11, 25))


def pipeline():
    try:
        message = parse_message(raw)
    except MessageError as exc:
        return exc.reason
    message.body_text
    extract_fields(message, letter_pdf_texts(letter_files(message)))
    read_reply(extract_new_text(message.text, message.html, message.from_name), context)
    return "read"


pipeline_of = pipeline
raw, sample = SCALED["long lines"](2000), raw
pipeline_of()  # warm up: a running worker has its imports and patterns ready
raw = sample
gc.collect()
if {memory}:
    tracemalloc.start()
started = time.perf_counter()
email.message_from_bytes(raw)
floor = time.perf_counter() - started
floor_peak = tracemalloc.get_traced_memory()[1] if {memory} else 0
if {memory}:
    tracemalloc.stop()
gc.collect()
if {memory}:
    tracemalloc.start()
started = time.perf_counter()
outcome = pipeline()
seconds = time.perf_counter() - started
peak = tracemalloc.get_traced_memory()[1] if {memory} else 0
print(json.dumps({{"bytes": len(raw), "seconds": seconds, "floor": floor, "peak": peak,
                  "floor_peak": floor_peak, "outcome": outcome}}))
"""


def probe(kind: str, size: int, memory: bool) -> dict:
    code = PROBE.format(root=str(ROOT), kind=kind, size=size, rules=str(ROOT / "rules"), memory=memory)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=900, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from tests.support.hostile import SCALED

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000,2000000,10000000")
    sizes = [int(s) for s in parser.parse_args().sizes.split(",")]
    print(
        f"{'class':16} {'size':>9} {'s':>7} {'s/MB':>6} {'floor s':>8} {'peak/size':>9} "
        f"{'floor peak/size':>15}  outcome"
    )
    for kind in SCALED:
        times: dict[int, float] = {}
        for size in sizes:
            timed, traced = probe(kind, size, memory=False), probe(kind, size, memory=True)
            megabytes = timed["bytes"] / 1e6
            times[size] = timed["seconds"]
            print(
                f"{kind:16} {timed['bytes']:>9} {timed['seconds']:>7.3f} {timed['seconds'] / megabytes:>6.2f} "
                f"{timed['floor']:>8.3f} {traced['peak'] / timed['bytes']:>8.1f}x "
                f"{traced['floor_peak'] / timed['bytes']:>14.1f}x  {timed['outcome']}"
            )
        if 1_000_000 in times and 2_000_000 in times:
            doubling = times[2_000_000] / max(times[1_000_000], 1e-9)
            tenfold = times.get(10_000_000, 0) / max(times[1_000_000], 1e-9)
            print(
                f"{kind:16} doubling ratio t(2 MB)/t(1 MB) = {doubling:.2f}; t(10 MB)/t(1 MB) = {tenfold:.1f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
