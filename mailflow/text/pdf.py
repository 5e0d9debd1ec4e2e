"""The text layer of an attached PDF, for registry fields printed on the letter.

pypdf is pure Python and a PDF is a program: 6 KB of nested forms took 42-62 s to extract
(issue 20). So a message's PDFs are read by one of the PDF reader processes (text.pdf_pool)
within a CPU-time budget and an address-space limit; a PDF past either is not read, and the
letter says so (`refused`), instead of the poll waiting on it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from mailflow.text.message import Attachment
from mailflow.text.pdf_pool import readers

log = logging.getLogger(__name__)

MAX_FILES = 3  # a letter is one PDF, perhaps with an enclosure or two; the rest are not read
SECONDS = 1  # CPU seconds for a message's PDFs: a letter's pages take pypdf 0.01-0.2 s


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
    one reader and its budget; a PDF past it counts as read with no text, named in `refused`."""
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

    The time is the reader's CPU time, so a busy machine does not make a good PDF late. Those
    after the one its reader died on are refused for the same reason. A spooled file is opened
    by the reader, by its path: the service never holds its bytes."""
    pdfs = [i for i, f in enumerate(files) if b"%PDF-" in f.head(1024)]  # else nothing to read
    results: list[tuple[str, str | None]] = [("", None)] * len(files)
    if not pdfs:
        return results
    texts, reason = readers().read([files[i] for i in pdfs], seconds)
    for index, text in zip(pdfs, texts, strict=False):
        results[index] = (text, None)
    for index in pdfs[len(texts) :]:
        log.info("event=pdf_refused reason=%s", reason)
        results[index] = ("", reason)
    return results
