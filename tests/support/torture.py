"""The crash torture: `mailflow run` is killed with SIGKILL at random moments, again and again,
while clerks keep filing letters and officials keep replying; afterwards nothing may be lost or
doubled. Used by the bounded CI test and by `bench/torture.py` for long runs.

A letter that happened to be in hand at two of the kills is held as poison (the service cannot
tell a kill from a message that kills it); as an admin would, the torture releases it from the
quarantine, and it must then be filed once like the others."""

from __future__ import annotations

import email
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from click.testing import CliRunner
from sqlmodel import Session, func, select

from mailflow.cli import cli
from mailflow.storage.models import Event, Letter, OutboxMessage, QuarantineItem
from tests.support import clients
from tests.support.letters import gmail_forward, pdf_letter

KADIS, SEKRETARIS = "kadis@probolinggokab.example", "sekretaris@probolinggokab.example"


@dataclass
class TortureResult:
    kills: int
    letters_sent: int
    replies_sent: int
    letters_filed: int
    serials: list[int]
    doubled_letters: list[str]
    lost_letters: list[str]
    reply_events: Counter
    outbox_rows: int
    outbox_unsent: int
    redelivered: int  # the same email (same Message-ID) accepted by SMTP more than once
    released: int = 0  # held as poison by two kills, released by the admin, then filed
    notes: list[str] = field(default_factory=list)

    @property
    def lost_replies(self) -> int:
        return sum(1 for n in self.reply_events.values() if n == 0)

    @property
    def doubled_replies(self) -> int:
        return sum(1 for n in self.reply_events.values() if n > 1)

    def summary(self) -> str:
        return (
            f"kills={self.kills} letters={self.letters_sent} replies={self.replies_sent} "
            f"filed={self.letters_filed} lost_letters={len(self.lost_letters)} "
            f"doubled_letters={len(self.doubled_letters)} lost_replies={self.lost_replies} "
            f"doubled_replies={self.doubled_replies} outbox={self.outbox_rows} unsent={self.outbox_unsent} "
            f"same_id_redeliveries={self.redelivered} released_from_quarantine={self.released}"
        )


class Officials(threading.Thread):
    """Kadis disposes every request to the Sekretaris, who answers every instruction "Siap!"."""

    def __init__(self, mail, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.mail, self.stop = mail, stop
        self.answered: set[str] = set()
        self.sent_ids: list[str] = []

    def run(self) -> None:
        while not self.stop.is_set():
            for user, needle, client, text in (
                (
                    KADIS,
                    "Mohon disposisi",
                    clients.gmail_android_id,
                    "Sekretaris: Pelajari dan Sosialisasikan",
                ),
                (SEKRETARIS, "Disposisi dari", clients.iphone_id, "Siap!"),
            ):
                for msg in self.mail.messages(user):
                    mid = msg["Message-ID"].strip()
                    if needle in str(msg["Subject"]) and mid not in self.answered:
                        self.answered.add(mid)
                        reply = client(msg, user, text)
                        self.sent_ids.append(reply["Message-ID"])
                        self.mail.send(reply)
            time.sleep(0.1)


def _run(config_path, env) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "mailflow", "--config", str(config_path), "run"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def torture(
    office, relay, kills: int, letters: int, seed: int = 7, settle_timeout: float = 120
) -> TortureResult:
    rng = random.Random(seed)
    office.interval = 0.3
    office.reconfigure()
    env = {**os.environ, "MAILFLOW_TEST_IMAP_PASSWORD": os.environ["MAILFLOW_TEST_IMAP_PASSWORD"]}
    accepted_before = len(relay.accepted)
    stop = threading.Event()
    officials = Officials(office.mail, stop)
    officials.start()
    numbers = [f"{n + 1}/TORTURE/2026" for n in range(letters)]
    pending = list(numbers)
    for _ in range(kills):
        proc = _run(office.config_path, env)
        for _ in range(rng.randint(0, 3)):
            if pending:
                number = pending.pop(0)
                office.mail.send(
                    gmail_forward(pdf=pdf_letter(number=number), original_subject=f"Surat {number}")
                )
        time.sleep(rng.uniform(0.3, 1.5))
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    for number in pending:
        office.mail.send(gmail_forward(pdf=pdf_letter(number=number), original_subject=f"Surat {number}"))
    proc = _run(office.config_path, env)
    deadline = time.monotonic() + settle_timeout
    engine = office.app.engine
    released = 0
    while time.monotonic() < deadline:
        with Session(engine) as session:
            acks = session.exec(
                select(func.count()).select_from(Event).where(Event.action == "acknowledged")
            ).one()
            unsent = session.exec(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status != "sent")
            ).one()
            poison = session.exec(
                select(QuarantineItem.id).where(
                    QuarantineItem.reason == "poison", QuarantineItem.status == "held"
                )
            ).all()
        for item_id in poison:  # what an admin does with `mailflow quarantine release ID`
            done = CliRunner().invoke(
                cli, ["--config", str(office.config_path), "quarantine", "release", str(item_id)]
            )
            assert done.exit_code == 0, done.output
            released += 1
        if acks >= letters and unsent == 0:
            break
        time.sleep(0.3)
    time.sleep(1.0)
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)
    stop.set()
    officials.join(timeout=5)

    with Session(engine) as session:
        filed = session.exec(select(Letter).order_by(Letter.seq)).all()
        events = session.exec(select(Event).where(Event.message_id.is_not(None))).all()
        outbox_rows = session.exec(select(OutboxMessage)).all()
    per_number = Counter(letter.letter_number for letter in filed)
    reply_events = Counter({mid: 0 for mid in officials.sent_ids})
    for event in events:
        if event.message_id in reply_events and event.action in ("disposed", "acknowledged"):
            reply_events[event.message_id] += 1
    ours = {row.message_id for row in outbox_rows}
    delivered = Counter()
    for _sender, _rcpts, data in relay.accepted[accepted_before:]:
        mid = email.message_from_bytes(data).get("Message-ID", "")
        mid = " ".join(mid.split())
        if mid in ours:
            delivered[mid] += 1
    return TortureResult(
        kills=kills,
        letters_sent=letters,
        replies_sent=len(officials.sent_ids),
        letters_filed=len(filed),
        serials=[letter.seq for letter in filed],
        doubled_letters=[n for n, c in per_number.items() if c > 1],
        lost_letters=[n for n in numbers if per_number[n] == 0],
        reply_events=reply_events,
        outbox_rows=len(outbox_rows),
        outbox_unsent=sum(1 for r in outbox_rows if r.status != "sent"),
        redelivered=sum(c - 1 for c in delivered.values() if c > 1),
        released=released,
        notes=[f"never delivered: {sorted(ours - set(delivered))[:3]}"] if ours - set(delivered) else [],
    )
