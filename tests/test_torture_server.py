"""Bounded crash torture for CI (20 kills); `bench/torture.py --kills 200` runs the long one."""

from tests.support.torture import torture


def test_sigkill_torture_loses_and_doubles_nothing(office, servers):
    result = torture(office, servers.relay, kills=20, letters=25)
    print("\ntorture:", result.summary(), *result.notes)
    assert result.lost_letters == [] and result.doubled_letters == []
    assert result.serials == list(range(1, result.letters_sent + 1))  # no gap, no repeat
    assert result.replies_sent >= result.letters_sent * 2 - 2
    assert result.lost_replies == 0 and result.doubled_replies == 0
    assert result.outbox_unsent == 0 and result.notes == []  # every email went out
