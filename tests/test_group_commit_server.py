"""Group commit under SIGKILL (issue 25): `mailflow poll` is killed at random points of its groups,
again and again, against the real Dovecot and relay; afterwards every letter is filed once, with
one receipt and one request, its agenda numbers gap-free and in UID order, and at no moment was a
message moved on the server before the transaction that decided it had committed."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest
from click.testing import CliRunner
from sqlmodel import Session, col, select

from mailflow.cli import cli
from mailflow.inbound.loop import poll_mailbox
from mailflow.storage.models import (
    Disposition,
    InboundAttempt,
    InboundMessage,
    Letter,
    OutboxMessage,
    QuarantineItem,
)
from tests.support.letters import MAILBOX, gmail_forward, pdf_letter
from tests.support.mail import signed

KILLS = 6
PER_KILL = 10  # new letters before each run: a backlog the poll takes in groups of 8
LETTERS = KILLS * PER_KILL


def committed_ids(office) -> set[str]:
    with Session(office.app.engine) as session:
        return set(session.exec(select(InboundMessage.message_id)).all())


def in_hand(office) -> int:
    """Messages whose try is counted and not yet decided: a group between its two commits."""
    with Session(office.app.engine) as session:
        return len(session.exec(select(InboundAttempt)).all())


def letters_in(office) -> list[Letter]:
    with Session(office.app.engine) as session:
        return list(session.exec(select(Letter).order_by(Letter.seq)).all())


def release_poison(office) -> int:
    """A letter in hand at two kills is held as poison (a kill looks like a message that kills):
    the admin releases it, as `bench/torture.py` does."""
    with Session(office.app.engine) as session:
        held = session.exec(
            select(QuarantineItem.id).where(QuarantineItem.reason == "poison", QuarantineItem.status == "held")
        ).all()
    for item_id in held:
        done = CliRunner().invoke(cli, ["--config", str(office.config_path), "quarantine", "release", str(item_id)])
        assert done.exit_code == 0, done.output
    return len(held)


def test_group_commit_killed_at_random_loses_doubles_and_moves_nothing_early(office):
    office.reconfigure(box_extra="commit_batch = 8")
    numbers = [f"{n + 1}/GROUP/2026" for n in range(LETTERS)]
    env = {**os.environ, "MAILFLOW_CONFIG": str(office.config_path)}
    rng = random.Random(25)
    released = mid_group = 0
    for kill in range(KILLS):
        for number in numbers[kill * PER_KILL : (kill + 1) * PER_KILL]:
            letter = gmail_forward(pdf=pdf_letter(number=number), original_subject=f"Surat {number}")
            office.mail.append(MAILBOX, letter)
        proc = subprocess.Popen(
            [sys.executable, "-m", "mailflow", "poll", "--once"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        # After a random number of letters were filed, once a group is in hand (its tries counted),
        # a random moment into its reading or deciding.
        target = len(letters_in(office)) + rng.randint(0, PER_KILL // 2)
        while time.monotonic() < deadline and proc.poll() is None:
            if len(letters_in(office)) >= target and in_hand(office):
                break
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 0.05))
        with contextlib.suppress(ProcessLookupError):  # on a quiet machine it may finish first
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        mid_group += in_hand(office) > 0
        # What the server moved was committed first; the numbers given so far have no gap.
        moved = {m["Message-ID"].strip() for m in office.mail.messages(MAILBOX, "Mailflow/Processed")}
        assert moved <= committed_ids(office), (kill, moved - committed_ids(office))
        assert [letter.seq for letter in letters_in(office)] == list(range(1, len(letters_in(office)) + 1))
        released += release_poison(office)
        time.sleep(2.1)  # the dead worker's lease on the mailbox runs out (lease_seconds = 2 here)
    office.poll()  # the last run finishes the work
    released += release_poison(office)
    office.poll()  # and sends what a release queued

    filed = letters_in(office)
    assert Counter(letter.letter_number for letter in filed) == Counter(numbers), released
    assert [letter.seq for letter in filed] == list(range(1, LETTERS + 1))
    with Session(office.app.engine) as session:
        ledger = session.exec(select(InboundMessage).where(InboundMessage.outcome == "letter")).all()
        outbox = session.exec(select(OutboxMessage)).all()
    # Numbers follow the UIDs (a released poison letter, kept in the quarantine folder, is
    # numbered when released: left out).
    uid_of = {row.letter_id: row.uid for row in ledger if row.destination == "Mailflow/Processed"}
    in_order = [uid_of[letter.id] for letter in filed if letter.id in uid_of]
    assert in_order == sorted(in_order) and len(in_order) == LETTERS - released
    for kind in ("receipt", "request"):
        rows = [r for r in outbox if r.kind == kind]
        assert sorted(r.letter_id for r in rows) == sorted(letter.id for letter in filed), kind
        assert all(r.status == "sent" for r in rows), kind
    assert office.mail.count(MAILBOX) == 0
    assert office.mail.count(MAILBOX, "Mailflow/Processed") == LETTERS - released
    assert mid_group >= 1  # the kills did land inside groups (each after its tries were counted)
    print(f"\ngroup commit: {KILLS} kills, {mid_group} inside a group; {LETTERS} letters filed once, {released} released")


# `mailflow poll --once` that SIGKILLs itself at the second group's transaction (inbound.loop._decide),
# when the third group is read ahead: its tries committed and its reading under way.
AHEAD_KILLER = """
import os, signal, sys
from mailflow.inbound import loop
decide, calls = loop._decide, []
def dying(*args, **kwargs):
    calls.append(args)
    if len(calls) == 2 and {moment!r} == "before_commit":
        os.kill(os.getpid(), signal.SIGKILL)
    rows = decide(*args, **kwargs)
    if len(calls) == 2:
        os.kill(os.getpid(), signal.SIGKILL)
    return rows
loop._decide = dying
from mailflow.cli import main
sys.argv = ["mailflow", "poll", "--once"]
main()
"""


@pytest.mark.parametrize("moment", ["before_commit", "after_commit"])
def test_a_worker_killed_while_the_next_group_is_read_ahead_loses_and_doubles_nothing(office, moment):
    """Pipelining (inbound.loop._Filing): killed at the second group's transaction, before or after
    its commit, while the third is read ahead. The read-ahead letters were in hand (tries counted)
    and nothing undecided was moved; the next run files every letter once, the read-ahead ones
    alone, none held as poison, the numbers gap-free in UID order."""
    office.reconfigure(box_extra="commit_batch = 4")
    numbers = [f"{n + 1}/AHEAD/2026" for n in range(12)]
    for number in numbers:
        office.mail.append(
            MAILBOX, gmail_forward(pdf=pdf_letter(number=number), original_subject=f"Surat {number}")
        )
    env = {**os.environ, "MAILFLOW_CONFIG": str(office.config_path)}
    script = AHEAD_KILLER.format(moment=moment)
    died = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, timeout=120)
    assert died.returncode == -signal.SIGKILL, died.stderr.decode()[-2000:]

    decided = 4 if moment == "before_commit" else 8
    assert [letter.letter_number for letter in letters_in(office)] == numbers[:decided]
    with Session(office.app.engine) as session:
        tried = sorted(session.exec(select(InboundAttempt.uid)).all())
        uid_of = {row.message_id: row.uid for row in session.exec(select(InboundMessage))}
    assert len(uid_of) == decided
    assert len(tried) == 12 - decided and min(tried) > max(uid_of.values())  # group 3 was in hand
    moved = {m["Message-ID"].strip() for m in office.mail.messages(MAILBOX, "Mailflow/Processed")}
    assert moved <= committed_ids(office)

    time.sleep(2.1)  # the dead worker's lease on the mailbox runs out (lease_seconds = 2 here)
    report = office.poll()
    assert report.outcomes == {"letter": 12 - decided}, report
    filed = letters_in(office)
    assert [letter.letter_number for letter in filed] == numbers
    assert [letter.seq for letter in filed] == list(range(1, 13))
    with Session(office.app.engine) as session:
        ledger = session.exec(select(InboundMessage).order_by(InboundMessage.uid)).all()
        receipts = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "receipt")).all()
        assert session.exec(select(InboundAttempt)).all() == []
        assert session.exec(select(QuarantineItem)).all() == []
    by_id = {letter.id: letter.seq for letter in filed}
    assert [by_id[row.letter_id] for row in ledger] == list(range(1, 13))  # numbers follow the UIDs
    assert sorted(r.letter_id for r in receipts) == sorted(by_id)  # one receipt each
    assert office.mail.count(MAILBOX) == 0 and office.mail.count(MAILBOX, "Mailflow/Processed") == 12


def test_a_poll_stopped_lets_the_group_read_ahead_go_and_the_next_poll_files_it(office):
    """A stop asked once the first group is decided (a service shutting down): the group in hand is
    decided, the one read ahead is let go (its tries taken back, not moved), and the next poll files
    the rest as first tries, numbers gap-free."""
    office.reconfigure(box_extra="commit_batch = 4")
    numbers = [f"{n + 1}/STOP/2026" for n in range(12)]
    for number in numbers:
        office.mail.append(MAILBOX, gmail_forward(pdf=pdf_letter(number=number), original_subject=f"Surat {number}"))
    stop = threading.Event()

    def progress(done: int, total: int) -> None:
        if done >= 4:
            stop.set()

    box = office.app.settings.mailboxes[0]
    report = poll_mailbox(office.app, box, stop, progress)
    assert report.error is None and report.outcomes == {"letter": 8}, report
    with Session(office.app.engine) as session:
        assert session.exec(select(InboundAttempt)).all() == []  # no try left counted: none goes alone
    assert office.mail.count(MAILBOX) == 4 and office.mail.count(MAILBOX, "Mailflow/Processed") == 8
    assert office.poll().outcomes == {"letter": 4}
    filed = letters_in(office)
    assert [letter.letter_number for letter in filed] == numbers
    assert [letter.seq for letter in filed] == list(range(1, 13))


def test_one_group_files_the_same_bytes_once_and_reads_its_ledger_in_hand(office):
    """What one group reads of the ledger in one query each (inbound.loop._decide): the second copy
    of the same bytes finds the first's row, decided in the same transaction; the tries of the
    group are removed with it; a new letter's open deadline is its first node's."""
    twice = signed(gmail_forward(pdf=pdf_letter(number="1/TWICE/2026"), original_subject="Surat dua kali"))
    for raw in (twice, twice, signed(gmail_forward(pdf=pdf_letter(number="2/ONCE/2026")))):
        office.mail.append(MAILBOX, raw, sign=False)
    report = office.poll()
    assert report.outcomes == {"letter": 2, "seen_before": 1}, report
    filed = letters_in(office)
    assert [(letter.seq, letter.letter_number) for letter in filed] == [(1, "1/TWICE/2026"), (2, "2/ONCE/2026")]
    with Session(office.app.engine) as session:
        ledger = session.exec(select(InboundMessage).order_by(InboundMessage.uid)).all()
        roots = {
            node.letter_id: node
            for node in session.exec(select(Disposition).where(col(Disposition.parent_id).is_(None)))
        }
        receipts = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "receipt")).all()
        tries = session.exec(select(InboundAttempt)).all()
    assert [row.outcome for row in ledger] == ["letter", "seen_before", "letter"]
    assert ledger[1].letter_id == ledger[0].letter_id == filed[0].id
    assert ledger[1].sha256 == ledger[0].sha256 and all(row.settled for row in ledger)
    assert tries == []
    assert sorted(r.letter_id for r in receipts) == [filed[0].id, filed[1].id]  # one each
    for letter in filed:
        assert letter.status == "awaiting" and letter.open_deadline == roots[letter.id].deadline is not None
    assert office.mail.count(MAILBOX) == 0 and office.mail.count(MAILBOX, "Mailflow/Processed") == 3
