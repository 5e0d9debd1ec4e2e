"""The records an office keeps: the agenda book export and the disposition sheet PDF."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import stat

from click.testing import CliRunner
from openpyxl import load_workbook
from pypdf import PdfReader

from mailflow.cli import cli
from tests.support import clients
from tests.support.letters import gmail_forward, pdf_letter

KADIS, SEKRETARIS = "kadis@probolinggokab.example", "sekretaris@probolinggokab.example"


def run(office, *args):
    result = CliRunner().invoke(cli, ["--config", str(office.config_path), *args])
    assert result.exit_code == 0, result.output
    return result.output


def invoke(office, *args):
    return CliRunner().invoke(cli, ["--config", str(office.config_path), *args])


def disposed_letter(office):
    office.mail.send(gmail_forward(pdf=pdf_letter()))
    office.mail.send(gmail_forward(pdf=pdf_letter(number="999/2/2026"), original_subject="Undangan Rapat"))
    office.poll()
    request = office.mail.wait_for(KADIS, lambda m: "Pembentukan" in str(m["Subject"]))
    office.mail.send(
        clients.gmail_android_id(request, KADIS, "Sekretaris: Pelajari dan Sosialisasikan batas 3 hari")
    )
    office.poll()
    instruction = office.mail.wait_for(SEKRETARIS, lambda m: "Disposisi dari" in str(m["Subject"]))
    office.mail.send(clients.iphone_id(instruction, SEKRETARIS, "Siap!"))
    office.poll()


def test_agenda_book_exports(office, tmp_path):
    disposed_letter(office)
    year = dt.date.today().year
    run(office, "export", "--year", str(year), "--format", "xlsx", "-o", str(tmp_path / "agenda.xlsx"))
    sheet = load_workbook(tmp_path / "agenda.xlsx").active
    rows = list(sheet.values)
    assert rows[0][:3] == ("Nomor agenda", "Tanggal terima", "Asal surat")
    assert [r[0] for r in rows[1:]] == [f"001/SM/{year}", f"002/SM/{year}"]
    assert isinstance(rows[1][1], dt.datetime) and rows[1][4] == dt.datetime(2017, 10, 2)  # dates as dates
    assert "Sekretaris Dinas Pendidikan (Agus Wibowo)" in rows[1][10]
    # As an admin opens and prints it: header frozen and filtered, columns as wide as their text,
    # A4 landscape, one page wide, the header row on every page.
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:N3"
    assert sheet.column_dimensions["F"].width >= len("Pembentukan Cabang Dinas dan UPTD")  # the subject
    assert sheet.column_dimensions["A"].width < 20 and sheet.column_dimensions["G"].width < 12
    assert sheet.page_setup.orientation == "landscape" and int(sheet.page_setup.paperSize) == 9  # A4
    assert sheet.page_setup.fitToWidth == 1 and sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$1:$1"
    assert [r[11] for r in rows[1:]] == ["dalam proses", "menunggu disposisi"]  # words, not codes
    run(office, "export", "--year", str(year), "--format", "csv", "-o", str(tmp_path / "agenda.csv"))
    table = list(csv.reader(io.StringIO((tmp_path / "agenda.csv").read_text(encoding="utf-8-sig"))))
    assert len(table) == 3 and table[2][5] == "Undangan Rapat"
    run(office, "export", "--year", str(year), "--format", "json", "-o", str(tmp_path / "agenda.json"))
    assert [r["status"] for r in json.loads((tmp_path / "agenda.json").read_text())] == [
        "in_progress",  # JSON is for scripts: the codes
        "awaiting",
    ]


def test_export_to_stdout_and_of_this_year_by_default(office, tmp_path):
    disposed_letter(office)
    result = invoke(office, "export", "--format", "csv", "-o", "-")
    assert result.exit_code == 0, result.output
    table = list(csv.reader(io.StringIO(result.stdout.lstrip("\ufeff"))))
    year = dt.datetime.now(office.app.settings.zone).year  # the office's year, not the machine's
    assert [r[0] for r in table[1:]] == [f"001/SM/{year}", f"002/SM/{year}"]
    assert f"2 surat tahun {year}" in result.stderr and not (tmp_path / "-").exists()
    book = invoke(office, "export", "-o", "-")  # XLSX bytes down a pipe
    assert book.stdout_bytes.startswith(b"PK") and load_workbook(io.BytesIO(book.stdout_bytes)).active.max_row == 3


def test_disposition_sheet_pdf(office, tmp_path):
    disposed_letter(office)
    pdf = tmp_path / "sheet.pdf"
    run(office, "sheet", "1", "-o", str(pdf))
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(pdf).pages).split())
    for expected in (
        "LEMBAR DISPOSISI",
        "PEMERINTAH KABUPATEN PROBOLINGGO",
        "061/5432/OTDA",
        "001/SM/",
        "Sekretaris Dinas Pendidikan (Agus Wibowo)",
        "Pelajari dan Sosialisasikan",
        "siap",
    ):
        assert expected in text, expected
    run(office, "sheet", "1", "--paper", "half-folio", "-o", str(tmp_path / "half.pdf"))
    width, _height = PdfReader(tmp_path / "half.pdf").pages[0].mediabox.upper_right
    assert round(float(width) / 72 * 25.4) == 165


def test_export_and_sheet_files_are_the_owners_only(office, tmp_path):
    """A `rahasia` letter's sheet and the agenda book are created 0600 whatever the umask, and an
    older world-readable file at the same path is replaced, not reused."""
    office.mail.send(gmail_forward(pdf=pdf_letter(), labels="Sifat: Rahasia"))
    assert office.poll().outcomes == {"letter": 1}
    assert json.loads(run(office, "letter", "show", "1", "--json"))["security"] == "rahasia"
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "agenda.csv").write_text("old")
    (folder / "agenda.csv").chmod(0o644)
    old = os.umask(0o022)
    try:
        for fmt in ("xlsx", "csv", "json"):
            out = folder / f"agenda.{fmt}"
            run(office, "export", "--year", str(dt.date.today().year), "--format", fmt, "-o", str(out))
            assert stat.S_IMODE(out.stat().st_mode) == 0o600, fmt
        run(office, "sheet", "1", "-o", str(folder / "sheet.pdf"))
        assert stat.S_IMODE((folder / "sheet.pdf").stat().st_mode) == 0o600
    finally:
        os.umask(old)
    assert "001/SM/" in (folder / "agenda.csv").read_text(encoding="utf-8-sig")
    # No temporary file is left beside them.
    assert sorted(p.name for p in folder.iterdir()) == ["agenda.csv", "agenda.json", "agenda.xlsx", "sheet.pdf"]


def test_half_folio_sheet_splits_no_word(office, tmp_path):
    """On half folio the columns used to split words ("Tangg al", "diteruska n", "02/12/ 26"):
    each column is now as wide as its longest word."""
    disposed_letter(office)
    for paper in ("half-folio", "a4"):
        pdf = tmp_path / f"{paper}.pdf"
        run(office, "sheet", "1", "--paper", paper, "-o", str(pdf))
        words = PdfReader(pdf).pages[0].extract_text().split()
        for whole in ("Tanggal", "Batas", "Status", "Instruksi", "diteruskan", "siap", "Sosialisasikan"):
            assert whole in words, (paper, whole, words)
        dates = [w for w in words if re.fullmatch(r"\d\d/\d\d/\d\d", w)]
        assert len(dates) == 4, (paper, words)  # given on and due by, for both lines, each whole
        assert not {"Tangg", "diteruska", "al", "n"} & set(words), (paper, words)


def test_sheet_format_follows_the_file_suffix(office, tmp_path):
    disposed_letter(office)
    page = tmp_path / "sheet.html"
    run(office, "sheet", "1", "--paper", "half-folio", "-o", str(page))
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "LEMBAR DISPOSISI" in html and "size: 165mm 215mm" in html
    assert "Pelajari dan Sosialisasikan" in html and "Sekretaris Dinas Pendidikan (Agus Wibowo)" in html
    refused = invoke(office, "sheet", "1", "-o", str(tmp_path / "sheet.docx"))
    assert refused.exit_code == 2 and not (tmp_path / "sheet.docx").exists()
    assert "sheet.docx: lembar disposisi ditulis sebagai .pdf atau .html" in refused.output
