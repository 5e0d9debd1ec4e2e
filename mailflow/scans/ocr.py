"""Tesseract through tesserocr: one engine per worker process, models loaded once.

Chosen by measurement (README, "Scans"): tesserocr reads a 300 dpi A4 page in about half the
time of the `tesseract` command on the same page, since no process starts and no model loads per
page; OCRmyPDF would add a searchable PDF we do not need (the scan is kept as sent).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache

from PIL import Image

TESSDATA_DIRS = ("/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata")
UNSURE = 60  # below this mean confidence the page may lie sideways: ask Tesseract's OSD


class OcrUnavailable(RuntimeError):
    """Tesseract or its language models are missing; the letter is filed without OCR."""


@dataclass(frozen=True)
class PageText:
    text: str
    confidence: int  # Tesseract's mean word confidence, 0-100


def tessdata() -> str:
    """Where the language models are: $TESSDATA_PREFIX, else Debian's tesseract-ocr-* packages."""
    for path in (os.environ.get("TESSDATA_PREFIX", ""), *TESSDATA_DIRS):
        if path and os.path.isfile(os.path.join(path, "ind.traineddata")):
            return path.rstrip("/") + "/"
    raise OcrUnavailable("no Tesseract models (apt-get install tesseract-ocr-ind tesseract-ocr-eng)")


@cache
def _engine(languages: str):  # the tesserocr API object; one per process, reused for every page
    try:
        import tesserocr
    except ImportError as exc:
        raise OcrUnavailable("tesserocr is not installed") from exc
    api = tesserocr.PyTessBaseAPI(path=tessdata(), lang=languages)
    # Sauvola's local thresholds instead of one Otsu threshold for the page: a phone photo's light
    # falls off across the sheet (bench/scans.py: photo fields 65-82% -> 85-100% exact).
    api.SetVariable("thresholding_method", "2")
    return api


def read_page(image: Image.Image, languages: str = "ind+eng") -> PageText:
    """The page's text; a page read with low confidence is turned as OSD says and read again."""
    api = _engine(languages)
    first = _read(api, image)
    if first.confidence >= UNSURE:
        return first
    api.SetImage(image)
    osd = api.DetectOrientationScript()
    degrees = osd.get("orient_deg", 0) if osd else 0
    if not degrees:
        return first
    turned = _read(api, image.rotate(degrees, expand=True))
    return turned if turned.confidence > first.confidence else first


def _read(api, image: Image.Image) -> PageText:
    api.ClearAdaptiveClassifier()  # each page read alone: what one letter taught never biases the next
    api.SetImage(image)
    return PageText(api.GetUTF8Text(), int(api.MeanTextConf()))
