"""What a worker process does with one letter's scans: read every page, merge the photos.

Bounded per letter (issue 20; README "Trust"): at most MAX_PAGES pages are read and MAX_PHOTOS
photos merged, each image's pixels are checked from its header before it is decoded, the job
stops reading at its deadline, and the reader process cannot grow past READER_MEMORY. A file
past a limit, or one that cannot be decoded, is named with its reason (`unread`) and the rest of
the letter is read: one bad image fails one file, never the job or another letter's job.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Sequence
from dataclasses import dataclass

import pypdfium2

from mailflow.scans.files import ScanFile, StoredScan
from mailflow.scans.merge import photos_pdf
from mailflow.scans.ocr import read_page
from mailflow.scans.pages import DECODER_ERRORS, ScanRefused, check_photo, pages, register_heif

MAX_PAGES = 5  # per letter: the fields are on the first page, the search wants a little more
MAX_PHOTOS = 20  # photos merged into the letter's one PDF; a letter photographed page by page
JOB_SECONDS = 90.0  # one letter's reading: five pages take 10-25 s here, OSD included
# The reader's own CPU per job (Tesseract runs in its own process): pdfium renders a page in one
# call Python cannot interrupt, so a page that renders forever is ended by the kernel (SIGXCPU);
# the pool sees its reader die and the job is tried again, then given up (inbound.scan_jobs).
JOB_CPU_SECONDS = 120
READER_MEMORY = 1536 * 1024 * 1024  # address space of a reader process (and its Tesseract)
_in_reader = False


@dataclass(frozen=True)
class ScanResult:
    text: str  # the pages' text, a form feed between pages
    confidence: int  # the first page's: that is where the fields are
    pages: int
    merged_pdf: bytes | None  # the letter's photos as one PDF, when it came as photos
    refused: tuple[str, ...]  # "IMG_1.heic: HEIC photo and pillow-heif is not installed"
    unread: tuple[tuple[str, str], ...] = ()  # (filename, reason): damaged, pixels, pages, time


def limit_reader() -> None:
    """In a reader process, once: cap its address space, so a decoder's bomb fails its job
    (MemoryError) instead of growing the process until the machine swaps."""
    global _in_reader
    resource.setrlimit(resource.RLIMIT_AS, (READER_MEMORY, READER_MEMORY))
    _in_reader = True


def _cpu_limit(seconds: int | None) -> None:
    """In a reader: the soft CPU limit `seconds` past what it has used (None: no limit)."""
    if not _in_reader:
        return
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if seconds is None:
        resource.setrlimit(resource.RLIMIT_CPU, (hard, hard))
        return
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = int(usage.ru_utime + usage.ru_stime) + 1 + seconds
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def read_scans(
    files: Sequence[ScanFile],
    languages: str,
    seconds: float = JOB_SECONDS,
    cpu_seconds: int = JOB_CPU_SECONDS,
) -> ScanResult:
    """Every page of `files` in order, up to MAX_PAGES; a file not read is named with why."""
    _cpu_limit(cpu_seconds)
    try:
        return _read_scans(files, languages, seconds)
    finally:
        _cpu_limit(None)


def _read_scans(files: Sequence[ScanFile], languages: str, seconds: float) -> ScanResult:
    register_heif()
    deadline = time.monotonic() + seconds
    texts: list[str] = []
    confidence = 0
    refused: list[str] = []
    unread: list[tuple[str, str]] = []
    readable_photos: list[ScanFile] = []
    for scan in files:
        try:
            if time.monotonic() >= deadline:
                raise ScanRefused(f"the letter's scans took longer than {seconds:.0f} s", "time")
            before = len(texts)
            for image in pages(scan, MAX_PAGES - len(texts)):
                left = deadline - time.monotonic()
                page = read_page(image, languages, timeout=max(1.0, left))
                confidence = confidence if texts else page.confidence
                texts.append(page.text)
            if scan.is_photo:
                if len(readable_photos) == MAX_PHOTOS:
                    raise ScanRefused(f"more than {MAX_PHOTOS} photos", "pages")
                if len(texts) == before:
                    check_photo(scan.source)  # past MAX_PAGES: unread, but it must open to be merged
                readable_photos.append(scan)
            elif before == MAX_PAGES:
                raise ScanRefused(f"more than {MAX_PAGES} pages", "pages")
        except ScanRefused as exc:
            refused.append(f"{scan.filename}: {exc}")
            unread.append((scan.filename, exc.reason))
        except TimeoutError as exc:
            refused.append(f"{scan.filename}: {exc}")
            unread.append((scan.filename, "time"))
        except (pypdfium2.PdfiumError, MemoryError, *DECODER_ERRORS) as exc:
            refused.append(f"{scan.filename}: {type(exc).__name__}: {exc}")
            unread.append((scan.filename, "damaged"))
    merged = _merged(readable_photos, refused)
    return ScanResult("\f".join(texts), confidence, len(texts), merged, tuple(refused), tuple(unread))


def _merged(photos: list[ScanFile], refused: list[str]) -> bytes | None:
    if not photos:
        return None
    try:
        return photos_pdf(photos)
    except (ScanRefused, MemoryError, *DECODER_ERRORS) as exc:  # the pages are read; only no merge
        refused.append(f"merged PDF: {type(exc).__name__}: {exc}")
        return None


def read_stored(files: Sequence[StoredScan], languages: str) -> ScanResult:
    """`read_scans` of files named by their stored path: what the service's pool runs, so the
    reader, not the service, reads the scans' bytes."""
    return read_scans([f.load() for f in files], languages)
