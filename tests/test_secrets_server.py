"""Secrets come only from the config, a file or the environment, and never reach logs or the database."""

import os
import subprocess
import sys

from sqlmodel import SQLModel, select

from tests.support.letters import gmail_forward, pdf_letter


def test_no_secret_in_logs_errors_or_database(office):
    secret, token_key = "S3cret-imap-Pa55", "token-key-value-0123456789abcdef"
    (office.dir / "imap-password").write_text("wrong-password-On-purpose\n")
    office.reconfigure(
        extra=f'token_secret = "{token_key}"\nlog_format = "json"', box_extra="tls_verify = false"
    )
    config = office.config_path.read_text().replace(
        'password_env = "MAILFLOW_TEST_IMAP_PASSWORD"', 'password_file = "imap-password"'
    )
    office.config_path.write_text(
        config + f'\n[[mailboxes]]\nname = "second"\naddress = "b@x.example"\n'
        f'host = "127.0.0.1"\nport = {office.servers.imap.imap_port}\n'
        f'security = "none"\nusername = "surat@probolinggokab.example"\n'
        f'password = "{secret}"\n'
    )
    office.mail.send(gmail_forward(pdf=pdf_letter()))
    env = {**os.environ, "MAILFLOW_CONFIG": str(office.config_path)}
    run = subprocess.run(
        [sys.executable, "-m", "mailflow", "poll", "--once"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 2  # both logins fail: a clear message, non-zero exit
    assert "AUTHENTICATIONFAILED" in output or "cannot log in" in output
    assert "event=tls_unverified" in output or "tls_unverified" in output  # an explicit choice, logged
    with office.app.engine.connect() as connection:  # every row of every table, SQLite or PostgreSQL
        stored = repr([connection.execute(select(t)).all() for t in SQLModel.metadata.sorted_tables])
    for leaked in (secret, "wrong-password-On-purpose", token_key):
        assert leaked not in output
        assert leaked not in stored


def test_starttls_fails_closed_when_the_server_cannot_upgrade(office):
    from sqlmodel import Session

    from mailflow.storage.models import OutboxMessage

    office.smtp_extra = ""
    office.reconfigure()
    office.config_path.write_text(
        office.config_path.read_text().replace(
            'security = "none"\nfrom_address', 'security = "starttls"\nfrom_address'
        )
    )
    office._app = None
    office.mail.send(gmail_forward(pdf=pdf_letter()))
    office.poll()
    with Session(office.app.engine) as session:
        rows = session.exec(select(OutboxMessage)).all()
    assert rows and all(r.status == "pending" and "STARTTLS" in (r.last_error or "") for r in rows)
    assert office.mail.count("agenda@probolinggokab.example") == 0  # nothing went out in clear text


def test_a_non_ascii_password_logs_in_as_utf8(office):
    from mailflow.config import MailboxSettings
    from mailflow.net.imap import Mailbox
    from tests.support.dovecot import UTF8_PASSWORD, UTF8_USER

    settings = MailboxSettings(
        name="pustaka", address=UTF8_USER, host="127.0.0.1", port=office.servers.imap.imap_port,
        security="none", username=UTF8_USER, password=UTF8_PASSWORD,
    )  # fmt: skip
    with Mailbox.connect(settings) as box:
        assert box.uidvalidity > 0


def test_files_are_private_whatever_the_umask(office):
    previous = os.umask(0)
    try:
        office.mail.send(gmail_forward(pdf=pdf_letter()))
        office.poll()
    finally:
        os.umask(previous)
    storage = office.dir / "storage"
    for path in [storage, storage / "keys", *storage.rglob("*")]:
        assert path.stat().st_mode & 0o077 == 0, path
    database = office.dir / "mailflow.db"
    if database.exists():  # SQLite runs only; PostgreSQL keeps its own files
        assert database.stat().st_mode & 0o077 == 0
