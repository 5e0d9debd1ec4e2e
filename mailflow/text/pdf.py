"""The text layer of an attached PDF, for registry fields printed on the letter."""

from __future__ import annotations

import io
import logging

from pypdf import PdfReader
from pypdf.errors import PdfReadError, PyPdfError

log = logging.getLogger(__name__)

MAX_PAGES = 3  # letter fields are on the first page; later pages are enclosures


def pdf_text(payload: bytes) -> str:
    """Text of the first pages, or "" for a picture-only scan or a damaged file."""
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
