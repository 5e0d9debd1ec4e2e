"""Reading processes (inbound.reading_apart): a message in memory read in another process is read
exactly as in the service's thread: the same parse, the same sender verdict, the same letter.
A process that dies is replaced; processes that cannot start leave the reading to the service."""

from __future__ import annotations

import logging
import os
import signal
import sys
from dataclasses import replace

import pytest

from mailflow.demo import dkim
from mailflow.inbound.reading_apart import (
    ANSWER_SECONDS,
    APART_BYTES,
    Read,
    ReadingProcesses,
    SmallMessage,
    _Process,
    process_count,
    read_small,
)
from mailflow.raw import RawMessage
from tests.support.letters import CLERK, gmail_forward, pdf_letter
from tests.test_one_reading import BOX, KADIS, LOOKUP, RULES, STAFF, mail, raw_from

KEYS = {dkim.RECORD_NAME: dkim.RECORD}
MESSAGES = {
    "a clerk's forward with its PDF": gmail_forward(
        pdf=pdf_letter(hal="Undangan Rapat"), sender=CLERK
    ).as_bytes(),
    "the head's signed reply": dkim.sign(mail(sender=KADIS)),
    "a signed reply whose body was changed": dkim.sign(mail(sender=STAFF)).replace(b"Siap.", b"Tolak."),
    "a From read two ways": raw_from(f"<{KADIS}> <evil@example.com>"),
    "no header at all": b"\r\n\r\n",
}


@pytest.fixture(scope="module")
def processes():
    apart = ReadingProcesses(1)
    yield apart
    apart.close()


def small(raw: bytes) -> SmallMessage:
    return SmallMessage(RawMessage.of(raw), BOX, RULES.senders, KEYS)


@pytest.mark.parametrize("name", MESSAGES)
def test_a_message_is_read_there_as_it_is_here(processes, name):
    here = read_small(small(MESSAGES[name]), LOOKUP)
    there = processes.read(small(MESSAGES[name]))
    assert there is not None and compared(there) == compared(here)
    if name == "a clerk's forward with its PDF":
        assert there.letter is not None and there.letter.fields.letter_number == "061/5432/OTDA"
    if name == "the head's signed reply":
        assert there.sender.verified


def compared(read: Read) -> tuple[Read, tuple[str, str] | None, frozenset[str] | None]:
    """A reading as == cannot see it whole: an exception equals only itself, and the signed
    fields are left out of Authenticity's ==."""
    problem = (read.problem.reason, read.problem.detail) if read.problem else None
    return replace(read, problem=None), problem, read.sender.covered


def test_a_reading_process_that_dies_is_replaced_and_the_message_read_again(processes):
    [pid] = processes.start()
    os.kill(pid, signal.SIGKILL)
    message = small(MESSAGES["the head's signed reply"])
    there = processes.read(message)
    assert there is not None and compared(there) == compared(read_small(message, LOOKUP))
    assert processes.start() != [pid] and not processes.off


def test_processes_that_cannot_start_leave_the_reading_to_the_service(caplog):
    """A Python that cannot run a reading process (here: none at all): the first message finds
    out, the service reads in its threads from then on, and says so once."""
    apart = ReadingProcesses(1, python="/bin/false")
    assert [apart.read(small(m)) for m in list(MESSAGES.values())[:2]] == [None, None]
    assert apart.off and apart.start() == []
    assert [r.message for r in caplog.records].count(
        "event=reading_processes_off error=a reading process did not start (read in the service's threads)"
    ) == 1


def test_a_message_past_apart_bytes_is_read_in_the_service(processes):
    large = small(raw_from(KADIS, body=b"x" * (APART_BYTES + 1)))
    assert processes.read(large) is None


def test_a_dead_reading_process_says_so_to_its_reader():
    process = _Process(sys.executable)
    os.kill(process.process.pid, signal.SIGKILL)
    process.process.wait()
    with pytest.raises((EOFError, BrokenPipeError)):
        process.read(small(MESSAGES["the head's signed reply"]), ANSWER_SECONDS)
    process.stop()


def test_a_reading_process_s_log_records_reach_the_service_s_loggers(caplog):
    """A PDF that cannot be read, in the reading process: the service logs it, as in its thread
    (the process logs at the service's level when it started)."""
    caplog.set_level(logging.INFO)
    apart = ReadingProcesses(1)
    damaged = gmail_forward(pdf=b"%PDF-1.4 broken", sender=CLERK).as_bytes()
    assert apart.read(small(damaged)) is not None
    apart.close()
    assert [r for r in caplog.records if r.name.startswith("mailflow.text") and "event=pdf_" in r.message]


def test_none_on_one_core_and_two_at_least_on_more():
    """One core: read in the service's threads. Two: two processes, as one waits for its PDF
    reader for a good part of a letter. More: one per core but one (the main thread writes)."""
    assert [process_count(cores) for cores in (1, 2, 3, 4, 8)] == [0, 2, 2, 3, 7]
