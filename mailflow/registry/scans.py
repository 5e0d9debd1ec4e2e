"""A filed letter's scans, read after its commit: the job row, and what the reading changes.

Runs inside the caller's transaction, like filing. OCR ranks with a PDF's text layer in the
trust order (text.fields): it fills what the clerk, the forward and the text layer left
unknown, and replaces the clerk's bare subject line, never a value a person stated.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from mailflow.context import Context
from mailflow.domain import FIELD_NAMES, Source, stored
from mailflow.registry.unread import note_unread
from mailflow.scans.work import ScanResult
from mailflow.storage.events import log_event
from mailflow.storage.models import Letter, LetterFile, ScanJob, id_of
from mailflow.text.fields import classification_of
from mailflow.text.letter import Unread
from mailflow.text.ocr_fields import ocr_fields

# Sources OCR may overwrite: none (unknown), the clerk's own subject line, a derived code.
_WEAKER = {None, str(Source.EMAIL), str(Source.LETTER_NUMBER)}
MERGED_NAME = "scan.pdf"


def wait_for_scans(session: Session, letter: Letter) -> None:
    """Hold the receipt and the head's request until the job has read the scans."""
    letter.fields_pending = True
    session.add(letter)
    session.flush()
    session.add(ScanJob(letter_id=id_of(letter)))


def apply_scan(session: Session, ctx: Context, letter: Letter, result: ScanResult) -> list[str]:
    """Write what OCR read into `letter`; returns the names of the fields it filled."""
    fields = ocr_fields(result.text)
    filled: list[str] = []
    values: dict[str, Any] = {}
    for name in FIELD_NAMES:
        value = getattr(fields, name)
        if value is None or letter.sources.get(name) not in _WEAKER:
            continue
        values[name] = stored(value)
        filled.append(name)
    code = classification_of(values.get("letter_number"))
    if code and letter.sources.get("classification") in _WEAKER:
        values["classification"] = code
    for name, value in values.items():
        setattr(letter, name, value)
    letter.sources = {**letter.sources, **{n: str(Source.OCR) for n in filled}}
    if "classification" in values and "classification" not in filled:
        letter.sources = {**letter.sources, "classification": str(Source.LETTER_NUMBER)}
    letter.confidence = {**letter.confidence, **{n: result.confidence for n in filled}}
    letter.ocr_text = result.text or None
    if result.merged_pdf is not None:
        digest = ctx.archive.put_file(result.merged_pdf)
        session.add(
            LetterFile(
                letter_id=id_of(letter),
                filename=MERGED_NAME,
                content_type="application/pdf",
                size=len(result.merged_pdf),
                sha256=digest,
                merged=True,
            )
        )
    facts = {
        "pages": result.pages,
        "confidence": result.confidence,
        "read": filled,
        "refused": [r.partition(":")[0] for r in result.refused],  # the files, worded when shown
        "why": list(result.refused),  # the reader's own reasons, for `letter show --json`
    }
    log_event(session, letter_id=letter.id, action="scanned", facts=facts)
    note_unread(session, letter, [Unread(name, reason) for name, reason in result.unread])
    session.add(letter)
    return filled
