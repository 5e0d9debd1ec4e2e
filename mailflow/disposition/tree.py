"""The disposition tree: routing a filed letter to its first holder, and applying replies.

Runs inside the caller's transaction, like filing. Each statement kind of the reply language has
one small handler (`HANDLERS`); every reply is answered with one confirmation, and the disposer
of the branch is told what their subordinate said in one notice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message

from sqlmodel import Session, col, select

from mailflow.config import MailboxSettings
from mailflow.domain import Attachment, ParsedMessage
from mailflow.inbound.threads import thread_root
from mailflow.office.routing import LetterFacts, route
from mailflow.outbound import outbox
from mailflow.outbound.compose import FileView, build_message, date_id
from mailflow.registry.filing import Context, letter_view
from mailflow.storage.models import Disposition, Event, Letter, LetterFile, utcnow
from mailflow.text.quotes import extract_new_text
from mailflow.text.replies import Kind, Problem, Statement, read_reply, reply_context, target_of
from mailflow.text.tokens import plus_address

OPEN = {"pending", "acknowledged", "in_progress"}
FINISHED = {"completed", "archived"}
STATE_TEXT = {
    "pending": "belum dijawab", "acknowledged": "siap (diterima)", "in_progress": "sedang diproses",
    "disposed": "sudah didisposisikan", "completed": "selesai", "archived": "diarsipkan",
    "cancelled": "dibatalkan",
}  # fmt: skip
LETTER_STATUS = {
    "pending": "awaiting",
    "acknowledged": "awaiting",
    "in_progress": "in_progress",
    "disposed": "in_progress",
    "completed": "done",
    "archived": "archived",
}


def today_in(ctx: Context) -> dt.date:
    return dt.datetime.now(ctx.settings.zone).date()


def language_of(ctx: Context, address: str) -> str:
    person = ctx.rules.person_by_address(address)
    return person.language if person else "id"


def official_mail(
    ctx: Context,
    box: MailboxSettings,
    letter: Letter,
    node: Disposition,
    template: str,
    *,
    answering: ParsedMessage | None = None,
    files: tuple[Attachment, ...] = (),
    **context: object,
) -> Message:
    """An email to the holder of `node`, answerable: its Reply-To carries their signed token."""
    today = today_in(ctx)
    token = ctx.signer.make(node.id, node.holder, today + dt.timedelta(days=ctx.settings.token_days))
    targets = [target_of(ctx.rules, p.id, today) for p in ctx.rules.dispose_targets(node.position_id)]
    rendered = ctx.composer.render(
        template,
        language_of(ctx, node.holder),
        office=ctx.rules.office_name,
        letter=letter_view(letter),
        token=token,
        targets=targets,
        instructions=ctx.rules.instructions,
        holder_title=node.holder_title,
        holder_name=node.holder_name,
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


def _scans(ctx: Context, session: Session, letter: Letter) -> tuple[tuple[Attachment, ...], str]:
    rows = session.exec(
        select(LetterFile).where(LetterFile.letter_id == letter.id, col(LetterFile.event_id).is_(None))
    ).all()
    if not rows:
        return (), "Tidak ada berkas pindaian yang tersimpan untuk surat ini."
    if letter.security in ("rahasia", "sangat rahasia"):
        return (), "Surat bersifat rahasia: pindaian tidak dilampirkan; lihat aslinya di bagian umum."
    if sum(r.size for r in rows) > ctx.settings.attach_max_bytes:
        views = ", ".join(
            f"{r.filename} ({FileView(r.filename, r.content_type, r.size).size_text})" for r in rows
        )
        return (), f"Pindaian terlalu besar untuk dilampirkan ({views}); minta salinannya ke bagian umum."
    files = tuple(Attachment(r.filename or "surat", r.content_type, ctx.archive.file(r.sha256)) for r in rows)
    return files, "Pindaian surat terlampir."


def _request(
    session: Session,
    ctx: Context,
    box: MailboxSettings,
    letter: Letter,
    node: Disposition,
    disposer_title: str,
) -> None:
    files, note = _scans(ctx, session, letter)
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
    )
    outbox.enqueue(session, mail, "request", letter.id, node.id)


def route_letter(session: Session, ctx: Context, box: MailboxSettings, letter: Letter) -> Disposition:
    """Send a newly filed letter to its first holder, as the routing rules say."""
    rules = ctx.rules
    unit = (
        rules.unit_for_mailbox(box.address) or rules.units.get(box.unit) or next(iter(rules.units.values()))
    )
    facts = LetterFacts(
        box.name,
        letter.sender or "",
        letter.subject or "",
        letter.classification or "",
        letter.urgency or "",
        letter.security or "",
    )
    chosen = route(rules.routing, facts, unit.head)
    today = today_in(ctx)
    holder = rules.holder(chosen.to, today)
    deadline = (
        rules.calendar.add_workdays(today, chosen.deadline_days)
        if chosen.deadline_days
        else rules.calendar.default_deadline(today, letter.urgency)
    )
    known = rules.instruction(chosen.instruction) if chosen.instruction else None
    event = Event(
        letter_id=letter.id,
        actor="mailflow",
        action="requested",
        targets=[holder.person.email],
        instruction=known.text if known else None,
        deadline=deadline,
        text=f"routing rule {chosen.rule}: {'; '.join(chosen.reasons)}",
    )
    session.add(event)
    session.flush()
    node = Disposition(
        letter_id=letter.id,
        position_id=chosen.to,
        holder=holder.person.email,
        holder_name=holder.person.name,
        holder_title=holder.title,
        disposer="mailflow",
        instruction=known.text if known else "",
        deadline=deadline,
        event_id=event.id,
    )
    session.add(node)
    letter.status = "awaiting"
    session.add(letter)
    session.flush()
    _request(session, ctx, box, letter, node, disposer_title="Mailflow")
    for copy in chosen.copies:
        cc = rules.holder(copy, today)
        fyi = Disposition(
            letter_id=letter.id,
            parent_id=node.id,
            position_id=copy,
            holder=cc.person.email,
            holder_name=cc.person.name,
            holder_title=cc.title,
            disposer="mailflow",
            instruction="Tembusan: untuk diketahui",
            state="archived",
            event_id=event.id,
        )
        session.add(fyi)
        session.flush()
        _request(session, ctx, box, letter, fyi, disposer_title="Mailflow (tembusan)")
    return node


@dataclass
class Reply:
    """One reply being applied: what it says, and what it caused."""

    session: Session
    ctx: Context
    box: MailboxSettings
    letter: Letter
    node: Disposition
    message: ParsedMessage
    files: tuple[Attachment, ...]
    today: dt.date
    applied: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    disposed: bool = False

    def event(self, action: str, statement: Statement, **values: object) -> Event:
        event = Event(
            letter_id=self.letter.id,
            actor=self.message.from_address,
            action=action,
            text=values.pop("text", statement.text),
            message_id=self.message.message_id,
            **values,
        )
        self.session.add(event)
        self.session.flush()
        return event

    def set_state(self, state: str) -> None:
        self.node.state, self.node.updated_at = state, utcnow()
        self.session.add(self.node)


def _closed(reply: Reply, st: Statement) -> bool:
    if reply.node.state in FINISHED | {"cancelled"}:
        word = STATE_TEXT[reply.node.state]
        reply.problems.append(Problem(st.line, "closed", f"disposisi Anda untuk surat ini sudah {word}"))
        return True
    return False


def _dispose(reply: Reply, st: Statement) -> None:
    if _closed(reply, st):
        return
    ctx, node = reply.ctx, reply.node
    deadline = st.deadline or ctx.rules.calendar.default_deadline(reply.today, reply.letter.urgency)
    event = reply.event(
        "disposed",
        st,
        targets=[t.email for t in st.targets],
        instruction=st.instruction,
        deadline=deadline,
        text=st.line,
    )
    for target in st.targets:
        child = Disposition(
            letter_id=reply.letter.id,
            parent_id=node.id,
            position_id=target.position_id,
            holder=target.email,
            holder_name=target.name,
            holder_title=target.title,
            disposer=node.holder,
            instruction=st.instruction,
            deadline=deadline,
            event_id=event.id,
        )
        reply.session.add(child)
        reply.session.flush()
        _request(reply.session, ctx, reply.box, reply.letter, child, disposer_title=node.holder_title)
    reply.set_state("disposed")
    reply.disposed = True
    names = ", ".join(f"{t.title} ({t.name})" for t in st.targets)
    reply.applied.append(
        f"Disposisi kepada {names}: {st.instruction or '(tanpa instruksi)'}, batas {date_id(deadline)}"
    )


def _acknowledge(reply: Reply, st: Statement) -> None:
    reply.event("acknowledged", st, text=st.line)
    if reply.node.state == "pending":
        reply.set_state("acknowledged")
    reply.applied.append("Diterima (siap)")
    reply.notices.append(f"Siap: {st.line}")


def _progress(reply: Reply, st: Statement) -> None:
    if _closed(reply, st):
        return
    reply.event("progress", st)
    if reply.node.state in ("pending", "acknowledged"):
        reply.set_state("in_progress")
    reply.applied.append(f"Sedang diproses{': ' + st.text if st.text else ''}")
    reply.notices.append(f"Sedang diproses{': ' + st.text if st.text else ''}")


def _finish(reply: Reply, st: Statement, state: str, action: str, summary: str) -> None:
    if _closed(reply, st):
        return
    event = reply.event(action, st)
    if state == "completed":
        for f in reply.files:
            digest = reply.ctx.archive.put_file(f.payload)
            reply.session.add(
                LetterFile(
                    letter_id=reply.letter.id,
                    event_id=event.id,
                    filename=f.filename,
                    content_type=f.content_type,
                    size=f.size,
                    sha256=digest,
                )
            )
        if reply.files:
            summary += f" (lampiran: {', '.join(f.filename or 'tanpa nama' for f in reply.files)})"
    reply.set_state(state)
    reply.applied.append(summary)
    reply.notices.append(summary)
    _settle_upwards(reply.session, reply.node)


def _done(reply: Reply, st: Statement) -> None:
    _finish(reply, st, "completed", "completed", f"Selesai{': ' + st.text if st.text else ''}")


def _archive(reply: Reply, st: Statement) -> None:
    _finish(reply, st, "archived", "archived", "Diarsipkan")


def _undo(reply: Reply, st: Statement) -> None:
    session, node = reply.session, reply.node
    children = session.exec(
        select(Disposition)
        .where(Disposition.parent_id == node.id, Disposition.state != "cancelled")
        .order_by(col(Disposition.event_id).desc())
    ).all()
    last = [c for c in children if c.event_id == children[0].event_id] if children else []
    if not last:
        reply.problems.append(
            Problem(st.line, "nothing_to_undo", "tidak ada disposisi Anda yang dapat dibatalkan")
        )
        return
    answered = [c for c in last if c.answered or c.state != "pending"]
    if answered:
        who = ", ".join(c.holder_title for c in answered)
        reply.problems.append(Problem(st.line, "too_late", f"tidak dapat dibatalkan: {who} sudah menjawab"))
        return
    reply.event(
        "cancelled", st, targets=[c.holder for c in last], instruction=last[0].instruction, text=st.line
    )
    for child in last:
        child.state, child.updated_at = "cancelled", utcnow()
        session.add(child)
        mail = official_mail(
            reply.ctx,
            reply.box,
            reply.letter,
            child,
            "cancelled",
            disposer_title=node.holder_title,
            instruction=child.instruction,
        )
        outbox.enqueue(session, mail, "cancelled", reply.letter.id, child.id)
    remaining = [c for c in children if c not in last]
    reply.set_state("disposed" if remaining else "pending")
    reply.applied.append(f"Disposisi dibatalkan: {', '.join(c.holder_title for c in last)}")


def _status(reply: Reply, st: Statement) -> None:
    send_status(reply.session, reply.ctx, reply.box, reply.letter, reply.node, reply.message)
    reply.applied.append("Status surat dikirim dalam email terpisah")


def _note(reply: Reply, st: Statement) -> None:
    reply.event("noted", st)
    reply.applied.append(f"Catatan: {st.text}")
    reply.notices.append(f"Catatan: {st.text}")


HANDLERS: dict[Kind, Callable[[Reply, Statement], None]] = {
    Kind.DISPOSE: _dispose,
    Kind.ACK: _acknowledge,
    Kind.PROGRESS: _progress,
    Kind.DONE: _done,
    Kind.ARCHIVE: _archive,
    Kind.UNDO: _undo,
    Kind.STATUS: _status,
    Kind.NOTE: _note,
}


def _settle_upwards(session: Session, node: Disposition) -> None:
    """A disposed branch is done when all its (uncancelled) targets are; then its parent may be."""
    while node.parent_id is not None:
        parent = session.get(Disposition, node.parent_id)
        if parent.state != "disposed":
            return
        children = session.exec(
            select(Disposition).where(Disposition.parent_id == parent.id, Disposition.state != "cancelled")
        ).all()
        if not all(c.state in FINISHED for c in children):
            return
        parent.state, parent.updated_at = "completed", utcnow()
        session.add(parent)
        session.add(
            Event(
                letter_id=parent.letter_id,
                actor="mailflow",
                action="completed",
                targets=[parent.holder],
                text="semua tujuan disposisi selesai",
            )
        )
        node = parent


def letter_status(session: Session, letter: Letter) -> str:
    root = session.exec(
        select(Disposition).where(Disposition.letter_id == letter.id, col(Disposition.parent_id).is_(None))
    ).first()
    return LETTER_STATUS.get(root.state, letter.status) if root else letter.status


def apply_reply(
    session: Session, ctx: Context, box: MailboxSettings, message: ParsedMessage, node_id: int
) -> Reply:
    """Read a holder's reply and apply each statement; answer it, and tell their disposer."""
    node = session.get(Disposition, node_id)
    letter = session.get(Letter, node.letter_id)
    today = today_in(ctx)
    text = extract_new_text(message.text, message.html, message.from_name)
    reading = read_reply(text, reply_context(ctx.rules, node.position_id, today, message.from_name))
    reply = Reply(
        session, ctx, box, letter, node, message, message.attachments, today, problems=list(reading.problems)
    )
    if node.state == "cancelled":
        reply.problems.append(
            Problem(
                text.splitlines()[0] if text else "",
                "closed",
                "disposisi ini sudah dibatalkan oleh pemberinya",
            )
        )
    else:
        for statement in reading.statements:
            HANDLERS[statement.kind](reply, statement)
    if reading.statements or reading.problems:
        node.answered = True
        session.add(node)
    letter.status = letter_status(session, letter)
    session.add(letter)
    awaiting = node.state == "pending" and bool(ctx.rules.dispose_targets(node.position_id))
    mail = official_mail(
        ctx,
        box,
        letter,
        node,
        "confirmation",
        answering=message,
        applied=reply.applied,
        problems=reply.problems,
        awaiting=awaiting,
        undo_hint=reply.disposed,
    )
    outbox.enqueue(session, mail, "confirmation", letter.id, node.id)
    if reply.notices and node.parent_id is not None:
        parent = session.get(Disposition, node.parent_id)
        notice = official_mail(
            ctx,
            box,
            letter,
            parent,
            "notice",
            actor_title=node.holder_title,
            actor_name=node.holder_name,
            headline=reply.notices[0].split(":")[0],
            lines=reply.notices,
        )
        outbox.enqueue(session, notice, "notice", letter.id, parent.id)
    return reply


@dataclass(frozen=True)
class TreeRow:
    depth: int
    title: str
    name: str
    state: str  # in Indonesian; templates in other languages word `key` themselves
    instruction: str
    deadline: str
    overdue: bool
    key: str
    due: dt.date | None


def tree_rows(session: Session, letter: Letter, today: dt.date) -> list[TreeRow]:
    nodes = session.exec(
        select(Disposition).where(Disposition.letter_id == letter.id).order_by(col(Disposition.id))
    ).all()
    children: dict[int | None, list[Disposition]] = {}
    for n in nodes:
        children.setdefault(n.parent_id, []).append(n)
    rows: list[TreeRow] = []

    def walk(parent: int | None, depth: int) -> None:
        for n in children.get(parent, []):
            overdue = n.state in OPEN and n.deadline is not None and n.deadline < today
            rows.append(
                TreeRow(
                    depth,
                    n.holder_title,
                    n.holder_name,
                    STATE_TEXT.get(n.state, n.state),
                    n.instruction,
                    date_id(n.deadline) if n.deadline else "",
                    overdue,
                    n.state,
                    n.deadline,
                )
            )
            walk(n.id, depth + 1)

    walk(None, 0)
    return rows


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
