"""The mailboxes one `mailflow run` worker holds: its share, kept for as long as it lives.

Workers sharing a database divide the mailboxes among themselves through the lease rows
(inbound.leases), with no other coordinator. Every round (the heartbeat's job) a worker renews
all its leases in one statement, counts the live workers by their heartbeats, and claims free
mailboxes up to its share (the ceiling of mailboxes / live workers) or lets go of what is above
it. A worker watches (IDLE) and polls only what it holds, so each mailbox has one IDLE session
and one poller however many workers run; a killed worker's leases expire after `lease_seconds`
and the living claim them at their next round.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from mailflow.app import App
from mailflow.inbound import leases
from mailflow.ops import heartbeat

log = logging.getLogger(__name__)

# A worker whose last beat is older than this many rounds is not counted among the living; less
# than a lease (three rounds), so the dead are no longer counted when their leases expire.
ALIVE_ROUNDS = 2


def period(poll_interval: float, lease_seconds: float) -> float:
    """Seconds between two rounds: a heartbeat's period, and three renewals per lease."""
    return min(heartbeat.period(poll_interval), lease_seconds / 3)


class Holdings:
    """`held` is read by the polls and watchers; `round` is the only writer. `gained` is told the
    mailboxes newly held; `letting_go(name)` stops what works on one (True once nothing polls it,
    False while a poll of it runs: it is kept until the next round)."""

    def __init__(
        self, app: App, gained: Callable[[set[str]], None], letting_go: Callable[[str], bool]
    ) -> None:
        self.app = app
        self.gained, self.letting_go = gained, letting_go
        self.held: frozenset[str] = frozenset()
        self.lock = threading.Lock()
        self.names = [box.name for box in app.settings.mailboxes]

    def round(self) -> None:
        settings = self.app.settings
        engine, me = self.app.engine, self.app.worker
        every = period(settings.poll_interval, settings.lease_seconds)
        with self.lock:
            kept = leases.renew(engine, me, set(self.held), settings.lease_seconds)
            if lost := self.held - kept:
                log.warning("event=leases_lost worker=%s mailboxes=%d (stalled)", me, len(lost))
                self.held = frozenset(kept)
                for name in lost:
                    self.letting_go(name)
            live = max(heartbeat.alive(engine, ALIVE_ROUNDS * every), 1)
            target = leases.share(len(self.names), live)
            if len(kept) > target:
                let = {n for n in sorted(kept)[target:] if self._stopped(n)}
                leases.let_go(engine, me, let)
                kept -= let
                log.info("event=leases_let_go worker=%s mailboxes=%d workers=%d", me, len(let), live)
            taken = leases.claim(engine, me, self.names, target - len(kept), settings.lease_seconds)
            self.held = frozenset(kept | taken)
        if taken:
            log.info(
                "event=leases_claimed worker=%s mailboxes=%d held=%d workers=%d",
                me,
                len(taken),
                len(self.held),
                live,
            )
            self.gained(taken)

    def _stopped(self, name: str) -> bool:
        """Taken out of `held` first, so no new poll starts; put back if a poll still runs."""
        self.held = self.held - {name}
        if self.letting_go(name):
            return True
        self.held = self.held | {name}
        return False

    def release_all(self) -> None:
        """A clean exit: every lease free at once, for the others' next round (not after expiry)."""
        with self.lock:
            held, self.held = self.held, frozenset()
            leases.let_go(self.app.engine, self.app.worker, set(held))
