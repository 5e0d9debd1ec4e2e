"""IMAP IDLE: one watching connection per mailbox, so a reply is handled within seconds instead
of at the next poll. Polling stays as the fallback (servers without IDLE, missed pushes).

The IDLE is renewed well inside the 29 minutes of RFC 2177 (some providers drop it after ~10)
and at least every `check_every` seconds (the poll interval), each time with a NOOP that makes the
server tell what its push missed: a watched mailbox needs no login-and-search poll every interval
(ops.service polls it only when its last poll failed, or every `idle_renew_seconds`). `stop` is
looked at every second, and a BYE, a reset or a silent dead connection (found at the
next renewal) means reconnecting with backoff. Each mailbox uses at most two connections: this
one and the poll's.
"""

from __future__ import annotations

import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable

from imapclient.exceptions import IMAPClientError

from mailflow.app import App
from mailflow.config import MailboxSettings
from mailflow.errors import MailboxError
from mailflow.net.imap import Mailbox
from mailflow.storage.db import DATABASE_ERRORS

log = logging.getLogger(__name__)

_NEWS = (b"EXISTS", b"RECENT", b"FETCH")
AFTER_POLL = 3.0  # seconds of IDLE after a poll before a NOOP looks again
_ERRORS = (MailboxError, IMAPClientError, OSError, ssl.SSLError, socket.timeout, *DATABASE_ERRORS)


def has_news(responses: list) -> bool:
    return any(isinstance(r, tuple) and len(r) > 1 and r[1] in _NEWS for r in responses)


class IdleWatcher(threading.Thread):
    def __init__(
        self,
        app: App,
        box: MailboxSettings,
        stop: threading.Event,
        poll: Callable[[MailboxSettings], object],
        check_every: float | None = None,
        gate: threading.Semaphore | None = None,
    ) -> None:
        """`gate`: held while logging in; a worker that starts watching its 250 mailboxes
        at once would otherwise have the server's logins time out (bench/province.py)."""
        super().__init__(name=f"idle-{box.name}", daemon=True)
        self.app, self.box, self.stop, self.poll = app, box, stop, poll
        self.renew = min(box.idle_renew_seconds, check_every or box.idle_renew_seconds)
        self.gate = gate or threading.Semaphore(1)
        self.connected = threading.Event()
        self.caught_up = threading.Event()  # the first catch-up poll is done
        self.checked_at = 0.0  # when the server last answered on this connection (monotonic)

    def run(self) -> None:
        backoff = 1.0
        while not self.stop.is_set():
            try:
                if (connected := self._connect()) is None:
                    return  # stopped while waiting to log in
                with connected as mailbox:
                    if not mailbox.client.has_capability("IDLE"):
                        log.info("event=idle_unsupported mailbox=%s (polling only)", self.box.name)
                        return
                    backoff = 1.0
                    self.connected.set()
                    self.poll(self.box)  # catch up on what arrived while we were away
                    self.checked_at = time.monotonic()
                    self.caught_up.set()
                    self._watch(mailbox)
            except _ERRORS as exc:
                self.connected.clear()
                log.warning(
                    "event=idle_lost mailbox=%s error=%s retry_in=%.0fs",
                    self.box.name,
                    type(exc).__name__,
                    backoff,
                )
                self.stop.wait(backoff)
                backoff = min(backoff * 2, 300.0)

    def _connect(self) -> Mailbox | None:
        while not self.gate.acquire(timeout=1):
            if self.stop.is_set():
                return None
        try:
            return self.app.connect(self.box)
        finally:
            self.gate.release()

    def _watch(self, mailbox) -> None:
        client = mailbox.client
        polled = True  # the catch-up poll, just before
        while not self.stop.is_set():
            client.idle()
            # Mail delivered between the last NOOP and this IDLE may never be pushed (Dovecot
            # watches from here on): after a poll, the next look comes soon. A reply to the
            # request that poll sent lands just then (bench/province.py: 55 s before this).
            renew_at = time.monotonic() + (AFTER_POLL if polled else self.renew)
            news = polled = False
            while not self.stop.is_set() and time.monotonic() < renew_at and not news:
                responses = client.idle_check(timeout=1)
                if any(isinstance(r, tuple) and r[:1] == (b"BYE",) for r in responses):
                    raise MailboxError(f"{self.box.name}: the server said BYE during IDLE")
                news = has_news(responses)
            news = has_news(client.idle_done()[1]) or news
            news = news or has_news(client.noop()[1])  # what the push missed, if anything
            self.checked_at = time.monotonic()
            while news and not self.stop.is_set():
                self.poll(self.box)
                polled = True
                # What arrived while we polled is told on this connection's next command.
                news = has_news(client.noop()[1])
                self.checked_at = time.monotonic()
