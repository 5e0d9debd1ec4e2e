"""The text layer of an attached PDF, for registry fields printed on the letter."""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Sequence

from pypdf import PdfReader
from pypdf.errors import PdfReadError, PyPdfError

from mailflow.domain import Attachment

log = logging.getLogger(__name__)

MAX_PAGES = 3  # letter fields are on the first page; later pages are enclosures
MAX_FILES = 3  # a letter is one PDF, perhaps with an enclosure or two; the rest are not read


def letter_pdf_texts(files: Sequence[Attachment]) -> list[str]:
    """The text layers of a letter's PDFs: each distinct file once, and the first few only, so a
    mail of a hundred copies of one inflating PDF costs what one copy costs."""
    seen: set[bytes] = set()
    texts = []
    for f in files:
        if f.content_type != "application/pdf" and not f.filename.lower().endswith(".pdf"):
            continue
        digest = hashlib.sha256(f.payload).digest()
        if digest in seen:
            continue
        seen.add(digest)
        texts.append(pdf_text(f.payload))
        if len(texts) == MAX_FILES:
            break
    return texts


def pdf_text(payload: bytes) -> str:
    """Text of the first pages, or "" for a picture-only scan or a damaged file."""
    if b"%PDF-" not in payload[:1024]:
        # Not a PDF at all: pypdf would search the whole file for a structure (a minute for 45 MB).
        return ""
    try:
        reader = PdfReader(io.BytesIO(payload))
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
