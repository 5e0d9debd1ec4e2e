"""Who may ask where a letter is (pure): its tree, the superiors of its tree, clerks; a
confidential letter only its tree and the clerk who filed it."""

from __future__ import annotations

import datetime as dt

from mailflow.disposition.status import may_see
from mailflow.office.load import load_rules
from mailflow.storage.models import Disposition, Letter
from tests.support import REPO

RULES = load_rules(REPO / "rules")
TODAY = dt.date(2026, 11, 30)
D = "@probolinggokab.example"


def _letter(security: str | None = None) -> Letter:
    return Letter(id=1, office="D", year=2026, seq=1, agenda_number="001/SM/2026", subject_tag="t",
                  received_at=dt.datetime(2026, 11, 30, tzinfo=dt.UTC), mailbox="surat", clerk=f"agenda{D}",
                  message_id="<m>", fingerprint="f", raw_sha256="r", security=security)  # fmt: skip


# The letter went straight to the Kasubbag Umum (a routing rule), so nobody above holds a node.
NODES = [
    Disposition(id=1, letter_id=1, position_id="kasubbag_umum", holder=f"kasubbag.umum{D}",
                holder_name="Hendra", holder_title="Kasubbag Umum", disposer="mailflow")
]  # fmt: skip


def test_the_holder_and_the_chain_above_see_it_others_do_not() -> None:
    letter = _letter()
    assert may_see(RULES, letter, NODES, f"kasubbag.umum{D}", TODAY)
    assert may_see(RULES, letter, NODES, f"sekretaris{D}", TODAY)  # the Kasubbag reports to them
    assert may_see(RULES, letter, NODES, f"kadis{D}", TODAY)  # and they to the Kadis
    assert not may_see(RULES, letter, NODES, f"kabid.dikdas{D}", TODAY)
    assert not may_see(RULES, letter, NODES, "stranger@elsewhere.example", TODAY)
    assert may_see(RULES, letter, NODES, f"agenda{D}", TODAY)  # a clerk


def test_a_confidential_letter_only_to_its_tree_and_its_clerk() -> None:
    letter = _letter("rahasia")
    assert may_see(RULES, letter, NODES, f"kasubbag.umum{D}", TODAY)
    assert not may_see(RULES, letter, NODES, f"sekretaris{D}", TODAY)
    assert not may_see(RULES, letter, NODES, f"kadis{D}", TODAY)
    assert may_see(RULES, letter, NODES, f"agenda{D}", TODAY)  # filed it
