"""Attacks on issue 25's group commit and sectioned fetch through the real pipeline, by mail only:
an outsider's message that breaks its reading or its transaction inside a group of letters, the
same message twice in one group and across two groups, a large message fetched in sections, and
attachment names that try to become paths. Against the real Dovecot (and the PostgreSQL of
MAILFLOW_TEST_DATABASE_URL when set)."""

from __future__ import annotations

import os
from collections import Counter

from sqlmodel import Session, select

from mailflow.net.imap import SECTION
from mailflow.storage.models import InboundMessage, Letter, QuarantineItem
from tests.support.letters import MAILBOX, attach, gmail_forward, pdf_letter
from tests.support.mail import signed


def _letter(number: str, extra: tuple[bytes, str] | None = None) -> bytes:
    msg = gmail_forward(pdf=pdf_letter(number=number), original_subject=f"Surat {number}")
    if extra is not None:
        attach(msg, extra[0], extra[1], "application/octet-stream")
    return signed(msg)


def _filed(office) -> list[Letter]:
    with Session(office.app.engine) as session:
        return list(session.exec(select(Letter).order_by(Letter.seq)).all())


def _ledger(office) -> list[InboundMessage]:
    with Session(office.app.engine) as session:
        return list(session.exec(select(InboundMessage).order_by(InboundMessage.uid)).all())


def _spool_left(office) -> list[str]:
    folder = office.app.archive.root / "spool"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_an_outsiders_poison_inside_a_group_neither_holds_nor_doubles_its_neighbours(office):
    """Attack: in one group of eight, between genuine letters, an outsider's message whose
    attachment names carry a NUL, ../ and 5,000 characters (text a database may refuse), a
    message of more than SECTION bytes fetched in sections, and one letter delivered twice (same
    bytes, two UIDs). Held: every letter is filed exactly once, numbers gap-free in UID order, the
    copy is seen_before, the poison is decided alone (filed or held, never twice), and neither the
    spool folder nor any path named by the sender is left."""
    office.reconfigure(box_extra="commit_batch = 8")
    first = _letter("1/ATK/2026")
    poison = signed(
        attach(
            attach(
                gmail_forward(pdf=pdf_letter(number="9/ATK/2026"), original_subject="Surat racun"),
                b"x" * 1000, "a\x00b.pdf", "application/pdf",
            ),
            b"y" * 1000, "../../" + "n" * 5000 + ".pdf", "application/pdf",
        )
    )  # fmt: skip
    large = _letter("3/ATK/2026", (os.urandom(SECTION + 4096), "lampiran.bin"))
    assert len(large) > SECTION
    for raw in (first, poison, _letter("2/ATK/2026"), first, large, _letter("4/ATK/2026")):
        office.mail.append(MAILBOX, raw, sign=False)
    report = office.poll()
    ledger = _ledger(office)
    assert [row.uid for row in ledger] == sorted({row.uid for row in ledger}) and len(ledger) == 6
    assert ledger[3].reason == "seen_before" and ledger[3].letter_id == ledger[0].letter_id
    numbers = Counter(letter.letter_number for letter in _filed(office))
    assert {n: numbers[n] for n in ("1/ATK/2026", "2/ATK/2026", "3/ATK/2026", "4/ATK/2026")} == dict.fromkeys(
        ("1/ATK/2026", "2/ATK/2026", "3/ATK/2026", "4/ATK/2026"), 1
    ), report.outcomes
    assert numbers["9/ATK/2026"] <= 1
    assert [letter.seq for letter in _filed(office)] == list(range(1, len(_filed(office)) + 1))
    assert _spool_left(office) == []
    assert not (office.app.archive.root.parent / "n").exists()
    print(f"\npoison in a group: {report.outcomes}")


def test_the_same_message_in_two_groups_is_filed_once(office):
    """Attack: one letter delivered twice with another between, groups of two, so the copy comes
    in the next group. Held: filed once; the copy is seen_before and points at the same letter."""
    office.reconfigure(box_extra="commit_batch = 2")
    one = _letter("5/ATK/2026")
    for raw in (one, _letter("6/ATK/2026"), one):
        office.mail.append(MAILBOX, raw, sign=False)
    office.poll()
    ledger = _ledger(office)
    assert [row.reason for row in ledger][2] == "seen_before" and ledger[2].letter_id == ledger[0].letter_id
    assert Counter(letter.letter_number for letter in _filed(office)) == {"5/ATK/2026": 1, "6/ATK/2026": 1}
    assert _spool_left(office) == []


def test_a_large_message_past_the_size_limit_is_refused_and_leaves_no_spool_file(office):
    """Attack: a message a few bytes past max_message_bytes, another exactly at it, both larger than
    SECTION (fetched in sections into spool files). Held: the one past is held (oversize), the one
    at the limit is filed, and the spool folder is empty afterwards."""
    at_limit = _letter("7/ATK/2026", (os.urandom(SECTION + 8192), "lampiran.bin"))
    past = _letter("8/ATK/2026", (os.urandom(SECTION + 8192 + 3), "lampiran.bin"))  # 4 base64 bytes more
    limit = len(at_limit)
    assert limit < len(past) < limit + 100
    office.reconfigure(extra=f"max_message_bytes = {limit}")
    office.mail.append(MAILBOX, at_limit, sign=False)
    office.mail.append(MAILBOX, past, sign=False)
    report = office.poll()
    assert [letter.letter_number for letter in _filed(office)] == ["7/ATK/2026"], report.outcomes
    with Session(office.app.engine) as session:
        reasons = session.exec(select(QuarantineItem.reason)).all()
    assert "oversize" in reasons
    assert _spool_left(office) == []


def test_too_many_parts_late_in_a_sectioned_message_is_held_and_leaves_no_spool_file(office):
    """Attack: a letter of more than SECTION bytes (fetched in sections, read from its spool file)
    whose 501st MIME part comes after its large attachment, so the budget is passed late in the
    stream, after a part was decoded into a spool file. Held: refused as malformed (held), the
    letter after it filed, and the spool folder empty (the decoded part removed with it)."""
    msg = gmail_forward(pdf=pdf_letter(number="10/ATK/2026"), original_subject="Surat banyak bagian")
    attach(msg, os.urandom(SECTION + 4096), "lampiran.bin", "application/octet-stream")
    for n in range(501):
        attach(msg, b"x", f"b{n}.txt", "application/octet-stream")
    raw = signed(msg)
    assert len(raw) > SECTION
    office.mail.append(MAILBOX, raw, sign=False)
    office.mail.append(MAILBOX, _letter("11/ATK/2026"), sign=False)
    report = office.poll()
    assert [letter.letter_number for letter in _filed(office)] == ["11/ATK/2026"], report.outcomes
    with Session(office.app.engine) as session:
        reasons = session.exec(select(QuarantineItem.reason)).all()
    assert reasons == ["malformed"], reasons
    assert _spool_left(office) == []
