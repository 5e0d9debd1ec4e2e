"""The DNS edge: TXT records (DKIM keys), with a short timeout; a failed lookup is no record.

Answers are cached for their TTL (at most an hour; a missing record or a failure for a minute),
so a flood of mail naming the same key, or one message with many signatures, asks DNS once.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

import dns.exception
import dns.resolver

from mailflow.net.dkim_keys import LOOKUP_SECONDS

MAX_TTL = 3600.0
MISSING_TTL = 60.0
MAX_ENTRIES = 4096


def txt_answer(name: str) -> tuple[str | None, float]:
    """The TXT record at `name` and how long it may be kept; (None, ...) when there is none."""
    try:
        answer = dns.resolver.resolve(name, "TXT", lifetime=LOOKUP_SECONDS)
    except dns.exception.DNSException:
        return None, MISSING_TTL
    text = "".join(part.decode("ascii", "replace") for record in answer for part in record.strings)
    return text, float(answer.rrset.ttl if answer.rrset is not None else MISSING_TTL)


class CachedTxt:
    """A TXT lookup that remembers answers for their TTL; shared by a worker's mailbox threads."""

    def __init__(
        self,
        resolve: Callable[[str], tuple[str | None, float]] = txt_answer,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._resolve = resolve
        self._clock = clock
        self._lock = threading.Lock()
        self._answers: OrderedDict[str, tuple[float, str | None]] = OrderedDict()

    def __call__(self, name: str) -> str | None:
        key = name.lower().rstrip(".")
        now = self._clock()
        with self._lock:
            cached = self._answers.get(key)
            if cached is not None and cached[0] > now:
                return cached[1]
        record, ttl = self._resolve(key)
        with self._lock:
            self._answers[key] = (now + min(ttl, MAX_TTL), record)
            self._answers.move_to_end(key)
            while len(self._answers) > MAX_ENTRIES:
                self._answers.popitem(last=False)
        return record
