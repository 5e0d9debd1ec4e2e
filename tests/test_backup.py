"""Backup pieces without a mail server: the agenda journal, the manifest's checks, SQLite dumps,
and which replies reconcile holds back."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from mailflow.ops.backup import MANIFEST, BackupError, verify
from mailflow.ops.reconcile import Refiled, renumbered_tag
from mailflow.storage import dumps, journal
from mailflow.storage.db import make_engine, upgrade


def test_the_journal_gives_the_last_number_of_each_message_and_skips_a_cut_line(tmp_path: Path) -> None:
    journal.note(tmp_path, journal.Entry("aa", "disdik", "001/SM/2026", "SM 001/2026"))
    journal.note(tmp_path, journal.Entry("bb", "disdik", "002/SM/2026", "SM 002/2026"))
    journal.note(tmp_path, journal.Entry("aa", "disdik", "003/SM/2026", "SM 003/2026"))
    path = tmp_path / journal.JOURNAL
    with path.open("a") as fh:
        fh.write('{"sha256": "cc", "off')  # a crash mid-line
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    found = journal.numbers(tmp_path)
    assert {sha: e.agenda_number for sha, e in found.items()} == {"aa": "003/SM/2026", "bb": "002/SM/2026"}


def test_restoring_the_journal_keeps_the_live_lines_and_adds_the_saved_ones(tmp_path: Path) -> None:
    live, saved = tmp_path / "live", tmp_path / "saved"
    journal.note(saved, journal.Entry("aa", "disdik", "001/SM/2026", "SM 001/2026"))
    journal.note(live, journal.Entry("aa", "disdik", "001/SM/2026", "SM 001/2026"))
    journal.note(live, journal.Entry("bb", "disdik", "002/SM/2026", "SM 002/2026"))
    journal.note(saved, journal.Entry("zz", "disdik", "009/SM/2025", "SM 009/2025"))
    journal.merge(live / journal.JOURNAL, saved / journal.JOURNAL)
    assert set(journal.numbers(live)) == {"aa", "bb", "zz"}
    assert len((live / journal.JOURNAL).read_text().splitlines()) == 3


def test_a_sqlite_dump_is_one_file_checked_by_sqlite(tmp_path: Path) -> None:
    source = tmp_path / "live.db"
    with sqlite3.connect(source) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE letter (id INTEGER PRIMARY KEY, subject TEXT)")
        db.executemany("INSERT INTO letter (subject) VALUES (?)", [(f"s{n}",) for n in range(500)])
    db.close()
    out = tmp_path / "copy.sqlite3"
    dumps.dump(f"sqlite:///{source}", out)
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    dumps.check("sqlite", out)
    assert not Path(f"{out}-wal").exists()
    data = bytearray(out.read_bytes())
    data[0:16] = b"not a database!!"
    out.write_bytes(bytes(data))
    with pytest.raises(dumps.DumpError, match="SQLite cannot read it"):
        dumps.check("sqlite", out)


def test_a_manifest_naming_a_path_outside_the_backup_is_refused(tmp_path: Path) -> None:
    manifest = {
        "format": 1,
        "created_at": "2026-12-01T00:00:00+00:00",
        "mailflow": "0.1.0",
        "database": "sqlite",
        "schema": None,
        "files": [{"path": "../../etc/passwd", "sha256": "0" * 64, "size": 1}],
    }
    (tmp_path / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(BackupError, match="outside the backup folder"):
        verify(tmp_path)
    (tmp_path / MANIFEST).write_text("{not json")
    with pytest.raises(BackupError, match=r"manifest\.json cannot be read"):
        verify(tmp_path)
    with pytest.raises(BackupError, match="not a Mailflow backup"):
        verify(tmp_path / "elsewhere")


def _reply(subject: str) -> bytes:
    return f"From: kadis@x.example\r\nTo: surat@x.example\r\nSubject: {subject}\r\n\r\nSiap\r\n".encode()


def test_a_reply_carrying_the_old_tag_of_a_renumbered_letter_is_held_back() -> None:
    # An office whose agenda template puts the year first: the subject tag is what replies carry.
    was = journal.Entry("cc", "disdik", "2026/SM/13", "SM 013/2026")
    moved = Refiled("surat", "2026/SM/12", was, "Rapat", "agenda@x.example", "disdik", 12)
    same = journal.Entry("dd", "disdik", "2026/SM/11", "SM 011/2026")
    kept = Refiled("surat", "2026/SM/11", same, "Rapat", "agenda@x.example", "disdik", 11)
    assert renumbered_tag(_reply("Re: Mohon disposisi [SM 013/2026] Rapat"), [kept, moved]) == "2026/SM/13"
    assert renumbered_tag(_reply("Re: Mohon disposisi [SM 011/2026] Rapat"), [kept, moved]) is None
    assert renumbered_tag(_reply("Re: Mohon disposisi [SM 13/2026] Rapat"), [kept, moved]) == "2026/SM/13"
    assert renumbered_tag(_reply("Re: Mohon disposisi [SM 013/2026] Rapat"), [kept]) is None


def test_a_backup_of_a_newer_schema_is_refused_before_anything_is_touched(tmp_path: Path) -> None:
    from mailflow.config import load_settings
    from mailflow.ops.backup import restore
    from mailflow.storage.archive import sha256_hex

    live = tmp_path / "live.db"
    live.write_bytes(b"")  # stands for the live database: it must stay as it is
    (tmp_path / "config.toml").write_text(f'database_url = "sqlite:///{live}"\nrules_dir = "{tmp_path}"\n')
    backup = tmp_path / "backup"
    backup.mkdir()
    dump = backup / "database.sqlite3"
    with sqlite3.connect(dump) as db:
        db.execute("CREATE TABLE alembic_version (version_num TEXT)")
    db.close()
    stored = {"path": dump.name, "sha256": sha256_hex(dump.read_bytes()), "size": dump.stat().st_size}
    manifest = {"format": 1, "created_at": "2027-01-01T00:00:00+00:00", "mailflow": "9.0",
                "database": "sqlite", "schema": "f00dfeed", "files": [stored]}  # fmt: skip
    (backup / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(BackupError, match="made by a newer Mailflow"):
        restore(load_settings(tmp_path / "config.toml"), backup, force=True)
    assert live.read_bytes() == b""


def test_an_empty_schema_is_no_data_a_restore_would_replace(tmp_path: Path) -> None:
    """After the database is lost, `mailflow letters` creates an empty one; restore then needs no --force."""
    url = f"sqlite:///{tmp_path}/mailflow.db"
    assert not dumps.has_data(url)  # no file
    engine = make_engine(url)
    upgrade(engine)
    assert not dumps.has_data(url)  # tables, no rows
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO agendacounter (office, year, seq) VALUES ('disdik', 2026, 1)"))
    engine.dispose()
    assert dumps.has_data(url)
