"""Who a reply names: targets by number, alias, title, name, first name or address; never a guess.

A name that is not known exactly may still be near one the sender may dispose to (a shortened
title "Kepala Bidang PAUD", a split spelling "Kabid Dik Das", a typo): `near` finds those, and the
reader proposes the reading instead of applying it. Candidates offered in an ask-back are always
targets the sender may dispose to, never the sender, never someone outside their list.
"""

from __future__ import annotations

import difflib
import re
from typing import TYPE_CHECKING

from mailflow.domain import Said
from mailflow.language import phrases
from mailflow.language.phrases import squash
from mailflow.language.readings import Problem

if TYPE_CHECKING:
    from mailflow.language.statements import ReplyContext
    from mailflow.office.targets import Target

HONORIFIC = re.compile(
    r"^((pak|bu|bapak|ibu|bpk\.?|bp\.?|sdr\.?|sdri\.?|saudara|mr\.?|mrs\.?|ms\.?|mas|mbak|kak|bang|dik)\s+)+",
    re.I,
)
_NUMBER_WORD = re.compile(r"^(no\.?|nomor|nmr\.?|nomer|number|#)\s*(?=\d)", re.I)
# Each starts only where a run of blanks starts and takes the run whole (possessive).
_TARGET_SPLIT = re.compile(r"((?<!\s)\s*+(?:,|;|&|\+|/|\bdan\b|\band\b)\s*)", re.I)
ALL = {squash(w) for w in ("semua", "semuanya", "all", "everyone", "seluruhnya", "all of you")}
# "semua kecuali Sekdis": every listed official but those named.
EXCEPT = re.compile(
    r"^(?:semua(?:nya)?|all|seluruhnya|everyone)[\s,]+(?:kecuali|selain|except|but)\s+(.+)$", re.I
)
_GLUE = re.compile(r"[\s.'/-]+")


def _glue(key: str) -> str:
    """A name with its spaces and dots taken out, doubled letters shrunk again: "sub bagian" and
    "subbagian" both "subagian"."""
    return squash(_GLUE.sub("", key))


# Title words that alone say nothing about which official is meant.
_GENERIC = {squash(w) for w in ("kepala", "bidang", "seksi", "subbagian", "bagian", "dinas", "kabid", "kasi",
                                "kasubbag", "kabag", "dan", "umum")}  # fmt: skip


class Resolver:
    """Every name of every official of the office, read against the sender's list."""

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
        self.first_names = set(firsts)
        own = squash(ctx.sender_name)
        # The sender's own title and aliases, typed under their name in a signature.
        mine = {t.position_id for t in ctx.everyone if own and squash(t.name) == own}
        self.own_titles = {k for k, found in self.names.items() if any(t.position_id in mine for t in found)}
        self.people = frozenset(w for t in ctx.everyone for w in squash(t.name).split())
        for key, found in firsts.items():
            self.names.setdefault(key, []).extend(t for t in found if t not in self.names.get(key, []))
        self.instruction_words = {squash(i.text).split()[0] for i in ctx.instructions if i.text.strip()}
        self.title_words = {w for key in self.aliases for w in key.split()} | set(phrases.TITLE_ABBREVIATIONS)

    @staticmethod
    def key(chunk: str) -> tuple[str, str]:
        text = HONORIFIC.sub("", chunk.strip().strip(".")).strip()
        text = _NUMBER_WORD.sub("", text)
        return text, squash(text).lstrip("#")

    def split(self, text: str) -> list[str]:
        """Targets separated by `,` `dan` `&` ...; a title with `dan` in it stays whole."""
        parts = _TARGET_SPLIT.split(text)
        pieces, seps = parts[0::2], parts[1::2]
        chunks: list[str] = []
        i = 0
        while i < len(pieces):
            for j in range(min(len(pieces) - 1, i + 4), i, -1):
                joined = "".join(p + s for p, s in zip(pieces[i:j], seps[i:j], strict=True)) + pieces[j]
                if self.key(joined)[1] in self.names:
                    chunks.append(joined)
                    i = j + 1
                    break
            else:
                chunks.append(pieces[i])
                i += 1
        return [c for c in chunks if c.strip()]

    def knows(self, chunk: str) -> bool:
        _text, key = self.key(chunk)
        return key in ALL or key.isdecimal() or key in self.names or key in phrases.TITLE_ABBREVIATIONS

    def resolve(self, chunk: str, line: str) -> tuple[list[Target], Problem | None]:
        text, key = self.key(chunk)
        if key in ALL:
            if not self.ctx.allowed:
                return [], Problem(line, "no_targets", Said.of("problem.no_targets", text=text))
            return list(self.ctx.allowed), None
        if key.isdecimal():
            n = int(key)
            if 1 <= n <= len(self.ctx.allowed):
                return [self.ctx.allowed[n - 1]], None
            return [], Problem(
                line,
                "unknown_target",
                Said.of("problem.number_out_of_range", n=n, last=len(self.ctx.allowed)),
                self.listed(),
            )
        every, _, kind = key.partition(" ")
        if every in ALL and kind in phrases.TITLE_ABBREVIATIONS:  # "semua kabid": every one of them
            titled = self._titled(phrases.TITLE_ABBREVIATIONS[kind])
            if titled:
                return titled, None
        if key in phrases.TITLE_ABBREVIATIONS and not phrases.TITLE_ABBREVIATIONS[key].startswith(key):
            # "Kabid" abbreviates a title; "Sek" only cuts one short and is near it (proposed)
            titled = self._titled(phrases.TITLE_ABBREVIATIONS[key])
            if len(titled) == 1:
                return titled, None
            if len(titled) > 1:
                return [], self.ambiguous(line, text, titled)
        found = list(dict.fromkeys(self.names.get(key, [])))
        if len({t.position_id for t in found}) > 1:
            mine = [t for t in found if t.position_id in self.allowed_ids]
            return [], self.ambiguous(line, text, mine)
        if not found:
            return [], Problem(
                line,
                "unknown_target",
                Said.of("problem.unknown_target", text=text),
                tuple(self.show(t) for t in self.near(chunk)) or self.listed(),
            )
        target = found[0]
        if target.position_id not in self.allowed_ids:
            return [], Problem(
                line, "not_allowed", Said.of("problem.not_allowed", who=self.show(target)), self.listed()
            )
        return [self.mine(target.position_id)], None

    def near(self, chunk: str) -> list[Target]:
        """The sender's own targets this unknown name is close to, best first: the same letters
        spaced otherwise ("Kabid Dik Das", "Ka. Bid"), the start of a title ("Kepala Bidang PAUD"),
        a title with more after it ("Sekretaris Dinas Pendidikan dan Kebudayaan"), the title's
        distinctive words, or a typo."""
        _text, key = self.key(chunk)
        if not key or key.isdecimal():
            return []
        mine = list(dict.fromkeys((*self.ctx.allowed, *self.ctx.offices)))
        glued = _glue(key)
        if glued in phrases.TITLE_ABBREVIATIONS:
            return self._titled(phrases.TITLE_ABBREVIATIONS[glued])
        words = set(" ".join(phrases.TITLE_ABBREVIATIONS.get(w, w) for w in key.split()).split())
        found: list[Target] = []
        for target in mine:
            keys = {squash(k) for k in (target.title, target.name, *target.aliases)}
            glued_keys = {_glue(k) for k in keys}
            if (
                glued in glued_keys
                or (len(glued) >= 8 and any(k.startswith(glued) for k in glued_keys))
                or any(len(k.split()) >= 2 and f"{key} ".startswith(f"{k} ") for k in keys)
                or (len(words) >= 2 and words - _GENERIC and words <= set(squash(target.title).split()))
            ):
                found.append(target)
        if found:
            return found
        if len(key) >= 4 and " " not in key:  # a word cut short: "Sekre" for Sekretaris
            words_of = {t: {w for k in (t.title, *t.aliases) for w in squash(k).split()} for t in mine}
            cut = [t for t in mine if any(w.startswith(key) for w in words_of[t])]
            if len(cut) == 1:
                return cut
        own_keys = {squash(k): t for t in mine for k in (t.title, t.name, *t.aliases)}
        close = difflib.get_close_matches(key, list(own_keys), n=3, cutoff=0.8)
        if not close and " " not in key:  # a first name misspelt: "Agung" for Agus, "Rini" for Rina
            firsts = {squash(t.name.split()[0]): t for t in mine if t.name and not t.office}
            close = difflib.get_close_matches(key, list(firsts), n=2, cutoff=0.6)
            own_keys.update(firsts)
            if len(close) > 1:
                return []
        if not close and key.split()[0] in phrases.TITLE_ABBREVIATIONS:  # "Kabid SD": one of the Kabid
            return self._titled(phrases.TITLE_ABBREVIATIONS[key.split()[0]])
        if not close:  # "Kepala Bidang SMA": one of the Kepala Bidang, spelt out
            title = next((t for t in phrases.TITLE_ABBREVIATIONS.values() if key.startswith(f"{t} ")), "")
            return self._titled(title) if title else []
        return list(dict.fromkeys(own_keys[c] for c in close))

    def named_in(self, chunk: str) -> list[Target]:
        """The sender's targets a one-word alias of which stands in `chunk`: "Kabid Dikdas Paud" and
        "Sekdis Kabid Dikdas" (a separator left out) name two, and neither may be dropped."""
        words = set(self.key(chunk)[1].split())
        mine = dict.fromkeys((*self.ctx.allowed, *self.ctx.offices))
        return [t for t in mine if any(squash(a) in words for a in t.aliases if " " not in a.strip())]

    def names_none_of(self, chunk: str, targets: list[Target]) -> bool:
        """Whether a name has a word no title or alias of `targets` has: "Kabid SMP" is no Kabid of
        this office (unknown, asked back with the Kabids), while "Kepala Bidang Pendidikan" fits
        two (ambiguous)."""
        _text, key = self.key(chunk)
        if _glue(key) in phrases.TITLE_ABBREVIATIONS:
            return False
        words = set(" ".join(phrases.TITLE_ABBREVIATIONS.get(w, w) for w in key.split()).split()) - _GENERIC
        known = {w for t in targets for k in (t.title, *t.aliases) for w in squash(k).split()}
        return bool(words - known)

    def mine(self, position_id: str) -> Target:
        return next(t for t in (*self.ctx.allowed, *self.ctx.offices) if t.position_id == position_id)

    def ambiguous(self, line: str, text: str, targets: list[Target]) -> Problem:
        return Problem(
            line,
            "ambiguous_target",
            Said.of("problem.ambiguous_target", text=text),
            tuple(self.show(t) for t in targets) or self.listed(),
        )

    def _titled(self, title: str) -> list[Target]:
        return [t for t in self.ctx.allowed if squash(t.title).startswith(title)]

    @staticmethod
    def show(target: Target) -> str:
        return f"{target.title} ({target.name})"

    def listed(self) -> tuple[str, ...]:
        numbered = (f"{i}. {self.show(t)}" for i, t in enumerate(self.ctx.allowed, start=1))
        return (*numbered, *(self.show(t) for t in self.ctx.offices))
