"""Counts as the admin reads them: "1 letter" in English, "1 surat" in Indonesian (which has no
plural form)."""

from __future__ import annotations

import datetime as dt

from click.testing import CliRunner

from mailflow.cli import cli
from tests.support.letters import gmail_forward, pdf_letter


def test_an_export_of_one_letter_says_one_letter(office, tmp_path):
    office.mail.send(gmail_forward(pdf=pdf_letter()))
    office.poll()
    year = dt.datetime.now(office.app.settings.zone).year
    args = ["export", "--year", str(year), "--format", "csv", "-o", str(tmp_path / "a.csv")]
    said = CliRunner().invoke(cli, ["--config", str(office.config_path), *args])
    assert said.output.strip() == f"{tmp_path / 'a.csv'}: 1 surat tahun {year}", said.output
    office.reconfigure(extra='language = "en"')
    said = CliRunner().invoke(cli, ["--config", str(office.config_path), *args])
    assert said.output.strip() == f"{tmp_path / 'a.csv'}: 1 letter of {year}", said.output
