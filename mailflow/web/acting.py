"""Acting from the page: the box's text is a reply, read by `reply explain` and shown before it
is applied; applied, it takes the reply's own path (disposition.replies.apply_reply): the same
log event, the same confirmation email, the same rule that only the holder answers a disposition."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from mailflow.app import App
from mailflow.disposition.explain import ExplainedReply, explain_reply
from mailflow.disposition.replies import apply_reply
from mailflow.outbound.compose import message_id
from mailflow.storage.db import transaction
from mailflow.storage.models import Disposition, Letter, fetch
from mailflow.text.message import ParsedMessage
from mailflow.web.reader import Reader


@dataclass(frozen=True)
class Acted:
    explained: ExplainedReply | None
    applied: bool = False
    lines: list[str] = field(default_factory=list)  # what was recorded, in the reader's words
    problems: list[str] = field(default_factory=list)
    nothing_to_answer: bool = False  # the reader holds no disposition of this letter


def own_node(session: Session, reader: Reader, letter_id: int) -> Disposition | None:
    """The reader's latest disposition of the letter that is not cancelled (as STATUS finds it)."""
    return session.exec(
        select(Disposition)
        .where(
            Disposition.letter_id == letter_id,
            col(Disposition.holder).in_(reader.mine),
            Disposition.state != "cancelled",
        )
        .order_by(col(Disposition.id).desc())
    ).first()


def as_reply(reader: Reader, letter: Letter, mailbox: str, text: str) -> ParsedMessage:
    """The box's text as the reply it stands for, from the signed-in reader."""
    domain = mailbox.rpartition("@")[2] or "mailflow.invalid"
    return ParsedMessage(
        message_id=message_id(domain),
        from_address=reader.address,
        from_name=reader.name,
        to_addresses=(mailbox,),
        subject=f"Re: [{letter.subject_tag}] {letter.subject or ''}",
        date=dt.datetime.now(dt.UTC),
        in_reply_to=(),
        references=(),
        text=text,
        html="",
        attachments=(),
        embedded=(),
        headers=(("X-Mailflow-Web", "1"),),
    )


def act(app: App, reader: Reader, letter_id: int, text: str, apply: bool) -> Acted:
    ctx = app.context(reader.office)
    with Session(app.engine) as session:
        letter = fetch(session, Letter, letter_id)
        node = own_node(session, reader, letter_id)
    if node is None or not text.strip():
        return Acted(None, nothing_to_answer=node is None)
    box = ctx.mailbox_of(letter)
    message = as_reply(reader, letter, box.address, text)
    explained = explain_reply(
        message, ctx.rules, node.position_id, reader.today, letter.urgency, ctx.composer.catalogue,
        reader.language,
    )  # fmt: skip
    if not apply:
        return Acted(explained)
    with transaction(app.engine) as session:
        reply = apply_reply(session, ctx, box, message, node.id or 0)
    if reply is None:  # the same words already applied: nothing twice
        return Acted(explained, applied=False)
    say = ctx.composer.catalogue.say
    return Acted(
        explained,
        applied=True,
        lines=[say(reader.language, s) for s in reply.applied],
        problems=[say(reader.language, p.message) for p in reply.problems],
    )
