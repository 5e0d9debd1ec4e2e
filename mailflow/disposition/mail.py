"""Emails to officials about their disposition: signed so that only they can answer them."""

from __future__ import annotations

import datetime as dt
from email.message import Message
from typing import Any

from sqlmodel import Session, col, select

from mailflow.config import MailboxSettings
from mailflow.context import Context
from mailflow.domain import Said
from mailflow.office.regency import short_name
from mailflow.office.targets import target_of
from mailflow.outbound import outbox
from mailflow.outbound.compose import FileView, build_message, date_id, letter_view, thread_root
from mailflow.scans.files import ScanFile
from mailflow.storage.models import Disposition, Letter, LetterFile, id_of
from mailflow.text.links import LETTER, link_url, make_link
from mailflow.text.message import Attachment, ParsedMessage
from mailflow.text.tokens import plus_address


def today_in(ctx: Context) -> dt.date:
    return dt.datetime.now(ctx.settings.zone).date()


def language_of(ctx: Context, address: str) -> str:
    return ctx.rules.language_of(address, ctx.settings.language)


def official_mail(
    ctx: Context,
    box: MailboxSettings,
    letter: Letter,
    node: Disposition,
    template: str,
    *,
    answering: ParsedMessage | None = None,
    files: tuple[Attachment, ...] = (),
    **context: Any,
) -> Message:
    """An email to the holder of `node`, answerable: its Reply-To carries their signed token."""
    today = today_in(ctx)
    token = ctx.signer.make(id_of(node), node.holder, today + dt.timedelta(days=ctx.settings.token_days))
    targets = [target_of(ctx.rules, p.id, today) for p in ctx.rules.dispose_targets(node.position_id)]
    rendered = ctx.composer.render(
        template,
        language_of(ctx, node.holder),
        office=ctx.rules.office_name,
        letter=letter_view(letter, ctx.settings.zone),
        token=token,
        targets=targets,
        instructions=ctx.rules.instructions,
        holder_title=node.holder_title,
        holder_name=node.holder_name,
        office_hint=_office_hint(ctx, node),
        web_link=web_link(ctx, node.holder, id_of(letter)),
        **context,
    )
    root = thread_root(letter, box.address)
    return build_message(
        rendered,
        sender=box.address,
        sender_name=f"Mailflow {ctx.rules.office_code}",
        to=node.holder,
        reply_to=plus_address(box.address, token),
        in_reply_to=answering.message_id if answering else root,
        references=(root, *(answering.references if answering else ())),
        auto_submitted="auto-replied" if answering else "auto-generated",
        files=[(f.filename, f.content_type, f.payload) for f in files],
    )


def web_link(ctx: Context, address: str, letter_id: int) -> str:
    """The letter's page, signed for `address`, when the office serves the web pages (`[web]`)."""
    web = ctx.settings.web
    if web is None:
        return ""
    token, _ = make_link(web.secret(), LETTER, address, letter_id)
    return link_url(web.public_url, LETTER, token)


def _office_hint(ctx: Context, node: Disposition) -> Said | None:
    """How the office head names another office, with one they may send to as the example."""
    if node.position_id != ctx.rules.head_position:
        return None
    allowed = [n for n in ctx.rules.neighbours if n.allowed]
    return Said.of("office.hint", example=short_name(allowed[0].name)) if allowed else None


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
    if sum(r.size for r in rows) > ctx.settings.attach_max_bytes:
        views = ", ".join(
            f"{r.filename} ({FileView(r.filename, r.content_type, r.size).size_text})" for r in rows
        )
        return (), Said.of("scan.too_large", files=views)
    files = tuple(Attachment(r.filename or "surat", r.content_type, ctx.archive.file(r.sha256)) for r in rows)
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
    """`passed_from`: who passed the letter on from another office, said above all else."""
    files, note = scans_for(ctx, session, letter)
    mail = official_mail(
        ctx,
        box,
        letter,
        node,
        "request",
        files=files,
        attachment_note=note,
        instruction=node.instruction,
        disposer_title=disposer_title,
        deadline_text=date_id(node.deadline),
        passed_from=passed_from,
    )
    outbox.enqueue(session, mail, "request", letter.id, node.id)
