"""Readable at 80 and 120 columns, as an admin's terminal runs them (rich reads $COLUMNS): every
line fits, the sender and the headings are never cut ("…"), and `letter show`'s log wraps under
itself instead of back to column 0."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.support.letters import MAILBOX, gmail_forward, original_letter, pdf_letter

KADIS = "kadis@probolinggokab.example"
SENDER = "Biro Organisasi Kemendagri <biro.organisasi@kemendagri.example>"
LONG_SENDER = "PEMERINTAH KABUPATEN PROBOLINGGO BADAN PERENCANAAN PEMBANGUNAN DAERAH <bappeda@probolinggokab.example>"


def mailflow(office, columns: int, *args: str) -> str:
    """The command as an admin's terminal of `columns` runs it."""
    result = subprocess.run(
        [sys.executable, "-m", "mailflow", "--config", str(office.config_path), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": str(columns)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def fits(text: str, columns: int) -> None:
    lines = text.splitlines()
    assert lines and all(len(line) <= columns for line in lines), "\n".join(
        line for line in lines if len(line) > columns
    )
    assert "…" not in text, text  # nothing cut off


def words_whole(value: str, text: str) -> None:
    """Every word of `value` is shown whole (a table may put them on several lines)."""
    shown = set(text.replace("│", " ").replace("┃", " ").split())
    missing = [word for word in value.split() if word not in shown]
    assert not missing, (missing, text)


@pytest.mark.parametrize("columns", [80, 120])
def test_letters_and_letter_show_are_readable_at_80_and_120_columns(office, columns):
    office.mail.send(gmail_forward(pdf=pdf_letter(), original_from=SENDER))
    office.mail.send(gmail_forward(original_from=LONG_SENDER, original_subject="Penyampaian Laporan Kinerja"))
    office.poll()
    office.mail.wait_for(KADIS, lambda m: "Mohon disposisi" in str(m["Subject"]))

    registry = mailflow(office, columns, "letters")
    fits(registry, columns)
    for value in (SENDER, LONG_SENDER, "Pembentukan Cabang Dinas dan UPTD", "Asal surat", "Perihal"):
        words_whole(value, registry)
    if columns == 80:  # one letter per block: the sender on one line, as long as it fits
        assert any(line.strip().endswith(SENDER) for line in registry.splitlines()), registry
    else:  # a table, its headings whole
        words_whole("Nomor agenda Diterima Pemegang Status", registry)

    shown = mailflow(office, columns, "letter", "show", "1")
    fits(shown, columns)
    words_whole(SENDER, shown)
    log = shown[shown.index("log:") :].splitlines()[1:]
    assert log and all(line.startswith("    ") for line in log), log  # never back to column 0
    assert any("kadis@probolinggokab.example" in line for line in log)  # an address is never split


@pytest.mark.parametrize("columns", [80, 120])
def test_offices_headings_are_whole_at_80_and_120_columns(regency_office, columns):
    for language, headings in (
        # (the office code's own heading is the block's title when the offices are stacked)
        ("id", ["Nama", "Mailbox", "Surat", "Terlambat", "Karantina", "Kesehatan"]),
        ("en", ["Name", "Mailboxes", "Letters", "Overdue", "Quarantine", "Health"]),
    ):
        config = regency_office.write_config()
        config.write_text(f'admin_language = "{language}"\n' + config.read_text(encoding="utf-8"))
        table = mailflow(regency_office, columns, "offices")
        fits(table, columns)
        for heading in headings:
            words_whole(heading, table)
        for name in ("Sekretariat Daerah", "Dinas Pendidikan", "Kecamatan Kraksaan", "SETDA", "KEC-KRAKSAAN"):
            words_whole(name, table)


@pytest.mark.parametrize("columns", [80, 120])
def test_quarantine_list_never_cuts_the_sender_at_80_and_120_columns(office, columns):
    """The address is what the admin checks before releasing: it was cut to "agenda@probo…"."""
    sender = "sekretariat.bidang.perencanaan@jatimprov.example"
    office.mail.send(original_letter(sender=sender, subject="Undangan Rapat Koordinasi Perencanaan"), to=MAILBOX)
    office.poll()
    held = mailflow(office, columns, "quarantine", "list")
    fits(held, columns)
    for value in (sender, "Undangan Rapat Koordinasi Perencanaan", "Asal surat", "Perihal"):
        words_whole(value, held)
