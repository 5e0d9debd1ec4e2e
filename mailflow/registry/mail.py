"""Emails of the registry to clerks and senders (receipts, corrections, held mail): plain replies
in the sender's thread, unsigned, since nobody disposes by answering them."""

from __future__ import annotations

from email.message import Message

from mailflow.config import MailboxSettings
from mailflow.context import Context
from mailflow.domain import Said
from mailflow.outbound.compose import build_message
from mailflow.text.message import ParsedMessage


def registry_mail(
    ctx: Context,
    box: MailboxSettings,
    to: str,
    template: str,
    *,
    reply_to: ParsedMessage | None,
    attach: tuple[bytes, ...] = (),
    **context,
) -> Message:
    language = ctx.rules.language_of(to, ctx.settings.language)
    words = {k: ctx.composer.say(language, v) if isinstance(v, Said) else v for k, v in context.items()}
    rendered = ctx.composer.render(template, language, office=ctx.rules.office_name, **words)
    return build_message(
        rendered,
        sender=box.address,
        sender_name=f"Mailflow {ctx.rules.office_code}",
        to=to,
        reply_to=box.address,
        in_reply_to=reply_to.message_id if reply_to else None,
        references=reply_to.references if reply_to else (),
        attach_messages=attach,
    )
