"""Proposals, pure: a yes is recognised with its courtesies and nothing else, and what a proposal
keeps comes back exactly as it was read (targets found again by position)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailflow.language import saved
from mailflow.language.confirm import is_confirmation
from mailflow.language.statements import Kind, Statement, read_reply, reply_context
from mailflow.office.load import load_rules
from tests.support import REPO

RULES = load_rules(REPO / "rules")
TODAY = dt.date(2026, 11, 25)
KADIS = reply_context(RULES, "kadis", TODAY, "Budi Santoso")
BY_POSITION = {t.position_id: t for t in KADIS.everyone}


@pytest.mark.parametrize(
    "text",
    [
        "Ya", "ya", "YA", "Yaa", "Iya", "iya pak", "Ya pak", "Ya Bu", "Ok", "ok siap", "Oke pak", "OK!",
        "Betul", "Benar", "Betul, terima kasih", "Benar pak, silakan dijalankan", "1", "yes", "Yes please",
        "Ya pak 🙏", "Ya, betul.", "Ya\n\nBudi Santoso", "Ya\nDrs. Budi Santoso, M.Si.", "Assalamualaikum\nYa pak",
        "Ok, lanjutkan", "Yes, go ahead", "Ya pak, terima kasih\nWassalam",
    ],
)  # fmt: skip
def test_a_yes_with_its_courtesies_confirms(text):
    assert is_confirmation(text, "Drs. Budi Santoso, M.Si.")


@pytest.mark.parametrize(
    "text",
    [
        "", "Tidak", "Bukan", "No", "Jangan", "Ya, tapi batas 3 hari", "Ya, Sekretaris saja",
        "Sekretaris: pelajari", "Siap", "Batal", "👍", "Terima kasih, tapi bukan Sekretaris\nYa",
        "Ya ya ya ya ya ya ya ya ya ya ya ya ya", "ok\nKabid PAUD: 4", "Status", "Ya 2",
    ],
)  # fmt: skip
def test_anything_more_than_a_yes_is_a_new_reply(text):
    assert not is_confirmation(text, "Budi Santoso")


def test_the_senders_name_counts_only_for_the_sender():
    assert is_confirmation("Ya\nBudi", "Budi Santoso")
    assert not is_confirmation("Ya\nBudi", "Agus Wibowo")


def _statement(kind: Kind, positions: list[str], deadline: dt.date | None, codes: tuple[int, ...]) -> Statement:
    targets = tuple(BY_POSITION[p] for p in positions) if kind is Kind.DISPOSE else ()
    return Statement(kind, "Sekretariss: 6 pelajari", targets, "Pelajari/telaah - pelajari", deadline,
                     "sdh dibahas", codes)  # fmt: skip


statements = st.builds(
    _statement,
    st.sampled_from(list(Kind)),
    st.lists(st.sampled_from(sorted(BY_POSITION)), min_size=1, max_size=3, unique=True),
    st.one_of(st.none(), st.dates(dt.date(2026, 1, 1), dt.date(2030, 12, 31))),
    st.tuples(st.integers(1, 12)) | st.just(()),
)


@given(st.lists(statements, min_size=1, max_size=4))
def test_kept_statements_come_back_as_they_were(kept):
    assert saved.load(saved.dump(kept), BY_POSITION.get) == tuple(kept)


def test_a_target_no_longer_there_keeps_all_of_it_from_acting():
    kept = [
        _statement(Kind.DISPOSE, ["sekretaris"], TODAY, (6,)),
        _statement(Kind.DISPOSE, ["kabid_paud"], TODAY, ()),
    ]
    data = saved.dump(kept)
    assert '"targets":["kabid_paud"]' in data  # by position, not by today's holder
    assert saved.load(data, {"sekretaris": BY_POSITION["sekretaris"]}.get) == ["kabid_paud"]


def test_a_target_found_again_is_todays_holder_of_the_position():
    kept = _statement(Kind.DISPOSE, ["sekretaris"], TODAY, ())
    acting = BY_POSITION["sekretaris"].__class__("sekretaris", "Plt. Sekretaris", "Hendra", "hendra@x.example")
    [back] = saved.load(saved.dump([kept]), {"sekretaris": acting}.get)
    assert back.targets == (acting,) and back.deadline == TODAY and back.instruction == kept.instruction


def test_a_target_near_one_the_sender_may_name_is_proposed_never_applied():
    reading = read_reply("Sekertaris: pelajari dan siapkan jawaban, batas 4 Desember", KADIS)
    assert reading.statements == () and reading.problems == ()
    [proposal] = reading.proposals
    assert proposal.reason == "near_target" and proposal.line.startswith("Sekertaris:")
    assert [t.position_id for t in proposal.statement.targets] == ["sekretaris"]
    assert (proposal.statement.instruction, proposal.statement.deadline) == (
        "pelajari dan siapkan jawaban",
        dt.date(2026, 12, 4),
    )
    assert proposal.message.key == "proposal.dispose"
    [typo] = read_reply("Kabid Dikdsa: pelajari", KADIS).proposals
    assert [t.position_id for t in typo.statement.targets] == ["kabid_dikdas"]
