"""A letter's scan as page images, rendered on the server (pypdfium2 for PDFs, Pillow for photos),
so a phone shows the pages without a PDF viewer; the PDF itself stays downloadable."""

from __future__ import annotations

import io

import pypdfium2
from PIL import Image

from mailflow.scans.files import ScanFile
from mailflow.scans.pages import ScanRefused, open_photo
from mailflow.storage.archive import Archive
from mailflow.storage.models import LetterFile

WIDTH = 900  # pixels: sharp on a phone, light on its data plan
MAX_PAGES = 30


def _scan(archive: Archive, row: LetterFile) -> ScanFile:
    return ScanFile(row.filename, row.content_type, path=str(archive.file_path(row.sha256)))


def page_count(archive: Archive, row: LetterFile) -> int:
    scan = _scan(archive, row)
    if scan.is_pdf:
        try:
            document = pypdfium2.PdfDocument(scan.source)
        except pypdfium2.PdfiumError:
            return 0
        try:
            return min(len(document), MAX_PAGES)
        finally:
            document.close()
    return 1 if scan.is_photo else 0


def page_png(archive: Archive, row: LetterFile, page: int) -> bytes | None:
    """Page `page` (from 1) as a PNG WIDTH pixels wide; None when there is no such page."""
    scan = _scan(archive, row)
    if page < 1 or page > MAX_PAGES:
        return None
    image: Image.Image
    if scan.is_pdf:
        try:
            document = pypdfium2.PdfDocument(scan.source)
        except pypdfium2.PdfiumError:
            return None
        try:
            if page > len(document):
                return None
            sheet = document[page - 1]
            width, _ = sheet.get_size()
            image = sheet.render(scale=WIDTH / max(1.0, width)).to_pil()
        finally:
            document.close()
    elif scan.is_photo and page == 1:
        try:
            image = open_photo(scan.source)
        except ScanRefused:
            return None
        image.thumbnail((WIDTH, WIDTH * 2))
    else:
        return None
    out = io.BytesIO()
    image.convert("L").save(out, format="PNG", optimize=True)
    return out.getvalue()
