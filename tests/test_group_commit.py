"""How the poll cuts what it fetched into groups, one transaction each (inbound.loop)."""

from __future__ import annotations

from mailflow.inbound.loop import GROUP_BYTES, _groups
from mailflow.net.imap import FetchedMessage
from mailflow.raw import RawMessage


def fetched(*sizes: int) -> list[FetchedMessage]:
    return [FetchedMessage(uid, RawMessage.of(b"x" * size)) for uid, size in enumerate(sizes, start=1)]


def uids(groups: list[list[FetchedMessage]]) -> list[list[int]]:
    return [[m.uid for m in group] for group in groups]


def test_groups_hold_at_most_their_size_in_uid_order() -> None:
    assert uids(list(_groups(fetched(*[10] * 7), 3, lambda: True))) == [[1, 2, 3], [4, 5, 6], [7]]
    assert uids(list(_groups(fetched(10, 10), 1, lambda: True))) == [[1], [2]]


def test_a_group_is_closed_before_it_would_hold_more_than_group_bytes() -> None:
    half = GROUP_BYTES // 2
    groups = list(_groups(fetched(half, half, 1, GROUP_BYTES * 2, 5), 20, lambda: True))
    assert uids(groups) == [[1, 2], [3], [4], [5]]  # a message larger than the bound goes alone


def test_a_stop_leaves_the_rest_for_the_next_poll() -> None:
    asked = iter([True, True, False])
    assert uids(list(_groups(fetched(10, 10, 10, 10), 20, lambda: next(asked)))) == [[1, 2]]
