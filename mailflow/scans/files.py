"""Which of a letter's files are scans (light: the filing transaction asks, no image library)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from mailflow.text.message import Attachment

PHOTO_TYPES = ("image/jpeg", "image/png", "image/tiff", "image/heic", "image/heif", "image/webp")
_PHOTO_SUFFIX = re.compile(r"\.(jpe?g|png|tiff?|heic|heif|webp)$", re.I)


@dataclass(frozen=True)
class ScanFile:
    """One file as the worker process gets it: picklable, no database row. Its bytes, or (for a
    stored or spooled file) its path, which the readers open themselves: pdfium and Pillow read
    a file by its path without a copy in Python."""

    filename: str
    content_type: str
    payload: bytes = b""
    path: str = ""

    @property
    def source(self) -> str | bytes:
        """What pdfium, Pillow and img2pdf open: the path, else the bytes."""
        return self.path or self.payload

    def head(self, size: int) -> bytes:
        if not self.path:
            return self.payload[:size]
        with open(self.path, "rb") as f:
            return f.read(size)

    @property
    def is_pdf(self) -> bool:
        return self.content_type == "application/pdf" or self.filename.lower().endswith(".pdf")

    @property
    def is_photo(self) -> bool:
        return self.content_type in PHOTO_TYPES or bool(_PHOTO_SUFFIX.search(self.filename))


def scan_files(files: Sequence[Attachment], pdf_texts: Sequence[str | None]) -> list[ScanFile]:
    """The files OCR must read: photos, and PDFs whose text layer says nothing (image-only scans).

    `pdf_texts` are the text layers text.pdf.letter_pdf_texts read: one per distinct PDF, in
    order, the first few only; a PDF past those, or refused (None), is not OCR'd either."""
    texts = iter(pdf_texts)
    layers: dict[str, str | None] = {}
    found: list[ScanFile] = []
    for f in files:
        scan = ScanFile(f.filename, f.content_type, f.data or b"", str(f.path or ""))
        if scan.is_pdf:
            digest = f.sha256
            if digest in layers:
                continue  # the same file twice is one scan
            layers[digest] = next(texts, None)
            if layers[digest] is not None and not (layers[digest] or "").strip():
                found.append(scan)
        elif scan.is_photo:
            found.append(scan)
    return sorted(found, key=lambda s: _natural(s.filename))


def _natural(name: str) -> list[object]:
    """IMG_2.jpg before IMG_10.jpg: phones number a letter's pages in the order they were taken."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]


@dataclass(frozen=True)
class StoredScan:
    """A scan as the pool hands it to a reader: where it is stored, not its bytes. The queue to the
    readers then carries a few hundred bytes per letter, so a reader that dies never leaves the
    service blocked writing megabytes into a pipe nobody reads (ops/readers.py)."""

    filename: str
    content_type: str
    path: str

    def load(self) -> ScanFile:
        """The scan for a reader, by its path: the reader's decoders open it, not this process."""
        return ScanFile(self.filename, self.content_type, path=self.path)
