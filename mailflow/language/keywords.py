"""Statements said in a word or two: acknowledge, progress, done, archive, undo, status, help
(pure). A statement word followed by a reason is still that statement ("Arsip aja, sdh dibahas di
rapim"); a report keeps its text, less the trailing courtesies."""

from __future__ import annotations

import re

from mailflow.language import phrases
from mailflow.language.phrases import squash
from mailflow.language.readings import Kind, Statement


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


# The address in front of a report: "Selesai pak, tinggal menunggu ..." reports "tinggal menunggu ...".
_ADDRESS = re.compile(r"^(?:(?:pak|bu|bapak|ibu|ya|bos|boss|sir|mas|mbak|kak|ndan)\b[\s,.!:;-]*+)++", re.I)
# A reason after a statement word: "Arsip aja, sdh dibahas di rapim", "Please file it, no action".
_REASON = re.compile(r"(?:[,;.!]|\s-\s|\s(?:karena|krn|soalnya|sebab|because|since|as)\s)")


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


def keyword(line: str, titles: set[str]) -> Statement | None:
    if m := phrases.REPORT.match(line.strip()):
        kind = Kind.DONE if phrases.DONE_WORD.search(m[2]) else Kind.PROGRESS
        return Statement(kind, line, text=clean_tail(m[2].strip()))
    unprefixed = phrases.ACK_PREFIX.sub("", line.strip())  # "oke sudah selesai ya", "baik segera diproses"
    if m := phrases.DONE.match(unprefixed):
        return Statement(Kind.DONE, line, text=_report(m[m.lastindex or 0]))
    if m := phrases.PROGRESS.match(unprefixed):
        return Statement(Kind.PROGRESS, line, text=_report(m[m.lastindex or 0]))
    words = _words(line)
    core = _core(words)
    if core in phrases.HELP:
        return Statement(Kind.HELP, line)
    if _is_ack(words, titles):
        return Statement(Kind.ACK, line)
    plain = _core([w for w in words if w not in phrases.OBJECT_WORDS])
    for vocabulary, kind in ((phrases.ARCHIVE, Kind.ARCHIVE), (phrases.UNDO, Kind.UNDO)):
        if core in vocabulary or plain in vocabulary:
            return Statement(kind, line)
    if _is_status(words):
        return Statement(Kind.STATUS, line)
    return None


def _report(text: str) -> str:
    """A report's text, less the address before it; none when it is only fillers ("sdh selesai
    semua pak")."""
    text = clean_tail(_ADDRESS.sub("", text.strip()))
    return "" if all(w in phrases.FILLERS for w in _words(text)) else text


def with_reason(line: str, titles: set[str]) -> Statement | None:
    """A statement word and then its reason: "Arsip aja, sdh dibahas di rapim" archives."""
    m = _REASON.search(line)
    if m is None or m.start() == 0:
        return None
    found = keyword(line[: m.start()], titles)
    if found is None or found.kind not in (Kind.ARCHIVE, Kind.UNDO, Kind.ACK):
        return None
    return Statement(found.kind, line)
