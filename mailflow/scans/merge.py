"""A letter's photos as one PDF, pages in order, so the head gets one file instead of five JPEGs."""

from __future__ import annotations

import io
from collections.abc import Sequence

import img2pdf

from mailflow.scans.files import ScanFile
from mailflow.scans.pages import open_photo


def photos_pdf(photos: Sequence[ScanFile]) -> bytes:
    """One PDF of `photos`: JPEGs are embedded as they are (img2pdf is lossless and keeps EXIF
    orientation as the page's rotation); other formats are converted to JPEG first."""
    layouts = []
    for photo in photos:
        if photo.head(3) == b"\xff\xd8\xff":
            layouts.append(photo.source)
        else:
            out = io.BytesIO()
            open_photo(photo.source).convert("RGB").save(out, "JPEG", quality=85)
            layouts.append(out.getvalue())
    return img2pdf.convert(layouts, rotation=img2pdf.Rotation.ifvalid)
