"""The text layer of an attached PDF, for registry fields printed on the letter.

pypdf is pure Python and a PDF is a program: 6 KB of nested forms took 42-62 s to extract
(issue 20). So a message's PDFs are read in one forked child with a CPU-time and an
address-space limit; a PDF past either is not read, and the letter says so (`refused`), instead
of the poll waiting on it. Forking costs a few milliseconds; the child needs no imports and no
database, and leaves by os._exit, so nothing of the parent's (connections, files) is touched.
"""

from __future__ import annotations

import logging
import os
import resource
import select
import signal
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from pypdf import PdfReader
from pypdf.errors import PdfReadError, PyPdfError

from mailflow.text.message import Attachment

log = logging.getLogger(__name__)

MAX_PAGES = 3  # letter fields are on the first page; later pages are enclosures
MAX_FILES = 3  # a letter is one PDF, perhaps with an enclosure or two; the rest are not read
SECONDS = 1  # CPU seconds for a message's PDFs (RLIMIT_CPU): a letter's pages take pypdf 0.01-0.2 s
WALL_SECONDS = 10.0  # the wall clock's backstop, for a child that waits instead of computing
MEMORY = 512 * 1024 * 1024  # bytes the child may grow by
MAX_TEXT = 200_000  # characters: three pages of a letter are a few thousand


@dataclass
class PdfTexts:
    """The text layers read, one per distinct PDF in order, and the PDFs not read and why."""

    texts: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (filename, "pdf_time" | ...)
    # For scans.files.scan_files: each text, or None for a PDF refused (a PDF too costly for its
    # text layer is too costly to render for OCR as well: the same nested forms).
    layers: list[str | None] = field(default_factory=list)


def letter_pdf_texts(files: Sequence[Attachment]) -> list[str]:
    return read_pdfs(files).texts


def read_pdfs(files: Sequence[Attachment]) -> PdfTexts:
    """The text layers of a letter's PDFs: each distinct file once, and the first few only, so a
    mail of a hundred copies of one inflating PDF costs what one copy costs. All of them share
    one child and its budget; a PDF past it counts as read with no text, named in `refused`."""
    seen: set[str] = set()
    chosen: list[Attachment] = []
    for f in files:
        if f.content_type != "application/pdf" and not f.filename.lower().endswith(".pdf"):
            continue
        if f.sha256 in seen:
            continue
        seen.add(f.sha256)
        chosen.append(f)
        if len(chosen) == MAX_FILES:
            break
    found = PdfTexts()
    for f, (text, refused) in zip(chosen, bounded_pdf_texts(chosen), strict=True):
        found.texts.append(text)
        found.layers.append(None if refused else text)
        if refused:
            found.refused.append((f.filename, refused))
    return found


def bounded_pdf_texts(files: Sequence[Attachment], seconds: int = SECONDS) -> list[tuple[str, str | None]]:
    """For each PDF (text, None), or ("", why) once reading them passed the budget they share.

    The time is the child's CPU time, so a busy machine does not make a good PDF late. The child
    sends each text as it is done (its length, then the text); those after the one it died on
    are refused for the same reason. A spooled file is opened by the child, by its path: the
    service never holds its bytes."""
    pdfs = [i for i, f in enumerate(files) if b"%PDF-" in f.head(1024)]  # else nothing to read
    results: list[tuple[str, str | None]] = [("", None)] * len(files)
    if not pdfs:
        return results
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: read, write the texts, exit without running the parent's cleanup
        os.close(reader)
        code = 1
        try:
            _limit(seconds)
            for index in pdfs:
                text = pdf_text(files[index])[:MAX_TEXT].encode("utf-8", "replace")
                os.write(writer, len(text).to_bytes(8, "big") + text)
            code = 0
        except MemoryError:
            code = 3
        finally:
            os._exit(code)
    os.close(writer)
    received = bytearray()
    deadline = time.monotonic() + WALL_SECONDS
    killed = False
    try:
        while (left := deadline - time.monotonic()) > 0 and select.select([reader], [], [], left)[0]:
            if not (chunk := os.read(reader, 65536)):
                break
            received += chunk
        else:
            os.kill(pid, signal.SIGKILL)
            killed = True
    finally:
        os.close(reader)
        _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    reasons = {3: "pdf_memory", -signal.SIGXCPU: "pdf_time", -signal.SIGKILL: "pdf_time"}
    reason = "pdf_time" if killed else reasons.get(code, "pdf_damaged")
    at = 0
    for index in pdfs:
        size = int.from_bytes(received[at : at + 8], "big")
        if len(received) < at + 8 or len(received) < at + 8 + size:  # not sent whole: not read
            log.info("event=pdf_refused reason=%s", reason)
            results[index] = ("", reason)
            continue
        results[index] = (received[at + 8 : at + 8 + size].decode("utf-8", "replace"), None)
        at += 8 + size
    return results


def _limit(seconds: int) -> None:
    """In the child: CPU seconds (a forked child's count starts at 0; SIGXCPU ends it) and
    MEMORY bytes of address space beyond what it was forked with."""
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    with open("/proc/self/statm") as statm:
        size = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    resource.setrlimit(resource.RLIMIT_AS, (size + MEMORY, size + MEMORY))


def pdf_text(pdf: Attachment) -> str:
    """Text of the first pages, or "" for a picture-only scan or a damaged file."""
    if b"%PDF-" not in pdf.head(1024):
        # Not a PDF at all: pypdf would search the whole file for a structure (a minute for 45 MB).
        return ""
    try:
        with pdf.open() as stream:
            reader = PdfReader(stream)
            if reader.is_encrypted:
                return ""
            return "\n".join((page.extract_text() or "") for page in reader.pages[:MAX_PAGES])
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
        log.info("event=pdf_unreadable error=%s", type(exc).__name__)
        return ""
