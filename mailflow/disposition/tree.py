"""The shape of a letter's disposition tree: new nodes, completion flowing upwards, the rows a
status shows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, insert, update
from sqlmodel import Session, col, select

from mailflow.disposition.states import FINISHED, LETTER_STATUS, OPEN, State
from mailflow.office.targets import Target
from mailflow.storage.events import log_event
from mailflow.storage.models import Disposition, Event, Letter, LetterStatus, fetch, utcnow

# What a holder's reply logs (disposition/replies.py): their first one ends their wait.
REPLIED = ("acknowledged", "progress", "disposed", "completed", "archived", "noted", "cancelled")


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
    if state in OPEN:  # a finished node changes no open deadline
        keep_open_deadline(session, letter_id)
    return node


# One statement for every node written as a row, its values bound: built and compiled once.
_NODE_INSERT = insert(Disposition).returning(col(Disposition.id))


def node_row(
    session: Session,
    letter_id: int,
    target: Target,
    *,
    disposer: str,
    event_id: int,
    parent_id: int | None = None,
    instruction: str = "",
    deadline: dt.date | None = None,
    state: State = State.PENDING,
) -> int:
    """`new_node` for a writer that needs only the node's id (routing a new letter: its root and
    copies), leaving the letter's open deadline to it: one INSERT on the session's connection, no
    object and no flush. Safe past the ORM: the values are the chart's and the routing rules',
    the letter and entry it points to are stored, and nothing in the session holds the row."""
    now = utcnow()
    values = {
        "letter_id": letter_id,
        "parent_id": parent_id,
        "position_id": target.position_id,
        "holder": target.email,
        "holder_name": target.name,
        "holder_title": target.title,
        "disposer": disposer,
        "instruction": instruction,
        "deadline": deadline,
        "state": state,
        "answered": False,
        "event_id": event_id,
        "created_at": now,
        "updated_at": now,
    }
    ident = session.connection().execute(_NODE_INSERT, values).scalar_one()
    if ident is None:  # a primary key is never NULL; the column's type says Optional for the ORM
        raise LookupError("the database stored a disposition without an id")
    return int(ident)


def set_state(session: Session, node: Disposition, state: State) -> None:
    """Every change of a node's state goes through here, so its letter's open deadline follows."""
    node.state, node.updated_at = state, utcnow()
    session.add(node)
    session.flush()
    keep_open_deadline(session, node.letter_id)


def keep_open_deadline(session: Session, letter_id: int) -> None:
    """The letter's `open_deadline`: the earliest deadline of its open nodes (None without one),
    so the book's "overdue" reads one indexed column. Recomputed in the database, after the
    changed node is flushed (so on the session's connection, past the ORM's autoflush), in the
    transaction that changed it."""
    earliest = (
        select(func.min(Disposition.deadline))
        .where(Disposition.letter_id == letter_id, col(Disposition.state).in_(OPEN))
        .scalar_subquery()
    )
    session.connection().execute(
        update(Letter).where(col(Letter.id) == letter_id).values(open_deadline=earliest)
    )
    if (letter := session.identity_map.get(session.identity_key(Letter, letter_id))) is not None:
        session.expire(letter, ["open_deadline"])


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
        set_state(session, parent, State.COMPLETED)
        log_event(
            session,
            letter_id=parent.letter_id,
            action="completed",
            targets=[parent.holder],
            text="",  # the log shows the action in the reader's language
        )
        node = parent


def letter_status(session: Session, letter: Letter) -> LetterStatus:
    root = root_node(session, letter.id)
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
    book: str = ""  # another office's book the branch goes on in: "DISDIK 004/SM/2026"
    received_at: dt.datetime | None = None  # when the disposition reached its holder
    answered_at: dt.datetime | None = None  # their first answer (None: none yet, still waiting)


def first_answer(node: Disposition, replies: list[Event]) -> dt.datetime | None:
    """When the holder first answered `node`: their first reply logged after it reached them
    (`replies` in time order); one from another of their addresses is not told apart, so a node
    whose state moved on without one answered at its last change."""
    for event in replies:
        if event.at >= node.created_at and event.actor == node.holder:
            return event.at
    return node.updated_at if node.state != State.PENDING else None


def tree_rows(session: Session, letter: Letter, today: dt.date) -> list[TreeRow]:
    """The tree as a status shows it, with when each node reached its holder and was first
    answered. A branch passed to another office goes on with that office's tree, read from its
    book: the sender sees the receiver's progress as it happens. Three queries per book the tree
    runs through, not per node."""
    rows: list[TreeRow] = []

    def book(letter_id: int | None, under: int | None, depth: int) -> None:
        """The branch below node `under` (None: the whole tree) of one book's letter."""
        nodes = session.exec(
            select(Disposition).where(Disposition.letter_id == letter_id).order_by(col(Disposition.id))
        ).all()
        passed = {
            p.origin_node_id: p for p in session.exec(select(Letter).where(Letter.origin_id == letter_id))
        }
        replies = list(
            session.exec(
                select(Event)
                .where(Event.letter_id == letter_id, col(Event.action).in_(REPLIED))
                .order_by(col(Event.at), col(Event.id))
            )
        )
        children: dict[int | None, list[Disposition]] = {}
        for n in nodes:
            children.setdefault(n.parent_id, []).append(n)

        def walk(parent: int | None, depth: int) -> None:
            for n in children.get(parent, []):
                there = passed.get(n.id)
                root = root_node(session, there.id) if there is not None else None
                shown = root or n  # a node for another office shows that office's progress
                overdue = shown.state in OPEN and shown.deadline is not None and shown.deadline < today
                where = f"{there.office} {there.agenda_number}" if there is not None else ""
                rows.append(
                    TreeRow(
                        depth,
                        n.holder_title,
                        n.holder_name,
                        n.instruction,
                        overdue,
                        shown.state,
                        n.deadline,
                        where,
                        n.created_at,
                        first_answer(n, replies) if root is None else first_answer(root, []),
                    )
                )
                if root is not None:
                    book(root.letter_id, root.id, depth + 1)
                walk(n.id, depth + 1)

        walk(under, depth)

    book(letter.id, None, 0)
    return rows


def root_node(session: Session, letter_id: int | None) -> Disposition | None:
    """The first holder of a letter (its routing's choice, or the head an office passed it to)."""
    return session.exec(
        select(Disposition)
        .where(Disposition.letter_id == letter_id, col(Disposition.parent_id).is_(None))
        .order_by(col(Disposition.id))
    ).first()
