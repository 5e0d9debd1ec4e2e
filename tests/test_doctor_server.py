"""`mailflow doctor` against the real servers: a verdict per item, and a fix for each failure."""

from email.message import EmailMessage

from click.testing import CliRunner

from mailflow.cli import cli
from tests.support.letters import gmail_forward, original_letter, pdf_letter
from tests.test_one_language import foreign_words

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
    said = " ".join(result.output.split())
    for item in (
        "aturan",
        "basis data",
        "smtp",
        "ocr",
        "imap surat",
        "imap surat IDLE",
        "alamat plus surat",
    ):
        assert f"ok {item}" in said, result.output
    assert office.mail.count("surat@probolinggokab.example") == 0  # the probe cleaned up after itself
    assert "awalan namespace (tidak ada), pemisah '.'" in said  # Debian's stock Maildir++
    assert "Mailflow/Processed -> Mailflow.Processed" in said and "masuk dengan kata sandi" in said
    assert "model Tesseract ind+eng di /" in said
    # Stock Dovecot announces no APPENDLIMIT; the relay (aiosmtpd) announces SIZE 33554432.
    assert "ok imap surat pesan terbesar 32.0 MB, sebagaimana diumumkan server SMTP (SIZE)" in said
    assert not foreign_words(result.output, "id"), result.output


def test_doctor_says_where_the_largest_message_comes_from(office):
    """The figure the poll holds larger messages by (App.message_limit), and its source."""
    office.reconfigure(extra="max_message_bytes = 20000000")
    said = " ".join(doctor(office, "--no-probe").output.split())
    assert "ok imap surat pesan terbesar 19.1 MB, diatur oleh max_message_bytes" in said, said
    office.config_path.write_text('admin_language = "en"\n' + office.config_path.read_text())
    said = " ".join(doctor(office, "--no-probe").output.split())
    assert "ok imap surat largest message 19.1 MB, set by max_message_bytes" in said, said


ENGLISH_DOCTOR = ["signed in by", "namespace prefix", "push supported", "polling every", "schema", "fix:",
                  "FAIL", "rules", "database", "senders", "check host", "Tesseract models", "messages stay",
                  "SPECIAL-USE yes", "SPECIAL-USE no", "plus-addressing", "arrives in", "AUTH offered",
                  "largest message", "announces"]  # fmt: skip


def test_doctor_speaks_one_language(office):
    """Indonesian by default: no English sentence, check name or fix; admin_language = "en" gives
    the same checks in English. Each detail line wraps under itself at 80 columns."""
    config = office.config_path.read_text().replace(f"port = {office.servers.smtp_port}", "port = 10")
    office.config_path.write_text(config)
    result = CliRunner().invoke(
        cli, ["--config", str(office.config_path), "doctor"], env={"COLUMNS": "80"}, terminal_width=80
    )
    assert result.exit_code == 1, result.output
    said = " ".join(result.output.split())
    assert not foreign_words(result.output, "id"), result.output
    for english in ENGLISH_DOCTOR:
        assert english not in said.replace("Mailflow", ""), (english, result.output)
    assert "GAGAL smtp" in said and "perbaiki: periksa host, port, security (465: tls, 587: starttls)" in said
    assert "ok imap surat masuk dengan kata sandi, INBOX dipilih" in said
    assert "ok imap surat pesan terbesar 57.2 MB untuk sementara: server IMAP tidak mengumumkan" in said
    assert "pengirim surat diverifikasi lewat tanda tangan DKIM" in said
    column = result.output.splitlines()[0].index("/")  # where each detail starts (the config's path)
    for line in result.output.splitlines():
        assert len(line.rstrip()) <= 80, line
        if not line.startswith(("ok", "GAGAL")):  # a wrapped detail or a fix, under the details
            assert line[:column].strip() == "", line

    office.config_path.write_text('admin_language = "en"\n' + config)
    said = " ".join(doctor(office).output.split())
    assert not foreign_words(said.replace(" surat ", " "), "en"), said  # less the mailbox's name
    assert "FAIL smtp" in said and "fix: check the [smtp] host, port, security" in said
    assert "ok imap surat signed in by password, INBOX selected" in said
    assert "ok rules" in said and "ok database" in said and "plus-addressing surat" in said


def test_doctor_names_a_missing_tesseract_command(office, tmp_path, monkeypatch):
    """The language models are there but not the command (they only recommend tesseract-ocr)."""
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH without tesseract
    result = doctor(office, "--no-probe")
    said = " ".join(result.output.split())
    assert "GAGAL ocr" in said and "tidak ada perintah tesseract" in said
    assert "perbaiki: apt-get install tesseract-ocr" in said


def test_doctor_names_a_missing_ocr_model(office):
    office.reconfigure(extra='ocr_languages = "ind+jav"')
    result = doctor(office, "--no-probe")
    said = " ".join(result.output.split())
    assert "GAGAL ocr" in said and "tidak ada model untuk jav" in said
    assert "perbaiki: pasang tesseract-ocr-LANG" in said


def test_doctor_names_each_failure_and_its_fix(office):
    config = office.config_path.read_text().replace(f"port = {office.servers.imap.imap_port}", "port = 9")
    office.config_path.write_text(config.replace(f"port = {office.servers.smtp_port}", "port = 10"))
    result = doctor(office, "--no-probe")
    assert result.exit_code == 1
    said = " ".join(result.output.split())
    assert "GAGAL imap surat" in said and "perbaiki: periksa host, port, security" in said
    assert "GAGAL smtp" in said and "perbaiki: periksa host, port, security (465" in said


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
        "GAGAL pengirim surat email agenda@probolinggokab.example (petugas agenda): 3 pesan, "
        "tidak bertanda tangan DKIM -> suratnya akan ditahan (sender_unverified)"
    ) in said
    assert 'perbaiki: pilih salah satu (README "Setting up an office"): minta pengelola server' in said
    assert f"ok pengirim surat email {KADIS} (pejabat): 1 pesan, terverifikasi (DKIM signature" in said
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
