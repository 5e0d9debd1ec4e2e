"""What the emails to officials about a letter carry: its scans, and the disposition request."""

from __future__ import annotations

import datetime as dt
from email.message import Message

from sqlmodel import Session, col, select

from mailflow.config import MailboxSettings
from mailflow.context import Context
from mailflow.domain import Said
from mailflow.outbound import outbox
from mailflow.outbound.compose import FileView, date_id
from mailflow.outbound.recipe import Recipe
from mailflow.scans.files import ScanFile
from mailflow.storage.models import Disposition, Letter, LetterFile, OutboxMessage, fetch, id_of
from mailflow.text.message import Attachment


def today_in(ctx: Context) -> dt.date:
    return dt.datetime.now(ctx.settings.zone).date()


def scans_for(ctx: Context, session: Session, letter: Letter) -> tuple[tuple[Attachment, ...], Said]:
    rows = session.exec(
        select(LetterFile).where(LetterFile.letter_id == letter.id, col(LetterFile.event_id).is_(None))
    ).all()
    if any(r.merged for r in rows):  # the photos as one PDF: send that, not five JPEGs
        rows = [r for r in rows if r.merged or not ScanFile(r.filename, r.content_type, b"").is_photo]
    if not rows:
        return (), Said.of("scan.none")
    if letter.security in ("rahasia", "sangat rahasia"):
        return (), Said.of("scan.confidential")
    if sum(r.size for r in rows) > ctx.attach_limit:
        views = ", ".join(
            f"{r.filename} ({FileView(r.filename, r.content_type, r.size).size_text})" for r in rows
        )
        return (), Said.of("scan.too_large", files=views)
    archive = ctx.archive
    files = tuple(
        Attachment.at(r.filename or "surat", r.content_type, archive.file_path(r.sha256), r.size, r.sha256)
        for r in rows
    )
    return files, Said.of("scan.attached")


def send_request(
    session: Session,
    ctx: Context,
    box: MailboxSettings,
    letter: Letter,
    node: Disposition,
    disposer_title: str,
    passed_from: str = "",
) -> None:
    """The request to the holder of `node`, queued as its recipe: request_mail composes it after
    the commit. `passed_from`: who passed the letter on from another office, said above all else."""
    queue_request(session, ctx, box, id_of(letter), node.holder, id_of(node), disposer_title, passed_from)


def queue_request(
    session: Session,
    ctx: Context,
    box: MailboxSettings,
    letter_id: int,
    holder: str,
    node_id: int,
    disposer_title: str,
    passed_from: str = "",
) -> None:
    """`send_request` for a node known by its id and holder (routing writes its nodes as rows)."""
    recipe = Recipe.written(
        ctx.rules.office_code,
        box.address,
        today_in(ctx),
        disposer_title=disposer_title,
        passed_from=passed_from,
    )
    outbox.enqueue_recipe(session, recipe, "request", holder, letter_id, node_id)


def request_mail(session: Session, ctx: Context, row: OutboxMessage) -> Message:
    """The request `row` holds the recipe of, with the letter's scans attached as they are now."""
    recipe = Recipe.from_json(row.recipe or {})
    letter = fetch(session, Letter, row.letter_id)
    node = fetch(session, Disposition, row.disposition_id)
    files, note = scans_for(ctx, session, letter)
    return ctx.mailer(recipe.sender).to_official(
        letter,
        node,
        "request",
        files=files,
        today=recipe.day,
        stamp=recipe.stamp(row.message_id),
        attachment_note=note,
        instruction=node.instruction,
        disposer_title=recipe.disposer_title,
        deadline_text=date_id(node.deadline),
        passed_from=recipe.passed_from,
    )
