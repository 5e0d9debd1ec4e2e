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

from mailflow.office.calendar import Calendar
from mailflow.office.model import Instruction, Rules
from mailflow.text.deadlines import parse_deadline
from mailflow.text.lines import tidy


class Kind(StrEnum):
    DISPOSE = "dispose"
    ACK = "acknowledge"
    PROGRESS = "progress"
    DONE = "done"
    ARCHIVE = "archive"
    UNDO = "undo"
    STATUS = "status"
    NOTE = "note"


@dataclass(frozen=True)
class Target:
    """An official a reply may name: an entry of the numbered list, or anyone in the office."""

    position_id: str
    title: str
    name: str
    email: str
    aliases: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()


@dataclass(frozen=True)
class Statement:
    kind: Kind
    line: str
    targets: tuple[Target, ...] = ()
    instruction: str = ""
    deadline: dt.date | None = None
    text: str = ""


@dataclass(frozen=True)
class Problem:
    line: str
    reason: str  # unknown_target | ambiguous_target | not_allowed | bad_deadline | unknown_instruction
    #              | too_long
    detail: str
    candidates: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReplyContext:
    allowed: tuple[Target, ...]  # the numbered list of the email being answered, in order
    everyone: tuple[Target, ...]  # every position of the office, to tell "not allowed" from "unknown"
    instructions: tuple[Instruction, ...]
    today: dt.date
    calendar: Calendar = field(default_factory=Calendar)
    sender_name: str = ""


@dataclass(frozen=True)
class Reading:
    statements: tuple[Statement, ...]
    problems: tuple[Problem, ...]

    def of(self, kind: Kind) -> list[Statement]:
        return [s for s in self.statements if s.kind is kind]


def squash(text: str) -> str:
    """Lower case, letters and digits only, stretched letters shrunk: 'Siapp!!' -> 'siap'."""
    text = re.sub(r"[^\w\s@.'/-]", " ", text.lower())
    text = re.sub(r"(\w)\1+", r"\1", text)
    return " ".join(text.replace("_", " ").split())


_POLITE = {
    squash(w)
    for w in (
        "pak",
        "bu",
        "bapak",
        "ibu",
        "mohon",
        "tolong",
        "yth",
        "yth.",
        "ya",
        "yaa",
        "boss",
        "bos",
        "bang",
        "sir",
        "kak",
        "mas",
        "mbak",
        "dear",
        "om",
        "segera",
        "izin",
        "ijin",
        "please",
        "pls",
        "dong",
        "nggih",
        "njih",
    )
}
_ACK_START = {
    squash(w)
    for w in (
        "siap",
        "laksanakan",
        "baik",
        "ok",
        "oke",
        "okay",
        "noted",
        "diterima",
        "will",
        "on",
        "ack",
        "sip",
        "copy",
        "roger",
    )
}
_ACK_WORDS = _ACK_START | {
    squash(w)
    for w in (
        "do",
        "it",
        "terima",
        "kasih",
        "laksanakan",
        "noted",
        "pak",
        "ok",
        "siap",
        "dan",
        "akan",
        "dilaksanakan",
        "kami",
        "saya",
    )
}
_ARCHIVE = {
    squash(w)
    for w in (
        "arsipkan",
        "arsip",
        "simpan",
        "file",
        "archive",
        "arsipkan saja",
        "simpan saja",
        "cukup diarsipkan",
        "diarsipkan",
    )
}
_UNDO = {squash(w) for w in ("batal", "batalkan", "undo", "cancel", "batalkan disposisi", "dibatalkan")}
_STATUS = {squash(w) for w in ("status", "status surat", "posisi surat", "where is it", "cek status")}
_GREETING = re.compile(
    r"^(yth\.?\s.*|dear\b.*|hi\b.*|halo\b.*|hallo\b.*|assalamu.?alaikum.*|"
    r"selamat (pagi|siang|sore|malam)\b.*|"
    r"terima ?kasih\b.*|makasih\b.*|thanks?\b.*|thank you\b.*|salam\b.*|regards\b.*|best\b.*|"
    r"wassalam.*|hormat (saya|kami)\b.*|sincerely\b.*|cheers\b.*)$",
    re.I,
)
_DONE = re.compile(
    r"^(sudah\s+selesai|selesai|proses\s+selesai|sudah\s+(di)?laksanakan|telah\s+(di)?laksanakan|"
    r"sudah\s+ditindaklanjuti|telah\s+ditindaklanjuti|done|completed|finished|beres|tuntas)\b[\s:,.!-]*(.*)$",
    re.I,
)
_PROGRESS = re.compile(
    r"^(sedang\s+diproses|sedang\s+dikerjakan|segera\s+diproses|diproses|dalam\s+proses|in\s+progress|"
    r"working\s+on\s+it|otw)"
    r"\b[\s:,.!-]*(.*)$",
    re.I,
)
_REPORT = re.compile(r"^(lapor|laporan|report)\s*:\s*(.*)$", re.I)
_DONE_WORD = re.compile(
    r"\b(selesai|sudah dilaksanakan|telah dilaksanakan|ditindaklanjuti|done|completed)\b", re.I
)
_ACK_PREFIX = re.compile(r"^(ok\w*|oke\w*|baik|siap\w*)[\s,!.]*((pak|bu|ya)\b[\s,!.]*)?", re.I)
# Words an instruction starts with; a line without a separator must continue with one of these
# (or a code) after its target, so "Agus sudah saya hubungi" stays a note.
_VERBS = {
    squash(w)
    for w in (
        "pelajari",
        "sosialisasikan",
        "proses",
        "tindaklanjuti",
        "ditindaklanjuti",
        "hadiri",
        "wakili",
        "siapkan",
        "koordinasikan",
        "koordinasi",
        "konfirmasikan",
        "laksanakan",
        "arsipkan",
        "untuk",
        "harap",
        "mohon",
        "tolong",
        "bicarakan",
        "telaah",
        "edarkan",
        "jawab",
        "teliti",
        "pantau",
        "ingatkan",
        "selesaikan",
        "catat",
        "perhatikan",
        "buatkan",
        "jadwalkan",
        "agendakan",
        "rapatkan",
        "tanggapi",
        "periksa",
        "cek",
        "follow",
        "review",
        "please",
        "prepare",
        "attend",
        "handle",
        "check",
        "for",
        "process",
        "study",
    )
}
_NOTE_LABEL = re.compile(r"^(catatan|note|keterangan|info)\s*:\s*(.*)$", re.I)
_LEAD_WORDS = re.compile(
    r"^((kepada|ke|yth\.?|untuk|mohon|tolong|to|teruskan ke|diteruskan ke|disposisi ke)\s+)+", re.I
)
_SEPARATORS = re.compile(r"\s*(->|=>|→|:|\s-\s|\s–\s)\s*")
_TARGET_SPLIT = re.compile(r"\s*(?:,|;|&|\+|/|\bdan\b|\band\b)\s*", re.I)
_HONORIFIC = re.compile(r"^(pak|bu|bapak|ibu|sdr\.?|sdri\.?|saudara|mr\.?|mrs\.?|ms\.?)\s+", re.I)
_CODES = re.compile(
    r"^\s*((?:#?\d{1,2}\s*(?:,|dan|&|\+|\s)\s*)*#?\d{1,2})(?!\s*(?:hari|x|/|-\d))\b\s*[-:,.;]?\s*(.*)$", re.I
)
_ALL = {squash(w) for w in ("semua", "semuanya", "all", "everyone", "seluruhnya")}
_TRAILING_NOISE = re.compile(r"[^\w)\]\"'?!.]+$")


def _tokens(line: str) -> list[str]:
    return [t for t in squash(line).split() if t not in _POLITE]


def _is_ack(line: str) -> bool:
    words = _tokens(line)
    return bool(words) and words[0] in _ACK_START and all(w in _ACK_WORDS for w in words)


class _Resolver:
    """Targets by number, alias, title, name, first name or address; never a guess."""

    def __init__(self, ctx: ReplyContext) -> None:
        self.ctx = ctx
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
            if target.name:
                firsts.setdefault(squash(target.name.split()[0]), []).append(target)
        self.aliases = set(self.names)  # before first names: a line may start with these unseparated
        for key, found in firsts.items():
            self.names.setdefault(key, []).extend(t for t in found if t not in self.names.get(key, []))
        self.instruction_words = {squash(i.text).split()[0] for i in ctx.instructions if i.text.strip()}

    def resolve(self, chunk: str, line: str) -> tuple[list[Target], Problem | None]:
        text = _HONORIFIC.sub("", chunk.strip().strip(".")).strip()
        key = squash(text).lstrip("#")
        if key in _ALL:
            return list(self.ctx.allowed), None
        if key.isdecimal():
            n = int(key)
            if 1 <= n <= len(self.ctx.allowed):
                return [self.ctx.allowed[n - 1]], None
            return [], Problem(
                line,
                "unknown_target",
                f"nomor {n} tidak ada dalam daftar (1-{len(self.ctx.allowed)})",
                self._listed(),
            )
        found = list(dict.fromkeys(self.names.get(key, [])))
        if len({t.position_id for t in found}) > 1:
            return [], Problem(
                line,
                "ambiguous_target",
                f"'{text}' bisa berarti beberapa pejabat",
                tuple(self._show(t) for t in found),
            )
        if not found:
            close = difflib.get_close_matches(key, list(self.names), n=3, cutoff=0.6)
            candidates = tuple(dict.fromkeys(self._show(t) for c in close for t in self.names[c]))
            return [], Problem(
                line, "unknown_target", f"'{text}' tidak dikenal", candidates or self._listed()
            )
        target = found[0]
        if target.position_id not in {t.position_id for t in self.ctx.allowed}:
            return [], Problem(
                line, "not_allowed", f"{self._show(target)} tidak termasuk daftar tujuan Anda", self._listed()
            )
        return [next(t for t in self.ctx.allowed if t.position_id == target.position_id)], None

    def knows(self, chunk: str) -> bool:
        key = squash(_HONORIFIC.sub("", chunk.strip())).lstrip("#")
        return key in _ALL or key.isdecimal() or key in self.names

    def _show(self, target: Target) -> str:
        return f"{target.title} ({target.name})"

    def _listed(self) -> tuple[str, ...]:
        return tuple(f"{i}. {self._show(t)}" for i, t in enumerate(self.ctx.allowed, start=1))


def _instruction(text: str, ctx: ReplyContext, line: str) -> tuple[str, Problem | None]:
    text = _TRAILING_NOISE.sub("", text)
    m = _CODES.match(text)
    if not m:
        return text.strip(" ,.;"), None
    codes = [int(c) for c in re.findall(r"\d{1,2}", m[1])]
    texts = []
    for code in codes:
        known = next((i for i in ctx.instructions if i.code == code), None)
        if known is None:
            return "", Problem(
                line,
                "unknown_instruction",
                f"instruksi nomor {code} tidak ada",
                tuple(f"{i.code}. {i.text}" for i in ctx.instructions),
            )
        texts.append(known.text)
    free = m[2].strip(" ,.;")
    return "; ".join(texts) + (f" - {free}" if free else ""), None


def _dispose(line: str, ctx: ReplyContext, resolver: _Resolver) -> Statement | Problem | None:
    body = _LEAD_WORDS.sub("", line.strip()).strip()
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
            follows = squash(words[size]).lstrip("#")
            if squash(head) in resolver.aliases and (
                follows in _VERBS or follows.isdecimal() or follows in resolver.instruction_words
            ):
                left, right, chunks = head, " ".join(words[size:]), [head]
                break
        else:
            return None
    targets: list[Target] = []
    for chunk in chunks:
        found, problem = resolver.resolve(chunk, line)
        if problem:
            return problem
        targets.extend(t for t in found if t not in targets)
    deadline = parse_deadline(right, ctx.today, ctx.calendar)
    if deadline.error:
        return Problem(line, "bad_deadline", deadline.error)
    instruction, problem = _instruction(deadline.rest, ctx, line)
    if problem:
        return problem
    return Statement(Kind.DISPOSE, line, tuple(targets), instruction, deadline.date)


def _keyword(line: str) -> Statement | None:
    squashed = " ".join(_tokens(line))
    if m := _REPORT.match(line.strip()):
        kind = Kind.DONE if _DONE_WORD.search(m[2]) else Kind.PROGRESS
        return Statement(kind, line, text=m[2].strip())
    unprefixed = _ACK_PREFIX.sub("", line.strip())  # "oke sudah selesai ya", "baik segera diproses"
    if m := _DONE.match(unprefixed):
        return Statement(Kind.DONE, line, text=m[m.lastindex or 0].strip())
    if m := _PROGRESS.match(unprefixed):
        return Statement(Kind.PROGRESS, line, text=m[m.lastindex or 0].strip())
    if _is_ack(line):
        return Statement(Kind.ACK, line)
    for words, kind in ((_ARCHIVE, Kind.ARCHIVE), (_UNDO, Kind.UNDO), (_STATUS, Kind.STATUS)):
        if squashed in words:
            return Statement(kind, line)
    return None


MAX_LINES = 300  # statements a reply may hold; beyond them it is pasted text, not instructions


def read_reply(text: str, ctx: ReplyContext) -> Reading:
    """Statements and problems of a reply's new text, line by line."""
    resolver = _Resolver(ctx)
    statements: list[Statement] = []
    problems: list[Problem] = []
    sender = squash(ctx.sender_name)
    read = 0
    for raw in tidy(text).splitlines():
        line = raw.strip().strip("*_").strip()
        if not squash(line) or (sender and squash(line) in (sender, sender.split()[0])):
            continue
        read += 1
        if read > MAX_LINES:
            problems.append(Problem(line, "too_long", f"hanya {MAX_LINES} baris pertama yang dibaca"))
            break
        if m := _NOTE_LABEL.match(line):
            statements.append(Statement(Kind.NOTE, line, text=m[2].strip()))
            continue
        keyword = _keyword(line)
        if keyword is not None:
            statements.append(keyword)
            continue
        result = _dispose(line, ctx, resolver)
        if isinstance(result, Problem):
            problems.append(result)
        elif result is not None:
            statements.append(result)
        elif not _GREETING.match(line):
            statements.append(Statement(Kind.NOTE, line, text=line))
    return Reading(tuple(statements), tuple(problems))


def target_of(rules: Rules, position_id: str, on: dt.date) -> Target:
    holder = rules.holder(position_id, on)
    return Target(
        position_id,
        holder.title,
        holder.person.name,
        holder.person.email,
        holder.position.aliases,
        holder.person.addresses,
    )


def reply_context(rules: Rules, position_id: str, today: dt.date, sender_name: str = "") -> ReplyContext:
    """What a reply from the holder of `position_id` is read against."""
    allowed = tuple(target_of(rules, p.id, today) for p in rules.dispose_targets(position_id))
    everyone = tuple(target_of(rules, p, today) for p in rules.positions)
    return ReplyContext(allowed, everyone, rules.instructions, today, rules.calendar, sender_name)
