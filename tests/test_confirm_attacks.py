"""Attacks on the confirm-a-proposal loop that need no mail server (pure): what a yes is, what a
responder or a question is not, and what a reply full of near lines costs."""

from __future__ import annotations

import datetime as dt

import pytest

from mailflow.language.confirm import is_confirmation
from mailflow.language.statements import MAX_LINES, read_reply, reply_context
from mailflow.office.load import load_rules
from tests.support import REPO

RULES = load_rules(REPO / "rules")
KADIS = reply_context(RULES, "kadis", dt.date(2026, 11, 25), "Budi Santoso")


@pytest.mark.parametrize("text", ["Nggih pak", "Inggih", "Njih", "Leres pak", "Muhun", "Enggih"])
def test_a_yes_in_javanese_or_sundanese_confirms(text):
    """Read as a new reply, "Nggih pak" was a note that replaced the proposal: the disposition the
    official had just agreed to was lost, and the answer only said "catatan dicatat"."""
    assert is_confirmation(text, "Budi Santoso")


@pytest.mark.parametrize("text", ["Ya?", "Is that right?", "Betul?", "Ok ？", "Ya pak?\nBudi"])
def test_a_question_never_confirms(text):
    """ "Is that right?" was three allowed words ("is", "that", "right") and acted."""
    assert not is_confirmation(text, "Budi Santoso")


@pytest.mark.parametrize(
    "text",
    [
        "Ya, saya cuti sampai Jumat",
        "OK. I'm on annual leave until 7 December",
        "Terima kasih, email Anda sudah kami terima",
        "Ya, saya sedang dinas luar, akan saya balas setelah kembali",
        "Balasan otomatis: ok",
    ],
)  # fmt: skip
def test_a_responder_text_with_a_yes_word_never_confirms(text):
    assert not is_confirmation(text, "Budi Santoso")


def test_thousands_of_near_lines_give_one_bounded_answer():
    """5,000 lines each close to a disposition: at most MAX_LINES proposals, and one problem saying
    the rest was not read (the answer, and what a yes could apply, stay bounded)."""
    text = "\n".join(f"Sekertaris: pelajari {i}" for i in range(5000))
    reading = read_reply(text, KADIS)
    assert len(reading.proposals) <= MAX_LINES
    assert [p.reason for p in reading.problems] == ["too_long"]
    assert not reading.statements  # nothing near acts without its yes


def test_a_yes_buried_in_a_long_text_is_no_yes():
    assert not is_confirmation("Ya\n" + "ok " * 10_000, "Budi Santoso")
