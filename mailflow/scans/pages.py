"""A scan's pages as upright greyscale images."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pypdfium2
from PIL import Image, ImageOps, UnidentifiedImageError

from mailflow.scans.files import ScanFile

DPI = 300  # Tesseract reads best at 300 dpi; copiers scan at 200-300
# An A4 page at 300 dpi is 8.7 million pixels; a bigger page or photo is scaled down to this, so
# reading costs the same for a 12-megapixel phone photo and for a hostile 100-inch "page".
MAX_PIXELS = 9_000_000


class ScanRefused(ValueError):
    """A file that looks like a scan but cannot be opened (an HEIC without pillow-heif, damage)."""


def open_photo(payload: bytes) -> Image.Image:
    """A photo upright, as its EXIF orientation says; HEIC through pillow-heif where installed."""
    try:
        image = Image.open(io.BytesIO(payload))
        image.load()
    except UnidentifiedImageError as exc:
        if payload[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftyphevc"):
            raise ScanRefused("HEIC photo and pillow-heif is not installed") from exc
        raise ScanRefused(f"not an image Pillow can open ({exc})") from exc
    except OSError as exc:  # truncated or damaged data
        raise ScanRefused(f"damaged image ({exc})") from exc
    return ImageOps.exif_transpose(image)


def pages(scan: ScanFile, limit: int) -> Iterator[Image.Image]:
    """The first `limit` pages of a scan as greyscale images."""
    if limit <= 0:
        return
    if scan.is_pdf:
        try:
            document = pypdfium2.PdfDocument(scan.payload)
        except pypdfium2.PdfiumError as exc:
            raise ScanRefused(f"damaged PDF ({exc})") from exc
        try:
            for index in range(min(limit, len(document))):
                page = document[index]
                width, height = page.get_size()  # points
                scale = min(DPI / 72, (MAX_PIXELS / max(1.0, width * height)) ** 0.5)
                yield straighten(page.render(scale=scale, grayscale=True).to_pil().convert("L"))
        finally:
            document.close()
    else:
        photo = open_photo(scan.payload).convert("L")
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
