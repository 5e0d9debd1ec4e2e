"""A scan's pages as upright greyscale images."""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator

import pypdfium2
import pypdfium2.raw as pdfium_c
from PIL import Image, ImageOps, UnidentifiedImageError

from mailflow.scans.files import ScanFile

DPI = 300  # Tesseract reads best at 300 dpi; copiers scan at 200-300
# An A4 page at 300 dpi is 8.7 million pixels; a bigger page or photo is scaled down to this, so
# reading costs the same for a 12-megapixel phone photo and for a hostile 100-inch "page".
MAX_PIXELS = 9_000_000
# What a photo, or an image inside a PDF, may hold before it is decoded: a 50-megapixel phone
# photo fits; a 46000x46000 image (2 MB as a PDF) would need 2 GB to decode. Read from the
# header (Pillow's open, pdfium's image metadata), never by decoding.
MAX_SOURCE_PIXELS = 64_000_000
Image.MAX_IMAGE_PIXELS = MAX_SOURCE_PIXELS  # Pillow's own check, for the formats it opens lazily
# What Pillow's decoders raise on damaged data besides OSError: a broken PNG chunk is a
# SyntaxError, a short TIFF a struct.error or an EOFError. Each is the file's fault.
DECODER_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError, KeyError, TypeError)


class ScanRefused(ValueError):
    """A file that looks like a scan but is not read: damaged, of an unknown kind (an HEIC
    without pillow-heif), or past a limit. `reason` names it for the receipt (messages unread.*)."""

    def __init__(self, detail: str, reason: str = "damaged") -> None:
        super().__init__(detail)
        self.reason = reason


def check_photo(source: str | bytes) -> Image.Image:
    """A photo (its path or its bytes) opened from its header only, refused when it holds too
    many pixels."""
    try:
        image = Image.open(io.BytesIO(source) if isinstance(source, bytes) else source)
    except Image.DecompressionBombError as exc:
        raise ScanRefused(str(exc), "pixels") from exc
    except UnidentifiedImageError as exc:
        if _head(source, 12)[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftyphevc"):
            raise ScanRefused("HEIC photo and pillow-heif is not installed") from exc
        raise ScanRefused(f"not an image Pillow can open ({exc})") from exc
    except DECODER_ERRORS as exc:
        raise ScanRefused(f"damaged image ({type(exc).__name__}: {exc})") from exc
    if image.width * image.height > MAX_SOURCE_PIXELS:
        raise ScanRefused(f"{image.width}x{image.height} pixels, limit {MAX_SOURCE_PIXELS}", "pixels")
    return image


def _head(source: str | bytes, size: int) -> bytes:
    if isinstance(source, bytes):
        return source[:size]
    with open(source, "rb") as f:
        return f.read(size)


def open_photo(source: str | bytes) -> Image.Image:
    """A photo upright, as its EXIF orientation says; HEIC through pillow-heif where installed."""
    image = check_photo(source)
    try:
        image.load()
        return ImageOps.exif_transpose(image)
    except Image.DecompressionBombError as exc:
        raise ScanRefused(str(exc), "pixels") from exc
    except DECODER_ERRORS as exc:  # truncated or damaged data
        raise ScanRefused(f"damaged image ({type(exc).__name__}: {exc})") from exc


def _check_page_images(page: pypdfium2.PdfPage) -> None:
    """Refuse a PDF page holding an image too large to decode, before pdfium renders it."""
    for image in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=4):
        width, height = image.get_px_size()
        if width * height > MAX_SOURCE_PIXELS:
            raise ScanRefused(f"an image of {width}x{height} pixels, limit {MAX_SOURCE_PIXELS}", "pixels")


def pages(scan: ScanFile, limit: int) -> Iterator[Image.Image]:
    """The first `limit` pages of a scan as greyscale images."""
    if limit <= 0:
        return
    if scan.is_pdf:
        try:
            document = pypdfium2.PdfDocument(scan.source)
        except pypdfium2.PdfiumError as exc:
            raise ScanRefused(f"damaged PDF ({exc})") from exc
        try:
            for index in range(min(limit, len(document))):
                page = document[index]
                _check_page_images(page)
                width, height = page.get_size()  # points
                scale = min(DPI / 72, (MAX_PIXELS / max(1.0, width * height)) ** 0.5)
                yield straighten(page.render(scale=scale, grayscale=True).to_pil().convert("L"))
        finally:
            document.close()
    else:
        photo = open_photo(scan.source).convert("L")
        if photo.width * photo.height > MAX_PIXELS:
            shrink = (MAX_PIXELS / (photo.width * photo.height)) ** 0.5
            photo = photo.resize((int(photo.width * shrink), int(photo.height * shrink)))
        yield straighten(photo)


# Skew a copier's feeder or a hand-held phone gives a page, in degrees, tried in quarter steps:
# Tesseract's layout analysis splits lines and columns apart from about one degree on.
SKEW_LIMIT, SKEW_STEP = 4.0, 0.25


def straighten(page: Image.Image) -> Image.Image:
    """The page turned so its text lines run level: the angle whose row profile is sharpest
    (text lines and the gaps between them most distinct), found on a small copy."""
    small = ImageOps.invert(page.copy())
    small.thumbnail((800, 800))
    steps = int(SKEW_LIMIT / SKEW_STEP)
    angles = [step * SKEW_STEP for step in range(-steps, steps + 1)]
    best = max(
        angles, key=lambda angle: (_sharpness(small.rotate(angle, Image.Resampling.BILINEAR)), -abs(angle))
    )
    if best == 0:
        return page
    return page.rotate(best, Image.Resampling.BICUBIC, fillcolor=255)


def _sharpness(image: Image.Image) -> float:
    """How much the rows' mean brightness varies: high when each row is all text or all gap."""
    rows = image.resize((1, image.height), Image.Resampling.BOX).tobytes()  # one mean per row
    mean = sum(rows) / len(rows)
    return sum((row - mean) ** 2 for row in rows)


def register_heif() -> None:
    """Teach Pillow HEIC (iPhone photos) when pillow-heif is installed (a dependency; a build
    without it names each HEIC photo as unreadable instead)."""
    try:
        from pillow_heif import register_heif_opener
    except ImportError:
        return
    register_heif_opener()
