"""One clock: every view and document shows a stored UTC instant in the office's time zone.

The letter here reaches the office at 23:30 UTC on 1 December, which is 06:30 WIB on
2 December: every screen and paper the admin meets must say 2 December, whatever the machine's
own zone, and the log says the same instant with its offset.
"""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

from click.testing import CliRunner
from pypdf import PdfReader
from sqlmodel import Session, select

from mailflow.cli import cli
from mailflow.clock import iso_offset, local_time, office_today
from mailflow.records.sheet import sheet_pdf
from mailflow.storage.models import Letter, QuarantineItem
from tests.support.letters import CLERK, gmail_forward, pdf_letter
from tests.support.mail import text_of

JAKARTA = ZoneInfo("Asia/Jakarta")
LATE_EVENING_UTC = dt.datetime(2026, 12, 1, 23, 30)  # as SQLite hands it back: no zone, UTC


def test_a_stored_instant_is_read_in_the_office_zone_never_the_machines():
    assert local_time(LATE_EVENING_UTC, JAKARTA) == "2026-12-02 06:30 WIB"
    assert local_time("2026-12-01T23:30:00", ZoneInfo("Asia/Makassar")) == "2026-12-02 07:30 WITA"
    assert local_time("2026-12-01T23:30:00+00:00", ZoneInfo("Asia/Jayapura")) == "2026-12-02 08:30 WIT"
    assert local_time(None, JAKARTA) == "-"
    assert office_today(JAKARTA, LATE_EVENING_UTC.replace(tzinfo=dt.UTC)) == dt.date(2026, 12, 2)
    assert iso_offset(LATE_EVENING_UTC, JAKARTA) == "2026-12-02T06:30:00.000+07:00"


def _run(office, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--config", str(office.config_path), *args])
    assert result.exit_code == 0, result.output
    return result.output


def _received_late_evening_utc(office) -> None:
    with Session(office.app.engine) as session:
        for row in [*session.exec(select(Letter)), *session.exec(select(QuarantineItem))]:
            row.received_at = LATE_EVENING_UTC.replace(tzinfo=dt.UTC)
            session.add(row)
        session.commit()


def test_views_and_the_sheet_say_the_office_date(office, monkeypatch):
    monkeypatch.setenv("TZ", "America/Los_Angeles")  # the machine's zone must not matter
    office.mail.send(gmail_forward(pdf=pdf_letter()))
    office.mail.append("surat@probolinggokab.example", b"From: x@y.example\r\n\r\nnot a letter", sign=False)
    office.poll()
    _received_late_evening_utc(office)

    listed = _run(office, "letters", "--year", "2026")  # a narrow table may wrap the cell
    assert "2026-12-02" in listed and "06:30" in listed and "23:30" not in listed
    assert "2026-12-02 06:30 WIB" in _run(office, "letter", "show", "1")
    [item] = json.loads(_run(office, "quarantine", "list", "--json"))
    shown = _run(office, "quarantine", "show", str(item["id"]))
    assert "Diterima      2026-12-02 06:30 WIB" in shown and "T23:30" not in shown  # the admin's words (words)

    with Session(office.app.engine) as session:
        letter = session.exec(select(Letter)).one()
    app = office.app
    printed = dt.datetime(2026, 12, 1, 23, 45, tzinfo=dt.UTC)  # 06:45 WIB: the clerk's morning
    pdf = sheet_pdf(app.engine, letter, app.office_rules(letter.office), app.settings.zone, printed=printed)
    path = office.dir / "sheet.pdf"
    path.write_bytes(pdf)
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(path).pages).split())
    assert "2 Desember 2026" in text and "Dicetak 02/12/2026" in text


def test_mail_about_a_letter_gives_its_receipt_date_on_the_office_clock(office):
    pdf = pdf_letter()
    office.mail.send(gmail_forward(pdf=pdf))
    office.poll()
    _received_late_evening_utc(office)  # 06:30 WIB on 2 December
    office.mail.send(gmail_forward(pdf=pdf, labels="Catatan: kiriman kedua"))
    assert office.poll().outcomes == {"duplicate": 1}
    notice = office.mail.wait_for(CLERK, lambda m: "Sudah tercatat" in str(m["Subject"]))
    assert "diterima 2 Desember 2026" in " ".join(text_of(notice).split())
