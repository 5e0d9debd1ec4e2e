"""Backup and restore as an admin meets them: the commands against the real Dovecot, relay and
database (SQLite, or PostgreSQL when MAILFLOW_TEST_DATABASE_URL is set)."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
import time
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, col, select

from mailflow.cli import cli
from mailflow.config import load_settings
from mailflow.ops.backup import MANIFEST
from mailflow.storage.db import MIGRATIONS, _alembic, _migrating, head_revision, make_engine
from mailflow.storage.models import Disposition, InboundMessage, Letter, OutboxMessage
from tests.support import clients
from tests.support.dovecot import PASSWORD
from tests.support.letters import CLERK, MAILBOX, gmail_forward, pdf_letter
from tests.support.mail import text_of

D = "@probolinggokab.example"
KADIS, SEKRETARIS = f"kadis{D}", f"sekretaris{D}"


def mailflow(office, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--config", str(office.config_path), *args])


def file_letters(office, numbers: range) -> None:
    for n in numbers:
        office.mail.send(gmail_forward(pdf=pdf_letter(number=f"{n}/RH/2026"), original_subject=f"Rapat {n}"))
    filed = 0
    deadline = time.monotonic() + 30
    while filed < len(numbers) and time.monotonic() < deadline:
        filed += office.poll().outcomes.get("letter", 0)
    assert filed == len(numbers)


def lose_the_database(office) -> None:
    """The disk of the database dies: the SQLite file deleted, or the PostgreSQL database dropped."""
    url = make_url(load_settings(office.config_path).database_url)
    if office._app is not None:
        office.app.engine.dispose()
    office._app = None
    if url.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{url.database}{suffix}").unlink(missing_ok=True)
        return
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{url.database}" WITH (FORCE)'))
    admin.dispose()


def test_rehearsal_file_ten_back_up_file_five_lose_the_database_restore(office, inbox, tmp_path):
    year = dt.datetime.now().year
    file_letters(office, range(1, 11))
    started = time.monotonic()
    made = mailflow(office, "backup", str(tmp_path / "backup-1"))
    backup_seconds = time.monotonic() - started
    assert made.exit_code == 0, made.output
    assert "backup-1" in made.output and "diperiksa ulang" in made.output

    file_letters(office, range(11, 16))
    # The head disposes letter 13 after the backup: lost with the database, applied again.
    request = inbox.next(KADIS, f"SM 013/{year}")
    assert inbox.answer(clients.gmail_android_id, request, KADIS, "Sekretaris: Pelajari").outcomes == {
        "reply": 1
    }
    inbox.next(SEKRETARIS, f"SM 013/{year}")
    assert office.mail.count(MAILBOX, "Mailflow/Processed") == 16

    lose_the_database(office)
    started = time.monotonic()
    restored = mailflow(office, "restore", str(tmp_path / "backup-1"))
    restore_seconds = time.monotonic() - started
    assert restored.exit_code == 0, restored.output
    # Only the 6 messages whose Message-ID the restored ledger lacks are fetched whole.
    assert "16 pesan diperiksa di folder olahan dan karantina (6 diunduh utuh), 6 dicatat ulang" in restored.output
    print(f"\nrehearsal: backup {backup_seconds:.2f} s, restore with reconcile {restore_seconds:.2f} s")

    with Session(office.app.engine) as session:
        letters = session.exec(select(Letter).order_by(col(Letter.seq))).all()
        assert [letter.seq for letter in letters] == list(range(1, 16))  # 15 letters, none doubled
        assert len({letter.fingerprint for letter in letters}) == 15
        assert [letter.subject for letter in letters] == [f"Rapat {n}" for n in range(1, 16)]
        thirteen = letters[12]
        nodes = session.exec(select(Disposition).where(Disposition.letter_id == thirteen.id)).all()
        assert SEKRETARIS in {node.holder for node in nodes}  # the head's reply, applied again
        stuck = session.exec(select(OutboxMessage).where(OutboxMessage.status != "sent")).all()
        assert stuck == []

    # The clerk is told, in one mail, which letters were filed again and that their numbers held.
    told = office.mail.wait_for(CLERK, lambda m: "Pemulihan data" in str(m["Subject"]))
    assert "5 surat dicatat ulang" in str(told["Subject"]) and "berubah" not in str(told["Subject"])
    body = text_of(told)
    for n in range(11, 16):
        assert f"{n:03d}/SM/{year}: Rapat {n}\n  Nomor agenda tetap." in body
    assert f"010/SM/{year}" not in body

    # Running it again files nothing twice, and the service's next poll finds nothing new.
    again = mailflow(office, "reconcile")
    assert again.exit_code == 0 and "(0 diunduh utuh), 0 dicatat ulang" in again.output, again.output
    assert office.poll().seen == 0
    with Session(office.app.engine) as session:
        assert len(session.exec(select(Letter)).all()) == 15
        assert len(session.exec(select(InboundMessage)).all()) == 16
    restore_mails = [m for m in office.mail.messages(CLERK) if "Pemulihan data" in str(m["Subject"])]
    assert len(restore_mails) == 1


def test_backup_files_are_private_and_a_damaged_backup_is_refused(office, tmp_path):
    file_letters(office, range(1, 2))
    dest = tmp_path / "backup"
    assert mailflow(office, "backup", str(dest)).exit_code == 0
    modes = {p.relative_to(dest).as_posix(): stat.S_IMODE(p.stat().st_mode) for p in dest.rglob("*")}
    assert stat.S_IMODE(dest.stat().st_mode) == 0o700
    assert {mode for path, mode in modes.items() if (dest / path).is_dir()} == {0o700}
    assert {mode for path, mode in modes.items() if (dest / path).is_file()} == {0o600}
    assert MANIFEST in modes and "storage/keys/token.key" in modes
    assert any(path.startswith("storage/raw/") for path in modes)
    assert mailflow(office, "backup", str(dest)).exit_code != 0  # never into a used folder

    # A byte flipped in the stored raw message: restore refuses and names the file.
    raw = next(p for p in (dest / "storage" / "raw").rglob("*") if p.is_file())
    data = bytearray(raw.read_bytes())
    data[len(data) // 2] ^= 0x01
    raw.write_bytes(bytes(data))
    refused = mailflow(office, "restore", "--force", str(dest))
    assert refused.exit_code == 1
    name = raw.relative_to(dest).as_posix()
    assert "is damaged (1 of" in refused.output and name in refused.output
    assert "nothing was restored" in refused.output
    with Session(office.app.engine) as session:
        assert len(session.exec(select(Letter)).all()) == 1  # the live database untouched


def test_a_live_database_is_not_replaced_without_force(office, tmp_path):
    file_letters(office, range(1, 2))
    assert mailflow(office, "backup", str(tmp_path / "b")).exit_code == 0
    refused = mailflow(office, "restore", str(tmp_path / "b"))
    assert refused.exit_code == 1 and "--force" in refused.output
    office.app.engine.dispose()
    office._app = None
    forced = mailflow(office, "restore", "--force", str(tmp_path / "b"))
    assert forced.exit_code == 0, forced.output
    assert "0 dicatat ulang" in forced.output
    assert os.path.exists(tmp_path / "b" / MANIFEST)


def test_keyword_mode_restore_files_the_tagged_letters_and_leaves_the_new_one_to_the_poll(office, tmp_path):
    """With after_processing = "keyword" the handled letters stay in the inbox, tagged. A letter
    that arrived while the service was down sits below the tagged ones' UIDs: the poll still files it."""
    office.reconfigure(box_extra='after_processing = "keyword"')
    year = dt.datetime.now().year
    file_letters(office, range(1, 3))
    assert mailflow(office, "backup", str(tmp_path / "b")).exit_code == 0
    file_letters(office, range(3, 5))
    lose_the_database(office)
    office.mail.send(gmail_forward(pdf=pdf_letter(number="5/RH/2026"), original_subject="Rapat 5"))
    office.mail.wait_for(MAILBOX, lambda m: "Rapat 5" in text_of(m))

    restored = mailflow(office, "restore", str(tmp_path / "b"))
    assert restored.exit_code == 0, restored.output
    assert "4 pesan diperiksa" in restored.output and "2 dicatat ulang" in restored.output
    assert "\n  surat dicatat: 2\n" in restored.output, restored.output  # the outcome in words, not its code
    told = office.mail.wait_for(CLERK, lambda m: "Pemulihan data" in str(m["Subject"]))
    assert f"004/SM/{year}: Rapat 4\n  Nomor agenda tetap." in text_of(told)

    office.poll()
    with Session(office.app.engine) as session:
        letters = session.exec(select(Letter).order_by(col(Letter.seq))).all()
    assert [(letter.seq, letter.subject) for letter in letters] == [(n, f"Rapat {n}") for n in range(1, 6)]
    assert office.mail.count(MAILBOX) == 5  # nothing moved: keyword mode


def test_when_numbers_change_the_clerk_is_told_and_a_reply_to_an_old_number_is_not_applied(
    office, inbox, tmp_path, monkeypatch
):
    """The restore's reconcile could not reach the mailbox, the service came back and filed a new
    letter first: the letters filed again get new numbers, and the head's reply to one of them
    (whose reply code now names another letter's disposition) is held, its sender told."""
    year = dt.datetime.now().year
    file_letters(office, range(1, 3))
    assert mailflow(office, "backup", str(tmp_path / "b")).exit_code == 0
    file_letters(office, range(3, 5))
    request = inbox.next(KADIS, f"SM 004/{year}")
    assert inbox.answer(clients.gmail_android_id, request, KADIS, "Sekretaris: Pelajari").outcomes == {
        "reply": 1
    }
    lose_the_database(office)
    office.mail.send(gmail_forward(pdf=pdf_letter(number="5/RH/2026"), original_subject="Rapat 5"))

    monkeypatch.setenv("MAILFLOW_TEST_IMAP_PASSWORD", "not-the-password")
    cut_off = mailflow(office, "restore", str(tmp_path / "b"))
    assert cut_off.exit_code == 1 and "masalah: " in cut_off.output, cut_off.output
    monkeypatch.setenv("MAILFLOW_TEST_IMAP_PASSWORD", PASSWORD)
    assert office.poll().outcomes == {"letter": 1}  # Rapat 5 takes number 003

    again = mailflow(office, "reconcile")
    assert again.exit_code == 0, again.output
    assert f"004/SM/{year}: NOMOR BERUBAH, dulu 003/SM/{year}" in again.output
    assert "ditahan di karantina" in again.output
    told = office.mail.wait_for(CLERK, lambda m: "Pemulihan data" in str(m["Subject"]))
    assert "nomor agenda berubah" in str(told["Subject"])
    body = " ".join(text_of(told).split())
    assert f"NOMOR BERUBAH: surat ini dulu bernomor 003/SM/{year}, sekarang 004/SM/{year}." in body
    assert f"NOMOR BERUBAH: surat ini dulu bernomor 004/SM/{year}, sekarang 005/SM/{year}." in body
    held = office.mail.wait_for(KADIS, lambda m: "Belum diproses" in str(m["Subject"]))
    assert "jawablah permintaan yang baru" in " ".join(text_of(held).split())

    with Session(office.app.engine) as session:
        letters = session.exec(select(Letter).order_by(col(Letter.seq))).all()
        holders = set(session.exec(select(Disposition.holder)).all())
    assert [letter.subject for letter in letters] == ["Rapat 1", "Rapat 2", "Rapat 5", "Rapat 3", "Rapat 4"]
    assert SEKRETARIS not in holders  # the reply reached no letter
    [item] = json.loads(mailflow(office, "quarantine", "list", "--json").output)
    refused = mailflow(office, "quarantine", "release", str(item["id"]))
    assert refused.exit_code == 1 and "answer the new request" in refused.output
    assert "0 dicatat ulang" in mailflow(office, "reconcile").output


def rehearse_on(office, tmp_path: Path) -> None:
    """The rehearsal, short, for the server matrix (tests/test_server_matrix.py): the processed
    folder named the server's way, MOVE or COPY + EXPUNGE, OAuth2 sign-in."""
    year = dt.datetime.now().year
    file_letters(office, range(1, 3))
    assert mailflow(office, "backup", str(tmp_path / "b")).exit_code == 0
    file_letters(office, range(3, 5))
    lose_the_database(office)
    restored = mailflow(office, "restore", str(tmp_path / "b"))
    assert restored.exit_code == 0, restored.output
    assert "4 pesan diperiksa di folder olahan dan karantina (2 diunduh utuh), 2 dicatat" in restored.output
    told = office.mail.wait_for(CLERK, lambda m: "Pemulihan data" in str(m["Subject"]))
    assert f"004/SM/{year}: Rapat 4\n  Nomor agenda tetap." in text_of(told)
    assert "(0 diunduh utuh), 0 dicatat ulang" in mailflow(office, "reconcile").output
    with Session(office.app.engine) as session:
        assert [letter.seq for letter in session.exec(select(Letter).order_by(col(Letter.seq)))] == [1, 2, 3, 4]


def test_a_backup_of_an_older_schema_is_upgraded_on_restore(office, tmp_path):
    url = load_settings(office.config_path).database_url
    head = head_revision()
    older = ScriptDirectory(str(MIGRATIONS)).get_revision(head).down_revision
    engine = make_engine(url)
    with _migrating(engine) as connection:  # the test database starts at head: take it back
        command.downgrade(_alembic(connection), older)  # to the database of an earlier Mailflow
    engine.dispose()
    assert mailflow(office, "backup", str(tmp_path / "b")).exit_code == 0
    lose_the_database(office)
    restored = mailflow(office, "restore", str(tmp_path / "b"))
    assert restored.exit_code == 0, restored.output
    assert f"skema basis data dinaikkan: {older} -> {head}" in restored.output
    assert office.poll().error is None  # the service starts on the upgraded database
