"""Everything filing needs to read in a letter's mail, read before the filing transaction.

Reading fields walks text a stranger wrote (a forwarded From line, a PDF's text layer); on
SQLite the transaction holds the one write lock every worker shares (a 43 KB forward held it
24 s, issue 20). So the poll reads the letter first and the transaction only writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from mailflow.domain import LetterFields
from mailflow.text.fields import extract_fields, label_fields, letter_files
from mailflow.text.message import ParsedMessage
from mailflow.text.pdf import read_pdfs
from mailflow.text.quotes import extract_new_text


class Unread(NamedTuple):
    """A file of the letter not read, past a limit; the receipt names it (messages "unread.*")."""

    filename: str
    reason: str  # pdf_time, pdf_memory, pdf_damaged (text layer); pixels, pages, time, damaged (OCR)


@dataclass(frozen=True)
class LetterReading:
    """A letter's fields, its PDFs' text layers, and the files not read and why; and, should the
    message turn out to answer a receipt, the `Label: value` lines of its new text."""

    fields: LetterFields
    pdf_texts: tuple[str | None, ...]  # text.pdf.PdfTexts.layers: None for a PDF refused
    unread: tuple[Unread, ...]
    corrections: LetterFields


def read_letter(message: ParsedMessage, direct: bool) -> LetterReading:
    """`direct`: the message is the letter itself, not a clerk's forward (text.fields)."""
    pdfs = read_pdfs(letter_files(message))
    fields = extract_fields(message, pdfs.texts, direct=direct)
    unread = tuple(Unread(*r) for r in pdfs.refused)
    return LetterReading(fields, tuple(pdfs.layers), unread, corrections(message))


def corrections(message: ParsedMessage) -> LetterFields:
    """The fields a clerk's answer to a receipt states: `Label: value` lines of its new text."""
    return label_fields(extract_new_text(message.text, message.html))
