"""`mailflow doctor` against the real servers: a verdict per item, and a fix for each failure."""

from click.testing import CliRunner

from mailflow.cli import cli


def doctor(office, *args):
    return CliRunner().invoke(cli, ["--config", str(office.config_path), "doctor", *args])


def test_doctor_on_a_working_office(office):
    result = doctor(office)
    assert result.exit_code == 0, result.output
    for item in (
        "rules",
        "database",
        "smtp",
        "ocr",
        "imap surat",
        "imap surat IDLE",
        "plus-addressing surat",
    ):
        assert f"ok   {item}" in result.output, result.output
    assert office.mail.count("surat@probolinggokab.example") == 0  # the probe cleaned up after itself
    said = " ".join(result.output.split())
    assert "namespace prefix '(none)', delimiter '.'" in said  # Debian's stock Maildir++
    assert "Mailflow/Processed -> Mailflow.Processed" in said and "signed in by password" in said
    assert "Tesseract models ind+eng in /" in said


def test_doctor_names_a_missing_tesseract_command(office, tmp_path, monkeypatch):
    """The language models are there but not the command (they only recommend tesseract-ocr)."""
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH without tesseract
    result = doctor(office, "--no-probe")
    assert "FAIL ocr" in result.output and "no tesseract command" in result.output
    assert "fix: apt-get install tesseract-ocr" in result.output


def test_doctor_names_a_missing_ocr_model(office):
    office.reconfigure(extra='ocr_languages = "ind+jav"')
    result = doctor(office, "--no-probe")
    assert "FAIL ocr" in result.output and "no model for jav" in result.output
    assert "fix: install tesseract-ocr-LANG" in result.output


def test_doctor_names_each_failure_and_its_fix(office):
    config = office.config_path.read_text().replace(f"port = {office.servers.imap.imap_port}", "port = 9")
    office.config_path.write_text(config.replace(f"port = {office.servers.smtp_port}", "port = 10"))
    result = doctor(office, "--no-probe")
    assert result.exit_code == 1
    assert "FAIL imap surat" in result.output and "fix: check host, port, security" in result.output
    assert "FAIL smtp" in result.output and "fix: check the [smtp] host" in result.output
