"""Where a letter is, told to an official who asks (`Status`, or `STATUS 001/SM/2026`)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from mailflow.config import MailboxSettings
from mailflow.context import Context
from mailflow.disposition.mail import official_mail, today_in
from mailflow.disposition.tree import letter_status, tree_rows
from mailflow.domain import ParsedMessage
from mailflow.outbound import outbox
from mailflow.outbound.compose import build_message
from mailflow.storage.models import Disposition, Letter


def send_status(
    session: Session,
    ctx: Context,
    box: MailboxSettings,
    letter: Letter,
    node: Disposition,
    answering: ParsedMessage,
) -> None:
    key = letter_status(session, letter)
    status = {
        "awaiting": "menunggu disposisi",
        "in_progress": "dalam proses",
        "done": "selesai",
        "archived": "diarsipkan",
    }.get(key, letter.status)
    mail = official_mail(
        ctx,
        box,
        letter,
        node,
        "status",
        answering=answering,
        status=status,
        status_key=key,
        tree=tree_rows(session, letter, today_in(ctx)),
    )
    outbox.enqueue(session, mail, "status", letter.id, node.id)


def request_status(
    session: Session, ctx: Context, box: MailboxSettings, message: ParsedMessage, agenda: str
) -> int | None:
    """Answer "STATUS 001/SM/2026" from an official; an unknown number is answered too."""
    from mailflow.registry.queries import find_letter

    letter = find_letter(session, agenda)
    nodes = (
        session.exec(
            select(Disposition).where(Disposition.letter_id == letter.id).order_by(col(Disposition.id))
        ).all()
        if letter
        else []
    )
    node = next((n for n in nodes if n.holder == message.from_address), nodes[0] if nodes else None)
    if letter is None or node is None:
        rendered = ctx.composer.render(
            "held",
            "id",
            office=ctx.rules.office_name,
            subject=message.subject,
            mailbox=box.address,
            reason_text=f"surat {agenda} tidak ditemukan",
            hint="Tulis nomor agenda lengkap, misalnya STATUS 001/SM/2026.",
        )
        outbox.enqueue(
            session,
            build_message(
                rendered,
                sender=box.address,
                sender_name="Mailflow",
                to=message.from_address,
                in_reply_to=message.message_id,
            ),
            "status",
        )
        return None
    if node.holder != message.from_address:  # an official without a part in this letter
        node = Disposition(**{**node.model_dump(), "holder": message.from_address})
    send_status(session, ctx, box, letter, node, message)
    return letter.id
