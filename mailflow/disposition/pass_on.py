"""Letters between the offices of a regency.

A head disposes to another office (`Dinas Kesehatan: untuk ditindaklanjuti`, `Teruskan ke Dinas
Pendidikan`): the letter is registered in that office's agenda book under its own number,
linked to the original and to the disposition that sent it (`origin_id`, `origin_node_id`), and
that office's head gets the request. The sending office keeps a node for the other office in its
tree, in state `disposed` (the branch goes on in the other book, so the sender's reminders leave
it alone); when the other office finishes, the node finishes and the sender is told.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from mailflow.config import MailboxSettings
from mailflow.context import Context
from mailflow.disposition.request import send_request, today_in
from mailflow.disposition.states import FINISHED, State
from mailflow.disposition.status import CONFIDENTIAL
from mailflow.disposition.tree import letter_status, new_node, root_node, set_state, settle_upwards
from mailflow.domain import Said
from mailflow.office.regency import short_name
from mailflow.office.targets import Target, target_of
from mailflow.outbound import outbox
from mailflow.registry.agenda import book_entry
from mailflow.storage.events import log_event
from mailflow.storage.models import Disposition, Letter, LetterFile, LetterStatus, fetch, id_of, utcnow
from mailflow.storage.spans import week_of

# What the receiving office's book takes over from the sending office's: the letter as filed.
COPIED = {
    "sender", "letter_number", "letter_date", "subject", "attachment_count", "urgency", "security",
    "classification", "note", "message_id", "raw_sha256", "sources", "ocr_text", "confidence",
}  # fmt: skip
# What stays home with a confidential letter's scan: everything read or derived from the scan and
# the raw message that carries it (the OCR and PDF text, the OCR confidences, the raw hash that
# names the archived message). The other book gets the letter's fields, as its agenda entry.
FROM_THE_SCAN = frozenset({"ocr_text", "confidence", "raw_sha256"})


def pass_on(session: Session, ctx: Context, letter: Letter, node: Disposition, target: Target) -> Letter:
    """Register `letter` in `target.office`'s book and send its head the request; `node` is the
    sending office's disposition to that office (already stored, its instruction and deadline
    are the ones the head receives)."""
    there = ctx.for_office(target.office)
    rules = there.rules
    now = utcnow()
    entry = book_entry(
        session, target.office, ctx.settings.agenda_template, now.astimezone(ctx.settings.zone)
    )
    box = there.mailbox_for(target.office) or ctx.mailbox_of(letter)
    confidential = letter.security in CONFIDENTIAL
    received = Letter(
        **letter.model_dump(include=COPIED - FROM_THE_SCAN if confidential else COPIED),
        **entry,
        received_at=now,
        received_week=week_of(now, ctx.settings.zone),
        status=LetterStatus.AWAITING,
        mailbox=box.name,
        clerk=rules.clerks[0].email if rules.clerks else letter.clerk,
        fingerprint=f"{letter.office}:{node.id}:{letter.fingerprint}",  # passed twice: two entries
        origin_id=letter.id,
        origin_node_id=node.id,
    )
    if confidential:
        received.raw_sha256 = ""  # required by the table; names no archived message here
    session.add(received)
    session.flush()
    if not confidential:  # a confidential scan stays in the sending office
        own = select(LetterFile).where(LetterFile.letter_id == letter.id, col(LetterFile.event_id).is_(None))
        for f in session.exec(own).all():
            session.add(
                LetterFile(
                    letter_id=id_of(received),
                    filename=f.filename,
                    content_type=f.content_type,
                    size=f.size,
                    sha256=f.sha256,
                    merged=f.merged,
                )
            )
    event = log_event(
        session,
        letter_id=received.id,
        actor=node.disposer,
        action="received_from",
        targets=[node.holder],
        instruction=node.instruction or None,
        deadline=node.deadline,
        facts={"office": ctx.rules.office_code, "agenda": letter.agenda_number},
    )
    head = target_of(rules, rules.head_position, today_in(there))
    root = new_node(
        session,
        id_of(received),
        head,
        disposer=node.disposer,
        instruction=node.instruction,
        deadline=node.deadline,
        event_id=event.id,
    )
    disposer = ctx.composer.say(
        ctx.rules.language_of(head.email, ctx.settings.language),
        Said.of("office.from", title=_title(session, node), office=short_name(ctx.rules.office_name)),
    )
    send_request(session, there, box, received, root, disposer_title=disposer, passed_from=disposer)
    log_event(
        session,
        letter_id=letter.id,
        actor=node.disposer,
        action="passed_on",
        targets=[node.holder],
        facts={"office": target.office, "agenda": received.agenda_number},
    )
    return received


def _title(session: Session, node: Disposition) -> str:
    parent = session.get(Disposition, node.parent_id) if node.parent_id else None
    return parent.holder_title if parent else node.disposer


def report_back(session: Session, ctx: Context, letter: Letter) -> None:
    """`letter` came from another office: mirror its state on the sending office's node, and when
    it is finished, finish that node (and what it completes upwards) and tell its disposer."""
    if letter.origin_node_id is None or letter.origin_id is None:
        return
    node = fetch(session, Disposition, letter.origin_node_id)
    root = root_node(session, letter.id)
    if root is None or root.state not in FINISHED or node.state in FINISHED | {State.CANCELLED}:
        return
    origin = fetch(session, Letter, letter.origin_id)
    home = ctx.for_office(origin.office)
    set_state(session, node, State(root.state))
    log_event(
        session,
        letter_id=origin.id,
        actor=node.holder,
        action="completed" if root.state == State.COMPLETED else "archived",
        targets=[node.holder],
        facts={"office": letter.office, "agenda": letter.agenda_number},
    )
    settle_upwards(session, node)
    origin.status = letter_status(session, origin)
    session.add(origin)
    if node.parent_id is not None:
        _tell(session, home, home.mailbox_of(origin), origin, node, letter)
    report_back(session, home, origin)  # the origin may itself have come from a third office


def _tell(
    session: Session, ctx: Context, box: MailboxSettings, origin: Letter, node: Disposition, letter: Letter
) -> None:
    parent = fetch(session, Disposition, node.parent_id)
    headline = Said.of(
        "office.done_headline", office=short_name(ctx.regency.office(letter.office).office_name)
    )
    notice = ctx.mailer(box).to_official(
        origin,
        parent,
        "notice",
        actor_title=node.holder_title,
        actor_name=node.holder_name,
        headline=headline,
        lines=[Said.of("office.done", office=letter.office, agenda=letter.agenda_number)],
    )
    outbox.enqueue(session, notice, "notice", origin.id, parent.id)
