"""Reading hostile mail is bounded: one budget for the whole tree, lines tidied before any
pattern, each distinct PDF read once (pure; bench/hostile.py measures the costs)."""

from __future__ import annotations

import pytest

from mailflow.errors import MessageError
from mailflow.text.fields import label_fields
from mailflow.text.html import html_to_text
from mailflow.text.lines import MAX_LINE, tidy
from mailflow.text.message import Attachment
from mailflow.text.parsing import MAX_TEXT, parse_message
from mailflow.text.pdf import MAX_FILES, letter_pdf_texts
from mailflow.text.quotes import extract_new_text
from tests.support.hostile import html_blocks, inflating_pdf, long_lines, nested_forwards


def test_tidy_collapses_blanks_and_caps_lines() -> None:
    text = tidy("Tanggal:" + " \t" * 5000 + "1\r\n" + "x" * (MAX_LINE + 50))
    first, second = text.split("\n")
    assert first == "Tanggal: 1" and len(second) == MAX_LINE


def test_label_lines_padded_with_blanks_are_read_as_their_words() -> None:
    fields = label_fields("Tanggal:" + " " * 20_000 + "5 Desember 2026\nNomor: " + "1/" * 3000)
    assert str(fields.letter_date) == "2026-12-05"
    assert fields.letter_number is not None and len(fields.letter_number) <= MAX_LINE


def test_deep_forwards_stop_at_the_depth_limit() -> None:
    with pytest.raises(MessageError, match=r"nesting deeper|decode to more"):
        parse_message(nested_forwards(3_000_000))


def test_body_text_is_read_up_to_its_budget() -> None:
    message = parse_message(long_lines(3_000_000))
    assert len(message.text) <= MAX_TEXT


def test_one_inflating_pdf_attached_a_hundred_times_is_read_once() -> None:
    pdf = Attachment("scan.pdf", "application/pdf", inflating_pdf(2_000_000))
    assert len(letter_pdf_texts([pdf] * 100)) == 1
    others = [Attachment(f"{n}.pdf", "application/pdf", b"%PDF-1.4 " + bytes([n])) for n in range(10)]
    assert len(letter_pdf_texts(others)) == MAX_FILES


def test_pdfs_share_one_cpu_budget_and_a_bomb_is_refused_at_it() -> None:
    """A 2 KB PDF of nested forms (pypdf: minutes) after a real letter: the letter is read, the
    bomb and what comes after it are refused, within the one budget of the message's PDFs."""
    from mailflow.demo.samples import letter_pdf
    from mailflow.text.pdf import read_pdfs
    from tests.support.hostile import nested_forms_pdf

    files = [
        Attachment("surat.pdf", "application/pdf", letter_pdf()),
        Attachment("bom.pdf", "application/pdf", nested_forms_pdf(8)),
        Attachment("lampiran.pdf", "application/pdf", letter_pdf() + b"\n% another copy"),
    ]
    found = read_pdfs(files)
    assert "KEMENTERIAN" in found.texts[0] and found.texts[1:] == ["", ""]
    assert found.refused == [("bom.pdf", "pdf_time"), ("lampiran.pdf", "pdf_time")]
    assert found.layers[1:] == [None, None]  # not rendered for OCR either


def test_html_text_and_quote_removal_survive_broken_nesting() -> None:
    html = (
        '<div>Sekretaris: pelajari<br>batas 3 hari</div><div class="gmail_quote"><div><p>unclosed'
        "<div>Pada tanggal ... menulis:</div></div>kutipan</div><p>setelah kutipan"
    )
    assert extract_new_text("", html) == "Sekretaris: pelajari\nbatas 3 hari\n\nsetelah kutipan"
    assert "Mohon segera" in html_to_text(html_blocks(5_000).decode("utf-8", "replace"))


def test_a_reply_is_read_for_its_first_lines_only() -> None:
    import datetime as dt

    from mailflow.language.statements import MAX_LINES, read_reply, reply_context
    from mailflow.office.load import load_rules
    from tests.support import REPO

    context = reply_context(load_rules(REPO / "rules"), "kadis", dt.date(2026, 11, 25))
    reading = read_reply("\n".join(f"catatan {n}" for n in range(MAX_LINES * 3)), context)
    assert len(reading.statements) == MAX_LINES
    assert [p.reason for p in reading.problems] == ["too_long"]


def test_parts_are_counted_on_the_raw_boundary_lines() -> None:
    from tests.support.hostile import many_parts

    with pytest.raises(MessageError, match="more than 500 MIME parts"):
        parse_message(many_parts(8_000_000))  # 800,000 parts: refused before any tree is built
    fits = many_parts(400 * 48)  # some 400 parts of 48 bytes
    assert len(parse_message(fits).text) > 0
    # Lines that look like delimiters of a boundary nobody declared open no part.
    loose = fits.replace(b"\r\n\r\nSifat: Segera", b"\r\n\r\n" + b"--x\r\n" * 3, 1)
    assert parse_message(loose).message_id


def test_a_wrapped_link_between_quoted_lines_is_quoted_text() -> None:
    reply = "Setuju.\n> Isi surat\n(https://x.example/a?b=c) >\n> lanjutan\n"
    assert extract_new_text(reply) == "Setuju."
    kept = "Lihat:\nhttps://x.example/a?b=c\nlalu segera dibahas"  # not between quoted lines
    assert extract_new_text(kept) == kept
    # Every line a link-like "/": read in one pass each way, not by copying the lines above.
    assert extract_new_text("Setuju.\n> kutipan\n" + "/\n" * 80_000).startswith("Setuju.")
