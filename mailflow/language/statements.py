"""The reply language: new text -> statements (pure).

The contract is the README's reply-language table, which offices print for their officials.

Each non-empty line is one statement. Forgiving in form (case, punctuation, emoji, stretched
letters, polite words), strict in meaning: a target that is unknown, ambiguous or not allowed
makes a Problem with the closest candidates, and nothing of that line is applied.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from enum import StrEnum

from mailflow.domain import Said
from mailflow.language import phrases
from mailflow.language.deadlines import parse_deadline
from mailflow.language.phrases import squash
from mailflow.office.calendar import Calendar
from mailflow.office.model import Instruction, Rules
from mailflow.office.targets import Target, office_target, target_of
from mailflow.text.lines import tidy
from mailflow.text.message import ParsedMessage
from mailflow.text.quotes import extract_new_text


class Kind(StrEnum):
    DISPOSE = "dispose"
    ACK = "acknowledge"
    PROGRESS = "progress"
    DONE = "done"
    ARCHIVE = "archive"
    UNDO = "undo"
    STATUS = "status"
    HELP = "help"
    NOTE = "note"


@dataclass(frozen=True)
class Statement:
    kind: Kind
    line: str
    targets: tuple[Target, ...] = ()
    instruction: str = ""
    deadline: dt.date | None = None
    text: str = ""
    codes: tuple[int, ...] = ()  # the numbered instructions the line named


@dataclass(frozen=True)
class Problem:
    """A line that was not applied, and why; asked back to the sender in their language."""

    line: str
    reason: str  # unknown_target | ambiguous_target | not_allowed | bad_deadline | unknown_instruction
    #              | too_long (and, when applied: closed | nothing_to_undo | too_late)
    message: Said
    candidates: tuple[str, ...] = ()


@dataclass(frozen=True)
class Proposal:
    """A line close to a statement but not fully read: the reading it most likely means.

    Never applied as it stands: the sender is asked to confirm it ("Balas YA"), and only their
    confirmation applies `statement`, through the same path as a direct one.
    """

    line: str
    statement: Statement
    reason: str  # what was not fully read: near_target | near_deadline | stray_word | ...
    message: Said  # the question put to the sender, naming the reading


@dataclass(frozen=True)
class ReplyContext:
    allowed: tuple[Target, ...]  # the numbered list of the email being answered, in order
    everyone: tuple[Target, ...]  # every position of the office, to tell "not allowed" from "unknown"
    instructions: tuple[Instruction, ...]
    today: dt.date
    calendar: Calendar = field(default_factory=Calendar)
    sender_name: str = ""
    offices: tuple[Target, ...] = ()  # heads of the offices the letter may pass to, named, not numbered


@dataclass(frozen=True)
class Reading:
    statements: tuple[Statement, ...]
    problems: tuple[Problem, ...]
    automatic: bool = False  # an out-of-office text: read as nothing, answered with nothing
    proposals: tuple[Proposal, ...] = ()  # close readings, to be confirmed before they act

    def of(self, kind: Kind) -> list[Statement]:
        return [s for s in self.statements if s.kind is kind]


def _words(line: str) -> list[str]:
    """The words of a line as read: squashed, abbreviations spelt out, polite words dropped."""
    words = [w.strip(".'/-") for w in squash(line).split()]
    spelt = " ".join(phrases.ABBREVIATIONS.get(w, w) for w in words if w).split()
    return [w for w in spelt if w not in phrases.POLITE]


def _core(words: list[str]) -> str:
    """The words without trailing fillers ("arsip saja ya" -> "arsip")."""
    while words and words[-1] in phrases.FILLERS:
        words = words[:-1]
    return " ".join(words)


def clean_tail(text: str) -> str:
    """Text without trailing polite words, particles and emoji: "dipelajari ya pak 🙏" -> "dipelajari"."""
    return str(phrases.FILLER_TAIL.sub("", text)).strip(" ,.;")


_LEAD_WORDS = re.compile(
    r"^((kepada|ke|yth\.?|untuk|mohon|mhn|tolong|tlg|to|teruskan ke|diteruskan ke|disposisi ke|"
    r"dispo ke|dear)\s+)+",
    re.I,
)
# Each starts only where a run of blanks starts and takes the run whole (possessive): a line of
# blanks is scanned once, not once per blank in it.
_SEPARATORS = re.compile(r"(?<!\s)\s*+(->|=>|→|:|(?<=\s)-(?=\s)|(?<=\s)–(?=\s))\s*")
_TARGET_SPLIT = re.compile(r"(?<!\s)\s*+(?:,|;|&|\+|/|\bdan\b|\band\b)\s*", re.I)
_HONORIFIC = re.compile(
    r"^((pak|bu|bapak|ibu|bpk\.?|bp\.?|sdr\.?|sdri\.?|saudara|mr\.?|mrs\.?|ms\.?)\s+)+", re.I
)
_NUMBER_WORD = re.compile(r"^(no\.?|nomor|nmr\.?|nomer|number|#)\s*(?=\d)", re.I)
_CODES = re.compile(
    r"^\s*+((?:#?\d{1,2}\s*(?:,|dan|&|\+|\s)\s*)*#?\d{1,2})(?!\s*(?:hari|x|/|-\d))\b\s*[-:,.;]?\s*(.*)$", re.I
)
_ALL = {squash(w) for w in ("semua", "semuanya", "all", "everyone", "seluruhnya")}


def _is_ack(words: list[str], titles: set[str]) -> bool:
    """Only acknowledgement words, perhaps ending with the addressee's title: "Siap Pak Sekdis".
    A title followed by more words is a target: "Ok, Sekretaris tindaklanjuti" disposes."""
    if not words or words[0] not in phrases.ACK_START:
        return False
    acks = next((i for i, w in enumerate(words) if w not in phrases.ACK_WORDS), len(words))
    return all(w in titles for w in words[acks:])


def _is_status(words: list[str]) -> bool:
    return (
        bool(words)
        and all(w in phrases.STATUS_WORDS for w in words)
        and any(w in phrases.STATUS_MARKS for w in words)
    )


def _is_typed_name(line: str, sender: str) -> bool:
    """The sender's own name as typed under a reply, titles and all: "Drs. Budi Santoso, M.Si."."""
    if not sender:
        return False
    name = squash(phrases.NAME_TITLES.sub("", line.strip()).split(",")[0])
    return bool(name) and name in (sender, sender.split()[0])


class _Resolver:
    """Targets by number, alias, title abbreviation, name, first name or address; never a guess.

    Candidates offered in an ask-back are always targets the sender may dispose to, never the
    sender, never someone outside their list."""

    def __init__(self, ctx: ReplyContext) -> None:
        self.ctx = ctx
        self.allowed_ids = {t.position_id for t in (*ctx.allowed, *ctx.offices)}
        self.names: dict[str, list[Target]] = {}
        for target in ctx.everyone:
            keys = {
                target.position_id,
                target.title,
                target.name,
                target.email,
                *target.aliases,
                *target.addresses,
                target.position_id.replace("_", " "),
            }
            for key in keys:
                self.names.setdefault(squash(key), []).append(target)
        firsts: dict[str, list[Target]] = {}
        for target in ctx.everyone:
            if target.name and not target.office:  # another office's head by full name only
                firsts.setdefault(squash(target.name.split()[0]), []).append(target)
        # Before first names: what a line may start with, unseparated, to name its target.
        self.aliases = set(self.names) | set(phrases.TITLE_ABBREVIATIONS)
        for key, found in firsts.items():
            self.names.setdefault(key, []).extend(t for t in found if t not in self.names.get(key, []))
        self.instruction_words = {squash(i.text).split()[0] for i in ctx.instructions if i.text.strip()}
        self.title_words = {w for key in self.aliases for w in key.split()} | set(phrases.TITLE_ABBREVIATIONS)

    @staticmethod
    def _key(chunk: str) -> tuple[str, str]:
        text = _HONORIFIC.sub("", chunk.strip().strip(".")).strip()
        text = _NUMBER_WORD.sub("", text)
        return text, squash(text).lstrip("#")

    def resolve(self, chunk: str, line: str) -> tuple[list[Target], Problem | None]:
        text, key = self._key(chunk)
        if key in _ALL:
            return list(self.ctx.allowed), None
        if key.isdecimal():
            n = int(key)
            if 1 <= n <= len(self.ctx.allowed):
                return [self.ctx.allowed[n - 1]], None
            return [], Problem(
                line,
                "unknown_target",
                Said.of("problem.number_out_of_range", n=n, last=len(self.ctx.allowed)),
                self._listed(),
            )
        if key in phrases.TITLE_ABBREVIATIONS:
            titled = self._titled(phrases.TITLE_ABBREVIATIONS[key])
            if len(titled) == 1:
                return titled, None
            if len(titled) > 1:
                return [], Problem(
                    line, "ambiguous_target", Said.of("problem.ambiguous_target", text=text),
                    tuple(self._show(t) for t in titled),
                )  # fmt: skip
        found = list(dict.fromkeys(self.names.get(key, [])))
        if len({t.position_id for t in found}) > 1:
            mine = [t for t in found if t.position_id in self.allowed_ids]
            return [], Problem(
                line,
                "ambiguous_target",
                Said.of("problem.ambiguous_target", text=text),
                tuple(self._show(t) for t in mine) or self._listed(),
            )
        if not found:
            close = difflib.get_close_matches(key, list(self.names), n=3, cutoff=0.6)
            mine = [t for c in close for t in self.names[c] if t.position_id in self.allowed_ids]
            candidates = tuple(dict.fromkeys(self._show(t) for t in mine))
            return [], Problem(
                line,
                "unknown_target",
                Said.of("problem.unknown_target", text=text),
                candidates or self._listed(),
            )
        target = found[0]
        if target.position_id not in self.allowed_ids:
            return [], Problem(
                line, "not_allowed", Said.of("problem.not_allowed", who=self._show(target)), self._listed()
            )
        return [
            next(t for t in (*self.ctx.allowed, *self.ctx.offices) if t.position_id == target.position_id)
        ], None

    def _titled(self, title: str) -> list[Target]:
        return [t for t in self.ctx.allowed if squash(t.title).startswith(title)]

    def knows(self, chunk: str) -> bool:
        _text, key = self._key(chunk)
        return key in _ALL or key.isdecimal() or key in self.names or key in phrases.TITLE_ABBREVIATIONS

    def _show(self, target: Target) -> str:
        return f"{target.title} ({target.name})"

    def _listed(self) -> tuple[str, ...]:
        numbered = (f"{i}. {self._show(t)}" for i, t in enumerate(self.ctx.allowed, start=1))
        return (*numbered, *(self._show(t) for t in self.ctx.offices))


def _instruction(text: str, ctx: ReplyContext, line: str) -> tuple[str, tuple[int, ...], Problem | None]:
    text = clean_tail(text)
    m = _CODES.match(text)
    if not m:
        return text.strip(" ,.;"), (), None
    codes = [int(c) for c in re.findall(r"\d{1,2}", m[1])]
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
            )
        texts.append(known.text)
    free = m[2].strip(" ,.;")
    return "; ".join(texts) + (f" - {free}" if free else ""), tuple(codes), None


def _starts_instruction(words: list[str], resolver: _Resolver) -> bool:
    """Whether what follows an unseparated target reads as an instruction: a code, a verb in any
    of its forms, or up to two leading words ("agar", "mohon", "sgr") and then a verb."""
    for i, word in enumerate(words[:3]):
        key = squash(word).lstrip("#").strip(".,")
        if key.isdecimal() or key in phrases.VERBS or key in resolver.instruction_words:
            return True
        if key not in phrases.INSTRUCTION_LEADS or i == 2:
            return False
    return False


def _dispose(line: str, ctx: ReplyContext, resolver: _Resolver) -> Statement | Problem | None:
    if phrases.PHONE.search(line):
        return None  # "Sekretaris Dinas: Bpk. Agus Wibowo (0812-...)" is a contact, not an order
    body = _HONORIFIC.sub("", _LEAD_WORDS.sub("", line.strip()).strip()).strip()
    sep = _SEPARATORS.search(body)
    if sep and sep.start() > 0:
        left, right = body[: sep.start()], body[sep.end() :]
        chunks = [c for c in _TARGET_SPLIT.split(left) if c.strip()]
        if not chunks or len(chunks) > 8 or any(len(c.split()) > 4 for c in chunks):
            return None  # "Mohon perhatian untuk rapat besok: ..." is prose, not targets
        if not any(resolver.knows(c) for c in chunks) and len(left.split()) > 2:
            return None
    else:
        words = body.split()
        for size in range(min(4, len(words) - 1), 0, -1):
            head = " ".join(words[:size])
            if squash(head) in resolver.aliases and _starts_instruction(words[size:], resolver):
                left, right, chunks = head, " ".join(words[size:]), [head]
                break
        else:
            return None
    targets = _targets(chunks, line, resolver)
    if isinstance(targets, Problem):
        return targets
    deadline = parse_deadline(right, ctx.today, ctx.calendar)
    if deadline.error:
        return Problem(line, "bad_deadline", deadline.error)
    instruction, codes, problem = _instruction(deadline.rest, ctx, line)
    if problem:
        return problem
    return Statement(Kind.DISPOSE, line, tuple(targets), instruction, deadline.date, codes=codes)


def _targets(chunks: list[str], line: str, resolver: _Resolver) -> list[Target] | Problem:
    """Every chunk resolved, in order, once each; the first chunk that is not is the problem."""
    targets: list[Target] = []
    for chunk in chunks:
        found, problem = resolver.resolve(chunk, line)
        if problem:
            return problem
        targets.extend(t for t in found if t not in targets)
    return targets


_FORWARD = re.compile(
    r"^(?:mohon\s+|tolong\s+|tlg\s+|harap\s+)?(?:di)?terus(?:kan|in)?(?:\s+saja)?\s+(?:ke|kepada)\s+(.+)$"
    r"|^(?:please\s+)?forward\s+(?:it\s+|this\s+)?to\s+(.+)$",
    re.I,
)


def _forward(line: str, resolver: _Resolver) -> Statement | Problem | None:
    """ "Teruskan ke Dinas Pendidikan": passed on without an instruction of its own (a letter
    filed at the wrong office, or handed on as it stands). Only when every name is known."""
    m = _FORWARD.match(line.strip())
    if m is None:
        return None
    chunks = [c for c in _TARGET_SPLIT.split(clean_tail(m[1] or m[2])) if c.strip()]
    if not chunks or not all(resolver.knows(c) for c in chunks):
        return None
    targets = _targets(chunks, line, resolver)
    return targets if isinstance(targets, Problem) else Statement(Kind.DISPOSE, line, tuple(targets))


def _dispose_after_ack(line: str, ctx: ReplyContext, resolver: _Resolver) -> Statement | None:
    """ "Ok, Sekretaris tindaklanjuti", "Baik, Kabid PAUD: hadiri": the ack word opens a disposition."""
    rest = phrases.ACK_PREFIX.sub("", line.strip())
    if rest == line.strip():
        return None
    result = _dispose(rest, ctx, resolver)
    return result if isinstance(result, Statement) else None


def _keyword(line: str, resolver: _Resolver) -> Statement | None:
    if m := phrases.REPORT.match(line.strip()):
        kind = Kind.DONE if phrases.DONE_WORD.search(m[2]) else Kind.PROGRESS
        return Statement(kind, line, text=clean_tail(m[2].strip()))
    unprefixed = phrases.ACK_PREFIX.sub("", line.strip())  # "oke sudah selesai ya", "baik segera diproses"
    if m := phrases.DONE.match(unprefixed):
        return Statement(Kind.DONE, line, text=clean_tail(m[m.lastindex or 0].strip()))
    if m := phrases.PROGRESS.match(unprefixed):
        return Statement(Kind.PROGRESS, line, text=clean_tail(m[m.lastindex or 0].strip()))
    words = _words(line)
    core = _core(words)
    if core in phrases.HELP:
        return Statement(Kind.HELP, line)
    if _is_ack(words, resolver.title_words):
        return Statement(Kind.ACK, line)
    for vocabulary, kind in ((phrases.ARCHIVE, Kind.ARCHIVE), (phrases.UNDO, Kind.UNDO)):
        if core in vocabulary:
            return Statement(kind, line)
    if _is_status(words):
        return Statement(Kind.STATUS, line)
    return None


MAX_LINES = 300  # statements a reply may hold; beyond them it is pasted text, not instructions


def read_reply(text: str, ctx: ReplyContext) -> Reading:
    """Statements and problems of a reply's new text, line by line.

    An out-of-office text (a phone's responder without auto-reply headers) is read as nothing:
    the colleagues it lists for urgent matters must never become a disposition."""
    if phrases.OUT_OF_OFFICE.search(text):
        return Reading((), (), automatic=True)
    resolver = _Resolver(ctx)
    statements: list[Statement] = []
    problems: list[Problem] = []
    sender = squash(phrases.NAME_TITLES.sub("", ctx.sender_name))
    read = 0
    for raw in tidy(text).splitlines():
        line = raw.strip().strip("*_").strip()
        if not squash(line) or _is_typed_name(line, sender):
            continue
        read += 1
        if read > MAX_LINES:
            problems.append(Problem(line, "too_long", Said.of("problem.too_long", max=MAX_LINES)))
            break
        if m := phrases.NOTE_LABEL.match(line):
            statements.append(Statement(Kind.NOTE, line, text=m[2].strip()))
            continue
        keyword = _keyword(line, resolver)
        if keyword is not None:
            statements.append(keyword)
            continue
        result = (
            _forward(line, resolver)
            or _dispose_after_ack(line, ctx, resolver)
            or _dispose(line, ctx, resolver)
        )
        if isinstance(result, Problem):
            problems.append(result)
        elif result is not None:
            statements.append(result)
        elif not phrases.GREETING.match(line):
            statements.append(Statement(Kind.NOTE, line, text=line))
    return Reading(tuple(statements), tuple(problems))


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
