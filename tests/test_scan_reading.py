"""Reading scans in a reader process's shoes: fixed generated samples through Tesseract (no server)."""

from __future__ import annotations

import io

import pillow_heif
import pypdfium2
from fpdf import FPDF
from PIL import Image, ImageOps

from mailflow.demo.sample_scans import copier_scan, phone_photo
from mailflow.scans.files import ScanFile, scan_files
from mailflow.scans.pages import MAX_PIXELS, pages, straighten
from mailflow.scans.work import read_scans
from mailflow.text.message import Attachment
from mailflow.text.ocr_fields import ocr_fields


def test_a_copier_scan_without_a_text_layer_yields_its_fields() -> None:
    pdf, truth = copier_scan(1)
    result = read_scans([ScanFile("SCAN0001.pdf", "application/pdf", pdf)], "ind+eng")
    fields = ocr_fields(result.text)
    assert (fields.letter_number, fields.letter_date, fields.subject, fields.sender) == (
        truth.letter_number,
        truth.letter_date,
        truth.subject,
        truth.sender,
    )
    assert result.pages == 1 and result.confidence > 80 and result.merged_pdf is None


def test_a_sideways_phone_photo_is_read_upright_and_becomes_a_pdf() -> None:
    photo, truth = phone_photo(2)
    assert Image.open(io.BytesIO(photo)).width > Image.open(io.BytesIO(photo)).height  # as stored
    result = read_scans([ScanFile("IMG_1.jpg", "image/jpeg", photo)], "ind+eng")
    assert ocr_fields(result.text).letter_number == truth.letter_number
    assert result.merged_pdf is not None and len(pypdfium2.PdfDocument(result.merged_pdf)) == 1


def test_a_page_scanned_sideways_is_turned_by_orientation_detection() -> None:
    """No EXIF to say so: the first reading is unsure, Tesseract's OSD names the turn."""
    pdf, truth = copier_scan(6)
    [page] = list(pages(ScanFile("s.pdf", "application/pdf", pdf), 1))
    sideways = io.BytesIO()
    page.rotate(90, expand=True).save(sideways, format="PNG")
    result = read_scans([ScanFile("scan.png", "image/png", sideways.getvalue())], "ind+eng")
    assert ocr_fields(result.text).letter_number == truth.letter_number


def test_an_iphone_heic_photo_is_read() -> None:
    photo, truth = phone_photo(3)
    pillow_heif.register_heif_opener()
    heic = io.BytesIO()
    ImageOps.exif_transpose(Image.open(io.BytesIO(photo))).save(heic, format="HEIF", quality=90)
    result = read_scans([ScanFile("IMG_0001.HEIC", "image/heic", heic.getvalue())], "ind+eng")
    assert ocr_fields(result.text).letter_number == truth.letter_number
    assert result.merged_pdf is not None


def test_a_file_that_is_no_image_is_named_not_fatal() -> None:
    photo, _ = phone_photo(4)
    files = [
        ScanFile("IMG_1.jpg", "image/jpeg", b"not a jpeg at all"),
        ScanFile("IMG_2.jpg", "image/jpeg", photo),
    ]
    result = read_scans(files, "ind+eng")
    assert len(result.refused) == 1 and result.refused[0].startswith("IMG_1.jpg: not an image")
    assert result.pages == 1


def test_a_page_of_any_size_costs_at_most_an_a4_page() -> None:
    huge = FPDF(unit="in", format=(200, 200))  # a hostile 200-inch page: 3.6 billion pixels at 300 dpi
    huge.add_page()
    [image] = list(pages(ScanFile("big.pdf", "application/pdf", bytes(huge.output())), 1))
    assert image.width * image.height <= MAX_PIXELS


def test_a_skewed_page_is_straightened() -> None:
    page = Image.new("L", (800, 1000), 255)
    for y in range(100, 900, 40):
        page.paste(0, (100, y, 700, y + 12))  # text lines
    skewed = page.rotate(2.5, fillcolor=255)
    level = straighten(skewed)
    rows = [sum(level.crop((0, y, 800, y + 1)).tobytes()) for y in range(0, 1000)]
    assert min(rows) < 800 * 255 * 0.3  # some row is mostly ink again: the lines run level


def test_only_pdfs_without_a_text_layer_and_photos_are_scans() -> None:
    files = [
        Attachment("surat.pdf", "application/pdf", b"%PDF text"),
        Attachment("scan.pdf", "application/pdf", b"%PDF image"),
        Attachment("scan-lagi.pdf", "application/pdf", b"%PDF image"),  # the same file again
        Attachment("lampiran.pdf", "application/pdf", b"%PDF unread"),  # past the ones read
        Attachment("IMG_10.jpg", "image/jpeg", b"j10"),
        Attachment("IMG_9.jpg", "image/jpeg", b"j9"),
        Attachment("daftar.xlsx", "application/vnd.ms-excel", b"x"),
    ]
    found = scan_files(files, ["Nomor : 1/2026", ""])
    assert [f.filename for f in found] == ["IMG_9.jpg", "IMG_10.jpg", "scan.pdf"]
