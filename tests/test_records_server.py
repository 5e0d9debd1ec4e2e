"""The records an office keeps: the agenda book export and the disposition sheet PDF."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
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
    assert sheet.freeze_panes == "A2" and sheet.column_dimensions["F"].width >= 40
    run(office, "export", "--year", str(year), "--format", "csv", "-o", str(tmp_path / "agenda.csv"))
    table = list(csv.reader(io.StringIO((tmp_path / "agenda.csv").read_text(encoding="utf-8-sig"))))
    assert len(table) == 3 and table[2][5] == "Undangan Rapat"
    run(office, "export", "--year", str(year), "--format", "json", "-o", str(tmp_path / "agenda.json"))
    assert [r["status"] for r in json.loads((tmp_path / "agenda.json").read_text())] == [
        "in_progress",
        "awaiting",
    ]


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
