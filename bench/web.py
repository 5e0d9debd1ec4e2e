"""The web pages with a year's data: 50,000 letters and 200,000 events, each page's p95 answered
through the real app (Starlette's TestClient, a signed session) next to the bare query behind it,
measured in the same run. `.venv/bin/python bench/web.py [--letters 50000] [--samples 40]
[--database-url URL]` (default: a fresh SQLite file; for PostgreSQL pass a server's URL, e.g.
`$(scripts/start-postgres)`, and a fresh database is made on it). Nothing here passes or fails."""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlmodel import Session
from starlette.testclient import TestClient

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from mailflow.app import App  # noqa: E402
from mailflow.config import load_settings  # noqa: E402
from mailflow.disposition.tree import tree_rows  # noqa: E402
from mailflow.storage.db import create_schema, make_engine  # noqa: E402
from mailflow.storage.models import Disposition, Event, Letter  # noqa: E402
from mailflow.storage.spans import week_of  # noqa: E402
from mailflow.text.links import LETTER, make_link  # noqa: E402
from mailflow.web.lists import BookFilter, book_page, dashboard, waiting_for  # noqa: E402
from mailflow.web.reader import reader_for  # noqa: E402
from mailflow.web.scope import letter_for  # noqa: E402
from mailflow.web.site import build  # noqa: E402
from tests.support.postgres import fresh_postgres_database  # noqa: E402

D = "@probolinggokab.example"
KADIS, CLERK = f"kadis{D}", f"agenda{D}"
SECRET = "w" * 40
POSITIONS = [("sekretaris", "sekretaris"), ("kabid_dikdas", "kabid.dikdas"), ("kabid_paud", "kabid.paud")]
WIB = ZoneInfo("Asia/Jakarta")  # the bench office's zone (its config sets no `timezone`)
WORDS = ["undangan", "rapat", "koordinasi", "laporan", "data", "guru", "sekolah", "anggaran", "kegiatan", "pelatihan"]


def fill(url: str, letters: int, today: dt.date) -> None:
    """Letters over the last year, as an office's year leaves them: each with a root at the head
    and a child below it, and four events; the letters of the last month still open (a third at
    the head, the rest with the child), some of them overdue, the older ones done."""
    engine = make_engine(url)
    create_schema(engine)
    rng = random.Random(7)
    start = dt.datetime.combine(today, dt.time(8), dt.UTC) - dt.timedelta(days=365)
    with engine.begin() as conn:
        for first in range(0, letters, 5000):
            batch = range(first, min(first + 5000, letters))
            rows, nodes, events = [], [], []
            for n in batch:
                received = start + dt.timedelta(minutes=n * 365 * 24 * 60 // letters)
                year = received.year
                words = " ".join(rng.sample(WORDS, 4))
                recent = received.date() > today - dt.timedelta(days=30)
                late = received.date() + dt.timedelta(days=5)
                rows.append({
                    "id": n + 1, "office": "DISDIK", "year": year, "seq": n + 1,
                    "agenda_number": f"{n + 1:05d}/SM/{year}", "subject_tag": f"t{n}", "received_at": received,
                    "sender": f"Dinas {rng.choice(WORDS)}", "subject": f"Surat {words}",
                    "status": rng.choice(["awaiting", "in_progress"]) if recent else "done",
                    "mailbox": "surat", "clerk": CLERK,
                    "message_id": f"<{n}@bench>", "fingerprint": f"f{n}", "raw_sha256": "0" * 64,
                    "sources": {}, "confidence": {}, "ocr_text": f"KOP SURAT {words} nomor {n}",
                    "security": "rahasia" if n % 50 == 0 else None, "fields_pending": False, "fields_early": False,
                    # its spans and open deadline, as its log and open nodes below leave them
                    "received_week": week_of(received, WIB),
                    "hours_to_disposition": 6.0, "hours_to_finish": 9.0, "open_deadline": late if recent else None,
                })  # fmt: skip
                root, child = 2 * n + 1, 2 * n + 2
                position, holder = POSITIONS[n % 3]
                nodes.append({"id": root, "letter_id": n + 1, "position_id": "kadis", "holder": KADIS,
                              "holder_name": "Budi", "holder_title": "Kepala Dinas", "disposer": "routing",
                              "state": "pending" if recent and n % 3 == 0 else "disposed", "deadline": late, "answered": True,
                              "instruction": "", "created_at": received, "updated_at": received})  # fmt: skip
                nodes.append({"id": child, "letter_id": n + 1, "parent_id": root, "position_id": position,
                              "holder": f"{holder}{D}", "holder_name": holder, "holder_title": holder,
                              "disposer": KADIS,
                              "state": rng.choice(["pending", "in_progress"]) if recent else "completed",
                              "deadline": late, "answered": False, "instruction": "pelajari",
                              "created_at": received, "updated_at": received})  # fmt: skip
                for k, action in enumerate(("registered", "requested", "disposed", "completed")):
                    events.append({"letter_id": n + 1, "at": received + dt.timedelta(hours=3 * k),
                                   "actor": KADIS, "action": action, "targets": [], "text": ""})  # fmt: skip
            conn.execute(insert(Letter), rows)
            conn.execute(insert(Disposition), nodes)
            conn.execute(insert(Event), events)
    if url.startswith("postgresql"):
        # What autovacuum has done to a year's letters (since PostgreSQL 13 it vacuums a table
        # after inserts too): the planner knows the columns, and the visibility map lets an
        # index-only count skip the heap. ANALYZE alone left every count visiting it.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    engine.dispose()


def timed(run: Callable[[], object], samples: int) -> tuple[float, float]:
    """The median and the p95 in ms: on a loaded machine the p95 is a scheduler's outlier as
    often as the page's own cost, and the median shows which."""
    run()  # warm
    times = []
    for _ in range(samples):
        began = time.perf_counter()
        run()
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1000, statistics.quantiles(times, n=20)[-1] * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--letters", type=int, default=50_000)
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--only", default="", help="the pages whose name holds this word")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="mailflow-bench-web-"))
    url = fresh_postgres_database(args.database_url) if args.database_url else f"sqlite:///{folder}/bench.db"
    today = dt.date.today()
    began = time.monotonic()
    fill(url, args.letters, today)
    print(f"filled {args.letters} letters, {4 * args.letters} events in {time.monotonic() - began:.0f} s")
    (folder / "config.toml").write_text(
        f'database_url = "{url}"\nstorage_dir = "{folder}/storage"\nrules_dir = "{REPO / "rules"}"\n'
        f'admin_email = "admin{D}"\n\n[web]\npublic_url = "https://testserver"\nsecret_key = "{SECRET}"\n'
    )
    app = App.build(load_settings(folder / "config.toml"))
    regency = app.rules.get()
    kadis, clerk = (reader_for(regency, app.settings, who, today) for who in (KADIS, CLERK))
    assert kadis is not None and clerk is not None
    web = build(app)

    def signed_in(address: str) -> TestClient:
        client = TestClient(web, base_url="https://testserver")
        token, _ = make_link(SECRET, LETTER, address, None)
        page = client.get(f"/link/{token}")
        csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
        client.post(f"/link/{token}", data={"csrf": csrf}, follow_redirects=False)
        return client

    as_kadis, as_clerk = signed_in(KADIS), signed_in(CLERK)
    letter_id = args.letters // 2

    def bare(run: Callable[[Session], object]) -> Callable[[], object]:
        def once() -> object:
            with Session(app.engine) as session:
                return run(session)

        return once

    def page(client: TestClient, path: str) -> Callable[[], object]:
        def once() -> object:
            answer = client.get(path)
            assert answer.status_code == 200, (path, answer.status_code)
            return answer

        return once

    def letter_bare(session: Session) -> object:
        letter = letter_for(session, kadis, letter_id)
        assert letter is not None
        return tree_rows(session, letter, today)

    cases = [
        ("Surat saya (kadis)", page(as_kadis, "/surat"), bare(lambda s: waiting_for(s, kadis))),
        ("agenda book, page 1 (clerk)", page(as_clerk, "/book"), bare(lambda s: book_page(s, clerk, BookFilter()))),
        ("agenda book, page 40", page(as_clerk, "/book?page=40"),
         bare(lambda s: book_page(s, clerk, BookFilter(page=40)))),
        ("agenda book, state + overdue", page(as_clerk, "/book?state=awaiting&overdue=1"),
         bare(lambda s: book_page(s, clerk, BookFilter(state="awaiting", overdue=True)))),
        ("agenda book, search 2 words", page(as_clerk, "/book?q=rapat+guru"),
         bare(lambda s: book_page(s, clerk, BookFilter(search="rapat guru")))),
        ("a letter (kadis)", page(as_kadis, f"/letters/{letter_id}"), bare(letter_bare)),
        ("dashboard (kadis)", page(as_kadis, "/dashboard"), bare(lambda s: dashboard(s, kadis))),
    ]  # fmt: skip
    engine = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"\n{engine}, {args.letters} letters, {4 * args.letters} events, p95 of {args.samples}\n")
    print("| page | page p95 ms | bare query p95 ms | ratio | page median ms | bare median ms | goal |")
    print("|---|---|---|---|---|---|---|")
    for name, whole, query in [c for c in cases if args.only in c[0]]:
        (shown_mid, shown), (alone_mid, alone) = timed(whole, args.samples), timed(query, args.samples)
        print(f"| {name} | {shown:.1f} | {alone:.1f} | {shown / alone:.1f}x | {shown_mid:.1f} | {alone_mid:.1f} "
              "| < 100 ms |")


if __name__ == "__main__":
    main()
