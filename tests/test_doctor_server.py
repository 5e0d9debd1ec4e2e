"""`mailflow doctor` against the real servers: a verdict per item, and a fix for each failure."""

from email.message import EmailMessage

from click.testing import CliRunner

from mailflow.cli import cli
from tests.support.letters import gmail_forward, original_letter, pdf_letter

D = "@probolinggokab.example"
KADIS, MAILBOX = f"kadis{D}", f"surat{D}"


def doctor(office, *args):
    return CliRunner().invoke(cli, ["--config", str(office.config_path), "doctor", *args])


def plain(sender: str, subject: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, MAILBOX, subject
    msg.set_content("")
    return msg


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


def flags_of(office, folder: str) -> dict[int, set[bytes]]:
    """Each message's flags, read the way that changes none (\\Recent is the session's own)."""
    with office.mail._client(MAILBOX) as client:
        name = office.servers.imap.folder(folder)
        if not client.folder_exists(name):
            return {}
        client.select_folder(name, readonly=True)
        data = client.fetch(client.search("ALL"), ["FLAGS"])
    return {uid: set(item[b"FLAGS"]) - {b"\\Recent"} for uid, item in data.items()}


def test_doctor_says_per_sender_which_mail_would_verify_and_touches_none(office):
    """init's defaults with a mail server that does not sign: doctor said all green, then the
    first clerk letter was held. Now doctor reads the latest mail and says so first."""
    office.mail.send(gmail_forward(pdf=pdf_letter()), sign=False)  # held by the poll below
    office.poll()
    for n in range(2):
        office.mail.send(gmail_forward(pdf=pdf_letter(number=f"{n}/X/2026")), sign=False)
    office.mail.send(plain(KADIS, "STATUS 001/SM/2026"))  # signed by the office's server
    office.mail.send(original_letter(), to=MAILBOX)  # from outside
    inbox, held = flags_of(office, "INBOX"), flags_of(office, "Mailflow/Quarantine")
    assert len(inbox) == 4 and len(held) == 1

    result = doctor(office, "--no-probe")
    said = " ".join(result.output.split())
    assert result.exit_code == 1, result.output
    assert (
        "FAIL senders surat mail agenda@probolinggokab.example (petugas agenda): 3 pesan, "
        "tidak bertanda tangan DKIM -> suratnya akan ditahan (sender_unverified)"
    ) in said
    assert 'fix: pilih salah satu (README "Setting up an office"): minta pengelola server' in said
    assert f"ok senders surat mail {KADIS} (pejabat): 1 pesan, terverifikasi (DKIM signature" in said
    assert "1 pesan dari pengirim luar: tidak diperiksa" in said
    # Read-only: the same messages in the same folders with the same flags, nothing \Seen.
    assert flags_of(office, "INBOX") == inbox and flags_of(office, "Mailflow/Quarantine") == held
    assert not any(b"\\Seen" in f for f in inbox.values())
    # ... and what doctor foretold is what the service does.
    assert office.poll().outcomes == {"quarantined": 3, "status": 1}


def test_doctor_walks_the_admin_to_the_servers_own_verdict(office):
    """A server that stamps Authentication-Results but does not sign: doctor names the stamp as
    the way out, and once authserv_id says so, the clerk's letters verify and are filed."""
    letter = gmail_forward(pdf=pdf_letter())
    letter["Authentication-Results"] = "mx.probolinggokab.example; dkim=pass header.d=probolinggokab.example"
    office.mail.send(letter, sign=False)
    said = " ".join(doctor(office, "--no-probe").output.split())
    assert "1 pesan, tidak bertanda tangan DKIM -> suratnya akan ditahan" in said
    assert 'authserv_id = "mx.probolinggokab.example"' in said
    office.reconfigure(box_extra='authserv_id = "mx.probolinggokab.example"')
    result = doctor(office, "--no-probe")
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "1 pesan, terverifikasi (dkim=pass for probolinggokab.example) -> suratnya dicatat" in said
    assert office.poll().outcomes == {"letter": 1}


def test_doctor_with_verification_off_says_what_that_means(office):
    office.reconfigure(box_extra='verify_senders = "off"')
    office.mail.send(gmail_forward(pdf=pdf_letter()), sign=False)
    result = doctor(office, "--no-probe")
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert 'tidak diperiksa (verify_senders = "off") -> suratnya dicatat' in said
