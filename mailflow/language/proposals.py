"""A close reading put as a question: "Maksud Bapak/Ibu: **Sekretaris** - pelajari, batas **Jumat
5 Desember**?" (pure). The words are the catalogue's (`proposal.*`), in the reader's language."""

from __future__ import annotations

from mailflow.domain import Said
from mailflow.language.readings import Kind, Proposal, Statement


def propose(statement: Statement, reason: str) -> Proposal:
    return Proposal(statement.line, statement, reason, question(statement))


def question(statement: Statement) -> Said:
    if statement.kind is not Kind.DISPOSE:
        return Said.of("proposal.statement", what=Said.of(f"proposal.kind.{statement.kind.value}"))
    names = [t.title for t in statement.targets]
    instruction = statement.instruction or "-"
    if statement.deadline is None:
        return Said.of("proposal.dispose_open", names=names, instruction=instruction)
    return Said.of("proposal.dispose", names=names, instruction=instruction, deadline=statement.deadline)
