"""Who sees what: exactly the scope of STATUS (disposition.status.may_see), for one letter and,
in SQL, for a list of them. Another office's letter is never in scope."""

from __future__ import annotations

import itertools

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    String,
    and_,
    false,
    literal,
    not_,
    or_,
    true,
    union,
    union_all,
)
from sqlmodel import Session, col, select

from mailflow.disposition.status import CONFIDENTIAL, may_see
from mailflow.office.model import Rules
from mailflow.storage.models import Disposition, Letter, LetterStatus
from mailflow.web.reader import Reader


def below(rules: Rules, held: frozenset[str]) -> set[str]:
    """The positions that report, however far down, to one of `held`."""
    found: set[str] = set()
    for pid, position in rules.positions.items():
        above = position.reports_to
        while above is not None:
            if above in held:
                found.add(pid)
                break
            parent = rules.positions.get(above)
            above = parent.reports_to if parent else None
    return found


def _own(reader: Reader) -> ColumnElement[bool]:
    """The reader's part in the letter's tree: a node they hold or gave, or one of a position they
    hold; or they are the clerk who filed it. What lets one see a confidential letter."""
    node = col(Disposition.letter_id) == col(Letter.id)
    # OFFSET 0: PostgreSQL otherwise turns the EXISTS into a hash of every node of every tree
    # matching the reader (a whole scan of the dispositions, 20-30 ms on a year's data) where a
    # look-up of the letter's own few nodes per letter asked is what the pages need.
    in_tree = (
        select(col(Disposition.id))
        .where(
            node,
            or_(
                col(Disposition.holder).in_(reader.mine),
                col(Disposition.disposer).in_(reader.mine),
                col(Disposition.position_id).in_(reader.held) if reader.held else false(),
            ),
        )
        .offset(0)
        .exists()
        .correlate(Letter)  # its own nodes, in a query over the dispositions too (the dashboard's)
    )
    return or_(col(Letter.clerk) == reader.address, in_tree)


def _not_confidential() -> ColumnElement[bool]:
    return or_(col(Letter.security).is_(None), col(Letter.security).not_in(CONFIDENTIAL))


def visible(reader: Reader) -> ColumnElement[bool]:
    """`may_see` as a WHERE clause on Letter: the reader's part in its tree (any node they hold or
    gave, or one of a position they hold), the clerk who filed it; then, unless confidential,
    a node below a position they hold, or any letter for a clerk of the office."""
    node = col(Disposition.letter_id) == col(Letter.id)
    under = below(reader.rules, reader.held)
    # The letter's own nodes (correlated to it alone: the dashboard's overdue by official is a query
    # over the dispositions too), looked up per letter asked (OFFSET 0, as in `_own`): PostgreSQL
    # otherwise hashes every node below the reader's positions, a head's whole office (70-130 ms).
    supervised = (
        select(col(Disposition.id))
        .where(node, col(Disposition.position_id).in_(under))
        .offset(0)
        .exists()
        .correlate(Letter)
        if under
        else false()
    )
    # The letter's own columns first: both databases try an OR's terms in order and stop at the
    # first true one, so a clerk's book never searches the trees for a letter it may see anyway
    # (PostgreSQL otherwise hashes every node of the office's trees first: 40-60 ms a page).
    return and_(
        col(Letter.office) == reader.office,
        or_(
            and_(_not_confidential(), or_(true() if reader.clerk else false(), supervised)),
            _own(reader),
        ),
    )


def visible_with_node(reader: Reader) -> ColumnElement[bool]:
    """`visible` in a query over the letters joined with their dispositions: the joined node's
    own position decides first (a position the reader holds: their part in the tree; one below
    it: a letter they oversee, unless confidential), so the tree is searched only for a row
    it does not decide (the dashboard's overdue by official: a head's ~3,000 late nodes)."""
    under = below(reader.rules, reader.held)
    return or_(
        col(Disposition.position_id).in_(reader.held) if reader.held else false(),
        and_(_not_confidential(), col(Disposition.position_id).in_(under)) if under else false(),
        visible(reader),
    )


def hidden_confidential(reader: Reader) -> ColumnElement[bool]:
    """The office's confidential letters `may_see` does not show the reader (they are not in its
    tree and did not file it): the dashboard does not count them. Found from the (office,
    security) index, confidential letters being few."""
    return and_(
        col(Letter.office) == reader.office, col(Letter.security).in_(CONFIDENTIAL), not_(_own(reader))
    )


def overseen(session: Session, reader: Reader) -> list[str]:
    """The positions the reader oversees (held, or below one held), in the database's own order
    of text (its collation, which Python's sort need not share): `unseen_open`'s ranges lie
    between them."""
    positions = sorted(below(reader.rules, reader.held) | set(reader.held))
    if len(positions) < 2:
        return positions
    values = union_all(*(select(literal(p, String).label("p")) for p in positions)).subquery()
    return [str(p) for p in session.execute(select(values.c.p).order_by(values.c.p)).scalars()]


def unseen_open(reader: Reader, positions: list[str]) -> ColumnElement[bool]:
    """The office's other letters (not confidential) the reader cannot open from the book: the
    dashboard does not count them either. A clerk opens them all. Anyone else opens a letter
    through its tree, so one they cannot open is among the letters with no tree yet (status
    `registered`: a letter gets its first node and leaves that status together, in
    disposition/first_holder.py and pass_on.py), from the (office, status) index, and those
    with a node at a position the reader does not oversee (for a head, only a position not on
    the chart, or no longer), from ranges of the (position, letter) index between the ones
    they do (`positions`: `overseen`, in the database's order); each of those few is then
    checked by `visible`. Not a search of every letter's tree (30-50 ms on a year's letters)."""
    if reader.clerk:
        return false()
    position = col(Disposition.position_id)
    between = [position < positions[0], position > positions[-1]] if positions else [true()]
    between += [and_(position > low, position < high) for low, high in itertools.pairwise(positions)]
    untreed = col(Letter.status) == LetterStatus.REGISTERED
    candidates: CompoundSelect = union(
        select(col(Letter.id)).where(col(Letter.office) == reader.office, untreed),
        select(col(Disposition.letter_id)).where(or_(*between)),
    )
    return and_(col(Letter.id).in_(candidates), col(Letter.office) == reader.office, _not_confidential(),
                not_(visible(reader)))  # fmt: skip


def letter_for(session: Session, reader: Reader, letter_id: int) -> Letter | None:
    """The letter if `reader` may see it (checked by `may_see` itself), else None: a letter of
    another office, outside their scope, or that does not exist look the same."""
    letter = session.get(Letter, letter_id)
    if letter is None or letter.office != reader.office:
        return None
    nodes = session.exec(
        select(Disposition).where(Disposition.letter_id == letter.id).order_by(col(Disposition.id))
    ).all()
    return letter if may_see(reader.rules, letter, nodes, reader.address, reader.today) else None

