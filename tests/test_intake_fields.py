"""Registry fields from clerk labels, forward formats and PDF text (pure, no server)."""

import datetime as dt

import pytest

from mailflow.domain import Security, Source, Urgency
from mailflow.text.fields import (
    CUT,
    classification_of,
    extract_fields,
    find_forwards,
    label_fields,
    parse_count,
    parse_sifat,
    pdf_fields,
    strip_forward_prefix,
)
from mailflow.text.lines import MAX_LINE
from mailflow.text.parsing import parse_message
from tests.support.hostile import long_from_forward
from tests.support.letters import apple_forward, outlook_forward


def parsed(msg):
    return parse_message(msg.as_bytes())


def test_labels_in_indonesian_and_english():
    fields = label_fields(
        "Nomor: 005/1/2026\nTanggal: 2 Oktober 2017\nAsal: Bappeda\nHal: Rapat\n"
        "Sifat: Segera\nKode: 005\nLampiran: 2 (dua) lembar\nCatatan: asli via pos"
    )
    assert fields.letter_number == "005/1/2026" and fields.letter_date == dt.date(2017, 10, 2)
    assert fields.sender == "Bappeda" and fields.subject == "Rapat" and fields.urgency is Urgency.SEGERA
    assert fields.classification == "005" and fields.attachment_count == 2 and fields.note == "asli via pos"
    english = label_fields("Number: 1/X\nFrom: Governor's office\nSubject: Visit\nUrgency: urgent")
    assert (english.letter_number, english.sender, english.subject) == ("1/X", "Governor's office", "Visit")
    assert english.urgency is Urgency.SEGERA and english.sources["sender"] is Source.CLERK


@pytest.mark.parametrize(
    ("value", "urgency", "security"),
    [
        ("Segera", Urgency.SEGERA, None),
        ("Sangat Segera", Urgency.AMAT_SEGERA, None),
        ("Kilat", Urgency.AMAT_SEGERA, None),
        ("Rahasia", None, Security.RAHASIA),
        ("Segera, Rahasia", Urgency.SEGERA, Security.RAHASIA),
        ("Sangat Rahasia", None, Security.SANGAT_RAHASIA),
        ("Biasa", Urgency.BIASA, Security.BIASA),
        ("Penting", Urgency.PENTING, None),
        ("Terbatas", None, Security.TERBATAS),
    ],
)
def test_sifat_names_two_axes(value, urgency, security):
    assert parse_sifat(value) == (urgency, security)


@pytest.mark.parametrize(
    ("value", "count"),
    [("1 (satu) berkas", 1), ("-", 0), ("dua lembar", 2), ("3 eks", 3), ("terlampir", None)],
)
def test_attachment_count(value, count):
    assert parse_count(value) == count


def test_classification_only_from_a_code_shaped_first_segment():
    assert classification_of("005/123/426.101/2026") == "005"
    assert classification_of("000.8.3.3/15/OR") == "000.8.3.3"
    assert classification_of("B-99/IJ/KP.07.6/04/2020") is None
    assert classification_of(None) is None


def test_forward_prefixes():
    assert strip_forward_prefix("Fwd: FW: Tr: Undangan") == "Undangan"
    assert strip_forward_prefix("Re: Undangan") == "Re: Undangan"


def test_outlook_forward():
    msg = outlook_forward(
        original_from="Dinas Kominfo <kominfo@jatimprov.example>",
        original_subject="Sosialisasi SPBE",
        sent="Monday, October 2, 2017 9:15 AM",
        own="Sifat: Penting",
    )
    fields = extract_fields(parsed(msg), [])
    assert fields.sender == "Dinas Kominfo <kominfo@jatimprov.example>"
    assert fields.subject == "Sosialisasi SPBE" and fields.letter_date == dt.date(2017, 10, 2)
    assert fields.urgency is Urgency.PENTING


def test_apple_forward():
    msg = apple_forward(
        original_from="Bappeda <bappeda@probolinggokab.example>",
        original_subject="Musrenbang 2027",
        date="2 October 2017 at 09.15.00 GMT+7",
    )
    fields = extract_fields(parsed(msg), [])
    assert fields.sender == "Bappeda <bappeda@probolinggokab.example>"
    assert fields.subject == "Musrenbang 2027" and fields.letter_date == dt.date(2017, 10, 2)


def test_indonesian_gmail_forward_header():
    text = (
        "---------- Pesan yang diteruskan ---------\nDari: Setda <setda@x.example>\n"
        "Date: Sen, 2 Okt 2017 pukul 09.15\nSubject: Rapat\nTo: <surat@x.example>\n\nIsi"
    )
    [forward] = find_forwards(text)
    assert forward.headers["from"] == "Setda <setda@x.example>" and forward.body == "Isi"


def test_clerk_labels_are_not_mistaken_for_a_forward_header():
    assert find_forwards("Dari: Kementerian Dalam Negeri\nTanggal: 2 Oktober 2017\nPerihal: Rapat") == []


def test_clerk_labels_win_over_the_forward_and_the_pdf():
    text = (
        "Perihal: Dari label\n\n---------- Forwarded message ---------\nFrom: A <a@x.example>\n"
        "Date: Mon, Oct 2, 2017 at 9:15 AM\nSubject: Dari forward\nTo: <s@x.example>\n"
    )
    message = parse_message(b"From: agenda@x.example\r\nSubject: Fwd: x\r\n\r\n" + text.encode())
    fields = extract_fields(message, ["Nomor : 1/2017\nHal : Dari PDF"])
    assert fields.subject == "Dari label" and fields.sources["subject"] is Source.CLERK
    assert fields.letter_number == "1/2017" and fields.sources["letter_number"] is Source.PDF


def test_pdf_text_fields_and_unknowns():
    text = (
        "BADAN KEPEGAWAIAN DAERAH\nKABUPATEN PROBOLINGGO\nJalan Raya 1\n"
        "Kraksaan, 5 Januari 2026\nNomor : 800/12/426.3/2026\nSifat : Biasa\nLampiran : -\n"
        "Hal : Usulan Kenaikan Pangkat"
    )
    fields = pdf_fields(text)
    assert fields.sender == "BADAN KEPEGAWAIAN DAERAH KABUPATEN PROBOLINGGO"
    assert fields.letter_date == dt.date(2026, 1, 5) and fields.attachment_count == 0
    assert fields.subject == "Usulan Kenaikan Pangkat"
    assert pdf_fields("").unknown() == [
        "sender",
        "letter_number",
        "letter_date",
        "subject",
        "attachment_count",
        "urgency",
        "security",
        "classification",
    ]


def test_a_forwarded_header_is_read_to_the_bound_of_a_line_and_a_cut_is_marked():
    """A From line of 30,000 address characters names no sender: its first MAX_LINE characters
    are kept, marked as cut (the receipt asks the clerk to check it); the rest of the block is
    read as before."""
    fields = extract_fields(parse_message(long_from_forward(60_000)), [])
    assert fields.sender == "a." * (MAX_LINE // 2) + CUT
    assert (fields.subject, fields.letter_date) == ("Undangan rapat", dt.date(2026, 11, 30))
    whole = extract_fields(parse_message(long_from_forward(MAX_LINE)), [])  # a From of MAX_LINE characters
    assert whole.sender == "a." * (MAX_LINE // 2)
