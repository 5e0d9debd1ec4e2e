"""Tesseract through pytesseract: Debian's `tesseract` command on each page.

Chosen by measurement (bench/scans.py, README "Scans"): Debian's build reads a 300 dpi A4 page
in about 1.4 s on one core here, the Tesseract inside the tesserocr wheel in about 3.3 s (a
generic build); so the command it is, fed an uncompressed PGM file (handing pytesseract an image
makes it write a PNG first, which doubles the time). OCRmyPDF would add a searchable PDF that
Mailflow does not need: it keeps the scan as sent and searches its own copy of the text.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from functools import cache

import pytesseract
from PIL import Image

from mailflow.domain import Said

TESSDATA_DIRS = ("/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata")
UNSURE = 60  # below this mean confidence the page may lie sideways: ask Tesseract's OSD
# Sauvola's local thresholds instead of one Otsu threshold for the page: a phone photo's light
# falls off across the sheet (bench/scans.py: photo fields 65-82% -> 94-100% exact).
THRESHOLDS = "-c thresholding_method=2"


class OcrUnavailable(RuntimeError):
    """Tesseract or its language models are missing; the letter is filed without OCR."""


@dataclass(frozen=True)
class PageText:
    text: str
    confidence: int  # Tesseract's mean word confidence, 0-100


@cache
def tessdata() -> str:
    """Where the language models are: $TESSDATA_PREFIX, else Debian's tesseract-ocr-* packages."""
    for path in (os.environ.get("TESSDATA_PREFIX", ""), *TESSDATA_DIRS):
        if path and os.path.isfile(os.path.join(path, "ind.traineddata")):
            return path.rstrip("/")
    raise OcrUnavailable("no Tesseract models (apt-get install tesseract-ocr-ind tesseract-ocr-eng)")


def tesseract_command() -> str | None:
    """Where the `tesseract` command pytesseract runs is, or None. Debian's language packages
    (tesseract-ocr-ind, ...) only recommend it, so models without the command are common."""
    return shutil.which(pytesseract.pytesseract.tesseract_cmd)


def unavailable(languages: str = "ind+eng") -> Said | None:
    """Why OCR cannot read a page on this machine (the command first, then the models), or None."""
    if tesseract_command() is None:
        return Said.of("ocr.no_command")
    wanted = languages.split("+")
    try:
        models = tessdata()
    except OcrUnavailable:
        missing = wanted
    else:
        missing = [lang for lang in wanted if not os.path.isfile(os.path.join(models, f"{lang}.traineddata"))]
    if missing:
        packages = " ".join(f"tesseract-ocr-{lang}" for lang in missing)
        return Said.of("ocr.no_models", languages=languages, packages=packages)
    return None


def read_page(image: Image.Image, languages: str = "ind+eng", timeout: float = 0) -> PageText:
    """The page's text; a page read with low confidence is turned as OSD says and read again.

    `timeout` (seconds, 0 for none) bounds the whole page: TimeoutError when it runs out."""
    deadline = time.monotonic() + timeout if timeout else None
    with tempfile.TemporaryDirectory(prefix="mailflow-ocr-") as folder:
        path = os.path.join(folder, "page.pgm")
        image.save(path)
        first = _read(path, languages, _left(deadline))
        if first.confidence >= UNSURE:
            return first
        degrees = _upright_turn(path, _left(deadline))
        if not degrees:
            return first
        image.rotate(-degrees, expand=True).save(path)
        turned = _read(path, languages, _left(deadline))
    return turned if turned.confidence > first.confidence else first


def _left(deadline: float | None) -> float:
    """Seconds left for Tesseract (pytesseract's timeout: 0 is none)."""
    if deadline is None:
        return 0
    if (left := deadline - time.monotonic()) <= 0:
        raise TimeoutError("the page's time ran out")
    return left


def _read(path: str, languages: str, timeout: float = 0) -> PageText:
    try:
        data = pytesseract.image_to_data(
            path,
            lang=languages,
            config=f"--tessdata-dir {tessdata()} {THRESHOLDS}",
            output_type=pytesseract.Output.DICT,
            timeout=timeout,
        )
    except pytesseract.TesseractNotFoundError as exc:
        raise OcrUnavailable("no tesseract command (apt-get install tesseract-ocr)") from exc
    except RuntimeError as exc:  # pytesseract's "Tesseract process timeout": it killed the command
        if "timeout" in str(exc).lower():
            raise TimeoutError(str(exc)) from exc
        raise
    lines: dict[tuple[int, int, int], list[str]] = {}
    confidences: list[float] = []
    for index, word in enumerate(data["text"]):
        if not word.strip():
            continue
        key = (data["block_num"][index], data["par_num"][index], data["line_num"][index])
        lines.setdefault(key, []).append(word)
        confidences.append(float(data["conf"][index]))
    text = "\n".join(" ".join(words) for words in lines.values())
    return PageText(text, round(sum(confidences) / len(confidences)) if confidences else 0)


def _upright_turn(path: str, timeout: float = 0) -> int:
    """Degrees clockwise that set the page upright, as Tesseract's orientation detection sees it."""
    try:
        osd = pytesseract.image_to_osd(
            path, config=f"--tessdata-dir {tessdata()}", output_type=pytesseract.Output.DICT, timeout=timeout
        )
    except pytesseract.TesseractError:  # too little text to tell
        return 0
    except RuntimeError as exc:  # pytesseract's "Tesseract process timeout"
        if "timeout" in str(exc).lower():
            raise TimeoutError(str(exc)) from exc
        raise
    return int(osd.get("rotate", 0))
