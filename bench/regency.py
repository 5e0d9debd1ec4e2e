"""A regency at scale: `.venv/bin/python bench/regency.py [--offices 40] [--boxes 5] [--people 15]`.

Generates a regency (40 offices, 5 mailboxes and 15 people each: 200 mailboxes, 600 people),
starts its own loopback Dovecot and SMTP relay, and measures one `mailflow run` worker holding the
whole regency (start time, memory), reply -> log latency with every mailbox watched, letters per
second across offices against a fetch+parse floor, and three workers on PostgreSQL with one
SIGKILLed: every letter filed once, every office's agenda numbers gap-free. Each figure is printed
next to a baseline measured in the same run; nothing passes or fails on a time.
"""

from __future__ import annotations

import argparse
import contextlib
import email
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from imapclient import IMAPClient  # noqa: E402
from sqlalchemy import func  # noqa: E402
from sqlmodel import Session, col, select  # noqa: E402

from bench.run import Row, fill_maildir, noise_pdf, pct, raise_inotify_limit  # noqa: E402
from mailflow.app import App  # noqa: E402
from mailflow.config import load_settings  # noqa: E402
from mailflow.demo import dkim  # noqa: E402
from mailflow.ops import service  # noqa: E402
from mailflow.storage.models import Event, Letter, MailboxState  # noqa: E402
from tests.support import clients  # noqa: E402
from tests.support.dovecot import PASSWORD, Dovecot, free_port  # noqa: E402
from tests.support.letters import gmail_forward  # noqa: E402
from tests.support.mail import Mail, signed  # noqa: E402
from tests.support.postgres import fresh_postgres_database  # noqa: E402
from tests.support.relay import start_relay  # noqa: E402

DOMAIN = "probolinggokab.example"


def address(office: int, role: str) -> str:
    return f"o{office:02d}.{role}@{DOMAIN}"


def office_of(box: str) -> int:
    return int(box.split(".")[0][1:])


def generate(folder: Path, offices: int, boxes: int, people: int) -> list[str]:
    """A rules tree of `offices` offices; returns every address the servers need."""
    folder.mkdir(parents=True)
    codes = [f"OPD{n:02d}" for n in range(offices)]
    regency = ['name = "Kabupaten Bench"\n']
    regency += [f'[[offices]]\ncode = "{c}"\nfolder = "{c.lower()}"\nsends_to = ["*"]\n' for c in codes]
    (folder / "regency.toml").write_text("\n".join(regency))
    (folder / "instructions.toml").write_text(
        "".join(f'[[instructions]]\ncode = {i}\ntext = "Instruksi {i}"\n\n' for i in range(1, 7))
    )
    (folder / "calendar.toml").write_text('workdays = ["mon", "tue", "wed", "thu", "fri"]\n')
    everyone = []
    for n, code in enumerate(codes):
        sub = folder / code.lower()
        sub.mkdir()
        (sub / "office.toml").write_text(
            f'name = "Dinas {n} Kabupaten Bench"\n[[clerks]]\nname = "Clerk {n}"\nemail = "{address(n, "agenda")}"\n'
        )
        (sub / "routing.toml").write_text("# every letter to its unit's head\n")
        units, positions, persons = [], [], []
        for u in range(boxes):
            head = "kadis" if u == 0 else f"kabid{u}"
            units.append(
                f'[[units]]\nid = "u{u}"\nname = "Unit {u}"\nhead = "{head}"\nmailbox = "{address(n, f"surat{u}")}"\n'
            )
        for p in range(people):
            pid = "kadis" if p == 0 else (f"kabid{p}" if p < boxes else f"staf{p}")
            above = (
                ""
                if p == 0
                else f'reports_to = "{"kadis" if p < boxes else f"kabid{1 + p % (boxes - 1)}"}"\n'
            )
            unit = 0 if p == 0 else (p if p < boxes else 1 + p % (boxes - 1))
            positions.append(
                f'[[positions]]\nid = "{pid}"\ntitle = "Jabatan {p} Dinas {n}"\nunit = "u{unit}"\n'
                f'holder = "p{p}"\naliases = ["{pid} {n}"]\n{above}'
            )
            persons.append(
                f'[[people]]\nid = "p{p}"\nname = "Orang {p} {n}"\nemail = "{address(n, f"p{p}")}"\n'
            )
            everyone.append(address(n, f"p{p}"))
        (sub / "organisation.toml").write_text("\n".join(units + positions + persons))
        everyone += [address(n, "agenda"), *(address(n, f"surat{u}") for u in range(boxes))]
    return everyone


def write_config(
    path: Path, tree: Path, database_url: str, smtp_port: int, imap_port: int, boxes: list[str]
) -> Path:
    mailboxes = "".join(
        f'\n[[mailboxes]]\nname = "{b.split("@")[0]}"\nhost = "127.0.0.1"\nport = {imap_port}\nsecurity = "none"\n'
        f'username = "{b}"\npassword_env = "MAILFLOW_TEST_IMAP_PASSWORD"\naddress = "{b}"\n'
        for b in boxes
    )
    path.write_text(
        f'database_url = "{database_url}"\nstorage_dir = "{path.parent}/storage"\nrules_dir = "{tree}"\n'
        "poll_interval = 60\noutbox_interval = 0.5\nlease_seconds = 30\nocr = false\n"
        f'\n[dkim_keys]\n"{dkim.RECORD_NAME}" = "{dkim.RECORD}"\n'
        f'\n[smtp]\nhost = "127.0.0.1"\nport = {smtp_port}\nsecurity = "none"\nfrom_address = "{boxes[0]}"\n'
        + mailboxes
    )
    return path


def rss(pid: int, key: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run_worker(config: Path, n: int = 0, env: dict[str, str] | None = None) -> subprocess.Popen:
    """`mailflow run` in its own session; its log goes beside the config (worker-N.log)."""
    log = (config.parent / f"worker-{n}.log").open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "mailflow", "--config", str(config), "run"],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env=env,
    )


def wait_until(check, timeout: float) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if check():
            return time.perf_counter() - started
        time.sleep(0.02)
    raise TimeoutError(f"not done in {timeout} s")


class Regency:
    def __init__(self, offices: int, boxes: int, people: int, processes: int = 1000) -> None:
        os.environ["MAILFLOW_TEST_IMAP_PASSWORD"] = PASSWORD
        self.dir = Path(tempfile.mkdtemp(prefix="mailflow-regency-"))
        self.offices, self.boxes_per = offices, boxes
        users = generate(self.dir / "rules", offices, boxes, people)
        self.boxes = [address(n, f"surat{u}") for n in range(offices) for u in range(boxes)]
        raise_inotify_limit(len(self.boxes))
        self.dovecot = Dovecot(users, processes=processes)
        self.dovecot.start()
        self.smtp_port = free_port()
        self.controller, self.relay = start_relay(self.dovecot, self.smtp_port)
        self.mail = Mail(self.dovecot, self.smtp_port)
        self.people = len([u for u in users if ".p" in u])

    def config(self, name: str, database_url: str = "") -> Path:
        folder = self.dir / name
        folder.mkdir()
        url = database_url or f"sqlite:///{folder}/mailflow.db"
        return write_config(
            folder / "config.toml",
            self.dir / "rules",
            url,
            self.smtp_port,
            self.dovecot.imap_port,
            self.boxes,
        )

    def close(self, keep: bool = False) -> None:
        self.controller.stop()
        self.dovecot.cleanup()
        if keep:
            print(f"kept {self.dir} (configs, databases, worker logs)", file=sys.stderr)
        else:
            shutil.rmtree(self.dir)

    def letter(self, box: str, subject: str) -> bytes:
        office = office_of(box)
        msg = gmail_forward(
            sender=address(office, "agenda"), original_subject=subject, pdf=noise_pdf(subject, 8)
        )
        msg.replace_header("To", box)
        return signed(msg)

    def one_worker(self, samples: int) -> list[Row]:
        """Start, memory, and reply -> log latency of one worker with every mailbox watched."""
        self.dovecot.wipe_mail()
        config = self.config("one")
        app = App.build(load_settings(config))  # the schema, made outside the measured process
        boxes = len(self.boxes)
        worker = run_worker(config)
        try:
            started = wait_until(lambda: _polled(app) >= boxes, 300)
            rss_started = rss(worker.pid)
            baseline = self.delivery(min(samples, 20))
            latencies = self.replies(app, samples)
            peak = rss(worker.pid, "VmHWM")
        finally:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(60)
        return [
            Row(
                f"R1. one worker, {self.offices} offices / {boxes} mailboxes / {self.people} people: start",
                f"{started:.1f} s to poll every mailbox once; RSS {rss_started:.0f} MB after start, peak {peak:.0f} MB",
                f"{boxes} IDLE sessions",
                f"{peak / boxes:.2f} MB per mailbox",
                "< 400 MB",
            ),
            Row(
                f"R2. reply -> log latency, every mailbox watched ({len(latencies)} replies)",
                f"p50 {pct(latencies, 0.5):.2f} s, p99 {pct(latencies, 0.99):.2f} s",
                f"bare IDLE client told of new mail: p50 {pct(baseline, 0.5):.2f} s",
                f"p50 {pct(latencies, 0.5) / max(pct(baseline, 0.5), 0.01):.1f}x the bare client",
                "p99 < 3 s",
            ),
        ]

    def replies(self, app: App, samples: int, seed: int = 5) -> list[float]:
        """Reply -> log latency: a letter to a random mailbox, its head's request awaited, the
        head's "Arsipkan" sent, and the time until the reply is in the log."""
        rng = random.Random(seed)
        latencies = []
        for n in range(samples):
            box = rng.choice(self.boxes)
            office, unit = office_of(box), int(box.split("surat")[1][0])
            head = address(office, "p0" if unit == 0 else f"p{unit}")
            subject = f"Regency {seed}.{n}"
            self.mail.send(self.letter(box, subject), to=box, sender=address(office, "agenda"))
            request = self.mail.wait_for(head, lambda m, s=subject: str(m["Subject"]).endswith(s), 60)
            reply = clients.gmail_android_id(request, head, "Arsipkan")
            self.mail.send(reply)
            t0 = time.perf_counter()
            with contextlib.suppress(TimeoutError):  # counted as 60 s, named below
                wait_until(lambda mid=reply["Message-ID"]: _logged(app, mid), 60)
            latencies.append(time.perf_counter() - t0)
            if latencies[-1] > 3:
                print(
                    f"slow reply {n}: {latencies[-1]:.1f} s in {box} at {time.strftime('%X')} "
                    f"({reply['Message-ID']})",
                    file=sys.stderr,
                )
        return latencies

    def delivery(self, samples: int) -> list[float]:
        """The floor under latency: SMTP accept to a bare IMAP IDLE client told of the message
        (Dovecot's push delay included), in a mailbox nobody else watches (a clerk's own)."""
        user = address(0, "agenda")
        times = []
        with IMAPClient("127.0.0.1", port=self.dovecot.imap_port, ssl=False) as client:
            client.login(user, PASSWORD)
            client.select_folder("INBOX")
            for n in range(samples):
                client.idle()
                self.mail.send(self.letter(self.boxes[0], f"probe {n}"), to=user, sender=address(1, "agenda"))
                t0 = time.perf_counter()
                while not any(b"EXISTS" in r for r in client.idle_check(timeout=5)):
                    pass
                times.append(time.perf_counter() - t0)
                client.idle_done()
        return times

    def throughput(self, per_box: int) -> Row:
        """Letters per second across offices, one pass over every mailbox, against the floor."""
        self.dovecot.wipe_mail()
        for n, box in enumerate(self.boxes):
            fill_maildir(self.dovecot, box, [self.letter(box, f"T {n}.{k}") for k in range(per_box)])
        total = per_box * len(self.boxes)
        floor = self.floor()
        app = App.build(load_settings(self.config("throughput")))
        t0 = time.perf_counter()
        service.poll_all(app)
        ours = time.perf_counter() - t0
        with Session(app.engine) as session:
            filed = session.exec(select(func.count()).select_from(Letter)).one()
        return Row(
            f"R3. filing across {self.offices} offices ({filed}/{total} letters)",
            f"{filed / ours:.0f} letters/s",
            f"floor {total / floor:.0f} msg/s",
            f"{ours / floor:.2f}x floor time",
            "-",
        )

    def floor(self) -> float:
        t0 = time.perf_counter()
        for box in self.boxes:
            with IMAPClient("127.0.0.1", port=self.dovecot.imap_port, ssl=False) as client:
                client.login(box, PASSWORD)
                client.select_folder("INBOX", readonly=True)
                for item in client.fetch(client.search("ALL"), ["BODY.PEEK[]"]).values():
                    email.message_from_bytes(item[b"BODY[]"])
        return time.perf_counter() - t0

    def workers_on_postgres(self, workers: int, letters: int) -> Row:
        """Letters arrive while `workers` workers share the regency; one is SIGKILLed midway."""
        self.dovecot.wipe_mail()
        base = subprocess.run(
            [str(ROOT / "scripts" / "start-postgres")], capture_output=True, text=True, check=True
        )
        config = self.config("postgres", fresh_postgres_database(base.stdout.strip()))
        app = App.build(load_settings(config))
        procs = [run_worker(config, n) for n in range(workers)]
        rng = random.Random(11)
        t0 = time.perf_counter()
        try:
            for n in range(letters):
                box = rng.choice(self.boxes)
                self.mail.send(self.letter(box, f"PG {n}"), to=box, sender=address(office_of(box), "agenda"))
                if n == letters // 2:
                    os.killpg(procs[0].pid, signal.SIGKILL)
            wait_until(lambda: _count(app) >= letters, 600)
            elapsed = time.perf_counter() - t0
            time.sleep(2)  # anything doubled would show now
        finally:
            for proc in procs[1:]:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(60)
        with Session(app.engine) as session:
            rows = session.exec(select(Letter.office, Letter.seq, Letter.subject)).all()
        subjects = [r[2] for r in rows]
        by_office: dict[str, list[int]] = {}
        for office, seq, _ in rows:
            by_office.setdefault(office, []).append(seq)
        gaps = [o for o, seqs in by_office.items() if sorted(seqs) != list(range(1, len(seqs) + 1))]
        return Row(
            f"R4. {workers} workers on PostgreSQL, one SIGKILLed, {letters} letters",
            f"{len(set(subjects))} filed, {len(subjects) - len(set(subjects))} doubled, "
            f"{letters - len(set(subjects))} lost; {len(by_office)} offices, {len(gaps)} with gaps",
            f"{letters} sent",
            f"{letters / elapsed:.1f} letters/s end to end",
            "every letter once, no gaps",
        )


def _polled(app: App) -> int:
    with Session(app.engine) as session:
        return session.exec(
            select(func.count())
            .select_from(MailboxState)
            .where(col(MailboxState.last_success_at).is_not(None))
        ).one()


def _logged(app: App, message_id: str) -> bool:
    with Session(app.engine) as session:
        return session.exec(select(Event.id).where(Event.message_id == message_id)).first() is not None


def _count(app: App) -> int:
    with Session(app.engine) as session:
        return session.exec(select(func.count()).select_from(Letter)).one()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--offices", type=int, default=40)
    parser.add_argument("--boxes", type=int, default=5, help="mailboxes per office")
    parser.add_argument("--people", type=int, default=15, help="people per office")
    parser.add_argument("--replies", type=int, default=100)
    parser.add_argument("--per-box", type=int, default=3, help="letters per mailbox for R3")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--letters", type=int, default=300, help="letters for R4")
    parser.add_argument("--only", choices=["one", "throughput", "postgres"], help="run one part")
    parser.add_argument("--keep", action="store_true", help="keep the working folder (worker logs)")
    args = parser.parse_args()
    bench = Regency(args.offices, args.boxes, args.people)
    rows: list[Row] = []
    try:
        if args.only in (None, "one"):
            rows += bench.one_worker(args.replies)
        if args.only in (None, "throughput"):
            rows.append(bench.throughput(args.per_box))
        if args.only in (None, "postgres"):
            rows.append(bench.workers_on_postgres(args.workers, args.letters))
    finally:
        bench.close(args.keep)
    for row in rows:
        print(f"| {row.name} | {row.figure} | {row.baseline} | {row.ratio} | {row.goal} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
