"""Which of a letter's files are scans (light: the filing transaction asks, no image library)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from mailflow.domain import Attachment

PHOTO_TYPES = ("image/jpeg", "image/png", "image/tiff", "image/heic", "image/heif", "image/webp")
_PHOTO_SUFFIX = re.compile(r"\.(jpe?g|png|tiff?|heic|heif|webp)$", re.I)


@dataclass(frozen=True)
class ScanFile:
    """One file as the worker process gets it: picklable, no database row."""

    filename: str
    content_type: str
    payload: bytes

    @property
    def is_pdf(self) -> bool:
        return self.content_type == "application/pdf" or self.filename.lower().endswith(".pdf")

    @property
    def is_photo(self) -> bool:
        return self.content_type in PHOTO_TYPES or bool(_PHOTO_SUFFIX.search(self.filename))


@dataclass(frozen=True)
class StoredScan:
    """A scan as the pool hands it to a reader: where it is stored, not its bytes. The queue to the
    readers then carries a few hundred bytes per letter, so a reader that dies never leaves the
    service blocked writing megabytes into a pipe nobody reads (ops/readers.py)."""

    filename: str
    content_type: str
    path: str

    def load(self) -> ScanFile:
        with open(self.path, "rb") as f:
            return ScanFile(self.filename, self.content_type, f.read())


def scan_files(files: Sequence[Attachment], pdf_texts: Sequence[str]) -> list[ScanFile]:
    """The files OCR must read (`scan_order`), as scans."""
    chosen = (files[i] for i in scan_order(files, pdf_texts))
    return [ScanFile(f.filename, f.content_type, f.payload) for f in chosen]


def scan_order(files: Sequence[Attachment], pdf_texts: Sequence[str]) -> list[int]:
    """Where in `files` the files OCR must read are, in page order: photos, and PDFs whose text
    layer says nothing (image-only scans).

    `pdf_texts` are the text layers text.pdf.letter_pdf_texts read: one per distinct PDF, in
    order, the first few only; a PDF past those was not read and is not OCR'd either."""
    texts = iter(pdf_texts)
    layers: dict[bytes, str | None] = {}
    found: list[int] = []
    for index, f in enumerate(files):
        scan = ScanFile(f.filename, f.content_type, b"")
        if scan.is_pdf:
            digest = hashlib.sha256(f.payload).digest()
            if digest in layers:
                continue  # the same file twice is one scan
            layers[digest] = next(texts, None)
            if layers[digest] is not None and not (layers[digest] or "").strip():
                found.append(index)
        elif scan.is_photo:
            found.append(index)
    return sorted(found, key=lambda i: _natural(files[i].filename))


def _natural(name: str) -> list[object]:
    """IMG_2.jpg before IMG_10.jpg: phones number a letter's pages in the order they were taken."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]
