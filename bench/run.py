"""Mailflow's benchmarks: `.venv/bin/python bench/run.py [--letters 1000] [--replies 100] [--boxes 200]`.

`--database-url URL` files benchmark 1 on a fresh database of that PostgreSQL server instead of
SQLite; `--profile N` prints cProfile's top N entries of benchmark 1's filing (and saves the
whole profile to the file `MAILFLOW_BENCH_PROFILE` names, for pstats' callers and callees).

Each benchmark starts its own loopback Dovecot and SMTP relay (as the tests do) and prints its
figure next to a baseline measured in the same run, because absolute times mean little on a
noisy machine. Nothing here passes or fails: it prints a table (and --markdown for bench/README).
"""

from __future__ import annotations

import argparse
import cProfile
import email
import gc
import io
import json
import os
import pstats
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fpdf import FPDF  # noqa: E402
from imapclient import IMAPClient  # noqa: E402
from PIL import Image  # noqa: E402
from sqlalchemy import text as sql  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from mailflow.config import Settings  # noqa: E402
from mailflow.inbound.reading_apart import reading_processes  # noqa: E402
from mailflow.language.statements import read_reply, reply_context  # noqa: E402
from mailflow.net.folders import namespace_from, server_name  # noqa: E402
from mailflow.ops import service  # noqa: E402
from mailflow.ops.composing import compose_waiting  # noqa: E402
from mailflow.raw import RawMessage  # noqa: E402
from mailflow.storage.archive import Archive  # noqa: E402
from mailflow.storage.db import transaction  # noqa: E402
from mailflow.storage.models import Event, Letter  # noqa: E402
from mailflow.text.parsing import parse_message  # noqa: E402
from mailflow.text.pdf_pool import readers  # noqa: E402
from mailflow.text.quotes import extract_new_text  # noqa: E402
from tests.conftest import DOMAIN, USERS, Office, Servers  # noqa: E402
from tests.corpus.peers import cases  # noqa: E402
from tests.support import clients  # noqa: E402
from tests.support.dovecot import MAIL_UID, PASSWORD, Dovecot, free_port  # noqa: E402
from tests.support.letters import MAILBOX, gmail_forward  # noqa: E402
from tests.support.mail import Mail, signed  # noqa: E402
from tests.support.postgres import fresh_postgres_database  # noqa: E402
from tests.support.relay import start_relay  # noqa: E402

KADIS = f"kadis@{DOMAIN}"
RULES_CHECK_SECONDS = Settings.model_fields["rules_check_seconds"].default


@dataclass
class Row:
    name: str
    figure: str
    baseline: str
    ratio: str
    goal: str


def noise_pdf(number: str, kilobytes: int = 60) -> bytes:
    """A letter PDF with a text layer and a scanned-looking image, about `kilobytes` in size."""
    rng = random.Random(number)
    side = int((kilobytes * 1024 / 1.5) ** 0.5)  # random pixels JPEG-compress to about half
    image = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
    buf = io.BytesIO()
    image.save(buf, format="JPEG", quality=95)
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    for line in (
        "KEMENTERIAN DALAM NEGERI",
        "Jakarta, 2 Oktober 2017",
        f"Nomor   : {number}",
        "Sifat   : Segera",
        "Hal     : Pembentukan Cabang Dinas",
    ):
        pdf.cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
    pdf.image(buf, w=80)
    return bytes(pdf.output())


def fill_maildir(dovecot: Dovecot, user: str, messages: list[bytes]) -> None:
    """Write straight into Maildir/new (3-4x faster than APPEND; Dovecot indexes at SELECT)."""
    local, domain = user.split("@")
    new = dovecot.dir / "mail" / domain / local / "Maildir" / "new"
    for folder in (new, new.parent / "cur", new.parent / "tmp"):
        folder.mkdir(parents=True, exist_ok=True)
        os.chown(folder, MAIL_UID, MAIL_UID)
    for parent in [new, *new.parents]:
        if parent == dovecot.dir:
            break
        os.chown(parent, MAIL_UID, MAIL_UID)
    for n, raw in enumerate(messages):
        path = new / f"{time.time():.0f}.M{n}P{os.getpid()}.bench"
        path.write_bytes(raw)
        os.chown(path, MAIL_UID, MAIL_UID)


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def open_sockets() -> int:
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            count += os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")
        except FileNotFoundError:  # closed while we looked
            continue
    return count


def raise_inotify_limit(sessions: int) -> None:
    """Every harness user shares one uid, and Dovecot needs an inotify instance per IDLE session:
    past the per-uid limit (128 by default) it falls back to checking every 30 s."""
    limit = Path("/proc/sys/fs/inotify/max_user_instances")
    wanted = max(1024, 4 * sessions)  # some sessions hold more than one
    if int(limit.read_text()) < wanted:
        try:
            limit.write_text(str(wanted))
            print(f"raised fs.inotify.max_user_instances to {wanted}", file=sys.stderr)
        except OSError:
            print(
                "fs.inotify.max_user_instances is too low for this many IDLE sessions: Dovecot will "
                "fall back to 30 s checks beyond it",
                file=sys.stderr,
            )


def cpu_seconds() -> float:
    """User + system CPU of this process and its waited-for children (the PDF readers): on a
    shared machine a steadier measure than wall time, though blind to waiting on fsync."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _fetched(bench: Bench, folder: str = "INBOX") -> Iterator[tuple[int, bytes]]:
    """Every message of the intake mailbox's `folder`, fetched 50 at a time as the poll fetches them."""
    with IMAPClient("127.0.0.1", port=bench.dovecot.imap_port, ssl=False) as client:
        client._imap.debug = 0
        client.login(MAILBOX, PASSWORD)
        namespace = namespace_from(client.namespace().personal, client.list_folders())
        client.select_folder(server_name(folder, namespace), readonly=True)
        uids = client.search("ALL")
        for i in range(0, len(uids), 50):
            for uid, item in client.fetch(uids[i : i + 50], ["BODY.PEEK[]"]).items():
                yield uid, item[b"BODY[]"]


def floor_seconds(bench: Bench, folder: Path) -> float:
    """The floor under filing: fetch every message of the intake mailbox, parse it, write it."""
    folder.mkdir(exist_ok=True)
    started = time.perf_counter()
    for uid, raw in _fetched(bench):
        email.message_from_bytes(raw)
        (folder / str(uid)).write_bytes(raw)
    return time.perf_counter() - started


def honest_floor_seconds(
    bench: Bench, engine: Engine, archive: Archive, table: str, folder: str = "INBOX"
) -> float:
    """What filing cannot avoid (issue 25): fetch each message, parse it, archive it with fsync
    (the archive's own atomic write) and commit one transaction for it on the same database."""
    with engine.begin() as connection:
        connection.execute(
            sql(f"CREATE TABLE {table} (uid INTEGER PRIMARY KEY, sha256 VARCHAR(64), size INTEGER)")
        )
    started = time.perf_counter()
    for uid, raw in _fetched(bench, folder):
        email.message_from_bytes(raw)
        sha = archive.put_raw(RawMessage.of(raw))
        with transaction(engine) as session:
            session.connection().execute(
                sql(f"INSERT INTO {table} VALUES (:uid, :sha, :size)"),
                {"uid": uid, "sha": sha, "size": len(raw)},
            )
    return time.perf_counter() - started


class Bench:
    def __init__(self, boxes: int, database_url: str = "", profile: int = 0) -> None:
        self.database_url, self.profile = database_url, profile
        os.environ["MAILFLOW_TEST_IMAP_PASSWORD"] = PASSWORD
        self.box_users = [f"box{n:03d}@{DOMAIN}" for n in range(boxes)]
        self.dovecot = Dovecot(USERS + self.box_users)
        self.dovecot.start()
        self.smtp_port = free_port()
        self.controller, self.relay = start_relay(self.dovecot, self.smtp_port)
        self.mail = Mail(self.dovecot, self.smtp_port)
        self.tmp = tempfile.TemporaryDirectory(prefix="mailflow-bench-")

    def office(self, name: str, **fields) -> Office:
        folder = Path(self.tmp.name) / name
        folder.mkdir()
        office = Office(folder, Servers(self.dovecot, self.smtp_port, self.relay, self.mail), **fields)
        return office

    def close(self) -> None:
        self.controller.stop()
        self.dovecot.cleanup()
        self.tmp.cleanup()

    def ingest(self, count: int) -> list[Row]:
        self.dovecot.wipe_mail()
        messages = [
            signed(gmail_forward(pdf=noise_pdf(f"{n}/BENCH/2026"), original_subject=f"Surat {n}"))
            for n in range(count)
        ]
        size = sum(map(len, messages)) / count / 1024
        fill_maildir(self.dovecot, MAILBOX, messages)
        del messages  # the service would not hold them: a smaller process forks its PDF readers faster
        url = fresh_postgres_database(self.database_url) if self.database_url else ""
        # The product's own `rules_check_seconds` (the tests' 0 looks at every rules file per message).
        office = self.office("ingest", database_url=url, rules_check=RULES_CHECK_SECONDS)
        app = office.app
        cpu = cpu_seconds()
        floor = floor_seconds(self, Path(self.tmp.name) / "floor")
        floor_cpu, cpu = cpu_seconds() - cpu, cpu_seconds()
        # The same database and the same file system as filing, its own archive folder; measured
        # before and after filing (this machine's fsync time drifts by 2x between minutes): the
        # ratio is to their mean, and both are printed.
        honest = honest_floor_seconds(
            self, app.engine, Archive(Path(self.tmp.name) / "floor-archive"), "floor1"
        )
        honest_cpu = cpu_seconds() - cpu
        # The reading process is started before the clock, as a running service has it; its start
        # (an interpreter and its imports, once per service) is measured apart and still counted.
        processes, start_cpu = reading_processes(), 0.0
        if processes is not None:
            before = cpu_seconds()
            processes.start()
            processes.close()
            start_cpu = cpu_seconds() - before
            processes.start()  # (its CPU counts once it is waited for, at its close below)
        cpu = cpu_seconds()
        profiler = cProfile.Profile() if self.profile else None
        started = time.perf_counter()
        if profiler is not None:
            profiler.enable()
        [report] = service.poll_all(app)
        if profiler is not None:
            profiler.disable()
        ours = time.perf_counter() - started
        if processes is not None:  # waited for, with their PDF readers, so that their CPU counts too
            processes.close()
        readers().close()  # the PDF readers are waited for, so that their CPU counts in `ours_cpu`
        ours_cpu = cpu_seconds() - cpu
        cpu = cpu_seconds()
        # (the same messages, where filing moved them)
        filed_folder = app.settings.mailboxes[0].processed_folder
        honest_after = honest_floor_seconds(
            self, app.engine, Archive(Path(self.tmp.name) / "floor-after"), "floor2", filed_folder
        )
        honest_cpu, honest_before = (honest_cpu + cpu_seconds() - cpu) / 2, honest
        honest = (honest_before + honest_after) / 2
        # The receipts and requests are composed after the filing's commits, by the sender's step
        # before it sends (ops/composing.py): timed apart, so nothing is hidden, and added back in
        # the last row.
        composer = cProfile.Profile() if self.profile else None
        cpu, started = cpu_seconds(), time.perf_counter()
        if composer is not None:
            composer.enable()
        composed = compose_waiting(app)
        if composer is not None:
            composer.disable()
        composing, composing_cpu = time.perf_counter() - started, cpu_seconds() - cpu
        with Session(app.engine) as session:
            filed = len(session.exec(select(Letter)).all())
        assert filed == count, (filed, report)
        if profiler is not None:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(self.profile)
            out.write("\n")
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(self.profile)
            if composer is not None:
                out.write("\ncomposing after the commits:\n")
                pstats.Stats(composer, stream=out).sort_stats("cumulative").print_stats(self.profile)
            print(out.getvalue(), file=sys.stderr)
            if dump := os.environ.get("MAILFLOW_BENCH_PROFILE"):  # for pstats' callers and callees
                profiler.dump_stats(dump)
        database = app.engine.dialect.name
        ms = 1000 / count
        return [
            Row(
                f"1. ingest {count} letters (~{size:.0f} KB each), {database}",
                f"{count / ours:.1f} letters/s ({ours_cpu * ms:.0f} ms CPU each, "
                f"{start_cpu * ms:.1f} of it starting the reading process)",
                f"fetch+parse floor {count / floor:.0f} msg/s ({floor_cpu * ms:.1f} ms CPU)",
                f"{ours / floor:.2f}x floor time ({ours_cpu / floor_cpu:.1f}x CPU)",
                "-",
            ),
            Row(
                f"1. the same, against the honest floor ({database})",
                f"{count / ours:.1f} letters/s",
                f"fetch, parse, archive (fsync), one commit each: {count / honest:.0f} msg/s "
                f"({honest_cpu * ms:.1f} ms CPU; {count / honest_before:.0f} before filing, "
                f"{count / honest_after:.0f} after)",
                f"{ours / honest:.2f}x floor time ({ours_cpu / honest_cpu:.1f}x CPU)",
                "<= 2x",
            ),
            Row(
                "1. composing the receipts and requests after the commits (the sender's step)",
                f"{composed} emails, {composing_cpu * ms:.1f} ms CPU per letter ({count / composing:.0f} letters/s)",
                "filing and composing together, against the honest floor",
                f"{(ours + composing) / honest:.2f}x floor time "
                f"({(ours_cpu + composing_cpu) / honest_cpu:.1f}x CPU)",
                "-",
            ),
        ]

    def reply_latency(self, count: int) -> Row:
        self.dovecot.wipe_mail()
        office = self.office("latency", interval=300)
        for n in range(count):
            office.mail.send(gmail_forward(pdf=noise_pdf(f"{n}/LAT/2026", 8), original_subject=f"Surat {n}"))
        service.once(office.app)
        requests = [m for m in office.mail.messages(KADIS) if "Mohon disposisi" in str(m["Subject"])]
        run = service.Service(office.app)
        run.start()
        for watcher in run.watchers:
            watcher.connected.wait(10)
        time.sleep(1)
        latencies = []
        try:
            for request in requests[:count]:
                reply = clients.gmail_android_id(request, KADIS, "Sekretaris: pelajari")
                office.mail.send(reply)  # returns once the SMTP server accepted it
                t0 = time.perf_counter()
                mid = reply["Message-ID"]
                while time.perf_counter() - t0 < 30:
                    with Session(office.app.engine) as session:
                        if session.exec(select(Event.id).where(Event.message_id == mid)).first():
                            break
                    time.sleep(0.01)
                latencies.append(time.perf_counter() - t0)
        finally:
            run.stop()
        return Row(
            f"2. reply latency, IDLE ({len(latencies)} replies)",
            f"p50 {pct(latencies, 0.5):.2f} s, p99 {pct(latencies, 0.99):.2f} s",
            "Dovecot's IDLE push delay ~0.5 s",
            f"p50 {pct(latencies, 0.5) / 0.5:.1f}x push delay",
            "p50 < 1 s, p99 < 3 s",
        )

    def many_mailboxes(self, samples: int) -> Row:
        self.dovecot.wipe_mail()
        raise_inotify_limit(len(self.box_users))
        before = rss_mb()
        office = self.office("many", interval=600)
        port = self.dovecot.imap_port
        boxes = "".join(
            f'\n[[mailboxes]]\nname = "{u.split("@")[0]}"\nhost = "127.0.0.1"\nport = {port}\n'
            f'security = "none"\nusername = "{u}"\npassword_env = "MAILFLOW_TEST_IMAP_PASSWORD"\n'
            f'address = "{u}"\nunit = "disdik"\n'
            for u in self.box_users
        )
        text = office.config_path.read_text()
        head, _, _ = text.partition("[[mailboxes]]")
        office.config_path.write_text(head + boxes)
        office._app = None
        app = office.app
        run = service.Service(app)
        run.start()
        warm = time.perf_counter()
        for watcher in run.watchers:
            watcher.caught_up.wait(120)  # every mailbox connected and polled once: the start is over
        warmup = time.perf_counter() - warm
        rng = random.Random(3)
        latencies = []
        try:
            for n in range(samples):
                box = rng.choice(self.box_users)
                office.mail.send(
                    gmail_forward(pdf=noise_pdf(f"{n}/MANY/2026", 8), original_subject=f"S {n}"), to=box
                )
                t0 = time.perf_counter()
                while time.perf_counter() - t0 < 30:
                    with Session(app.engine) as session:
                        if session.exec(select(Letter.id).where(Letter.subject == f"S {n}")).first():
                            break
                    time.sleep(0.01)
                latencies.append(time.perf_counter() - t0)
                if latencies[-1] > 3:
                    print(f"slow sample {n}: {latencies[-1]:.1f} s in {box}", file=sys.stderr, flush=True)
                time.sleep(rng.uniform(0, 0.3))
            sockets = open_sockets()
            grown = rss_mb() - before
        finally:
            run.stop()
        return Row(
            f"3. {len(self.box_users)} mailboxes, one process",
            f"p50 {pct(latencies, 0.5):.2f} s, p99 {pct(latencies, 0.99):.2f} s; {sockets} sockets; "
            f"+{grown:.0f} MB RSS; start {warmup:.0f} s",
            f"{len(self.box_users)} IDLE connections expected",
            f"{sockets / len(self.box_users):.2f} sockets/mailbox",
            "latency as 2; < 300 MB",
        )

    def large_scan(self, megabytes: int) -> Row:
        """One poll of a mailbox holding one scan of `megabytes` (attachment), in its own process."""
        growth, size = self._scan_poll(int(megabytes * 1.37) + 1, megabytes)
        return Row(
            f"4. large scan ({megabytes} MB attachment, {size:.0f} MB message)",
            f"peak RSS +{growth:.0f} MB",
            f"message {size:.0f} MB",
            f"{growth / size:.1f}x message size",
            "< 1.5x",
        )

    def large_scans(self, sizes: list[int], runs: int) -> list[Row]:
        """Issue 25's goal, "any message up to 60 MB peaks under 1.5x its size above the service's
        resting RSS": each message size `runs` times, the worst run counts."""
        rows = []
        for message_mb in sizes:
            attachment_mb = max(1, int(message_mb / 1.37))  # base64 and its line ends: 1.37x
            measured = [self._scan_poll(message_mb, attachment_mb) for _ in range(runs)]
            size = measured[0][1]
            ratios = [g / s for g, s in measured]
            rows.append(
                Row(
                    f"4. large scan, {size:.0f} MB message ({attachment_mb} MB attachment), {runs} runs",
                    "peak RSS +" + ", ".join(f"{g:.0f}" for g, _ in measured) + " MB",
                    f"message {size:.1f} MB",
                    f"{max(ratios):.2f}x message size (worst)",
                    "< 1.5x",
                )
            )
        return rows

    def compose_request(self, scan_mb: float = 9.5) -> Row:
        """The disposition request carrying a scan just under `attach_max_bytes` (10 MB; a larger
        scan is not attached), composed into the outbox row's bytes, in a fresh process."""
        code = (
            "import os,re;from mailflow.outbound.compose import Rendered,build_message,message_bytes;"
            "kb=lambda k: int(re.search(k+r':\\s+(\\d+)', open('/proc/self/status').read())[1]);"
            f"scan=os.urandom({int(scan_mb * 1e6)});rest=kb('VmRSS');"
            "raw=message_bytes(build_message(Rendered('s','t','<p>t</p>'),sender='a@b.example',"
            "sender_name='A',to='c@d.example',files=[('scan.pdf','application/pdf',scan)]));"
            "print(kb('VmHWM')-rest, len(raw))"
        )
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
        )
        grown_kb, size = (int(v) for v in out.stdout.split())
        return Row(
            f"4. composing a request with a {scan_mb} MB scan attached",
            f"+{grown_kb / 1024:.0f} MB",
            f"email {size / 1e6:.1f} MB",
            f"{grown_kb * 1024 / size:.1f}x email size",
            "< 1.5x",
        )

    def _scan_poll(self, message_mb: int, attachment_mb: int) -> tuple[float, float]:
        """(peak RSS above the resting RSS, message size), both in MB, of one poll in a fresh
        process: resting RSS is VmRSS after the App is built and the pipeline imported, in the
        same process, just before the poll; peak is that process's VmHWM after it."""
        self.dovecot.wipe_mail()
        # Limits raised for the probe: the defaults refuse a message this size before reading it.
        limits = (
            f"max_message_bytes = {message_mb * 3 << 20}\nmax_attachment_bytes = {attachment_mb * 2 << 20}"
        )
        office = self.office(f"large{time.monotonic_ns()}", extra=limits)
        office.app  # noqa: B018  (creates the schema outside the measured process)
        big = gmail_forward()
        big.add_attachment(
            os.urandom(attachment_mb * 1024 * 1024),
            maintype="application",
            subtype="pdf",
            filename="scan-besar.pdf",
        )
        raw = signed(big)  # as the office's server delivers it: DKIM-signed, verified on arrival
        fill_maildir(self.dovecot, MAILBOX, [raw])
        # The process's own high-water mark (VmHWM): ru_maxrss would start at this (large) parent's.
        code = (
            "import re,gc;from mailflow.ops import service;from mailflow.app import App;"
            "from mailflow.config import load_settings;app=App.build(load_settings());gc.collect();"
            "kb=lambda k: re.search(k+r':\\s+(\\d+)', open('/proc/self/status').read())[1];"
            "base=kb('VmRSS');r=service.poll_all(app);"
            "print(base, kb('VmHWM'), r[0].outcomes, r[0].error)"
        )
        # The code measured is this bench's tree (cwd and PYTHONPATH), so a copy of another commit
        # measures that commit: the before and after of bench/README.md in one session.
        env = {**os.environ, "MAILFLOW_CONFIG": str(office.config_path), "PYTHONPATH": str(ROOT)}
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.split(maxsplit=2)
        print(f"large scan poll: rest {out[0]} KB, peak {out[1]} KB, {out[2].strip()}", file=sys.stderr)
        rest_kb, peak_kb = int(out[0]), int(out[1])
        return (peak_kb - rest_kb) / 1024, len(raw) / 1024 / 1024

    def understanding(self) -> Row:
        texts = []
        for case in cases():
            raw = case.input.read_bytes()
            if case.format == "eml":
                message = parse_message(raw)
                texts.append((message.text, message.html))
            elif case.format == "html":
                texts.append(("", raw.decode("utf-8", "replace")))
            else:
                texts.append((raw.decode("utf-8", "replace"), ""))
        office_ctx = reply_context(load_settings_rules(), "kadis", time_today())
        ours_started = time.perf_counter()
        rounds = 5
        for _ in range(rounds):
            for text, html in texts:
                read_reply(extract_new_text(text, html), office_ctx)
        ours = len(texts) * rounds / (time.perf_counter() - ours_started)
        try:
            from talon import quotations  # bench-only extra

            started = time.perf_counter()
            for text, html in texts:
                quotations.extract_from_plain(text) if text else quotations.extract_from_html(html)
            talon = f"talon {len(texts) / (time.perf_counter() - started):.0f} msg/s"
            ratio = "-"
        except ImportError:
            talon, ratio = "talon not installed", "-"
        return Row(
            f"5. reply understanding ({len(texts)} corpus cases)",
            f"{ours:.0f} msg/s on one core",
            talon,
            ratio,
            "-",
        )


def large(bench: Bench, args: argparse.Namespace) -> list[Row]:
    if args.scan_sizes:
        rows = bench.large_scans([int(s) for s in args.scan_sizes.split(",")], args.scan_runs)
        return [*rows, bench.compose_request()]
    return [bench.large_scan(args.scan_mb)]


def load_settings_rules():
    from mailflow.office.load import load_rules

    return load_rules(ROOT / "rules")


def time_today():
    import datetime as dt

    return dt.date.today()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--letters", type=int, default=1000)
    parser.add_argument("--replies", type=int, default=100)
    parser.add_argument("--boxes", type=int, default=200)
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--scan-mb", type=int, default=25)
    parser.add_argument(
        "--scan-sizes", help="message sizes in MB for benchmark 4, e.g. 15,30,45,60 (instead of --scan-mb)"
    )
    parser.add_argument("--scan-runs", type=int, default=5, help="runs per size with --scan-sizes")
    parser.add_argument("--only", help="comma-separated benchmark numbers, e.g. 1,4")
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--database-url", default="", help="benchmark 1 on this PostgreSQL server")
    parser.add_argument("--profile", type=int, default=0, help="cProfile's top N of benchmark 1")
    args = parser.parse_args()
    only = set((args.only or "1,2,3,4,5").split(","))
    bench = Bench(args.boxes if "3" in only else 0, args.database_url, args.profile)
    rows: list[Row] = []
    try:
        steps = [
            ("1", lambda: bench.ingest(args.letters)),
            ("2", lambda: [bench.reply_latency(args.replies)]),
            ("3", lambda: [bench.many_mailboxes(args.samples)]),
            ("4", lambda: large(bench, args)),
            ("5", lambda: [bench.understanding()]),
        ]
        for key, step in steps:
            if key in only:
                gc.collect()
                for row in step():
                    rows.append(row)
                    print(json.dumps(row.__dict__), file=sys.stderr, flush=True)
    finally:
        bench.close()
    header = ("benchmark", "figure", "baseline (same run)", "ratio", "goal")
    if args.markdown:
        print("| " + " | ".join(header) + " |\n|" + "---|" * len(header))
        for r in rows:
            print(f"| {r.name} | {r.figure} | {r.baseline} | {r.ratio} | {r.goal} |")
    else:
        widths = [
            max(len(str(getattr(r, f))) for r in [*rows, Row(*header)]) for f in Row.__dataclass_fields__
        ]
        for r in [Row(*header), *rows]:
            print(
                "  ".join(
                    str(getattr(r, f)).ljust(w)
                    for f, w in zip(Row.__dataclass_fields__, widths, strict=False)
                )
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
