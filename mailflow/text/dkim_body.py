"""The DKIM body hash (bh=) computed over a body read in chunks.

dkimpy hashes a body it holds whole, after splitting the message into lines and joining them
again: copies of a 60 MB scan. Here the body is canonicalised as it streams past (RFC 6376
3.4.3 simple, 3.4.4 relaxed) with what a chunk boundary can still change kept as a little state:
a carriage return that may be the start of a CRLF, a run of blanks that a following CRLF would
remove, and the count of CRLFs that end the body so far (empty lines at the end are not hashed).
Each step is a `bytes.replace` or one linear pattern over the chunk, so the cost is linear in
the body and the memory one chunk.

It reproduces dkimpy's reading exactly, quirks included, because dkimpy verifies the header
signature and both must agree on what was signed: the body starts after the first empty line
(a line ending in LF or CRLF), every LF gets its CR (a lone CR stays), `l=` counts canonical
bytes.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

_BLANKS = re.compile(rb"[\t ]++")
# The first empty line: at the very start, or after a line's LF (dkimpy splits lines on \r?\n).
_HEADER_END = re.compile(rb"\A\r?\n|\n\r?\n")
_CRLF_BLOCK = b"\r\n" * 32768

HASHES: dict[bytes, Callable[[], hashlib._Hash]] = {
    b"rsa-sha256": hashlib.sha256,
    b"ed25519-sha256": hashlib.sha256,
    b"rsa-sha1": hashlib.sha1,
}


def body_start(head: bytes | bytearray, searched: int = 0) -> int | None:
    """Where the body begins in a message starting with `head` (after the empty line that ends
    the header), as dkimpy splits it; None if `head` holds no empty line. `searched`: the length
    of a shorter `head` already found to hold none (a header read in steps is searched once)."""
    found = _HEADER_END.search(head, max(0, searched - 2))  # "\n\r\n" may end in the new bytes
    return found.end() if found else None


@dataclass(frozen=True)
class BodyHash:
    digest: bytes  # of the first `limit` canonical bytes (all of them without l=)
    length: int  # canonical bytes of the whole body


class _Canonical:
    """One body being canonicalised; `feed` chunks, then `end`. Output goes to `emit`."""

    def __init__(self, relaxed: bool, emit: Callable[[bytes], None]) -> None:
        self.relaxed, self.emit = relaxed, emit
        self.cr = False  # the last chunk ended in CR: it may pair with an LF in the next
        self.blank = False  # relaxed: a blank run was last, kept or dropped by what follows
        self.crlfs = 0  # CRLFs last seen, not yet known to be inside the body or at its end
        self.emitted = False

    def feed(self, chunk: bytes, *, last: bool = False) -> None:
        data = b"\r" + chunk if self.cr else chunk
        self.cr = not last and data.endswith(b"\r")
        if self.cr:
            data = data[:-1]
        data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        end = len(data)
        if self.relaxed:
            if self.blank:
                data = b" " + data
            data = _BLANKS.sub(b" ", data).replace(b" \r\n", b"\r\n")
            # A blank run at the end waits: a CRLF after it (a held CR's too) drops it.
            self.blank = data.endswith(b" ")
            end = len(data) - self.blank
        tail = data[:end]
        run = tail[len(tail.rstrip(b"\r\n")) :]
        if run.endswith(b"\r"):  # a lone CR at the very end (the last chunk only): content
            pairs = 0
        else:
            lone = run.rfind(b"\r\r")
            pairs = (len(run) - lone - 1 if lone >= 0 else len(run)) // 2
        content = tail[: end - 2 * pairs]
        if content:
            self._crlfs_out()
            self.emit(content)
            self.emitted = True
            self.crlfs = pairs
        else:
            self.crlfs += pairs

    def _crlfs_out(self) -> None:
        while self.crlfs:
            n = min(self.crlfs, len(_CRLF_BLOCK) // 2)
            self.emit(_CRLF_BLOCK[: 2 * n])
            self.crlfs -= n

    def end(self) -> None:
        if self.cr:
            self.cr = False
            self.feed(b"\r", last=True)
        if self.blank:  # blanks at the very end, no CRLF after them: one space stays
            self._crlfs_out()
            self.emit(b" ")
            self.emitted = True
        if self.emitted or not self.relaxed:  # an empty body is CRLF (simple) or nothing (relaxed)
            self.emit(b"\r\n")


def body_hash(
    chunks: Iterable[bytes], *, relaxed: bool, algorithm: bytes, limit: int | None = None
) -> BodyHash:
    """The hash of the canonical body (its first `limit` bytes when the signature has l=).
    `algorithm` is a=; an unknown one raises KeyError."""
    hasher = HASHES[algorithm]()
    room = limit
    length = 0

    def emit(data: bytes) -> None:
        nonlocal room, length
        length += len(data)
        if room is None:
            hasher.update(data)
        elif room > 0:
            hasher.update(data[:room])
            room -= min(room, len(data))

    canonical = _Canonical(relaxed, emit)
    for chunk in chunks:
        canonical.feed(chunk)
    canonical.end()
    return BodyHash(hasher.digest(), length)
