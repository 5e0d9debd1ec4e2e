"""A reader's limits per letter (issue 20), in a reader process's shoes (no server): pixels
checked from the header, pages and photos capped, a deadline and a CPU limit per job, a damaged
image failing its own file only. tests/test_scans_server.py drives the same through the real pipeline."""

from __future__ import annotations

import io
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import pytest
from PIL import Image

from mailflow.scans.files import ScanFile
from mailflow.scans.work import MAX_PAGES, MAX_PHOTOS, limit_reader, read_scans
from tests.support.hostile import broken_png, nested_forms_pdf, pixel_bomb_pdf, pixel_bomb_png


def _photo(n: int) -> ScanFile:
    out = io.BytesIO()
    Image.new("L", (120, 80), 255).save(out, "JPEG")
    return ScanFile(f"IMG_{n}.jpg", "image/jpeg", out.getvalue())


def test_images_too_large_are_refused_from_their_header() -> None:
    result = read_scans(
        [ScanFile("bomb.png", "image/png", pixel_bomb_png()), ScanFile("bomb.pdf", "application/pdf", pixel_bomb_pdf())],
        "ind+eng",
    )
    assert result.unread == (("bomb.png", "pixels"), ("bomb.pdf", "pixels"))
    assert result.pages == 0 and result.merged_pdf is None


def test_a_broken_png_fails_its_own_file_and_the_rest_is_read() -> None:
    result = read_scans([ScanFile("IMG_0.png", "image/png", broken_png()), _photo(1)], "ind+eng")
    assert result.unread == (("IMG_0.png", "damaged"),) and "SyntaxError" in result.refused[0]
    assert result.pages == 1 and result.merged_pdf is not None


def test_pages_and_photos_per_letter_are_capped() -> None:
    photos = [_photo(n) for n in range(MAX_PHOTOS + 3)]
    result = read_scans(photos, "ind+eng")
    assert result.pages == MAX_PAGES
    assert result.unread == tuple((f"IMG_{n}.jpg", "pages") for n in range(MAX_PHOTOS, MAX_PHOTOS + 3))


def test_a_job_stops_reading_at_its_deadline() -> None:
    result = read_scans([_photo(1), _photo(2)], "ind+eng", seconds=0)
    assert result.pages == 0 and result.unread == (("IMG_1.jpg", "time"), ("IMG_2.jpg", "time"))


def test_a_page_that_renders_forever_ends_its_reader_at_the_cpu_limit() -> None:
    """pdfium renders a page in one call nothing in Python can interrupt; a PDF of nested forms
    renders for minutes. In a reader process (limit_reader) the kernel ends it at the job's CPU
    limit, and the pool reports its reader dead (inbound.scan_jobs retries, then gives up)."""
    bomb = ScanFile("bom.pdf", "application/pdf", nested_forms_pdf(8))
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context, initializer=limit_reader) as pool:
        job = pool.submit(read_scans, [bomb], "ind+eng", 90.0, 2)
        with pytest.raises(BrokenProcessPool):
            job.result(timeout=300)
