"""Reading processes: a message held in memory is read on another core.

A poll reads a group's messages (parse, sender check, PDF text, registry fields) while its main
thread writes the group before. In threads of one process both halves share one interpreter
lock: issue 25's profile showed them taking turns on one core, the transaction waiting for the
lock after each statement. So a message in memory up to APART_BYTES (replies and born-digital
letters; a larger one is read where it was fetched, in a thread) is read in a reading process:
`python -m mailflow.inbound.reading_apart`, started once from a clean interpreter (no thread,
connection or file of the service is copied into it), as the PDF readers are (text.pdf_pool).
It gets the raw bytes and what the reading needs of the office (`Senders`, the mailbox's
settings, the pinned DKIM keys) as a pickle on its input, and answers with the `Read` (pure
data, the files as bytes, as they were in memory) and the log records its reading made. The
reading is `read_small` there or in a thread (one core, a large message): one code path.

Nothing acts in a reading process: no database, no mail, no rules beyond `Senders`. One that
dies (the kernel's OOM killer, a crash in a parser) is replaced and the message read once more;
a message that kills it twice is read in the service's thread, as on one core, where the poll's
count of tries holds one that stops the worker (inbound.loop). A reading process ends when its
input closes: the service's stop, or the service gone however it went.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import pickle
import select
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from functools import cache
from typing import cast

from mailflow.config import MailboxSettings
from mailflow.errors import MessageError
from mailflow.inbound.authenticity import BUDGET_SECONDS, UNCHECKED, Authenticity, check_sender
from mailflow.net.dkim_keys import TxtLookup, pinned
from mailflow.net.dns import CachedTxt
from mailflow.office.model import Senders
from mailflow.raw import RawMessage
from mailflow.text.letter import LetterReading, read_letter
from mailflow.text.message import ParsedMessage
from mailflow.text.parsing import parse_message
from mailflow.text.pdf_pool import WALL_SECONDS, read_exactly, write_all

log = logging.getLogger(__name__)


# A message in memory up to this size is read in a reading process; a larger one in the service's
# thread: its copies there and back (the raw bytes, the text and files read) would cost more
# memory than the process saves time, and its reading is what bench/hostile.py measures.
APART_BYTES = 512 * 1024


@dataclass(frozen=True)
class Read:
    """What the transaction needs of a message, or why it cannot be read."""

    message: ParsedMessage | None
    problem: MessageError | None  # unreadable or too big: held
    sender: Authenticity
    letter: LetterReading | None  # what filing needs, for a message that may be filed


@dataclass(frozen=True)
class SmallMessage:
    """A message in memory and what its reading needs: all of it sent to a reading process."""

    raw: RawMessage
    box: MailboxSettings
    senders: Senders
    dkim_keys: dict[str, str]  # Settings.dkim_keys: pinned before DNS, as App.txt_lookup


def read_small(small: SmallMessage, lookup: TxtLookup) -> Read:
    """Parse the whole message, check its sender on that parse (for people the rules know), and
    read its letter when it may be filed (a clerk's, or anyone's where the mailbox files direct
    letters)."""
    try:
        message = parse_message(small.raw.read_bytes())
    except MessageError as exc:
        return Read(None, exc, UNCHECKED, None)
    sender, clerk = checked(small.raw, message, small.box, small.senders, lookup)
    files = clerk or small.box.direct_letters == "register"
    return Read(message, None, sender, read_letter(message, direct=not clerk) if files else None)


def checked(
    raw: RawMessage, message: ParsedMessage, box: MailboxSettings, senders: Senders, lookup: TxtLookup
) -> tuple[Authenticity, bool]:
    """The sender check (for people the rules know), and whether the sender is a clerk."""
    address = message.from_address.lower()
    clerk = address in senders.clerks
    known = (clerk or address in senders.people) and message.header_problem is None
    return (check_sender(raw, message, box, lookup) if known else UNCHECKED), clerk


@cache
def _lookup(keys: tuple[tuple[str, str], ...]) -> TxtLookup:
    """A reading process's DKIM keys: the pinned ones, then DNS with its own cache (App.txt_lookup)."""
    return pinned(dict(keys), CachedTxt())


# The protocol, both ways: a frame is 8 bytes of length, then a pickle. A request is a
# SmallMessage and the service's log level at the time; a reply is the Read and the log records
# the reading made (their dicts).
READY = b"R"  # a reading process's first byte: started, waiting for messages
START_SECONDS = 120.0  # for an interpreter to start on a loaded machine
STOP_SECONDS = 10.0  # for one to end once its input is closed (its message in hand read)
# For a request and its whole answer: the sender check's budget, the PDFs' wall clock and a
# margin. One that does not answer in time (stopped, frozen, hung in a parser) is killed with its
# PDF readers and its message read in the service's thread, as on one core: a poll is never held
# by a process it cannot see. (A PDF reader's start, which pdf_pool allows START_SECONDS, is not
# in it: on a machine that loaded, a fresh process's first PDF letter may be read twice, the
# second time here; its reading is the same.)
ANSWER_SECONDS = BUDGET_SECONDS + WALL_SECONDS + 10.0
# How long a message waits for a free reading process before it is read in the service's thread:
# a reading takes milliseconds, but one whose PDFs take their whole budget takes seconds.
WAIT_SECONDS = 1.0


def _frame(value: object) -> bytes:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return len(data).to_bytes(8, "big") + data


def _received(fd: int, deadline: float | None = None) -> object | None:
    """The next frame's value, or None once `fd` is closed (a frame cut short: EOFError);
    TimeoutError when it has not all come by `deadline` (time.monotonic)."""
    if (head := _read(fd, 8, deadline)) is None:
        return None
    if (data := _read(fd, int.from_bytes(head, "big"), deadline)) is None:
        raise EOFError("a frame cut short")
    return pickle.loads(data)


def _read(fd: int, size: int, deadline: float | None) -> bytes | None:
    """`size` bytes from `fd`, or None if it closed first; each chunk waited for until `deadline`."""
    if deadline is None:
        return read_exactly(fd, size)
    chunks: list[bytes] = []
    while size:
        _ready(fd, select.POLLIN, deadline)
        if not (chunk := os.read(fd, min(size, 1 << 20))):
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _send(fd: int, data: bytes, deadline: float) -> None:
    """All of `data` to the non-blocking `fd` by `deadline` (a frozen reader takes no more than
    the pipe's buffer: a blocking write would wait for it for ever); BrokenPipeError if it is gone."""
    view = memoryview(data)
    while view:
        _ready(fd, select.POLLOUT, deadline)
        with contextlib.suppress(BlockingIOError):
            view = view[os.write(fd, view) :]


def _ready(fd: int, event: int, deadline: float) -> None:
    """Wait for `fd` to be ready for `event` (or closed at its other end); TimeoutError at `deadline`."""
    poller = select.poll()
    poller.register(fd, event)
    if (left := deadline - time.monotonic()) <= 0 or not poller.poll(left * 1000):
        raise TimeoutError("a reading process did not answer in time")


class _Kept(logging.Handler):
    """A reading process's log records, kept to go back with the message's reading."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[dict[str, object]] = []

    def emit(self, record: logging.LogRecord) -> None:
        record.msg, record.args, record.exc_info, record.exc_text = record.getMessage(), None, None, None
        self.records.append(dict(record.__dict__))

    def take(self) -> list[dict[str, object]]:
        taken, self.records = self.records, []
        return taken


def serve() -> None:
    """A reading process (`python -m mailflow.inbound.reading_apart`): messages from its input,
    readings to its output, until its input closes (the service stopped, or is gone)."""
    # Replies go on a private copy of stdout: whatever a library prints goes to stderr instead.
    out = os.dup(1)
    os.dup2(2, 1)
    kept = _Kept()
    logging.getLogger().handlers[:] = [kept]
    try:
        write_all(out, READY)
        while (request := _received(0)) is not None:
            small, level = cast(tuple[SmallMessage, int], request)
            if not isinstance(small, SmallMessage):
                raise TypeError(f"a reading process was sent {type(small).__name__}")
            logging.getLogger().setLevel(level)
            done = read_small(small, _lookup(tuple(sorted(small.dkim_keys.items()))))
            write_all(out, _frame((done, kept.take())))
    except (BrokenPipeError, EOFError):
        return  # the service gave up on it (its answer's time ran out) or is gone: nothing to tell


class _Process:
    """One reading process, reading one message at a time."""

    def __init__(self, python: str) -> None:
        self.process = subprocess.Popen(
            # -P: not the working directory first on its path: only the installed code reads mail.
            [python, "-P", "-m", "mailflow.inbound.reading_apart"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            # Its own process group, its PDF readers in it: a kill (`kill`) reaches them too.
            start_new_session=True,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self._input, self._output = self.process.stdin.fileno(), self.process.stdout.fileno()
        os.set_blocking(self._input, False)  # (_send: a request is written against its deadline)
        self.taken_in = 0  # ReadingProcesses' closes before it was last taken
        try:
            _ready(self._output, select.POLLIN, time.monotonic() + START_SECONDS)
            started = os.read(self._output, 1) == READY
        except TimeoutError:
            started = False
        if not started:
            self.stop()
            raise OSError("a reading process did not start")

    def read(self, small: SmallMessage, seconds: float) -> Read:
        """The reading; EOFError (or BrokenPipeError) when the process died with the message,
        TimeoutError when the request and its whole answer did not pass within `seconds`. It
        reads at the service's log level of the moment; its records are logged where the
        service's loggers would log them."""
        deadline = time.monotonic() + seconds
        _send(self._input, _frame((small, logging.getLogger().getEffectiveLevel())), deadline)
        if (reply := _received(self._output, deadline)) is None:
            raise EOFError("the reading process ended")
        done, records = cast(tuple[Read, list[dict[str, object]]], reply)
        for fields in records:
            record = logging.makeLogRecord(fields)
            if (logger := logging.getLogger(record.name)).isEnabledFor(record.levelno):
                logger.handle(record)
        return done

    def kill(self) -> None:
        """It and its PDF readers, at once (stopped, frozen or hung: no answer to wait for)."""
        if self.process.returncode is None:  # (not reaped: its group is still its own)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        """Its input closed: it ends after the message in hand (killed after a wait)."""
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                pipe.close()
        try:
            self.process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class ReadingProcesses:
    """Up to `size` reading processes, started as messages need them (or by `start`); a message
    waits for a free one."""

    def __init__(
        self, size: int, python: str = sys.executable, answer_seconds: float = ANSWER_SECONDS
    ) -> None:
        self.size, self.python, self.answer_seconds = size, python, answer_seconds
        self.off = False  # none would start: the service reads in its own threads
        self._idle: list[_Process] = []
        self._busy = 0
        self._closes = 0  # a process taken before the last close is stopped when given back
        self._changed = threading.Condition()

    def read(self, small: SmallMessage) -> Read | None:
        """read_small in a reading process; None when none could or should read it (the caller
        reads it itself, as on one core): one larger than APART_BYTES is not sent, nor one that
        found no process free within WAIT_SECONDS, nor one whose process did not answer within
        `answer_seconds` (killed). One that died is replaced and the message read once more;
        when one cannot be started (a Python that cannot run them), none is tried again (logged
        once)."""
        if small.raw.size > APART_BYTES or self.off:
            return None
        for _ in range(2):  # (None from _take: none free in time, or none starts)
            if (process := self._take()) is None:
                return None
            broken = True  # (anything but a reading ends it: no message is sent after a half)
            try:
                done, broken = process.read(small, self.answer_seconds), False
                return done
            except TimeoutError:
                log.warning("event=reading_process_silent pid=%s (killed; read here)", process.process.pid)
                process.kill()
                return None
            except (EOFError, BrokenPipeError):
                log.warning("event=reading_process_died pid=%s (read again)", process.process.pid)
            finally:
                self._give_back(process, broken)
        return None

    def start(self) -> list[int]:
        """All `size` processes started now, not at the first messages (a benchmark, a test);
        their ids."""
        taken = [process for _ in range(self.size) if (process := self._take()) is not None]
        for process in taken:
            self._give_back(process)
        return sorted(process.process.pid for process in taken)

    def close(self) -> None:
        """Stop the idle processes and wait for them; a busy one is stopped when its message is
        read, and the next message starts new ones."""
        with self._changed:
            idle, self._idle = self._idle, []
            self._closes += 1
        for process in idle:
            process.stop()

    def _take(self) -> _Process | None:
        """A free process; None when none is free within WAIT_SECONDS (the caller reads the
        message itself: a slow letter in one process holds no other office's mail) or none
        can be started."""
        with self._changed:
            if not self._changed.wait_for(lambda: self._idle or self._busy < self.size, WAIT_SECONDS):
                return None
            self._busy += 1
            taken_in = self._closes
            while self._idle:
                if (process := self._idle.pop()).alive:
                    process.taken_in = taken_in
                    return process
                process.stop()  # killed while idle (by hand, or the kernel's OOM killer)
        try:
            process = _Process(self.python)
            process.taken_in = taken_in
            return process
        except OSError as exc:
            with self._changed:
                self._busy -= 1
                self._changed.notify()
                if not self.off:
                    self.off = True
                    log.error("event=reading_processes_off error=%s (read in the service's threads)", exc)
            return None

    def _give_back(self, process: _Process, broken: bool = False) -> None:
        """A process done with its message: idle again, or stopped (its output may end before
        the kernel says it has: `alive` is not asked of one whose reading broke)."""
        with self._changed:
            self._busy -= 1
            kept = not broken and process.taken_in == self._closes and process.alive
            if kept:
                self._idle.append(process)
            self._changed.notify()
        if not kept:
            process.stop()


def process_count(cores: int) -> int:
    """One fewer than the cores (the service's main thread writes on one), and two at least: a
    reading process waits for its PDF reader for a good part of a letter, and one alone kept the
    second core of two half idle (issue 25's timeline: it was busy 90% of a filing and the
    bottleneck; two filed 5-27% faster, at about 40 MB more per worker). None on one core, where
    a process would only add the copying."""
    return 0 if cores < 2 else max(2, cores - 1)


_processes = ReadingProcesses(count) if (count := process_count(os.cpu_count() or 1)) else None
atexit.register(lambda: _processes.close() if _processes else None)


def reading_processes() -> ReadingProcesses | None:
    """The service's reading processes; None on one core."""
    return _processes


if __name__ == "__main__":  # (the module's own functions, not this copy's: their pickles name it)
    from mailflow.inbound.reading_apart import serve as _serve

    _serve()
