"""Hostile mail scaled up in size: seconds per MB, peak memory per MB, and how time grows.

For each class of tests/support/hostile.SCALED at 10 KB, 100 KB, 1 MB, 2 MB and 10 MB it reads
the message as the poll does before its transaction (from its spool file: parse, body text, PDF
text, registry fields, new text of a reply, reply statements), in a fresh process each time, and
reports:
- seconds and seconds per MB (goal < 2 s/MB);
- peak Python memory (tracemalloc, a second run) as a multiple of the message size (goal < 2x);
- the doubling ratio t(2 MB) / t(1 MB) (about 2 when the cost is linear) and t(10 MB) / t(1 MB);
- the same message through a bare `email.message_from_bytes` in the same process, as a floor
  of time and of memory (the standard library's parser alone holds several copies of a message).
A message refused as too deep, too big or too broken counts as read (it is held, not read).

Then the scans a reader process gets (OCR_CASES): a letter of 40 phone photos, a PNG and a 2 MB
PDF each holding a 46000x46000 image, a broken PNG; seconds and the reader's peak RSS.

    .venv/bin/python bench/hostile.py [--sizes 10000,100000,1000000,2000000,10000000] [--no-ocr]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = """
import datetime as dt, email, gc, json, sys, tempfile, time, tracemalloc
from pathlib import Path
sys.path.insert(0, {root!r})
from mailflow.errors import MessageError
from mailflow.office.load import load_rules
from mailflow.text.fields import extract_fields, letter_files
from mailflow.text.parsing import read_message, spooled
from mailflow.text.pdf import letter_pdf_texts
from mailflow.text.quotes import extract_new_text
from mailflow.language.statements import read_reply, reply_context
from tests.support.hostile import SCALED

raw = SCALED[{kind!r}]({size})
folder = Path(tempfile.mkdtemp())
path = folder / "message.eml"
context = reply_context(load_rules(Path({rules!r})), "kadis", dt.date(2026, 11, 25))


def pipeline():
    # As the poll reads a fetched message: from its spool file, large parts spooled beside it.
    with spooled(folder) as spool, path.open("rb") as source:
        try:
            message = read_message(source, spool)
        except MessageError as exc:
            return exc.reason
        return read(message)


def read(message):
    message.body_text
    extract_fields(message, letter_pdf_texts(letter_files(message)))
    read_reply(extract_new_text(message.text, message.html, message.from_name), context)
    return "read"


pipeline_of = pipeline
raw, sample = SCALED["long lines"](2000), raw
path.write_bytes(raw)
pipeline_of()  # warm up: a running worker has its imports and patterns ready
raw = sample
path.write_bytes(raw)  # fetched: the message is in its spool file before it is read
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


OCR_PROBE = """
import io, json, resource, sys, time
sys.path.insert(0, {root!r})
from mailflow.demo.sample_scans import phone_photo
from mailflow.scans.files import ScanFile
from mailflow.scans.work import limit_reader, read_scans
from tests.support.hostile import broken_png, pixel_bomb_pdf, pixel_bomb_png

limit_reader()
kind = {kind!r}
if kind == "40 photos":
    photo = phone_photo(1)[0]
    files = [ScanFile(f"IMG_{{n}}.jpg", "image/jpeg", photo + bytes([n])) for n in range(40)]
elif kind == "46000px PDF":
    files = [ScanFile("besar.pdf", "application/pdf", pixel_bomb_pdf())]
elif kind == "46000px PNG":
    files = [ScanFile("besar.png", "image/png", pixel_bomb_png())]
else:
    files = [ScanFile("rusak.png", "image/png", broken_png())]
size = sum(len(f.payload) for f in files)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
result = read_scans(files, "ind+eng")
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"bytes": size, "seconds": seconds, "rss": peak * 1024, "grew": (peak - before) * 1024,
                  "pages": result.pages, "merged": len(result.merged_pdf or b""),
                  "unread": sorted({{r for _, r in result.unread}})}}))
"""
OCR_CASES = ("40 photos", "46000px PDF", "46000px PNG", "broken PNG")


def ocr_rows() -> None:
    print(f"\n{'scans':12} {'bytes':>9} {'s':>7} {'peak RSS MB':>11} {'grew MB':>8} {'pages':>5} {'merged PDF':>10}  unread")
    for kind in OCR_CASES:
        code = OCR_PROBE.format(root=str(ROOT), kind=kind)
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=900, check=True)
        row = json.loads(done.stdout.strip().splitlines()[-1])
        print(
            f"{kind:12} {row['bytes']:>9} {row['seconds']:>7.2f} {row['rss'] / 1e6:>11.0f} {row['grew'] / 1e6:>8.0f} "
            f"{row['pages']:>5} {row['merged']:>10}  {','.join(row['unread']) or '-'}"
        )


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from tests.support.hostile import SCALED

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000,2000000,10000000")
    parser.add_argument("--no-ocr", action="store_true", help="leave out the scan rows")
    parser.add_argument("--only", default="", help="classes to run, comma-separated (default all)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    kinds = [k for k in SCALED if not args.only or k in args.only.split(",")]
    print(
        f"{'class':16} {'size':>9} {'s':>7} {'s/MB':>6} {'floor s':>8} {'peak/size':>9} "
        f"{'floor peak/size':>15}  outcome"
    )
    for kind in kinds:
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
    if not args.no_ocr:
        ocr_rows()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
