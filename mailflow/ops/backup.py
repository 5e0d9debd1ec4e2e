"""`mailflow backup` and `mailflow restore`: the database and storage/ in one new folder.

A backup is a folder, readable by its owner alone (folders 0700, files 0600):
    manifest.json        what is in it: format, time, Mailflow version, schema revision, database
                         kind, and every file's size and SHA-256
    database.sqlite3     SQLite's online backup API, or
    database.pgdump      pg_dump --format=custom
    storage/...          the raw messages, files, the token key and the agenda journal
A folder, not an archive file: every file is checked on its own, an rsync to another machine
copies only new content-addressed files, and `tar` makes one file of it when wanted.

The database is copied first, then storage/: every raw message the copied database names was
archived before its commit, so it is in the copy. After writing, every file is read back and
compared with the manifest, and the dump is read by its own database (SQLite's integrity check,
`pg_restore --list`); `restore` does the same before it touches anything.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath

from mailflow import __version__
from mailflow.config import Settings
from mailflow.errors import MailflowError
from mailflow.storage import dumps, journal
from mailflow.storage.archive import private_dirs
from mailflow.storage.db import current_revision, head_revision, known_revision, make_engine, upgrade

MANIFEST = "manifest.json"
FORMAT = 1
CHUNK = 1 << 20


class BackupError(MailflowError):
    """A backup that cannot be written, or one that is damaged (nothing is restored from it)."""


@dataclass(frozen=True)
class Stored:
    path: str  # relative to the backup folder, "/"-separated
    sha256: str
    size: int


@dataclass(frozen=True)
class Manifest:
    format: int
    created_at: str  # ISO 8601 UTC
    mailflow: str
    database: str  # "sqlite" or "postgresql"
    schema: str | None
    files: tuple[Stored, ...]

    @property
    def size(self) -> int:
        return sum(f.size for f in self.files)


@dataclass(frozen=True)
class BackupReport:
    folder: Path
    manifest: Manifest
    seconds: float


@dataclass(frozen=True)
class RestoreReport:
    manifest: Manifest
    storage_files: int  # copied into storage/ (those present with the same content are left)
    schema_before: str | None
    schema_after: str | None
    seconds: float


def backup(settings: Settings, dest: Path) -> BackupReport:
    """Write a backup of the database and storage/ into `dest` (new or empty), then verify it."""
    started = time.monotonic()
    url = settings.database_url
    kind = dumps.kind_of(url)
    dest = dest.absolute()
    storage = settings.storage_dir.absolute()
    if dest == storage or storage in dest.parents:
        raise BackupError(f"{dest} is inside storage_dir ({storage}); choose a folder outside it")
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BackupError(f"{dest} exists and is not an empty folder; a backup goes into a new folder")
    private_dirs(dest)
    dest.chmod(0o700)
    dump_file = dest / dumps.dump_name(kind)
    dumps.dump(url, dump_file)
    _sync(dump_file)
    engine = make_engine(url)
    try:
        schema = current_revision(engine)
    finally:
        engine.dispose()
    files = [Stored(dump_file.name, _hash(dump_file), dump_file.stat().st_size)]
    skip = _database_files(settings) | {dest}
    for source in _storage_files(storage, skip):
        relative = PurePosixPath("storage", *source.relative_to(storage).parts)
        files.append(_copy(source, dest / relative, str(relative)))
    manifest = Manifest(FORMAT, dt.datetime.now(dt.UTC).isoformat(), __version__, kind, schema, tuple(files))
    _write_manifest(dest, manifest)
    verify(dest)
    return BackupReport(dest, manifest, time.monotonic() - started)


def verify(folder: Path) -> Manifest:
    """Read the whole backup back: every file against its SHA-256, then the dump by its database."""
    manifest = read_manifest(folder)
    damaged = []
    for item in manifest.files:
        path = folder / _safe(item.path)
        if not path.is_file():
            damaged.append(f"{item.path} is missing")
        elif path.stat().st_size != item.size or _hash(path) != item.sha256:
            damaged.append(f"{item.path} does not match its SHA-256 in the manifest")
    if damaged:
        raise BackupError(
            f"the backup {folder} is damaged ({len(damaged)} of {len(manifest.files)} files): "
            + "; ".join(damaged[:5])
            + "; nothing was restored from it"
        )
    try:
        dumps.check(manifest.database, folder / dumps.dump_name(manifest.database))
    except dumps.DumpError as exc:
        raise BackupError(f"the backup {folder} is damaged: {exc}; nothing was restored from it") from exc
    return manifest


def read_manifest(folder: Path) -> Manifest:
    path = folder / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = tuple(Stored(**f) for f in data.pop("files"))
        manifest = Manifest(**data, files=files)
    except FileNotFoundError as exc:
        raise BackupError(f"{folder} is not a Mailflow backup: it has no {MANIFEST}") from exc
    except (ValueError, TypeError, KeyError) as exc:
        raise BackupError(f"the backup {folder} is damaged: {MANIFEST} cannot be read ({exc})") from exc
    if manifest.format != FORMAT:
        raise BackupError(f"{folder}: backup format {manifest.format}, this Mailflow reads {FORMAT}")
    return manifest


def restore(settings: Settings, source: Path, force: bool) -> RestoreReport:
    """Put a verified backup in place: the database replaced, storage/ completed, the schema
    brought to this Mailflow's. Reconciling with the mail server is the caller's next step."""
    started = time.monotonic()
    manifest = verify(source)
    url = settings.database_url
    kind = dumps.kind_of(url)
    if manifest.database != kind:
        raise BackupError(f"{source} holds a {manifest.database} database; this config uses {kind}")
    if manifest.schema is not None and not known_revision(manifest.schema):
        raise BackupError(
            f"{source} was made by a newer Mailflow (schema {manifest.schema}, made by Mailflow "
            f"{manifest.mailflow}); install that version or newer to restore it"
        )
    if dumps.has_data(url) and not force:
        raise BackupError(
            "the configured database holds data, which a restore replaces: stop the service "
            "(`systemctl stop mailflow`), then run restore again with --force"
        )
    dumps.load(url, source / dumps.dump_name(kind))
    copied = _restore_storage(source, manifest, settings.storage_dir)
    engine = make_engine(url)
    try:
        before = current_revision(engine)
        if before != head_revision():
            upgrade(engine, zone=settings.timezone)  # what `mailflow db upgrade` does
        after = current_revision(engine)
    finally:
        engine.dispose()
    return RestoreReport(manifest, copied, before, after, time.monotonic() - started)


def _restore_storage(source: Path, manifest: Manifest, storage: Path) -> int:
    """Copy in what storage/ lacks or holds differently; the agenda journal is merged."""
    copied = 0
    for item in manifest.files:
        parts = _safe(item.path).parts
        if parts[0] != "storage":
            continue
        relative = Path(*parts[1:])
        target = storage / relative
        if relative == journal.JOURNAL:
            journal.merge(target, source / item.path)
            continue
        if target.is_file() and target.stat().st_size == item.size and _hash(target) == item.sha256:
            continue
        fresh = target.with_name(f".{target.name}.restoring")
        private_dirs(target.parent)
        fresh.unlink(missing_ok=True)
        _copy(source / item.path, fresh, item.path)
        os.replace(fresh, target)
        copied += 1
    return copied


def _safe(relative: str) -> PurePosixPath:
    """A manifest path that stays inside the backup (and, for storage/, inside storage_dir)."""
    path = PurePosixPath(relative)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise BackupError(f"the manifest names {relative!r}, outside the backup folder")
    return path


def _database_files(settings: Settings) -> set[Path]:
    """A SQLite database kept inside storage_dir is in the backup as its dump, not as a file."""
    if dumps.kind_of(settings.database_url) != "sqlite":
        return set()
    path = dumps.sqlite_path(settings.database_url).absolute()
    return {path, *(path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal"))}


def _storage_files(storage: Path, skip: set[Path]) -> list[Path]:
    """Every regular file under storage/, in a stable order; half-written temp files left out."""
    found = []
    for folder, dirs, names in os.walk(storage):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if here / d not in skip)
        for name in sorted(names):
            path = here / name
            if path in skip or path.is_symlink() or (name.startswith(".") and name.endswith(".tmp")):
                continue
            found.append(path)
    return found


def _copy(source: Path, target: Path, name: str) -> Stored:
    """Copy one file (0600, synced), hashing it on the way."""
    private_dirs(target.parent)
    digest = hashlib.sha256()
    size = 0
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with source.open("rb") as src, os.fdopen(fd, "wb") as dst:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            dst.write(chunk)
        dst.flush()
        os.fsync(dst.fileno())
        _forget(dst.fileno())
    return Stored(name, digest.hexdigest(), size)


def _sync(path: Path) -> None:
    """A file another program wrote (pg_dump), on the disk and out of the cache."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        _forget(fd)
    finally:
        os.close(fd)


def _forget(fd: int) -> None:
    """Drop the written pages from the cache, so the check after writing reads the disk."""
    if hasattr(os, "posix_fadvise"):
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)


def _hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _write_manifest(dest: Path, manifest: Manifest) -> None:
    path = dest / MANIFEST
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(asdict(manifest), out, indent=1)
        out.flush()
        os.fsync(out.fileno())
    dir_fd = os.open(dest, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
