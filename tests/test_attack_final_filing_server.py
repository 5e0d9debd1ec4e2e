"""An outside attack on filing's ORM diet (registry/filing.py, storage/events.log_entry, the group
reads of inbound/loop.py) against the real Dovecot: one group holding messages tried before (one
crash, and two: poison), the same bytes twice, distinct letters around them. Each letter is
filed once, numbered gap-free in UID order; the tries are gone; each letter's log holds its
entries in order with their facts, as `letter show --json` reads them; its open deadline and
status are its first node's."""

from __future__ import annotations

import itertools
import json

from click.testing import CliRunner
from sqlalchemy import insert
from sqlmodel import Session, col, select

from mailflow.cli import cli
from mailflow.inbound.loop import MAX_TRIES
from mailflow.storage.models import (
    Disposition,
    Event,
    InboundAttempt,
    InboundMessage,
    Letter,
    OutboxMessage,
    QuarantineItem,
    id_of,
    utcnow,
)
from tests.support.letters import MAILBOX, gmail_forward, pdf_letter
from tests.support.mail import signed


def test_a_group_with_messages_tried_before_and_the_same_bytes_files_each_letter_once_in_order(office) -> None:
    office.reconfigure(box_extra="commit_batch = 8")
    raws = [signed(gmail_forward(pdf=pdf_letter(number=f"{n}/TRY/2026"), original_subject=f"Surat {n}"))
            for n in range(1, 6)]  # fmt: skip
    for raw in [*raws, raws[0]]:  # the first one's bytes again, last
        office.mail.append(MAILBOX, raw, sign=False)
    with office.mail._client(MAILBOX) as client:
        uidvalidity = int(client.select_folder("INBOX")[b"UIDVALIDITY"])
        uids = sorted(client.search("ALL"))
    assert len(uids) == 6
    # A worker died reading the 2nd once, and the 4th MAX_TRIES times (poison at its next try).
    with office.app.engine.begin() as connection:
        connection.execute(
            insert(InboundAttempt),
            [
                {"mailbox": "surat", "uidvalidity": uidvalidity, "uid": uids[1], "attempts": 1, "last_at": utcnow()},
                {"mailbox": "surat", "uidvalidity": uidvalidity, "uid": uids[3], "attempts": MAX_TRIES,
                 "last_at": utcnow()},
            ],
        )  # fmt: skip
    report = office.poll()
    assert report.outcomes == {"letter": 4, "seen_before": 1, "quarantined": 1}, report
    with Session(office.app.engine) as session:
        ledger = session.exec(select(InboundMessage).order_by(col(InboundMessage.uid))).all()
        letters = session.exec(select(Letter).order_by(col(Letter.seq))).all()
        held = session.exec(select(QuarantineItem)).all()
        tries = session.exec(select(InboundAttempt)).all()
        requests = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "request")).all()
        receipts = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "receipt")).all()
        roots = {
            n.letter_id: n for n in session.exec(select(Disposition).where(col(Disposition.parent_id).is_(None)))
        }
        logs = {
            letter.id: session.exec(
                select(Event).where(Event.letter_id == letter.id).order_by(col(Event.at), col(Event.id))
            ).all()
            for letter in letters
        }
    assert [row.uid for row in ledger] == uids
    assert [row.outcome for row in ledger] == ["letter", "letter", "letter", "quarantined", "letter", "seen_before"]
    assert [h.reason for h in held] == ["poison"]
    assert ledger[5].letter_id == ledger[0].letter_id
    assert tries == []
    # gap-free, in UID order, the poison one left out
    assert [(letter.seq, letter.letter_number) for letter in letters] == [
        (1, "1/TRY/2026"), (2, "2/TRY/2026"), (3, "3/TRY/2026"), (4, "5/TRY/2026")
    ]  # fmt: skip
    assert [row.letter_id for row in ledger if row.outcome == "letter"] == [letter.id for letter in letters]
    assert sorted(r.letter_id or 0 for r in requests) == sorted(r.letter_id or 0 for r in receipts) == [
        letter.id for letter in letters
    ]
    for letter in letters:
        root = roots[id_of(letter)]
        assert letter.status == "awaiting" and letter.open_deadline == root.deadline is not None
        assert letter.hours_to_disposition is None and letter.hours_to_finish is None
        entries = logs[letter.id]
        actions = [e.action for e in entries]
        assert actions[:1] == ["registered"] and "requested" in actions, actions
        registered = entries[0]
        assert registered.facts == {"mailbox": "surat"} and registered.message_id == letter.message_id
        requested = next(e for e in entries if e.action == "requested")
        assert requested.id == root.event_id and requested.deadline == root.deadline
        assert requested.targets == [root.holder] and (requested.facts or {})["rule"]
        assert all(a.at <= b.at for a, b in itertools.pairwise(entries))
        # and `letter show` reads the very same log
        shown = CliRunner().invoke(cli, ["--config", str(office.config_path), "letter", "show", letter.agenda_number,
                                         "--json"])  # fmt: skip
        assert shown.exit_code == 0, shown.output
        record = json.loads(shown.output)
        assert [(e["action"], e["facts"], e["targets"]) for e in record["log"]] == [
            (e.action, e.facts, e.targets) for e in entries
        ]
    # the same bytes again are the ledger's alone: no "duplicate" entry in the first letter's log
    assert "duplicate" not in [e.action for e in logs[letters[0].id]]
    assert office.mail.count(MAILBOX) == 0


def test_the_same_letter_forwarded_twice_in_one_group_is_filed_once_and_logged_as_a_duplicate(office) -> None:
    """Two forwards of one scan (other bytes, the same fingerprint) in one group: the second finds
    the first, filed in the same transaction a moment before, and is its duplicate: one letter,
    one receipt and one request, a "duplicate" entry after its own in the letter's log."""
    office.reconfigure(box_extra="commit_batch = 8")
    scan = pdf_letter(number="7/TWICE/2026")
    first = signed(gmail_forward(pdf=scan, original_subject="Surat tujuh"))
    again = signed(gmail_forward(pdf=scan, original_subject="Surat tujuh (lagi)", body="Mohon maaf, terkirim ulang."))
    other = signed(gmail_forward(pdf=pdf_letter(number="8/ONCE/2026"), original_subject="Surat delapan"))
    for raw in (first, again, other):
        office.mail.append(MAILBOX, raw, sign=False)
    report = office.poll()
    assert report.outcomes == {"letter": 2, "duplicate": 1}, report
    with Session(office.app.engine) as session:
        ledger = session.exec(select(InboundMessage).order_by(col(InboundMessage.uid))).all()
        letters = session.exec(select(Letter).order_by(col(Letter.seq))).all()
        outbox = session.exec(select(OutboxMessage)).all()
        log = session.exec(
            select(Event).where(Event.letter_id == letters[0].id).order_by(col(Event.at), col(Event.id))
        ).all()
    assert [(letter.seq, letter.letter_number) for letter in letters] == [(1, "7/TWICE/2026"), (2, "8/ONCE/2026")]
    assert [row.outcome for row in ledger] == ["letter", "duplicate", "letter"]
    assert ledger[1].letter_id == ledger[0].letter_id == letters[0].id and ledger[2].letter_id == letters[1].id
    kinds = sorted((r.kind, r.letter_id or 0) for r in outbox if r.kind in ("receipt", "request", "duplicate"))
    ids = [id_of(letter) for letter in letters]
    assert kinds == sorted([("receipt", ids[0]), ("receipt", ids[1]), ("request", ids[0]), ("request", ids[1]),
                            ("duplicate", ids[0])])  # fmt: skip
    actions = [e.action for e in log]
    assert actions[0] == "registered" and actions.count("duplicate") == 1 and actions.count("registered") == 1
    duplicate = next(e for e in log if e.action == "duplicate")
    assert duplicate.facts == {"message": ledger[1].message_id} and duplicate.message_id == ledger[1].message_id
    assert actions.index("duplicate") > actions.index("registered")


def test_a_message_with_a_nul_in_its_fields_amid_a_group_leaves_the_numbers_gap_free_in_uid_order(office) -> None:
    """A NUL in a forwarded letter's subject and body (PostgreSQL refuses it in text) amid a group:
    whatever becomes of it (the server's copy no longer matches its DKIM signature, so it is held
    as sender_unverified before any field is stored; were it read, filed or held), the others
    are filed once each, numbered gap-free in UID order, and nothing is left in hand."""
    office.reconfigure(box_extra="commit_batch = 8")
    raws = [
        signed(gmail_forward(pdf=pdf_letter(number="1/NUL/2026"), original_subject="Surat satu")),
        signed(gmail_forward(original_subject="Surat\x00racun", body="Nomor: 2/NUL/2026\x00")),
        signed(gmail_forward(pdf=pdf_letter(number="3/NUL/2026"), original_subject="Surat tiga")),
    ]
    for raw in raws:
        office.mail.append(MAILBOX, raw, sign=False)
    report = office.poll()
    with Session(office.app.engine) as session:
        ledger = session.exec(select(InboundMessage).order_by(col(InboundMessage.uid))).all()
        letters = session.exec(select(Letter).order_by(col(Letter.seq))).all()
        tries = session.exec(select(InboundAttempt)).all()
    assert len(ledger) == 3 and tries == [], report
    assert [letter.seq for letter in letters] == list(range(1, len(letters) + 1))
    by_id = {letter.id: letter for letter in letters}
    filed = [by_id[row.letter_id] for row in ledger if row.outcome == "letter"]
    assert [letter.seq for letter in filed] == sorted(letter.seq for letter in filed) == [lt.seq for lt in letters]
    assert ledger[0].outcome == ledger[2].outcome == "letter", report
    assert ledger[1].outcome in ("letter", "quarantined"), report
    print(f"\nNUL amid a group on {office.app.engine.dialect.name}: {[(row.outcome, row.reason) for row in ledger]}")
    assert office.mail.count(MAILBOX) == 0
