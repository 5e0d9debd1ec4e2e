"""Long-lived processes that read the text layers of PDFs (text.pdf_reader), one per core.

pypdf is pure Python and a PDF is a program (issue 20), so PDFs are read in another process with
a CPU budget per message and a memory bound. Forking the whole service for each message did that
at 20 ms of CPU and 130 ms of wall at load, ten times the text itself (issue 25); so readers are
started once, lazily, from a clean interpreter (no thread, connection or file of the service is
copied into them), and are handed each message's PDFs by path (or as bytes, for a small part
held in memory, written to the pipe as it is, not copied) over a pipe. A reader past its budget
or its memory dies; the message's PDFs not read by then are refused, and the next message gets a
fresh reader. Readers are stopped by `close()` (the service's stop, and at exit); one whose
service is gone sees its input close and exits.

The protocol: a request is the CPU budget in milliseconds and the count of PDFs (4 bytes each),
then per PDF its kind (b"p" a path, b"d" bytes), its length (8 bytes) and the path or bytes. The
reply is per PDF: the length of its text (8 bytes), the length of the name of the error that
made it unreadable (1 byte), that name and the text, all UTF-8.
"""

from __future__ import annotations

import atexit
import io
import logging
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from mailflow.text.message import Attachment

log = logging.getLogger(__name__)

WALL_SECONDS = 10.0  # the wall clock's backstop, for a reader that waits instead of computing
START_SECONDS = 120.0  # for a reader to start (an interpreter and pypdf): not the message's time
READY = b"R"  # a reader's first byte: started, limited, waiting for requests
MEMORY = 512 * 1024 * 1024  # bytes a reader may grow by beyond its interpreter and pypdf
MAX_TEXT = 200_000  # characters: three pages of a letter are a few thousand
# Bytes asked of the pipe at a time: os.read allocates what it is asked for before the pipe
# answers, so a megabyte asked for a reply of a few KB held a megabyte for nothing.
REPLY_CHUNK = 64 * 1024
MEMORY_EXIT = 3  # a reader's exit code after a MemoryError
_WHY = {MEMORY_EXIT: "pdf_memory", -signal.SIGPROF: "pdf_time", -signal.SIGKILL: "pdf_time"}


@dataclass(frozen=True)
class Request:
    """One message's PDFs and the CPU seconds they share."""

    seconds: float
    files: Sequence[bytes | Path]

    def frames(self) -> Iterator[bytes]:
        """The request in pieces, to be written one after another: a PDF held as bytes goes to
        the pipe as it is, not joined into a second copy of all of them."""
        yield int(self.seconds * 1000).to_bytes(4, "big") + len(self.files).to_bytes(4, "big")
        for source in self.files:
            kind, payload = (b"d", source) if isinstance(source, bytes) else (b"p", os.fsencode(source))
            yield kind + len(payload).to_bytes(8, "big")
            yield payload

    @classmethod
    def receive(cls, fd: int) -> Request | None:
        """The next request on `fd`, or None once it is closed."""
        if (head := read_exactly(fd, 8)) is None:
            return None
        files: list[bytes | Path] = []
        for _ in range(int.from_bytes(head[4:], "big")):
            field = _field(fd, 9)
            payload = _field(fd, int.from_bytes(field[1:], "big"))
            files.append(payload if field[:1] == b"d" else Path(os.fsdecode(payload)))
        return cls(int.from_bytes(head[:4], "big") / 1000, files)


def open_source(source: bytes | Path) -> BinaryIO:
    return io.BytesIO(source) if isinstance(source, bytes) else source.open("rb")


def reply_frame(text: str, error: str) -> bytes:
    data, name = text.encode("utf-8", "replace"), error.encode("ascii")
    return len(data).to_bytes(8, "big") + len(name).to_bytes(1, "big") + name + data


def read_exactly(fd: int, size: int) -> bytes | None:
    """`size` bytes from `fd`, or None if it closed first."""
    chunks: list[bytes] = []
    while size:
        if not (chunk := os.read(fd, min(size, 1 << 20))):
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _field(fd: int, size: int) -> bytes:
    if (data := read_exactly(fd, size)) is None:
        raise EOFError("a request cut short")
    return data


class Reader:
    """One reader process, used by one message at a time."""

    def __init__(self, memory: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-P", "-m", "mailflow.text.pdf_reader", str(memory)],  # (-P: no cwd on its path)
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self._input, self._output = self.process.stdin.fileno(), self.process.stdout.fileno()
        self._ready = False

    def read(self, request: Request) -> tuple[list[str], str | None]:
        """The texts read, in order, and None; or those read before the reader died and why the
        rest were not ("pdf_time", "pdf_memory" or "pdf_damaged"): the reader is gone then.
        The message's wall clock starts once the reader has started: on a loaded machine an
        interpreter takes seconds to start, which must not refuse the first message's PDFs."""
        if not self._ready:
            if not select.select([self._output], [], [], START_SECONDS)[0]:
                return [], self._ended(killed=True)
            if os.read(self._output, 1) != READY:
                return [], self._ended(killed=False)
            self._ready = True
        deadline = time.monotonic() + WALL_SECONDS
        try:
            for frame in request.frames():
                write_all(self._input, frame)
        except BrokenPipeError:
            return [], self._ended(killed=False)
        texts: list[str] = []
        received = bytearray()
        while len(texts) < len(request.files):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._output], [], [], left)[0]:
                return texts, self._ended(killed=True)
            if not (chunk := os.read(self._output, REPLY_CHUNK)):
                return texts, self._ended(killed=False)
            received += chunk
            while len(received) >= 9 and len(received) >= (
                end := 9 + received[8] + int.from_bytes(received[:8], "big")
            ):
                error = received[9 : 9 + received[8]].decode("ascii")
                if error:
                    log.info("event=pdf_unreadable error=%s", error)
                texts.append(received[9 + received[8] : end].decode("utf-8", "replace"))
                del received[:end]
        return texts, None

    @property
    def alive(self) -> bool:
        return self.process.returncode is None

    def stop(self) -> None:
        """Killed at once: an idle reader holds nothing, and a busy one is not stopped here."""
        self._ended(killed=True)

    def _ended(self, *, killed: bool) -> str:
        if killed:
            self.process.kill()
        code = self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                pipe.close()
        return "pdf_time" if killed else _WHY.get(code, "pdf_damaged")


class Readers:
    """Up to `size` readers, started as messages need them; a message waits for a free one.
    Each may grow by `memory` bytes."""

    def __init__(self, size: int, memory: int = MEMORY) -> None:
        self._size, self._memory = size, memory
        self._idle: list[Reader] = []
        self._busy = 0
        self._changed = threading.Condition()

    def read(self, files: Sequence[Attachment], seconds: float) -> tuple[list[str], str | None]:
        """See Reader.read; a reader that died is replaced by the next message that needs one."""
        reader = self._take()
        try:
            return reader.read(Request(seconds, [f.data if f.data is not None else _path(f) for f in files]))
        finally:
            with self._changed:
                self._busy -= 1
                if reader.alive:
                    self._idle.append(reader)
                self._changed.notify()

    @property
    def pids(self) -> list[int]:
        """The process ids of the readers idle now."""
        with self._changed:
            return [reader.process.pid for reader in self._idle]

    def close(self) -> None:
        """Stop the idle readers; a busy one is given back when its message is read, and the
        next message starts new ones."""
        with self._changed:
            idle, self._idle = self._idle, []
        for reader in idle:
            reader.stop()

    def _take(self) -> Reader:
        with self._changed:
            while not self._idle and self._busy >= self._size:
                self._changed.wait()
            self._busy += 1
            while self._idle:
                if (reader := self._idle.pop()).process.poll() is None:
                    return reader
                reader.stop()  # killed while idle (by hand, or the kernel's OOM killer)
        try:
            return Reader(self._memory)
        except OSError:
            with self._changed:
                self._busy -= 1
                self._changed.notify()
            raise


def _path(f: Attachment) -> Path:
    assert f.path is not None
    return f.path


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


_readers = Readers(os.cpu_count() or 1)
atexit.register(_readers.close)


def readers() -> Readers:
    """The process's readers (none is started until a message has a PDF)."""
    return _readers
