"""The processes that read scans: a pool replaced when a reader dies, stopped whatever its state.

Why stopping is not left to ProcessPoolExecutor.shutdown: a reader that dies (out of memory,
killed by hand) breaks its pool, and the pool's manager thread then waits for the thread that
feeds jobs into the readers' pipe. Python 3.11 before the fix of CPython issue 94777 (Debian
bookworm's 3.11.2) keeps that pipe open in the service itself, so a feeder blocked on a full
pipe (a job bigger than the pipe's 64 KiB) waits for ever, and so does the interpreter's exit,
which joins every pool's manager thread. So jobs name their scans by path (a few hundred bytes,
scans/files.StoredScan), stopping kills the readers first (a page in hand is read again later),
and each pool's shutdown is waited for only until the service's stop deadline.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

CLOSING = "readers-closing"  # the name of the threads that wait for a pool's shutdown


class Readers:
    """The current pool of reader processes, and the broken ones still shutting down."""

    def __init__(self, make: Callable[[], ProcessPoolExecutor]) -> None:
        self._make = make
        self.pool = make()
        self._closing: list[threading.Thread] = []

    def replace(self) -> None:
        """A reader died and broke the pool: the rest of it goes, new readers take over."""
        self._close(self.pool)
        self.pool = self._make()

    def close(self) -> None:
        """Kill every reader now and let the pool shut down in the background."""
        self._close(self.pool)

    def wait(self, deadline: float) -> None:
        """Until every pool closed so far has shut down, or `deadline` (time.monotonic()); a
        `readers-closing` thread still alive then means a pool is stuck: the process must _exit."""
        for closing in self._closing:
            closing.join(max(0.0, deadline - time.monotonic()))

    def _close(self, pool: ProcessPoolExecutor) -> None:
        # The pool's own list of its processes: no public API names them, and only a reader
        # killed here makes the pool's manager thread (which the shutdown joins) finish at once.
        for reader in list((pool._processes or {}).values()):
            reader.kill()
        closing = threading.Thread(
            target=pool.shutdown,
            kwargs={"wait": True, "cancel_futures": True},
            name=CLOSING,
            daemon=True,
        )
        closing.start()
        self._closing = [c for c in self._closing if c.is_alive()] + [closing]
