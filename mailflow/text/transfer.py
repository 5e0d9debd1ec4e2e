"""A MIME part's content-transfer-encoding undone in chunks, to memory or to a spool file.

Each decoder gives exactly the bytes (and the defects) the standard library's
`Message.get_payload(decode=True)` gives for the whole payload, without holding it: base64 is
decoded quad by quad as binascii's forgiving decoder does (skipping what is not base64, stopping
at the padding that ends a quad, the stdlib's three fallbacks decided at the end), and
quoted-printable line by line (binascii.a2b_qp looks no further than the next line feed).
tests/test_mime_stream.py holds them to the stdlib on random and mutated input.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import hashlib
import mmap
import os
import tempfile
from collections.abc import Callable, Iterator
from email import errors
from pathlib import Path
from typing import BinaryIO, Protocol

SPOOL_AT = 256 * 1024  # decoded bytes kept in memory before a part moves to its spool file
CHUNK = 64 * 1024
_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_NOT_BASE64 = bytes(sorted(set(range(256)) - set(_ALPHABET) - {ord("=")}))


class Output:
    """The decoded bytes of one part: in memory, or in a file of `spool` once past SPOOL_AT.
    `count` is told each write as it happens (the message's decode budget); `hashed`: their
    sha256 is computed as they come (a file's; text and inner messages need none)."""

    def __init__(
        self, spool: Path | None, count: Callable[[int], None] | None = None, *, hashed: bool = True
    ) -> None:
        self.spool = spool
        self.count = count
        self.hashed = hashed
        self.size = 0
        self.digest = hashlib.sha256()
        self.memory = bytearray()
        self.file: BinaryIO | None = None
        self.path: Path | None = None

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not data:
            return
        if self.count is not None:
            self.count(len(data))
        self.size += len(data)
        if self.hashed:
            self.digest.update(data)
        if self.file is None and self.spool is not None and len(self.memory) + len(data) > SPOOL_AT:
            handle, name = tempfile.mkstemp(dir=self.spool, prefix="part-")
            self.path = Path(name)
            self.file = os.fdopen(handle, "wb")
            self.file.write(self.memory)
            self.memory = bytearray()
        if self.file is not None:
            self.file.write(data)
        else:
            self.memory += data

    def discard(self) -> None:
        """Forget what was written, and give its bytes back to the budget."""
        self.remove()
        if self.count is not None:
            self.count(-self.size)
        self.size, self.digest, self.memory = 0, hashlib.sha256(), bytearray()
        self.file = self.path = None

    def close(self) -> None:
        if self.file is not None:
            self.file.close()

    @property
    def sha256(self) -> str:
        assert self.hashed, "a part's sha256 asked of an Output made without it"
        return self.digest.hexdigest()

    def value(self) -> bytes | Path:
        """The bytes, or the spool file that holds them (closed)."""
        self.close()
        return self.path if self.path is not None else bytes(self.memory)

    def remove(self) -> None:
        self.close()
        if self.path is not None:
            self.path.unlink(missing_ok=True)


class Decoder(Protocol):
    def feed(self, data: bytes | bytearray | memoryview) -> None: ...

    def finish(self) -> list[errors.MessageDefect]: ...


class Plain:
    """7bit, 8bit, binary and unknown encodings: the bytes as they are."""

    def __init__(self, out: Output) -> None:
        self.out = out

    def feed(self, data: bytes | bytearray | memoryview) -> None:
        self.out.write(data)

    def finish(self) -> list[errors.MessageDefect]:
        return []


class QuotedPrintable:
    """binascii.a2b_qp on whole lines: nothing it reads passes the next line feed."""

    def __init__(self, out: Output, chunk: int = CHUNK) -> None:
        self.out = out
        self.chunk = chunk
        self.rest = bytearray()

    def feed(self, data: bytes | bytearray | memoryview) -> None:
        self.rest += data
        cut = self.rest.rfind(b"\n") + 1
        if cut > self.chunk:
            self.out.write(binascii.a2b_qp(bytes(self.rest[:cut])))
            del self.rest[:cut]

    def finish(self) -> list[errors.MessageDefect]:
        self.out.write(binascii.a2b_qp(bytes(self.rest)))
        self.rest = bytearray()
        return []


class Base64:
    """email._encoded_words.decode_b over the payload with its line breaks removed, in chunks.

    The stdlib tries a strict decode (with the missing padding added), then a forgiving one, then
    a forgiving one with "==" added, and finally gives the encoded text itself back. All of them
    decode the same base64 characters up to where a padding completes a quad; which one succeeded
    (the defects) and the last fallback depend only on counts kept here, and `again` reads the
    raw payload once more for that last fallback (a payload of 4n+1 characters)."""

    def __init__(self, out: Output, again: Callable[[], Iterator[bytes]], chunk: int = CHUNK) -> None:
        self.out = out
        self.chunk = chunk
        self.again = again
        self.carry = b""  # base64 characters not yet decoded (fewer than four)
        self.pads = 0  # "=" counted towards completing the current quad
        self.done = False  # a padding completed a quad: the forgiving decoder stops there
        self.length = 0  # characters of the payload, line breaks left out
        self.invalid = False  # a character neither base64 nor "="
        self.seen_pad = False
        self.padding_then_data = False  # base64 after an "="
        self.trailing = 0  # "=" at the end so far
        self.rest = bytearray()

    def feed(self, data: bytes | bytearray | memoryview) -> None:
        self.rest += data
        if len(self.rest) > self.chunk:
            self._take(bytes(self.rest))
            self.rest = bytearray()

    def _take(self, data: bytes) -> None:
        data = data.replace(b"\r", b"").replace(b"\n", b"")
        pad = data.find(b"=")
        if pad != 0 and data and not self.done and self._valid(data if pad < 0 else data[:pad]):
            if pad < 0:
                return
            data = data[pad:]
        self.length += len(data)
        clean = data.translate(None, _NOT_BASE64)
        self.invalid = self.invalid or len(clean) != len(data)
        if not clean:
            return
        stripped = clean.rstrip(b"=")
        if stripped:
            self.padding_then_data = self.padding_then_data or self.seen_pad or b"=" in stripped
            self.trailing = len(clean) - len(stripped)
        else:
            self.trailing += len(clean)
        self.seen_pad = self.seen_pad or len(stripped) != len(clean) or b"=" in stripped
        if not self.done:
            self._decode(clean)

    def _valid(self, data: bytes) -> bool:
        """`data` (no line break, no "=", not empty) decoded in one call if it is all base64, as
        it nearly always is: binascii's strict decode says so. Else nothing is done."""
        quads = self.carry + data
        whole = len(quads) - len(quads) % 4
        tail = quads[whole:]
        if len(tail.translate(None, _NOT_BASE64)) != len(tail):
            return False
        try:
            with memoryview(quads) as view:
                decoded = binascii.a2b_base64(view[:whole], strict_mode=True)
        except binascii.Error:
            return False
        self.length += len(data)
        self.padding_then_data = self.padding_then_data or self.seen_pad
        self.trailing = self.pads = 0
        self.carry = tail
        self.out.write(decoded)
        return True

    def _decode(self, clean: bytes) -> None:
        at = 0
        while at < len(clean):
            pad = clean.find(b"=", at)
            run = clean[at : len(clean) if pad < 0 else pad]
            if run:
                self.pads = 0
                quads = self.carry + run
                whole = len(quads) - len(quads) % 4
                if whole:
                    self.out.write(binascii.a2b_base64(quads[:whole]))
                self.carry = quads[whole:]
            if pad < 0:
                return
            end = pad
            while end < len(clean) and clean[end] == 61:  # "="
                end += 1
            if len(self.carry) >= 2:
                self.pads += end - pad
                if len(self.carry) + self.pads >= 4:
                    self._complete()
                    return
            at = end

    def _complete(self) -> None:
        self.out.write(binascii.a2b_base64(self.carry + b"=" * (4 - len(self.carry))))
        self.carry = b""
        self.done = True

    def finish(self) -> list[errors.MessageDefect]:
        self._take(bytes(self.rest))
        self.rest = bytearray()
        pad_err = self.length % 4
        if self._strict(pad_err):
            self._close_quad()
            return [errors.InvalidBase64PaddingDefect()] if pad_err else []
        if self.done or not self.carry:
            return [errors.InvalidBase64CharactersDefect()]
        if len(self.carry) >= 2:
            self._close_quad()
            return [errors.InvalidBase64CharactersDefect(), errors.InvalidBase64PaddingDefect()]
        self.out.discard()
        for chunk in self.again():
            self.out.write(chunk.replace(b"\r", b"").replace(b"\n", b""))
        return [errors.InvalidBase64LengthDefect()]

    def _strict(self, pad_err: int) -> bool:
        """Whether the stdlib's strict decode (with the missing padding added) succeeds. It fails
        on any character that is not base64 and on base64 after an "=", whatever the Python
        version; else the payload is base64 characters and "="s, and a stand-in with as many of
        each, modulo 4 (runs longer than 8 shortened), is decoded strictly by binascii itself."""
        if self.invalid or self.padding_then_data:
            return False
        quad = self.length - self.trailing
        stand_in = b"A" * _shortened(quad) + b"=" * _shortened(self.trailing)
        try:
            base64.b64decode(stand_in + (b"==="[: 4 - pad_err] if pad_err else b""), validate=True)
        except binascii.Error:
            return False
        return True

    def _close_quad(self) -> None:
        if not self.done and len(self.carry) >= 2:
            self._complete()


def _shortened(run: int) -> int:
    return run if run < 8 else 4 + run % 4


def decoded_text(data: bytes | Path, charset: str, limit: int) -> str:
    """The first `limit` characters of a text part, decoded as text.parsing always has: in its
    declared charset if the whole part decodes in it, else in UTF-8, else in Latin-1. A spooled
    part is decoded chunk by chunk and only `limit` characters are kept."""
    if limit <= 0:
        return ""
    if isinstance(data, bytes):
        for candidate in (charset, "utf-8"):
            try:
                return data.decode(candidate)[:limit]
            except (LookupError, ValueError):  # ValueError: a NUL in the charset name, bad bytes
                continue
        return data.decode("latin-1")[:limit]
    for candidate in (charset, "utf-8"):
        try:
            return _incremental(data, candidate, limit)
        except (LookupError, ValueError):
            continue
    with data.open("rb") as f:
        return f.read(limit).decode("latin-1")


def _incremental(path: Path, charset: str, limit: int) -> str:
    """The whole part is decoded chunk by chunk to learn that it decodes, and where its first
    `limit` characters end; the kept text is then decoded once from the file's mapped pages, so
    it is built once and the part's bytes are never a Python object beside it."""
    b"".decode(charset)  # the name as bytes.decode takes it: text encodings only
    decoder = codecs.getincrementaldecoder(charset)("strict")
    size = at = 0  # characters decoded, bytes read
    end = -1  # bytes holding the first `limit` characters
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            state = decoder.getstate()
            got = len(decoder.decode(chunk))
            if end < 0 and size + got >= limit:
                end = at + _bytes_for(charset, state, chunk, limit - size)
            size, at = size + got, at + len(chunk)
        size += len(decoder.decode(b"", final=True))
        if not size:
            return ""
        with (
            mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as pages,
            memoryview(pages) as view,
            view[: end if end >= 0 else at] as kept,
        ):
            return str(kept, charset)[:limit]


def _bytes_for(charset: str, state: tuple[bytes, int], chunk: bytes, need: int) -> int:
    """The fewest bytes of `chunk` that decode, after `state`, to at least `need` characters."""
    low, high = 0, len(chunk)
    while low < high:
        middle = (low + high) // 2
        decoder = codecs.getincrementaldecoder(charset)("strict")
        decoder.setstate(state)
        if len(decoder.decode(chunk[:middle])) >= need:
            high = middle
        else:
            low = middle + 1
    return low
