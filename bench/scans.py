"""Scans: `.venv/bin/python bench/scans.py [--copier 100] [--photos 100] [--pages 10] [--letters 20]`.

Prints, with a baseline measured in the same run (figures alone mean little on a noisy machine):
1. field accuracy on generated copier scans and phone photos (mailflow/demo/sample_scans.py), per field;
2. OCR seconds per page through Mailflow's reader vs the bare `tesseract` command on the same
   pages, and pages per second with every core vs one;
3. the filing loop (letters committed per second) while scans are read beside it, against the
   fetch+parse floor of the same messages;
4. peak memory of polling a 60 MB scan message, five runs (bench/run.py's large-scan probe).
Nothing passes or fails here.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from bench.run import Bench, Row, fill_maildir, floor_seconds  # noqa: E402
from mailflow.demo.sample_scans import Truth, copier_scan, phone_photo  # noqa: E402
from mailflow.inbound import scan_jobs  # noqa: E402
from mailflow.ops import service  # noqa: E402
from mailflow.scans.files import ScanFile  # noqa: E402
from mailflow.scans.ocr import THRESHOLDS, read_page  # noqa: E402
from mailflow.scans.pages import pages  # noqa: E402
from mailflow.scans.work import read_scans  # noqa: E402
from mailflow.text.fields import parse_sifat  # noqa: E402
from mailflow.text.ocr_fields import ocr_fields  # noqa: E402
from tests.support.letters import MAILBOX, scan_to_email  # noqa: E402
from tests.support.mail import signed  # noqa: E402

FIELDS = ("letter_number", "letter_date", "subject", "sifat", "sender")


def _read_one(kind: str, seed: int) -> tuple[Truth, dict[str, bool]]:
    data, truth = copier_scan(seed) if kind == "copier" else phone_photo(seed)
    scan = (
        ScanFile("SCAN.pdf", "application/pdf", data)
        if kind == "copier"
        else ScanFile("IMG_1.jpg", "image/jpeg", data)
    )
    fields = ocr_fields(read_scans([scan], "ind+eng").text)
    urgency, _security = parse_sifat(truth.sifat)
    return truth, {
        "letter_number": fields.letter_number == truth.letter_number,
        "letter_date": fields.letter_date == truth.letter_date,
        "subject": fields.subject == truth.subject,
        "sifat": fields.urgency == urgency,
        "sender": fields.sender == truth.sender,
    }


def accuracy(kind: str, count: int, goal: int) -> list[Row]:
    with ProcessPoolExecutor(os.cpu_count(), initializer=_one_thread) as pool:
        results = list(pool.map(_read_one, [kind] * count, range(1000, 1000 + count)))
    rows = []
    for name in FIELDS:
        right = sum(r[name] for _truth, r in results)
        rows.append(
            Row(f"1. {kind} {count}: {name}", f"{100 * right / count:.0f}% exact", "", "", f">= {goal}%")
        )
    return rows


def page_images(count: int, folder: Path) -> list[Path]:
    paths = []
    for seed in range(count):
        data, _ = copier_scan(2000 + seed)
        [image] = list(pages(ScanFile("s.pdf", "application/pdf", data), 1))
        path = folder / f"page{seed}.pgm"  # read as fast by both sides: no PNG decoding in the figure
        image.save(path)
        paths.append(path)
    return paths


def _one_thread() -> None:
    os.environ["OMP_THREAD_LIMIT"] = "1"  # as Mailflow's readers run (ops/service.reader_pool)


def _ocr_file(path: str) -> int:
    return len(read_page(Image.open(path)).text)


def _cli_seconds(paths: list[Path], env: dict[str, str], options: list[str]) -> float:
    started = time.perf_counter()
    for path in paths:
        subprocess.run(
            ["tesseract", str(path), "-", "-l", "ind+eng", *options], capture_output=True, check=True, env=env
        )
    return (time.perf_counter() - started) / len(paths)


def ocr_speed(count: int) -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp:
        paths = page_images(count, Path(tmp))
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}  # one core each, as the readers have
        cli = _cli_seconds(paths, env, [])
        same = _cli_seconds(paths, env, THRESHOLDS.split())  # with the readers' threshold setting
        with ProcessPoolExecutor(1, initializer=_one_thread) as one:
            one.submit(_ocr_file, str(paths[0])).result()  # the models load once per reader
            started = time.perf_counter()
            list(one.map(_ocr_file, map(str, paths)))
            ours = (time.perf_counter() - started) / count
        cores = os.cpu_count() or 1
        with ProcessPoolExecutor(cores, initializer=_one_thread) as every:
            list(every.map(_ocr_file, map(str, paths[:cores])))
            started = time.perf_counter()
            list(every.map(_ocr_file, map(str, paths)))
            parallel = time.perf_counter() - started
    return [
        Row(
            f"2. OCR per 300 dpi page ({count} pages)",
            f"{ours:.2f} s/page",
            f"tesseract CLI {cli:.2f} s",
            f"{ours / cli:.2f}x",
            "<= 1.15x",
        ),
        Row(
            "2. the same, against the CLI with Sauvola too",
            f"{ours:.2f} s/page",
            f"tesseract CLI {same:.2f} s",
            f"{ours / same:.2f}x",
            "<= 1.15x",
        ),
        Row(
            f"2. pages/s, {cores} cores vs 1",
            f"{count / parallel:.2f} pages/s",
            f"1 core {1 / ours:.2f}",
            f"{ours * count / parallel:.2f}x",
            f"~{cores}x",
        ),
    ]


def filing_with_ocr(bench: Bench, count: int) -> Row:
    """Letters committed per second while a reader pool works through their scans."""
    bench.dovecot.wipe_mail()
    messages = [signed(scan_to_email(copier_scan(3000 + n)[0])) for n in range(count)]
    fill_maildir(bench.dovecot, MAILBOX, messages)
    floor = floor_seconds(bench, Path(bench.tmp.name) / "floor-scans")
    office = bench.office("scans")
    app = office.app
    stop = threading.Event()
    with service.reader_pool(app) as pool:

        def read_beside() -> None:
            while not stop.is_set():
                if not scan_jobs.run_scan_jobs(app, pool, stop):
                    time.sleep(0.2)

        reader = threading.Thread(target=read_beside)
        reader.start()
        started = time.perf_counter()
        [report] = service.poll_all(app)
        ours = time.perf_counter() - started
        while scan_jobs.pending(app):
            time.sleep(0.5)
        stop.set()
        reader.join()
    assert report.outcomes == {"letter": count}, report
    return Row(
        f"3. filing {count} copier scans with OCR running",
        f"{count / ours:.1f} letters/s",
        f"floor {count / floor:.1f} msg/s",
        f"{ours / floor:.2f}x floor time",
        "<= 3x",
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copier", type=int, default=100)
    parser.add_argument("--photos", type=int, default=100)
    parser.add_argument("--pages", type=int, default=10)
    parser.add_argument("--letters", type=int, default=20)
    parser.add_argument("--large-runs", type=int, default=5)
    args = parser.parse_args()
    rows = accuracy("copier", args.copier, 95) + accuracy("photo", args.photos, 85)
    rows += ocr_speed(args.pages)
    bench = Bench(boxes=0)
    try:
        rows.append(filing_with_ocr(bench, args.letters))
        rows += [bench.large_scan(45) for _ in range(args.large_runs)]
    finally:
        bench.close()
    width = max(len(r.name) for r in rows)
    for r in rows:
        print(f"{r.name:<{width}}  {r.figure:>18}  {r.baseline:>22}  {r.ratio:>18}  goal {r.goal}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
