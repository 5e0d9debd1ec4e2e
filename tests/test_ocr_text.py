"""Fields from OCR text: the misreadings of real scans mended before the text layer's extractors."""

from __future__ import annotations

import datetime as dt

import pytest

from mailflow.domain import Source, Urgency
from mailflow.text.ocr_fields import mend, ocr_fields

KOP = "PEMERINTAH KABUPATEN LUMAJANG\nDINAS KESEHATAN\nJalan Alun-alun Timur No. 3 Telp. (0334) 881234\n"


@pytest.mark.parametrize(
    ("line", "mended"),
    [
        ("Nomer : 005/12/426.101/2026", "Nomor : 005/12/426.101/2026"),
        ("N0mor : 005/12/426.101/2026", "Nomor : 005/12/426.101/2026"),
        ("Nornor ; 005/12/426.101/2026", "Nomor : 005/12/426.101/2026"),
        ("Nomor : OO5/l2/426.1O1/2O26", "Nomor : 005/12/426.101/2026"),  # O and l in the digits
        ("Sifat ; Segera", "Sifat : Segera"),
        ("Hal - Undangan Rapat", "Hal : Undangan Rapat"),
        ("Perihal :: Undangan Rapat", "Perihal : Undangan Rapat"),
        ("Lampiran . : 1 (satu) berkas", "Lampiran : 1 (satu) berkas"),
        ("Nomor . 090/432/426.12/2026", "Nomor : 090/432/426.12/2026"),  # the colon read as a dot
    ],
)
def test_misread_labels_and_numbers_are_mended(line: str, mended: str) -> None:
    assert mend(line) == mended


def test_a_value_on_the_next_line_joins_its_label() -> None:
    assert mend("Perihal :\n\nUndangan Rapat Koordinasi\nKepada") == (
        "Perihal : Undangan Rapat Koordinasi\nKepada"
    )


def test_a_value_read_before_its_label_joins_it() -> None:
    """Tesseract reads a two-column block out of order: ': 005/...' comes before 'Nomor'."""
    assert mend(": 005/12/426.101/2026\nNomor\nSifat : Biasa") == "Nomor : 005/12/426.101/2026\nSifat : Biasa"


def test_words_in_a_letter_number_are_left_alone() -> None:
    assert mend("Nomor : 005/SM/Dinkes/2026") == "Nomor : 005/SM/Dinkes/2026"


def test_fields_from_ocr_text_are_marked_as_read_by_ocr() -> None:
    text = KOP + "\nLumajang, 3 Maret 2026\nN0mor : 443.5/l2/35.08/2026\nSifat : Segera\nHal\n: Vaksinasi"
    fields = ocr_fields(text)
    assert fields.letter_number == "443.5/12/35.08/2026"
    assert fields.letter_date == dt.date(2026, 3, 3)
    assert fields.subject == "Vaksinasi"
    assert fields.urgency == Urgency.SEGERA
    assert fields.sender == "PEMERINTAH KABUPATEN LUMAJANG DINAS KESEHATAN"
    assert set(fields.sources.values()) == {Source.OCR}


def test_a_kop_word_with_one_misread_capital_is_mended() -> None:
    text = "PEMERlNTAH KABUPATEN PROBOLINGGO\nBADAN PERENCANAAN PEMBANGUNAN DAFRAH\nJalan Raya 1"
    assert mend(text).splitlines()[:2] == [
        "PEMERINTAH KABUPATEN PROBOLINGGO",
        "BADAN PERENCANAAN PEMBANGUNAN DAERAH",
    ]
    assert mend("Dalam rangka DAFRAH") == "Dalam rangka DAFRAH"  # only the letterhead
