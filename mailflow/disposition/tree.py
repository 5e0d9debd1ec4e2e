"""The shape of a letter's disposition tree: new nodes, completion flowing upwards, the rows a
status shows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, col, select

from mailflow.disposition.states import FINISHED, LETTER_STATUS, OPEN, State
from mailflow.registry.log import log_event
from mailflow.storage.models import Disposition, Letter, fetch, utcnow
from mailflow.text.replies import Target


def new_node(
    session: Session,
    letter_id: int,
    target: Target,
    *,
    disposer: str,
    event_id: int | None,
    parent_id: int | None = None,
    instruction: str = "",
    deadline: dt.date | None = None,
    state: State = State.PENDING,
) -> Disposition:
    """A disposition for whoever holds `target`'s position today, stored (its id is known)."""
    node = Disposition(
        letter_id=letter_id,
        parent_id=parent_id,
        position_id=target.position_id,
        holder=target.email,
        holder_name=target.name,
        holder_title=target.title,
        disposer=disposer,
        instruction=instruction,
        deadline=deadline,
        state=state,
        event_id=event_id,
    )
    session.add(node)
    session.flush()
    return node


def settle_upwards(session: Session, node: Disposition) -> None:
    """A disposed branch is done when all its (uncancelled) targets are; then its parent may be."""
    while node.parent_id is not None:
        parent = fetch(session, Disposition, node.parent_id)
        if parent.state != State.DISPOSED:
            return
        children = session.exec(
            select(Disposition).where(
                Disposition.parent_id == parent.id, Disposition.state != State.CANCELLED
            )
        ).all()
        if not all(c.state in FINISHED for c in children):
            return
        parent.state, parent.updated_at = State.COMPLETED, utcnow()
        session.add(parent)
        log_event(
            session,
            letter_id=parent.letter_id,
            action="completed",
            targets=[parent.holder],
            text="",  # the log shows the action in the reader's language
        )
        node = parent


def letter_status(session: Session, letter: Letter) -> str:
    root = session.exec(
        select(Disposition).where(Disposition.letter_id == letter.id, col(Disposition.parent_id).is_(None))
    ).first()
    return LETTER_STATUS.get(root.state, letter.status) if root else letter.status


@dataclass(frozen=True)
class TreeRow:
    depth: int
    title: str
    name: str
    instruction: str
    overdue: bool
    key: str  # the State; templates word it in the reader's language (catalogue "state.KEY")
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
                    n.instruction,
                    overdue,
                    n.state,
                    n.deadline,
                )
            )
            walk(n.id, depth + 1)

    walk(None, 0)
    return rows
