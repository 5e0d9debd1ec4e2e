"""What a worker process does with one letter's scans: read every page, merge the photos."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mailflow.scans.files import ScanFile, StoredScan
from mailflow.scans.merge import photos_pdf
from mailflow.scans.ocr import read_page
from mailflow.scans.pages import ScanRefused, open_photo, pages, register_heif

MAX_PAGES = 5  # per letter: the fields are on the first page, the search wants a little more


@dataclass(frozen=True)
class ScanResult:
    text: str  # the pages' text, a form feed between pages
    confidence: int  # the first page's: that is where the fields are
    pages: int
    merged_pdf: bytes | None  # the letter's photos as one PDF, when it came as photos
    refused: tuple[str, ...]  # "IMG_1.heic: HEIC photo and pillow-heif is not installed"


def read_scans(files: Sequence[ScanFile], languages: str) -> ScanResult:
    """Every page of `files` in order, up to MAX_PAGES; a file that cannot be opened is named."""
    register_heif()
    texts: list[str] = []
    confidence = 0
    refused: list[str] = []
    readable_photos: list[ScanFile] = []
    for scan in files:
        try:
            before = len(texts)
            for image in pages(scan, MAX_PAGES - len(texts)):
                page = read_page(image, languages)
                confidence = confidence if texts else page.confidence
                texts.append(page.text)
            if scan.is_photo:
                if len(texts) == before:
                    open_photo(scan.payload)  # past MAX_PAGES: unread, but it must open to be merged
                readable_photos.append(scan)
        except ScanRefused as exc:
            refused.append(f"{scan.filename}: {exc}")
    merged = photos_pdf(readable_photos) if readable_photos else None
    return ScanResult("\f".join(texts), confidence, len(texts), merged, tuple(refused))


def read_stored(files: Sequence[StoredScan], languages: str) -> ScanResult:
    """`read_scans` of files named by their stored path: what the service's pool runs, so the
    reader, not the service, reads the scans' bytes."""
    return read_scans([f.load() for f in files], languages)
