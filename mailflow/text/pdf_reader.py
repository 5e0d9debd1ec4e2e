"""A PDF reader process (`python -m mailflow.text.pdf_reader`): the other end of text.pdf_pool.

It reads requests on its standard input until that closes, and answers each PDF's text on the
standard output it was started with. A PDF is a program (issue 20), so the process is bounded:
its address space once, at start (by the bytes given as its argument, beyond what the interpreter
and pypdf take), and each request by a CPU-time timer (ITIMER_PROF: user and system time like
RLIMIT_CPU, but per request and to the millisecond). SIGPROF's default action ends the process,
a MemoryError ends it with MEMORY_EXIT, and the pool replaces it either way.
"""

from __future__ import annotations

import os
import resource
import signal
import sys
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import PdfReadError, PyPdfError

from mailflow.text.pdf_pool import MAX_TEXT, MEMORY_EXIT, READY, Request, open_source, reply_frame, write_all

MAX_PAGES = 3  # letter fields are on the first page; later pages are enclosures


def main(memory: int) -> None:
    # Ctrl-C in a terminal reaches the whole process group: the service stops its readers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Replies go on a private copy of stdout: whatever a library prints goes to stderr instead.
    out = os.dup(1)
    os.dup2(2, 1)
    _limit_memory(memory)
    try:
        write_all(out, READY)
        while (request := Request.receive(0)) is not None:
            signal.setitimer(signal.ITIMER_PROF, request.seconds)
            try:
                for pdf in request.files:
                    text, error = pdf_text(pdf)
                    write_all(out, reply_frame(text[:MAX_TEXT], error))
            except MemoryError:
                os._exit(MEMORY_EXIT)
            signal.setitimer(signal.ITIMER_PROF, 0)
    except (BrokenPipeError, EOFError):
        return  # the one it read for is gone (killed, stopped mid-request): nothing to tell anyone


def _limit_memory(memory: int) -> None:
    with Path("/proc/self/statm").open() as statm:
        size = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    resource.setrlimit(resource.RLIMIT_AS, (size + memory, size + memory))


def pdf_text(source: bytes | Path) -> tuple[str, str]:
    """Text of the first pages, or "" for a picture-only scan or a damaged file (and the name of
    the error that made it unreadable, for the service's log)."""
    try:
        with open_source(source) as stream:
            reader = PdfReader(stream)
            if reader.is_encrypted:
                return "", ""
            return "\n".join((page.extract_text() or "") for page in reader.pages[:MAX_PAGES]), ""
    # pypdf raises NotImplementedError for filters it lacks and plain errors on damaged files.
    except (
        PdfReadError,
        PyPdfError,
        ValueError,
        KeyError,
        TypeError,
        RecursionError,
        NotImplementedError,
        AttributeError,
        IndexError,
        ZeroDivisionError,
    ) as exc:
        return "", type(exc).__name__


if __name__ == "__main__":
    main(int(sys.argv[1]))
