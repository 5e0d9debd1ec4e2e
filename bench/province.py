"""A province on one PostgreSQL: `.venv/bin/python bench/province.py [--sizes 200,500,1000,2000]
[--workers 8] [--replies 30] [--code DIR] [--keep]`.

For each size, a regency-shaped tree of `size / 5` offices with 5 mailboxes and 5 people each
(bench/regency.py's generator), its own loopback Dovecot (limits raised for the size: one imap
process per connection) and relay, a fresh database on the loopback PostgreSQL of
scripts/start-postgres, and `--workers` `mailflow run` processes started at the same moment.
Measured, each next to a baseline of the same run:
- cold start: until every mailbox was polled once, and until the leases were spread;
- each mailbox held by exactly one worker, from the database (leases) and from Dovecot's side
  (`doveadm who` pids, each imap process's peer port matched to a worker's socket);
- idle cost: CPU of the workers and of Dovecot, PostgreSQL commits per second, with no mail;
- reply -> log latency (p50, p99) against a bare IDLE client's delivery time;
- memory per worker (RSS; and PSS with its reading and PDF processes), database connections
  (pg_stat_activity, peak and at rest);
- a worker SIGKILLed: until its mailboxes are held and polled by the others, and until a letter
  sent to one of them at the kill is filed.
`--code DIR`: the workers run the mailflow package of DIR (a checkout of another commit: the
"before"), the bench and its servers stay this checkout's. Nothing passes or fails on a time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from imapclient import IMAPClient  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402
from sqlmodel import Session, col, func, select  # noqa: E402

from bench.regency import (  # noqa: E402
    DOMAIN,
    Regency,
    _count,
    _polled,
    address,
    office_of,
    rss,
    run_worker,
    wait_until,
)
from bench.run import pct  # noqa: E402
from mailflow.app import App  # noqa: E402
from mailflow.config import load_settings  # noqa: E402
from mailflow.inbound.leases import FREE, share  # noqa: E402
from mailflow.storage.models import Heartbeat, MailboxLease, MailboxState  # noqa: E402
from tests.support.dovecot import PASSWORD  # noqa: E402
from tests.support.postgres import fresh_postgres_database  # noqa: E402

BOXES_PER_OFFICE = 5
START_LIMIT = 480.0  # seconds: a cold start slower than this is reported as such
IDLE_WINDOW = 30.0  # seconds of no mail over which the idle cost is measured
CLK = os.sysconf("SC_CLK_TCK")


@dataclass
class Figures:
    mailboxes: int
    workers: int
    load: str = ""
    start_beating_s: float = 0.0  # every worker started (its heartbeat row written)
    start_polled_s: float = 0.0  # every mailbox polled once (-1: not within START_LIMIT)
    start_polled: int = 0  # how many were, then
    start_spread_s: float = 0.0  # every mailbox leased, no worker above its share
    start_worker_cpu_s: float = 0.0  # CPU seconds of the cold start: the workers together
    start_dovecot_cpu_s: float = 0.0  # ... and Dovecot (its exited login processes included)
    held: list[int] = field(default_factory=list)  # mailboxes per worker (leases)
    dovecot_one_worker: int = 0  # mailboxes whose connections all come from one worker
    dovecot_many_workers: int = 0
    dovecot_none: int = 0
    lease_matches_dovecot: int = 0  # ... and that worker holds its lease
    idle_sessions: int = 0  # imap connections Dovecot counts, at rest
    imap_processes_mb: float = 0.0  # their PSS, summed (shared pages divided among them)
    idle_worker_cpu: float = 0.0  # cores, all workers together, no mail
    idle_dovecot_cpu: float = 0.0
    idle_commits_per_s: float = 0.0
    latency_p50: float = 0.0
    latency_p99: float = 0.0
    replies: int = 0
    bare_idle_p50: float = 0.0
    rss_mb: list[float] = field(default_factory=list)
    rss_peak_mb: list[float] = field(default_factory=list)
    # A worker with its reading process and PDF readers (their PSS summed: shared pages divided)
    family_pss_mb: list[float] = field(default_factory=list)
    family_processes: list[int] = field(default_factory=list)
    db_connections_peak: int = 0
    db_connections_rest: int = 0
    killed_boxes: int = 0
    takeover_held_s: float = 0.0
    takeover_polled_s: float = 0.0
    takeover_letter_s: float = 0.0


class Province(Regency):
    def __init__(self, mailboxes: int, workers: int, before: bool) -> None:
        # Connections at once: one IDLE session per mailbox and per worker watching it (all of
        # them before held leases), the polls' (parallel_polls per worker), the bench's.
        # An imap process lingers after its client logged out (until reused or killed idle), so
        # the limit is twice the sessions: at 2,000 mailboxes 2,500 was reached and logins dropped.
        limit = 2 * mailboxes * (workers if before else 1) + 500
        super().__init__(mailboxes // BOXES_PER_OFFICE, BOXES_PER_OFFICE, BOXES_PER_OFFICE, limit)
        print(
            f"dovecot: default_process_limit {limit}, default_client_limit {4 * limit}, "
            "mail_max_userip_connections 50 (one imap process per connection)",
            file=sys.stderr,
        )

    def warm(self) -> float:
        """Log in to every mailbox once before the workers start, 8 at a time: Dovecot makes an
        account's Maildir, folders and indexes at its first login (with fsyncs), which a
        province's server did years ago; the cold start measured is Mailflow's, not the server's."""

        def login(box: str) -> None:
            with IMAPClient("127.0.0.1", port=self.dovecot.imap_port, ssl=False) as client:
                client.login(box, PASSWORD)
                client.select_folder("INBOX")

        t0 = time.perf_counter()
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(login, self.boxes))
        return time.perf_counter() - t0

    def who(self) -> dict[str, list[int]]:
        """Dovecot's side: each user's imap pids."""
        out = subprocess.run(
            ["doveadm", "-c", str(self.dovecot.dir / "dovecot.conf"), "who", "-1"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        users: dict[str, list[int]] = {}
        for line in out.splitlines()[1:]:
            parts = line.split()
            if len(parts) >= 3 and parts[1] == "imap":
                users.setdefault(parts[0], []).append(int(parts[2]))
        return users


def tcp_sockets() -> dict[int, tuple[int, int]]:
    """inode -> (local port, remote port) of every IPv4 TCP socket."""
    sockets = {}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        parts = line.split()
        local, remote, inode = parts[1], parts[2], int(parts[9])
        sockets[inode] = (int(local.split(":")[1], 16), int(remote.split(":")[1], 16))
    return sockets


def socket_inodes(pid: int) -> list[int]:
    inodes = []
    try:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.append(int(target[8:-1]))
    except OSError:
        pass
    return inodes


def pss(pid: int) -> float:
    """Proportional set size, MB: a process's share of the memory, shared pages divided."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (a worker's reading process and its PDF readers), from /proc."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        found += (children := parents.get(todo.pop(), []))
        todo += children
    return found


def cpu_seconds(pid: int, children: bool = False) -> float:
    """utime + stime; with `children`, those of its children that exited and were waited for."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    own = int(fields[11]) + int(fields[12])
    return (own + (int(fields[13]) + int(fields[14]) if children else 0)) / CLK


def dovecot_cpu(province: Province) -> float:
    """Dovecot's CPU so far: the live processes' and those reaped by their parents."""
    return sum(cpu_seconds(p, children=True) for p in dovecot_pids(province))


def dovecot_pids(province: Province) -> list[int]:
    """Every process of this bench's Dovecot: the master's descendants."""
    assert province.dovecot.proc is not None
    children: dict[int, list[int]] = {}
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                parent = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            children.setdefault(parent, []).append(int(proc.name))
    found, todo = [], [province.dovecot.proc.pid]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


class Sampler(threading.Thread):
    """The database's connections to the bench's database, every half second."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.engine = create_engine(url, poolclass=NullPool)
        self.database = url.rsplit("/", 1)[1]
        self.peak = 0
        self.stop = threading.Event()

    def connections(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(
                text("select count(*) - 1 from pg_stat_activity where datname = :d"), {"d": self.database}
            ).scalar_one()

    def commits(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(
                text("select xact_commit from pg_stat_database where datname = :d"), {"d": self.database}
            ).scalar_one()

    def run(self) -> None:
        while not self.stop.wait(0.5):
            self.peak = max(self.peak, self.connections())


def leases_by_worker(app: App, pids: list[int]) -> dict[str, int]:
    """mailbox address -> the pid of its lease's owner (0: free or expired)."""
    now = dt.datetime.now(dt.UTC)
    with Session(app.engine) as session:
        rows = session.exec(select(MailboxLease)).all()
    return {
        f"{r.mailbox}@{DOMAIN}": int(r.owner.split(":")[1]) if r.owner != FREE and r.expires_at > now else 0 for r in rows
    }


def measure(size: int, workers: int, replies: int, code: str | None, keep: bool) -> Figures:
    province = Province(size, workers, before=code is not None)
    figures = Figures(size, workers)
    base = subprocess.run(
        [str(ROOT / "scripts" / "start-postgres")], capture_output=True, text=True, check=True
    ).stdout.strip()
    url = fresh_postgres_database(base)
    config = province.config("province", url)
    app = App.build(load_settings(config))  # the schema, made before the workers start
    print(f"warmed every mailbox's first login in {province.warm():.0f} s", file=sys.stderr)
    sampler = Sampler(url)
    sampler.start()
    env = dict(os.environ, PYTHONPATH=code) if code else None
    procs: list[subprocess.Popen] = []
    try:
        dovecot_before = dovecot_cpu(province)
        t0 = time.perf_counter()
        procs = [run_worker(config, n, env) for n in range(workers)]
        pids = [p.pid for p in procs]
        polled = spread = beating = 0.0
        while not (polled and (spread or code)):
            now = time.perf_counter() - t0
            if now > START_LIMIT:
                polled = polled or -1.0
                spread = spread or -1.0
                print(f"cold start not done in {START_LIMIT:.0f} s: going on", file=sys.stderr)
                break
            if not beating and _beating(app) >= workers:
                beating = now
            if not polled and _polled(app) >= size:
                polled = now
            if not code and not spread:
                owners = leases_by_worker(app, pids)
                counts = [list(owners.values()).count(p) for p in pids]
                if sum(counts) == len(province.boxes) and max(counts) <= share(len(province.boxes), workers):
                    spread = now
            time.sleep(0.2)
        figures.start_polled = _polled(app)
        figures.start_beating_s, figures.start_polled_s, figures.start_spread_s = beating, polled, spread
        figures.start_worker_cpu_s = round(sum(cpu_seconds(p) for p in pids), 1)
        figures.start_dovecot_cpu_s = round(dovecot_cpu(province) - dovecot_before, 1)
        owners = leases_by_worker(app, pids)
        figures.held = [list(owners.values()).count(p) for p in pids]
        rest(province, figures, pids, owners, sampler)
        figures.bare_idle_p50 = pct(province.delivery(10), 0.5)
        latencies = province.replies(app, replies)
        figures.replies = len(latencies)
        figures.latency_p50, figures.latency_p99 = pct(latencies, 0.5), pct(latencies, 0.99)
        figures.rss_mb = [round(rss(p), 1) for p in pids]
        figures.rss_peak_mb = [round(rss(p, "VmHWM"), 1) for p in pids]
        families = [[p, *descendants(p)] for p in pids]
        figures.family_pss_mb = [round(sum(map(pss, family)), 1) for family in families]
        figures.family_processes = [len(family) for family in families]
        figures.db_connections_rest = sampler.connections()
        figures.db_connections_peak = sampler.peak
        takeover(province, app, procs, figures, code is not None)
        figures.load = Path("/proc/loadavg").read_text().split(" ")[0]
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            proc.wait(120)
        sampler.stop.set()
        province.close(keep)
    return figures


def rest(province: Province, figures: Figures, pids: list[int], owners: dict[str, int], sampler: Sampler) -> None:
    """At rest: who holds what on Dovecot's side, and what a province costs with no mail."""
    wanted = len(province.boxes)
    try:  # every IDLE session connected (a worker's watchers connect a few at a time)
        wait_until(lambda: sum(len(v) for u, v in province.who().items() if ".surat" in u) >= wanted, 120)
    except TimeoutError:
        print("not every mailbox had an IMAP session after 120 s", file=sys.stderr)
    time.sleep(3)
    users = {u: v for u, v in province.who().items() if ".surat" in u}
    sockets = tcp_sockets()
    port = province.dovecot.imap_port
    worker_of_port = {}
    for pid in pids:
        for inode in socket_inodes(pid):
            local, remote = sockets.get(inode, (0, 0))
            if remote == port:
                worker_of_port[local] = pid
    for box in province.boxes:
        holders = set()
        for imap_pid in users.get(box, []):
            for inode in socket_inodes(imap_pid):
                local, remote = sockets.get(inode, (0, 0))
                if local == port and remote in worker_of_port:
                    holders.add(worker_of_port[remote])
        if not holders:
            figures.dovecot_none += 1
        elif len(holders) > 1:
            figures.dovecot_many_workers += 1
        else:
            figures.dovecot_one_worker += 1
            figures.lease_matches_dovecot += owners.get(box) in holders
    figures.idle_sessions = sum(len(v) for v in users.values())
    imap = [p for v in users.values() for p in v]
    figures.imap_processes_mb = round(sum(pss(p) for p in imap), 0)
    before_w = sum(cpu_seconds(p) for p in pids)
    before_d = dovecot_cpu(province)
    commits = sampler.commits()
    time.sleep(IDLE_WINDOW)
    figures.idle_worker_cpu = round((sum(cpu_seconds(p) for p in pids) - before_w) / IDLE_WINDOW, 3)
    figures.idle_dovecot_cpu = round((dovecot_cpu(province) - before_d) / IDLE_WINDOW, 3)
    figures.idle_commits_per_s = round((sampler.commits() - commits) / IDLE_WINDOW, 1)


def takeover(province: Province, app: App, procs: list[subprocess.Popen], figures: Figures, before: bool) -> None:
    """SIGKILL the first worker; its mailboxes must be held and polled by the others."""
    victim = procs[0].pid
    owners = leases_by_worker(app, [p.pid for p in procs])
    mine = [b for b, p in owners.items() if p == victim] or [random.Random(3).choice(province.boxes)]
    figures.killed_boxes = len(mine) if not before else 0
    names = [b.split("@")[0] for b in mine]
    letters = _count(app)
    killed_at = dt.datetime.now(dt.UTC)
    t0 = time.perf_counter()
    os.killpg(victim, signal.SIGKILL)
    procs[0].wait()
    box = mine[0]
    province.mail.send(province.letter(box, "Takeover"), to=box, sender=province_sender(box))
    held = polled = letter = 0.0
    while not (letter and (before or (held and polled))):
        if time.perf_counter() - t0 > 300:
            raise TimeoutError("takeover not done in 300 s")
        now = time.perf_counter() - t0
        if not before and not held:
            owners = leases_by_worker(app, [p.pid for p in procs])
            if all(owners.get(b, 0) not in (0, victim) for b in mine):
                held = now
        if not before and not polled and _polled_since(app, names, killed_at) >= len(mine):
            polled = now
        if not letter and _count(app) > letters:
            letter = now
        time.sleep(0.2)
    figures.takeover_held_s, figures.takeover_polled_s, figures.takeover_letter_s = held, polled, letter


def province_sender(box: str) -> str:
    return address(office_of(box), "agenda")


def _beating(app: App) -> int:
    with Session(app.engine) as session:
        return session.exec(select(func.count()).select_from(Heartbeat)).one()


def _polled_since(app: App, boxes: list[str], since: dt.datetime) -> int:
    with Session(app.engine) as session:
        return session.exec(
            select(func.count())
            .select_from(MailboxState)
            .where(col(MailboxState.mailbox).in_(boxes), col(MailboxState.last_success_at) > since)
        ).one()


def row(f: Figures) -> str:
    mean = sum(f.rss_mb) / max(len(f.rss_mb), 1)
    family = sum(f.family_pss_mb) / max(len(f.family_pss_mb), 1)
    return (
        f"| {f.mailboxes} | {f.start_beating_s:.0f} s / {f.start_spread_s:.0f} s / {f.start_polled_s:.0f} s "
        f"(CPU {f.start_worker_cpu_s:.0f} s + Dovecot {f.start_dovecot_cpu_s:.0f} s) | "
        f"{min(f.held, default=0)}-{max(f.held, default=0)} | "
        f"{f.dovecot_one_worker} one, {f.dovecot_many_workers} several, {f.dovecot_none} none; "
        f"lease = Dovecot {f.lease_matches_dovecot} | {f.idle_sessions} ({f.imap_processes_mb:.0f} MB) | "
        f"{f.idle_worker_cpu:.2f} + {f.idle_dovecot_cpu:.2f} cores, {f.idle_commits_per_s:.0f} commits/s | "
        f"p50 {f.latency_p50:.2f} s, p99 {f.latency_p99:.2f} s ({f.replies}; bare IDLE {f.bare_idle_p50:.2f} s) | "
        f"{mean:.0f} MB (max {max(f.rss_mb, default=0):.0f}, peak {max(f.rss_peak_mb, default=0):.0f}); "
        f"with its {min(f.family_processes, default=1) - 1}-{max(f.family_processes, default=1) - 1} "
        f"reading and PDF processes {family:.0f} MB PSS (max {max(f.family_pss_mb, default=0):.0f}) | "
        f"{f.db_connections_peak} peak, {f.db_connections_rest} at rest | "
        f"{f.killed_boxes} boxes: held {f.takeover_held_s:.0f} s, polled {f.takeover_polled_s:.0f} s, "
        f"letter {f.takeover_letter_s:.0f} s | {f.load} |"
    )


HEADER = (
    "| mailboxes | cold start: workers up / leases spread / all polled | held per worker | Dovecot: each mailbox's connections | "
    "IMAP sessions at rest | idle cost | reply -> log | memory per worker | DB connections | "
    "SIGKILL takeover | load |\n|" + "---|" * 11
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="200,500,1000,2000")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--replies", type=int, default=30)
    parser.add_argument("--code", help="run the workers on the mailflow package in this directory")
    parser.add_argument("--keep", action="store_true", help="keep the working folders (worker logs)")
    args = parser.parse_args()
    results = []
    for size in (int(s) for s in args.sizes.split(",")):
        print(f"size {size}, {args.workers} workers, load {Path('/proc/loadavg').read_text().strip()}", file=sys.stderr)
        figures = measure(size, args.workers, args.replies, args.code, args.keep)
        print(json.dumps(asdict(figures)), file=sys.stderr, flush=True)
        results.append(figures)
    print(HEADER)
    for figures in results:
        print(row(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
