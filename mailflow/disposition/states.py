"""The states of one disposition (a node of the tree) and of the letter it belongs to.

A node starts `pending`; its holder acknowledges it, reports progress, passes it on (`disposed`,
one child per target), finishes it (`completed`) or closes it (`archived`); its disposer may take
it back while unanswered (`cancelled`). A disposed node completes when all its live children have.
"""

from __future__ import annotations

from mailflow.storage.models import DispositionState as State
from mailflow.storage.models import LetterStatus

OPEN = frozenset({State.PENDING, State.ACKNOWLEDGED, State.IN_PROGRESS})
FINISHED = frozenset({State.COMPLETED, State.ARCHIVED})

# How a state reads: templates/<lang>/messages.toml, section [state] (one label table per language).

# The letter's status follows the state of the root of its tree.
LETTER_STATUS: dict[State, LetterStatus] = {
    State.PENDING: LetterStatus.AWAITING,
    State.ACKNOWLEDGED: LetterStatus.AWAITING,
    State.IN_PROGRESS: LetterStatus.IN_PROGRESS,
    State.DISPOSED: LetterStatus.IN_PROGRESS,
    State.COMPLETED: LetterStatus.DONE,
    State.ARCHIVED: LetterStatus.ARCHIVED,
}
