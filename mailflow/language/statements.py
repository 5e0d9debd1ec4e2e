"""The reply language: new text -> statements (pure).

The contract is the shared reply-language page, which offices print for their officials.

Each non-empty line is one statement, read to its best reading and how sure it is: a line read in
full acts (`Reading.statements`); a line close to a statement but not read in full (a target near
a title, alias or name) is proposed for the sender to confirm (`Reading.proposals`); a line whose
target is unknown, ambiguous or not allowed, or whose deadline-like phrase is not read, makes a
Problem with the closest candidates, and nothing of that line is applied; a line near nothing is
a note. An out-of-office text is recognised by its shape (language/absence.py).
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field

from mailflow.domain import Said
from mailflow.language import absence, framing, phrases
from mailflow.language.deadlines import parse_deadline
from mailflow.language.keywords import clean_tail, keyword, with_reason
from mailflow.language.naming import EXCEPT, HONORIFIC, Resolver
from mailflow.language.phrases import squash
from mailflow.language.proposals import propose
from mailflow.language.readings import Kind, Problem, Proposal, Reading, Statement
from mailflow.office.calendar import Calendar
from mailflow.office.model import Instruction, Rules
from mailflow.office.targets import Target, office_target, target_of
from mailflow.text.lines import tidy_lines
from mailflow.text.message import ParsedMessage
from mailflow.text.quotes import extract_new_text

__all__ = ["Kind", "Problem", "Proposal", "Reading", "ReplyContext", "Statement", "Target", "read_reply"]


@dataclass(frozen=True)
class ReplyContext:
    allowed: tuple[Target, ...]  # the numbered list of the email being answered, in order
    everyone: tuple[Target, ...]  # every position of the office, to tell "not allowed" from "unknown"
    instructions: tuple[Instruction, ...]
    today: dt.date
    calendar: Calendar = field(default_factory=Calendar)
    sender_name: str = ""
    offices: tuple[Target, ...] = ()  # heads of the offices the letter may pass to, named, not numbered


_LEAD_WORDS = re.compile(
    r"^((kepada|kpd\.?|ke|yth\.?|untuk|utk|buat|mohon|mhn|tolong|tlg|to|teruskan ke|diteruskan ke|"
    r"disposisi ke|"
    r"dispo ke|dear)\s+)+",
    re.I,
)
# Each starts only where a run of blanks starts and takes the run whole (possessive): a line of
# blanks is scanned once, not once per blank in it.
_SEPARATORS = re.compile(r"(?<!\s)\s*+(->|=>|→|:|(?<=\s)-(?=\s)|(?<=\s)–(?=\s))\s*")
_CODES = re.compile(
    r"^\s*+((?:#?\d{1,2}\s*(?:,|dan|&|\+|\s)\s*)*#?\d{1,2})(?!\s*(?:hari|x|/|-\d))\b\s*[-:,.;]?\s*(.*)$", re.I
)
# Codes with short words between them that are no codes: "2, 4 dn 6", "no 6 sm 9".
_STRAY = r"(?:#?\d{1,2}[^\W\d_]{0,2}|[^\W\d_]{1,3}\.?|nomor|nomer|kode|code|instruksi)"
_STRAY_CODES = re.compile(rf"^{_STRAY}(?:[\s,;&+]+{_STRAY})*$", re.I)
def _is_typed_name(line: str, sender: str) -> bool:
    """The sender's own name as typed under a reply, titles and all: "Drs. Budi Santoso, M.Si."."""
    if not sender:
        return False
    name = squash(phrases.NAME_TITLES.sub("", line.strip()).split(",")[0])
    return bool(name) and name in (sender, sender.split()[0])


@dataclass(frozen=True)
class _Line:
    """One line's best reading: a statement read in full, a proposal, a problem, or nothing."""

    statement: Statement | None = None
    proposal: Proposal | None = None
    problem: Problem | None = None


def _instruction(
    text: str, ctx: ReplyContext, line: str
) -> tuple[str, tuple[int, ...], Problem | None, bool]:
    """The instruction of a dispose line: codes expanded, free text as written; and whether it was
    a code list with a stray word in it ("2, 4 dn 6", "no 6 sm 9"), read only near."""
    text = clean_tail(text)
    m = _CODES.match(text)
    stray = _STRAY_CODES.match(text) if m is None or m[2] else None
    if stray:
        numbers = re.findall(r"\d{1,2}", text)
    elif m:
        numbers = re.findall(r"\d{1,2}", m[1])
    else:
        return text.strip(" ,.;"), (), None, False
    codes = [int(c) for c in numbers]
    texts = []
    for code in codes:
        known = next((i for i in ctx.instructions if i.code == code), None)
        if known is None:
            return (
                "",
                (),
                Problem(
                    line,
                    "unknown_instruction",
                    Said.of("problem.unknown_instruction", code=code),
                    tuple(f"{i.code}. {i.text}" for i in ctx.instructions),
                ),
                False,
            )
        texts.append(known.text)
    free = "" if stray or m is None else m[2].strip(" ,.;")
    return "; ".join(texts) + (f" - {free}" if free else ""), tuple(codes), None, bool(stray)


def _starts_instruction(words: list[str], resolver: Resolver) -> bool:
    """Whether what follows an unseparated target reads as an instruction: a code, a verb in any
    of its forms, or up to two leading words ("agar", "mohon", "sgr") and then a verb."""
    for i, word in enumerate(words[:3]):
        key = squash(word).lstrip("#").strip(".,")
        if key.isdecimal() or key in phrases.VERBS or key in resolver.instruction_words:
            return True
        if key not in phrases.INSTRUCTION_LEADS or i == 2:
            return False
    return False


def _split_line(body: str, resolver: Resolver) -> tuple[str, str, bool] | None:
    """(targets, instructions, near) of a dispose line, or None when it is no dispose line.
    `near`: the targets were found only near a known name (an unseparated shortened title)."""
    sep = _SEPARATORS.search(body)
    if sep and sep.start() > 0:
        left, right = body[: sep.start()], body[sep.end() :]
        if EXCEPT.match(HONORIFIC.sub("", left.strip())):
            return left, right, False
        chunks = resolver.split(left)
        if squash(left) in framing.REMARK:
            return None  # "Penting: ...", "Nb: ..." is a remark, for nobody in particular
        if not chunks or len(chunks) > 8 or any(
            len(c.split()) > 4 and not resolver.knows(c) and len(resolver.named_in(c)) < 2 for c in chunks
        ):
            return None  # "Mohon perhatian untuk rapat besok: ..." is prose, not targets
        named = (
            any(resolver.knows(c) for c in chunks)
            or resolver.near(left)
            or _names_around(left, resolver)
            or len(resolver.named_in(left)) > 1
        )
        if not named and len(left.split()) > 2:
            return None
        return left, right, False
    words = body.split()
    heads = resolver.aliases | resolver.first_names
    sizes = [n for n in range(min(5, len(words) - 1), 0, -1) if _starts_instruction(words[n:], resolver)]
    for size in sizes:
        if squash(" ".join(words[:size])) in heads:
            return " ".join(words[:size]), " ".join(words[size:]), False
    for size in sizes:
        if size >= 2 and len(resolver.near(" ".join(words[:size]))) == 1:
            return " ".join(words[:size]), " ".join(words[size:]), True
    for size in range(min(5, len(words) - 1), 0, -1):  # "Kabid Dikdas hadir rapat": a verb misspelt
        if squash(" ".join(words[:size])) in heads and _near_verb(words[size]):
            return " ".join(words[:size]), " ".join(words[size:]), True
    return None


def _near_verb(word: str) -> bool:
    key = squash(word).strip(".,")
    return len(key) >= 4 and bool(difflib.get_close_matches(key, phrases.VERBS, n=1, cutoff=0.85))


def _dispose(line: str, ctx: ReplyContext, resolver: Resolver) -> _Line | None:
    unled = _LEAD_WORDS.sub("", line.strip()).strip()
    body = HONORIFIC.sub("", unled).strip()
    split = _split_line(body, resolver)
    if split is None:
        return None
    left, right, near = split
    if framing.is_contact(right, resolver.people):
        return None  # "Sekretaris Dinas: Bpk. Agus Wibowo (0812-...)" is a contact, not an order
    targets = _targets(left, line, resolver)
    if isinstance(targets, Problem):
        return _Line(problem=targets)
    found, guessed = targets
    deadline = parse_deadline(right, ctx.today, ctx.calendar)
    if deadline.error:
        return _Line(problem=Problem(line, "bad_deadline", deadline.error))
    instruction, codes, problem, stray = _instruction(deadline.rest, ctx, line)
    if problem:
        return _Line(problem=problem)
    statement = Statement(Kind.DISPOSE, line, tuple(found), instruction, deadline.date, codes=codes)
    if near or guessed or deadline.near or stray:
        reason = "near_target" if near or guessed else "near_deadline" if deadline.near else "stray_word"
        return _Line(proposal=propose(statement, reason))
    return _Line(statement)


def _targets(left: str, line: str, resolver: Resolver) -> tuple[list[Target], bool] | Problem:
    """Every name resolved, in order, once each, and whether any was only near a known one; the
    first name that is neither known nor near exactly one of the sender's targets is the problem."""
    if m := EXCEPT.match(HONORIFIC.sub("", left.strip())):
        excepted = _targets(m[1], line, resolver)
        if isinstance(excepted, Problem):
            return excepted
        rest = [t for t in resolver.ctx.allowed if t not in excepted[0]]
        if not rest:
            return Problem(line, "no_targets", Said.of("problem.no_targets", text=left.strip()))
        return rest, excepted[1]
    chunks = resolver.split(left)
    if not all(resolver.knows(c) for c in chunks) and len(near := resolver.near(left)) == 1:
        # "Kepala Bidang PAUD dan Pendidikan Non Formal", split at its "dan"; but never when a
        # piece names someone else ("Kabid Dikdas, Kabid Paudni"): no target of a list vanishes
        others = [c for c in chunks if not resolver.knows(c)]
        if not any(
            HONORIFIC.match(c.strip()) or set(resolver.near(c)) - set(near) or len(resolver.named_in(c)) > 1
            for c in others
        ):
            return near, True
    targets: list[Target] = []
    guessed = False
    for chunk in chunks:
        several = [] if resolver.knows(chunk) else resolver.named_in(chunk)
        if len(several) > 1:  # "Kabid Dikdas Paud": both proposed, neither dropped
            targets.extend(t for t in several if t not in targets)
            guessed = True
            continue
        named = [] if resolver.knows(chunk) or resolver.near(chunk) else _names_around(chunk, resolver)
        if named:
            targets.extend(t for t in named if t not in targets)
            guessed = True
            continue
        found, problem = resolver.resolve(chunk, line)
        if problem and problem.reason == "unknown_target" and not squash(chunk).isdecimal():
            near = resolver.near(chunk)
            if len(near) > 1 and resolver.names_none_of(chunk, near):
                text = resolver.key(chunk)[0]
                shown = tuple(resolver.show(t) for t in near)
                return Problem(line, "unknown_target", Said.of("problem.unknown_target", text=text), shown)
            if len(near) > 1:
                return resolver.ambiguous(line, resolver.key(chunk)[0], near)
            if near:
                found, problem, guessed = near, None, True
        if problem:
            return problem
        targets.extend(t for t in found if t not in targets)
    return targets, guessed


def _names_around(chunk: str, resolver: Resolver) -> list[Target]:
    """ "Rina sama Dewi": known names joined by a short word the reader does not know."""
    words = chunk.split()
    known = [w for w in words if resolver.knows(w)]
    if len(known) < 2 or any(len(w) > 4 for w in words if w not in known):
        return []
    found: list[Target] = []
    for word in known:
        targets, problem = resolver.resolve(word, chunk)
        if problem:
            return []
        found.extend(t for t in targets if t not in found)
    return found


_FORWARD = re.compile(
    r"^(?:mohon\s+|tolong\s+|tlg\s+|harap\s+)?(?:di)?terus(?:kan|in)?(?:\s+saja)?\s+(?:ke|kepada)\s+(.+)$"
    r"|^(?:please\s+)?forward\s+(?:it\s+|this\s+)?to\s+(.+)$",
    re.I,
)


def _forward(line: str, resolver: Resolver) -> _Line | None:
    """ "Teruskan ke Dinas Pendidikan": passed on without an instruction of its own (a letter
    filed at the wrong office, or handed on as it stands). Only when every name is known."""
    m = _FORWARD.match(line.strip())
    if m is None:
        return None
    chunks = resolver.split(clean_tail(m[1] or m[2]))
    if not chunks or not all(resolver.knows(c) for c in chunks):
        return None
    targets = _targets(clean_tail(m[1] or m[2]), line, resolver)
    if isinstance(targets, Problem):
        return _Line(problem=targets)
    return _Line(Statement(Kind.DISPOSE, line, tuple(targets[0])))


def _read_line(line: str, ctx: ReplyContext, resolver: Resolver) -> _Line | None:
    """The best reading of one line, or None when nothing is near (a note)."""
    if said := keyword(line, resolver.title_words):
        return _Line(said)
    if found := _forward(line, resolver):
        return found
    unacked = phrases.ACK_PREFIX.sub("", line.strip())  # "Ok, Sekretaris tindaklanjuti"
    if unacked != line.strip() and (found := _dispose(unacked, ctx, resolver)) and found.statement:
        return _Line(Statement(Kind.DISPOSE, line, *_fields(found.statement)))
    if found := _dispose(line, ctx, resolver):
        return found
    return _Line(reasoned) if (reasoned := with_reason(line, resolver.title_words)) else None


def _fields(st: Statement) -> tuple:
    return st.targets, st.instruction, st.deadline, st.text, st.codes


# Where a second disposition may start on the same line: "Sekdis: pelajari, dan Kabid Dikdas: hadiri".
_NEXT = re.compile(r"[,;]\s*+(?:(?:dan|and)\s+)?|\s(?:dan|and)\s+", re.I)


def _segments(line: str, resolver: Resolver) -> list[str]:
    """A line cut where a known target and its separator start another disposition."""
    first = _SEPARATORS.search(line)
    if first is None:
        return [line]
    cuts = [0]
    for m in _NEXT.finditer(line, first.end()):
        sep = _SEPARATORS.search(line[m.end() : m.end() + 60])
        head = line[m.end() : m.end() + sep.start()] if sep and sep.start() > 0 else ""
        chunks = resolver.split(head)  # a number there is an instruction code, not a target
        if chunks and len(head.split()) <= 4 and all(resolver.knows(c) and not _number(c) for c in chunks):
            cuts.append(m.start())
    return [line[a:b].strip(" ,;") for a, b in zip(cuts, [*cuts[1:], len(line)], strict=True)]


def _number(chunk: str) -> bool:
    return squash(chunk).lstrip("#").replace("nomor", "").replace("no", "").strip(". ").isdecimal()


def _best(line: str, ctx: ReplyContext, resolver: Resolver) -> _Line | None:
    """The line read without its bullet, as written, and less its courtesies one by one: the
    first reading in full; else the first proposal; else the problem of the barest form."""
    unbulleted = framing.unbullet(line)
    opened = framing.openings(unbulleted)  # "1) Puji Tuhan, - Sekdis: 6": a bullet after the courtesy too
    variants = list(dict.fromkeys((unbulleted, line, *opened, *map(framing.unbullet, opened))))
    found = {v: _read_line(v, ctx, resolver) for v in variants}
    for wanted in ("statement", "proposal"):
        if best := next((f for f in found.values() if f is not None and getattr(f, wanted)), None):
            return _as_written(best, line)
    barest = [found[v] for v in reversed(variants) if v != line] + [found[line]]
    return next((_as_written(f, line) for f in barest if f is not None), None)


def _as_written(found: _Line, line: str) -> _Line:
    if found.statement:
        st = found.statement
        return _Line(Statement(st.kind, line, *_fields(st)))
    if found.proposal:
        st = found.proposal.statement
        return _Line(proposal=propose(Statement(st.kind, line, *_fields(st)), found.proposal.reason))
    problem = found.problem
    assert problem is not None
    return _Line(problem=Problem(line, problem.reason, problem.message, problem.candidates))


# Where one sentence ends and another starts on the same line: "Saya cuti. Sekdis: pelajari". A
# word's last letter before the stop, a letter after it: "s.d. 19 Feb" and "tgl. 12" stay whole.
_SENTENCE_END = re.compile(r"(?<=[^\W\d_][.!?])\s++(?=[^\W\d_])")


def _pieces(segment: str, ctx: ReplyContext, resolver: Resolver) -> list[tuple[str, _Line | None]]:
    """The segment read whole; when that reads as nothing, sentence by sentence, so a statement
    written after another sentence ("Ya, saya cuti. Sekertaris: pelajari") is never a note."""
    found = _best(segment, ctx, resolver)
    sentences = _SENTENCE_END.split(segment) if found is None else []
    if len(sentences) > 1:
        read = [(sentence, _best(sentence, ctx, resolver)) for sentence in sentences if squash(sentence)]
        if any(f is not None for _, f in read):
            return read
    return [(segment, found)]


MAX_LINES = 300  # statements a reply may hold; beyond them it is pasted text, not instructions


def read_reply(text: str, ctx: ReplyContext) -> Reading:
    """Statements, proposals and problems of a reply's new text, line by line.

    An out-of-office text (a phone's responder without auto-reply headers) is read as nothing:
    the colleagues it lists for urgent matters must never become a disposition."""
    resolver = Resolver(ctx)
    statements: list[Statement] = []
    problems: list[Problem] = []
    proposals: list[Proposal] = []
    asked_outside_contacts = False
    sender = squash(phrases.NAME_TITLES.sub("", ctx.sender_name))
    read = 0
    for raw in tidy_lines(text):  # one at a time: reading stops after MAX_LINES
        line = raw.strip().strip("*_").strip()
        if (
            not squash(line)
            or _is_typed_name(line, sender)
            or framing.is_number_line(line)
            or squash(line.strip(" ,.")) in resolver.own_titles
        ):
            continue
        if framing.DISCLAIMER.match(line):
            break  # a disclaimer footer, and all below it, is boilerplate
        read += 1
        if read > MAX_LINES:
            problems.append(Problem(line, "too_long", Said.of("problem.too_long", max=MAX_LINES)))
            break
        if m := framing.NOTE_LABEL.match(framing.unbullet(line)):
            statements.append(Statement(Kind.NOTE, line, text=m[1].strip()))
            continue
        for segment in _segments(line, resolver):
            for piece, found in _pieces(segment, ctx, resolver):
                if found is None:
                    if not phrases.GREETING.match(piece):
                        statements.append(Statement(Kind.NOTE, piece, text=piece))
                elif found.statement:
                    statements.append(found.statement)
                elif found.proposal:
                    proposals.append(found.proposal)
                elif found.problem:
                    problems.append(found.problem)
                    contact = framing.is_contact(piece, resolver.people) or absence.is_referral_line(piece)
                    asked_outside_contacts |= not contact
    acted = bool(proposals) or any(s.kind is not Kind.NOTE for s in statements)
    if absence.is_responder(text, acted, asked_outside_contacts):
        return Reading((), (), automatic=True)
    return Reading(tuple(statements), tuple(problems), proposals=tuple(proposals))


def read_answer(
    message: ParsedMessage, rules: Rules, position_id: str, today: dt.date, holder_name: str
) -> tuple[str, Reading]:
    """A reply email read as the answer of the holder of `position_id`: its new text and what it
    says. Phones often send no display name, so the holder's own name stands in for the sender's."""
    name = message.from_name or holder_name
    text = extract_new_text(message.text, message.html, name)
    return text, read_reply(text, reply_context(rules, position_id, today, name))


def reply_context(rules: Rules, position_id: str, today: dt.date, sender_name: str = "") -> ReplyContext:
    """What a reply from the holder of `position_id` is read against. The office head may also
    pass a letter to the heads of the offices the regency file lets this office send to."""
    allowed = tuple(target_of(rules, p.id, today) for p in rules.dispose_targets(position_id))
    heads = tuple(office_target(n, today) for n in rules.neighbours)
    offices = tuple(t for t, n in zip(heads, rules.neighbours, strict=True) if n.allowed)
    if position_id != rules.head_position:
        offices = ()
    everyone = (*(target_of(rules, p, today) for p in rules.positions), *heads)
    return ReplyContext(allowed, everyone, rules.instructions, today, rules.calendar, sender_name, offices)
