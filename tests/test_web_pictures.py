"""The letter page's tree (pure): how long each node waited, said as people say it in each
language."""

from __future__ import annotations

import datetime as dt

import pytest

from mailflow.disposition.tree import TreeRow
from mailflow.disposition.waits import span, waited
from mailflow.outbound.catalogue import Catalogue
from mailflow.web.pictures import tree_picture

NOW = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)
CATALOGUE = Catalogue()


@pytest.mark.parametrize(
    ("length", "indonesian", "english"),
    [
        (dt.timedelta(days=2, hours=3, minutes=59), "2 hari 3 jam", "2 days 3 hours"),
        (dt.timedelta(days=1), "1 hari", "1 day"),
        (dt.timedelta(days=1, hours=1), "1 hari 1 jam", "1 day 1 hour"),
        (dt.timedelta(hours=5, minutes=30), "5 jam", "5 hours"),
        (dt.timedelta(minutes=40), "40 menit", "40 minutes"),
        (dt.timedelta(minutes=1), "1 menit", "1 minute"),
        (dt.timedelta(seconds=-5), "0 menit", "0 minutes"),  # a clock a little behind the database's
    ],
)
def test_a_span_in_each_language(length: dt.timedelta, indonesian: str, english: str) -> None:
    assert CATALOGUE.say("id", span(length)) == indonesian
    assert CATALOGUE.say("en", span(length)) == english


def _row(received: dt.datetime | None, answered: dt.datetime | None, depth: int = 0) -> TreeRow:
    return TreeRow(depth, "Kepala Dinas", "Budi", "", False, "pending", None, "", received, answered)


def test_a_node_waits_until_its_first_answer_or_until_now() -> None:
    answered = _row(NOW - dt.timedelta(days=3), NOW - dt.timedelta(days=1, hours=2))
    open_ = _row(NOW - dt.timedelta(hours=7, minutes=5), None, depth=1)
    picture = tree_picture([answered, open_], NOW)
    said = [CATALOGUE.say("id", b.waited) for b in picture.boxes if b.waited]
    assert said == ["dijawab setelah 1 hari 22 jam", "menunggu 7 jam"]
    assert [CATALOGUE.say("en", b.waited) for b in picture.boxes if b.waited] == [
        "answered after 1 day 22 hours", "waiting 7 hours"]  # fmt: skip
    assert waited(_row(None, None), NOW) is None  # a row of before (no moments): nothing said
