"""Scans read after the filing commit: claim jobs, read them on a process pool, let the fields in.

A job is claimed with a lease (as the outbox is); a worker killed mid-OCR leaves its claim to
lapse and the next claim repeats the job. Completion locks the job row and does nothing for a
job already done, so a repeated job never writes twice. When the fields are in, the receipt and
the head's request go out; a letter whose scans take longer than `fields_wait` gets them with what
is known, and the clerk a short "fields completed" note in the same thread later.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, as_completed
from concurrent.futures.process import BrokenProcessPool

from sqlmodel import Session, col, or_, select

from mailflow.app import App
from mailflow.context import Context
from mailflow.disposition.first_holder import route_letter
from mailflow.errors import MessageError
from mailflow.outbound import outbox
from mailflow.outbound.compose import FIELD_ORDER, letter_view
from mailflow.registry.filing import send_receipt
from mailflow.registry.scans import apply_scan
from mailflow.scans.files import StoredScan, scan_files
from mailflow.scans.work import ScanResult, read_stored
from mailflow.storage.db import transaction
from mailflow.storage.models import Letter, LetterFile, ScanJob, ScanStatus, fetch, utcnow
from mailflow.text.message import Attachment
from mailflow.text.parsing import header_part, parse_message
from mailflow.text.pdf import read_pdfs

log = logging.getLogger(__name__)

MAX_TRIES = 3  # a job whose worker died this often is given up: the letter goes on without OCR


def readers(app: App) -> int:
    """How many processes read scans: `ocr_workers`, or one per core."""
    return app.settings.ocr_workers or os.cpu_count() or 1


def pending(app: App) -> bool:
    with Session(app.engine) as session:
        waiting = select(ScanJob.id).where(ScanJob.status == ScanStatus.PENDING)
        return session.exec(waiting).first() is not None


def run_scan_jobs(app: App, pool: Executor, stop: threading.Event | None = None) -> int:
    """Claim what is due, read it on `pool`, let the fields in; returns how many letters were
    released (scans read, or waited on longer than `fields_wait`)."""
    jobs = _claim(app, limit=2 * readers(app))
    finished = 0
    futures: dict[Future[ScanResult], int] = {}
    done: set[int] = set()
    try:
        for job_id, files in jobs:  # by path: the readers' queue never carries a scan's bytes
            futures[pool.submit(read_stored, files, app.settings.ocr_languages)] = job_id
        for future in as_completed(futures):
            if stop is not None and stop.is_set():
                break
            job_id = futures[future]
            try:
                result, error = future.result(), None
            except BrokenProcessPool:  # a RuntimeError too, but the reader's death, not the scan's
                raise
            # Whatever a job raised is that job's own (issue 20: a broken PNG's SyntaxError escaped
            # the pool and stopped `poll` before the outbox went): it fails, the letter goes on
            # with what is known, and every other job completes. The future is the boundary.
            except Exception as exc:  # noqa: BLE001
                result, error = None, f"{type(exc).__name__}: {exc}"
                log.warning("event=scan_failed job=%s error=%s", job_id, error)
            finished += _complete(app, job_id, result, error)
            done.add(job_id)
    finally:
        # Stopping, or a reader killed (BrokenProcessPool, raised on), or the pool shut down under
        # a submit: the jobs not finished are let go at once, so a restart reads them now instead
        # of after their lease.
        for future in futures:
            future.cancel()
        _unclaim(app, [job_id for job_id, _ in jobs if job_id not in done])
    return finished + send_overdue(app)


def _unclaim(app: App, job_ids: list[int]) -> None:
    if not job_ids:
        return
    with transaction(app.engine) as session:
        for job in session.exec(select(ScanJob).where(col(ScanJob.id).in_(job_ids))).all():
            if job.status == ScanStatus.PENDING and job.claimed_by == app.worker:
                job.claimed_by, job.claimed_until = None, None
                session.add(job)


def _claim(app: App, limit: int) -> list[tuple[int, list[StoredScan]]]:
    now = utcnow()
    with transaction(app.engine) as session:
        jobs = session.exec(
            select(ScanJob)
            .where(
                ScanJob.status == ScanStatus.PENDING,
                or_(col(ScanJob.claimed_until).is_(None), col(ScanJob.claimed_until) < now),
            )
            .order_by(col(ScanJob.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        claimed = []
        for job in jobs:
            if job.attempts >= MAX_TRIES:
                job.status, job.error = ScanStatus.FAILED, f"its reader died {job.attempts} times"
                letter = fetch(session, Letter, job.letter_id)
                _fields_in(session, app.context(letter.office), letter, [])
            else:
                job.attempts += 1
                job.claimed_by = app.worker
                job.claimed_until = now + dt.timedelta(seconds=app.settings.ocr_lease)
                claimed.append((job.id, job.letter_id))
            session.add(job)
    return [(job_id, _files(app, letter_id)) for job_id, letter_id in claimed if job_id is not None]


def _files(app: App, letter_id: int) -> list[StoredScan]:
    """The letter's scans by their path under storage/ (content-addressed: the path follows from
    the bytes): the reader opens them, their bytes never go through the pool's pipe."""
    with Session(app.engine) as session:
        rows = session.exec(
            select(LetterFile).where(
                LetterFile.letter_id == letter_id,
                col(LetterFile.event_id).is_(None),
                col(LetterFile.merged).is_(False),
            )
        ).all()
    archive = app.archive
    files = [
        Attachment.at(r.filename, r.content_type, archive.file_path(r.sha256), r.size, r.sha256) for r in rows
    ]
    scans = scan_files(files, read_pdfs(files).layers)
    return [StoredScan(s.filename, s.content_type, s.path) for s in scans]


def _complete(app: App, job_id: int, result: ScanResult | None, error: str | None) -> int:
    with transaction(app.engine) as session:
        job = session.get(ScanJob, job_id, with_for_update=True)
        if job is None or job.status != ScanStatus.PENDING:
            return 0  # finished by a worker whose lease we took over
        # Locked, and read after the lock: `send_overdue` may be sending this letter's receipt and
        # request at this moment; once it commits, `fields_early` says so and no second request goes.
        letter = session.get(Letter, job.letter_id, with_for_update=True)
        if letter is None:
            raise LookupError(f"Letter {job.letter_id} does not exist")
        ctx = app.context(letter.office)
        filled = apply_scan(session, ctx, letter, result) if result is not None else []
        job.status = ScanStatus.DONE if error is None else ScanStatus.FAILED
        job.done_at, job.error = utcnow(), error
        session.add(job)
        _fields_in(session, ctx, letter, filled)
    filled_text = ",".join(filled) or "-"
    log.info("event=scanned job=%s agenda=%s filled=%s", job_id, letter.agenda_number, filled_text)
    return 1


def _fields_in(session: Session, ctx: Context, letter: Letter, filled: list[str]) -> None:
    """The fields are as complete as they get: the receipt and request, or the completion note."""
    letter.fields_pending = False
    session.add(letter)
    box = ctx.mailbox_of(letter)
    if not letter.fields_early:
        send_receipt(session, ctx, box, letter, _filing_message(ctx, letter))
        route_letter(session, ctx, box, letter)
    elif filled:
        mail = ctx.mailer(box).reply(
            letter.clerk,
            "fields_completed",
            answering=_filing_message(ctx, letter),
            letter=letter_view(letter, ctx.settings.zone),
            names=FIELD_ORDER,
        )
        outbox.enqueue(session, mail, "fields_completed", letter.id)


def _filing_message(ctx: Context, letter: Letter):
    """The header of the message that filed `letter`, for the receipt's place in its thread."""
    try:
        return parse_message(header_part(ctx.archive.raw_head(letter.raw_sha256)))
    except (MessageError, OSError):
        return None


def send_overdue(app: App, now: Callable[[], dt.datetime] = utcnow) -> int:
    """Letters whose scans took longer than `fields_wait`: the receipt and request go now."""
    cutoff = now() - dt.timedelta(seconds=app.settings.fields_wait)
    base = app.context()
    with transaction(app.engine) as session:
        late = session.exec(
            select(Letter).where(
                col(Letter.fields_pending).is_(True),
                col(Letter.fields_early).is_(False),
                Letter.received_at <= cutoff,
            )
            # A letter whose scan job is completing (`_complete` holds it) is left to that job.
            .with_for_update(skip_locked=True)
        ).all()
        for letter in late:
            letter.fields_early = True
            ctx = base.for_office(letter.office)
            box = ctx.mailbox_of(letter)
            send_receipt(session, ctx, box, letter, _filing_message(ctx, letter))
            route_letter(session, ctx, box, letter)
            session.add(letter)
    return len(late)
