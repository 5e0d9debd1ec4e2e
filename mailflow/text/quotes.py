"""The new text of a reply: quoted text, attribution lines and signatures removed (pure).

Implements "What counts as quoted text or signature" of reply-language.md for top, bottom and
inline posting. Each line is typed: a quoted line (`>`) is dropped wherever it stands; an
*intro* (attribution such as "On ... wrote:" / "Pada ... menulis:", a separator such as
"-----Original Message-----", or an Outlook-style header block) is dropped when a quoted block
follows it, and cuts off everything below it when an unprefixed original follows instead.
Signatures and sign-off blocks are removed last. HTML-only replies lose their quote containers
(Gmail, Apple, Outlook, Yahoo, Thunderbird) before being read the same way as text.
"""

from __future__ import annotations

import quopri
import re
from array import array
from collections.abc import Iterator, Sequence
from itertools import islice
from typing import Protocol

from mailflow.text.html import html_new_text
from mailflow.text.lines import ANY_BREAK, tidy_line

_VERBS = (
    r"wrote|writes|sent|menulis|a écrit|a ecrit|schrieb|escribió|escribio|escreveu|skrev|"
    r"napisał\(a\)|napisał|napisal|het volgende geschreven|geschreven|ha scritto|đã viết|"
    r"написал\(а\)|написал|написала|kirjoitti|yazdı"
)
_ATTRIBUTION = re.compile(rf"^-*+\s*+.{{0,300}}?\b({_VERBS})\s*(:|-{{2,}})\s*$", re.I)
# What the first line of an attribution wrapped over several lines looks like.
_ATTRIBUTION_START = re.compile(r"\d|@|^(-+\s*)?(on|pada|le|am|el|op|den|på|w dniu|vào|em|il)\b", re.I)
_EMAIL_COLON = re.compile(r"^.{0,200}<?[\w.+-]+@[\w-]+(\.[\w-]+)+>?\s*:\s*$")
_DATE_EMAIL = re.compile(
    r"^\s*+\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}\b.{0,120}<?[\w.+-]+@[\w-]+(\.[\w-]+)+>?\s*:?\s*$"
)
_SEPARATOR_WORDS = (
    r"original message|reply message|forwarded message|pesan asli|pesan orisinal|pesan diteruskan|"
    r"pesan yang diteruskan|antwort nachricht|ursprüngliche nachricht|weitergeleitete nachricht|"
    r"oprindelig meddelelse|videresendt meddelelse|message transféré|message d'origine|"
    r"mensaje original|mensaje reenviado|mensagem original|mensagem encaminhada|"
    r"vidarebefordrat meddelande|ursprungligt meddelande|wiadomość oryginalna|"
    r"oorspronkelijk bericht|doorgestuurd bericht|alkuperäinen viesti|исходное сообщение|"
    r"пересылаемое сообщение|пересланное сообщение|messaggio originale|messaggio inoltrato"
)
_SEPARATOR = re.compile(
    rf"^\s*+(-{{2,}}\s*({_SEPARATOR_WORDS})\s*-{{2,}}|-{{3,}}\s*({_SEPARATOR_WORDS}).*|_{{10,}}|"
    r"begin forwarded message\s*:|forwarded message\s*:|awal pesan yang diteruskan\s*:|"
    r"début du message réexpédié\s*:)\s*$",
    re.I,
)
_FROM_WORDS = r"from|von|de|fra|från|od|от|dari|van|da|kimden|mittente"
_DATE_WORDS = (
    r"date|sent|datum|gesendet|envoyé|enviado|sendt|skickat|data|отправлено|дата|tanggal|"
    r"dikirim|terkirim|wysłano|verzonden|inviato|fecha"
)
_OTHER_WORDS = (
    r"to|an|à|a|til|till|do|кому|kepada|aan|para|per|pour|subject|betreff|objet|asunto|emne|"
    r"ämne|temat|тема|subjek|perihal|onderwerp|oggetto|assunto|sujet|cc|kopie|tembusan|"
    r"reply-to|répondre à|antwort an|requester"
)
_HEADER = re.compile(rf"^\s*+\*?({_FROM_WORDS}|{_DATE_WORDS}|{_OTHER_WORDS})\*?\s*:\*?\s*(.*)$", re.I)
_FROM_OR_DATE = re.compile(rf"^\s*+\*?({_FROM_WORDS}|{_DATE_WORDS})\*?\s*:", re.I)
_TIME = re.compile(r"\b\d{1,2}[:.]\d{2}\b")

_SIG_DELIMITER = re.compile(r"^\s*+(--\s*|—\s*|-{3,}\s*|_{2,}\s*|#sig#.*)$")
# Phone and desktop apps' footers, Indonesian and English (Outlook, Gmail, Yahoo, Samsung, Huawei,
# Xiaomi, iPhone/iPad, BlackBerry Hub, Spark, K-9, Windows Mail), a link glued on or not.
_MOBILE_SIGNATURE = re.compile(
    r"^\s*+(sent (from|with|using|via) .{2,80}|dikirim (dari|dengan|melalui|via) .{2,80}|"
    r"diketik dari .{2,60}|"
    r"(get|dapatkan|unduh) outlook (for|untuk) \w+( \w+)?|sent from yahoo mail.*|"
    r"kirim(an)? dari .{2,60}|send from my .{2,60}|sent on the go.*|"
    r"envoyé de mon .{2,40}|von meinem .{2,40} gesendet)\s*[.!]?\s*(<\s*https?://\S*>|\(\s*https?://\S*\))?\s*$",
    re.I,
)
_SIGN_OFF = re.compile(
    r"^\s*+(thanks|thank you|many thanks|thx|cheers|regards|best|best regards|kind regards|"
    r"warm regards|sincerely|yours|br|salam|wassalam|hormat (saya|kami)|terima kasih|trims|"
    r"mit freundlichen grüßen|mfg|viele grüße|gruß|cordialement|bien à vous|saludos|"
    r"med venlig hilsen|venlig hilsen|hilsen|mvh|kh|med vänliga hälsningar|hälsningar|"
    r"z poważaniem|z powazaniem|pozdrawiam|groeten|met vriendelijke groet)\s*[,.!]*\s*$",
    re.I,
)
_SLASH_NAME = re.compile(r"^\s*+[-/]\s?[A-Z][\w.'-]*( [A-Z][\w.'-]*){0,3}\s*$")
# Below a signature, the sender's own words: a postscript label, or a line taking the yes back.
_POSTSCRIPT = re.compile(r"^\s*+(?:p\.?\s?s|n\.?\s?b|catatan|note)\s*[.:]", re.I)
_RESERVATION = frozenset(
    ("tapi", "tetapi", "namun", "kecuali", "jangan", "tunggu", "batal", "batalkan", "but",
     "except", "don't", "dont", "wait", "cancel", "hold")
)  # fmt: skip
_PRINT_NOTICE = re.compile(r"\b(?:cetak|mencetak|print|printing)\b", re.I)  # "Jangan cetak email ini"

# Possessive runs: a long run of '=' or '/' is scanned once, not once per character in it.
_LINK_LINE = re.compile(r"^\s*+([^\s=&?/)]*+[=&?/)]\S*+|[(<]https?://.*|.*\)\s*>)\s*$", re.I)
_SOFT_BREAK = re.compile(r"=\r?\n")
_QP_ESCAPE = re.compile(r"=[0-9A-F]{2}")


# Lines of a message read for its new text: each costs some 20 us of pattern checks, and a mail
# of a million characters in one-character lines would otherwise cost 10 s (issue 20). New text
# stands above its quote, or below a quote far shorter than this.
READ_LINES = 20_000


def is_quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _is_header_block(lines: _Indexed, i: int) -> int:
    """Length of an unprefixed header block (an original's From/Date/To/Subject) at i, or 0.

    Rendered HTML puts blank lines between the headers, so blanks inside the block are allowed.
    Clerk corrections ("Dari: ...", "Tanggal: ...") look alike, so a block also needs an address
    in its From line or a clock time in its Date line.
    """
    if not _FROM_OR_DATE.match(lines[i]):
        return 0
    headers, end, j = [], i, i
    while j < len(lines) and j - i < 16:
        if lines[j].strip():
            if _HEADER.match(lines[j]):
                headers.append(lines[j])
            elif not (end == j and len(lines[j].strip()) < 80):  # a wrapped header value
                break
            end = j + 1
        j += 1
    evidence = "@" in lines[i] or any(_FROM_OR_DATE.match(ln) and _TIME.search(ln) for ln in headers)
    return end - i if len(headers) >= 2 and evidence else 0


def _intro_span(lines: _Lines, i: int) -> int:
    """How many lines starting at i introduce an original (attribution, separator, headers)."""
    kinds = lines.kinds
    if kinds[i] == _BLANK:
        return 0
    line = lines[i].strip()
    if _SEPARATOR.match(line):
        return 1
    if span := _is_header_block(lines, i):
        return span
    joined = ""
    for k in range(3):
        if i + k >= len(kinds) or (k and kinds[i + k] == _BLANK) or kinds[i + k] == _QUOTED:
            break
        if k == 1 and not _ATTRIBUTION_START.search(line):
            break  # "Lorem" above "Den 14 september ... skrev:" is text, not half an attribution
        joined = f"{joined} {lines[i + k].strip()}".strip()
        if len(joined) > 400:
            break
        if _ATTRIBUTION.match(joined) or _EMAIL_COLON.match(joined):
            return k + 1
    return 0


def _followed_by_quote(lines: _Lines, j: int) -> bool:
    kinds = lines.kinds
    while j < len(kinds) and kinds[j] == _BLANK:
        j += 1
    return j < len(kinds) and kinds[j] == _QUOTED


_SHARED = re.compile(r"\s(on|pada|le|am|el|op)\s", re.I)


def _split_shared_line(line: str) -> list[str]:
    """'reply On Wed, ... wrote:' -> ['reply', 'On Wed, ... wrote:']."""
    m = _SHARED.search(line)
    if m and m.start() > 0 and _ATTRIBUTION.match(line[m.start() :].strip()):
        return [line[: m.start()].rstrip().rstrip("-").rstrip(), line[m.start() :].strip()]
    return [line]


def _between_quotes(lines: _Lines) -> bytearray:
    """For each line, whether the nearest non-blank lines above and below it are quoted; one
    pass each way, so a mail of many lines costs its length, not its length squared (and one
    byte a line)."""
    kinds = lines.kinds
    between = bytearray(len(kinds))
    last = False
    for i in range(len(kinds) - 1, -1, -1):
        between[i] = last  # below
        if kinds[i] != _BLANK:
            last = kinds[i] == _QUOTED
    last = False
    for i in range(len(kinds)):
        between[i] = between[i] and last  # and above
        if kinds[i] != _BLANK:
            last = kinds[i] == _QUOTED
    return between


def _drop_quotes(lines: _Lines) -> array[int]:
    """The positions of the lines kept: not quoted, not introducing a quote, above an original."""
    kept = array("I")
    between = _between_quotes(lines)
    i = 0
    while i < len(lines):
        # A link a client wrapped out of a quoted block: '(http://...) >' between two '>' lines.
        if lines.kinds[i] == _QUOTED or (between[i] and _LINK_LINE.match(lines[i])):
            i += 1
            continue
        line = lines[i]
        span = _intro_span(lines, i)
        if span == 0 and _DATE_EMAIL.match(line) and _followed_by_quote(lines, i + 1):
            span = 1
        if span:
            if _followed_by_quote(lines, i + span):
                i += span
                continue
            break
        kept.append(i)
        i += 1
    return kept


def is_signature_line(line: str) -> bool:
    """A signature marker in any client's convention ("-- ", "Sent from my iPhone", "Salam,")."""
    return bool(_SIG_DELIMITER.match(line) or _MOBILE_SIGNATURE.match(line) or _SIGN_OFF.match(line))


def _sender_block(lines: _Indexed, end: int, sender_name: str) -> int:
    """Index where a trailing block of `lines[:end]` opening with the sender's own name begins,
    or -1."""
    names = (
        {sender_name.strip().lower(), sender_name.strip().split()[0].lower()}
        if sender_name.strip()
        else set()
    )
    names.discard("")
    for back in range(1, min(7, end) + 1):
        i = end - back
        line = lines[i].strip().lower()
        if (
            i > 0
            and line
            and any(line == n or line.startswith(n + " ") or line.startswith(n + ",") for n in names)
            and not lines[i - 1].strip()
        ):
            return i
    return -1


def _postscript(lines: _Indexed, removed: list[range]) -> list[range]:
    """What the sender wrote below their signature (of the lines `removed`): from a postscript
    ("PS:", "NB:") or a line that takes something back ("tapi ...", "Eh jangan dulu", "Kecuali
    Kabid PAUD") to the end. A signature never holds such a line, and dropping it would let the
    yes above it act alone."""
    for n, lines_removed in enumerate(removed):
        for i in lines_removed:
            line = lines[i]
            if _POSTSCRIPT.match(line) or (
                set(line.lower().replace(",", " ").split()[:3]) & _RESERVATION
                and not _PRINT_NOTICE.search(line)
            ):
                return [range(i, lines_removed.stop), *removed[n + 1 :]]
    return []


def strip_signature(text: str, sender_name: str = "") -> str:
    """Remove the signature: from a delimiter or a phone's "Sent from" line, a trailing block
    that opens with the sender's own name, and a trailing sign-off block ("Salam,\\nBudi"); a
    sign-off in the middle of real text stays. A postscript below it stays (`_postscript`)."""
    lines = text.split("\n")
    return _made(text, _Kept(lines, range(len(lines)), 0, len(lines)).pieces(*_unsigned(lines, sender_name)))


def _unsigned(lines: _Indexed, sender_name: str) -> tuple[range, list[range]]:
    """The lines left once the signature is removed, and those of a postscript below it."""
    end = len(lines)
    removed: list[range] = []
    for i in range(end):
        line = lines[i]
        if (_SIG_DELIMITER.match(line) and i > 0) or _MOBILE_SIGNATURE.match(line):
            end, removed = i, [range(i, len(lines))]
            break
    while end and not lines[end - 1].strip():
        end -= 1
    if (cut := _sender_block(lines, end, sender_name)) > 0:
        end, removed = cut, [range(cut, end), *removed]
        while end and not lines[end - 1].strip():
            end -= 1
    tail = 0
    for back in range(1, min(5, end) + 1):
        line = lines[end - back]
        if not line.strip():
            continue
        if _SIGN_OFF.match(line):
            tail = back
        elif len(line.strip()) > 40 or len(line.split()) > 5:
            break
    if tail:
        end, removed = end - tail, [range(end - tail, end), *removed]
    elif end > 1 and _SLASH_NAME.match(lines[end - 1]):
        end, removed = end - 1, [range(end - 1, end), *removed]
    return range(end), _postscript(lines, removed)


def extract_new_text(text: str, html: str = "", sender_name: str = "") -> str:
    """The text the sender wrote in this message, without what they replied to."""
    if (not text or text.isspace()) and html:
        text = html_new_text(html)
    if _SOFT_BREAK.search(text) and _QP_ESCAPE.search(text):
        # A body pasted still quoted-printable ("w=\nrote:"): undo it so markers are whole again.
        text = quopri.decodestring(text.encode("utf-8", "replace")).decode("utf-8", "replace")
    return _made(text, _new_text_pieces(text, sender_name))


def _new_text_pieces(text: str, sender_name: str) -> list[str | tuple[int, int]]:
    """What the new text is made of; its lines are gone when it is made (_made)."""
    lines = _Lines(text)
    kept = _stripped(lines, _drop_quotes(lines))
    return kept.pieces(*_unsigned(kept, sender_name))


def _made(text: str, pieces: list[str | tuple[int, int]]) -> str:
    """The text of `pieces` (a line, or lines where they stand in `text`), a line break between
    two, stripped: a new text that stands whole in `text` is one copy of it."""
    return "\n".join([text[p[0] : p[1]] if isinstance(p, tuple) else p for p in pieces]).strip()


class _Indexed(Protocol):
    def __len__(self) -> int: ...
    def __getitem__(self, i: int, /) -> str: ...


_BLANK, _QUOTED, _TEXT = 0, 1, 2


class _Lines:
    """The first READ_LINES lines of a text, tidied (text.lines.tidy_line), a reply sharing a line
    with an attribution split in two: held as where they stand in the text, so a line is made
    when it is read. 20,000 short lines as strings cost three times the text they are (issue 25);
    only a line that differs from its text as it stands is kept as a string."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts, self.ends = array("I"), array("I")
        self.made: dict[int, str] = {}
        self.kinds = bytearray()  # each line _BLANK, _QUOTED or _TEXT: read often, made once
        for start, stop in islice(_spans(text), READ_LINES):
            line = tidy_line(text, start, stop)
            parts = _split_shared_line(line)
            as_it_stands = (
                len(parts) == 1 and stop - start == len(line) and text.startswith(line, start, stop)
            )
            for part in parts:
                if not as_it_stands:
                    self.made[len(self.starts)] = part
                self.starts.append(start)
                self.ends.append(stop)
                self.kinds.append(_QUOTED if is_quoted(part) else _TEXT if part.strip() else _BLANK)

    def __len__(self) -> int:
        return len(self.starts)

    def __getitem__(self, i: int) -> str:
        made = self.made.get(i)
        return made if made is not None else self.text[self.starts[i] : self.ends[i]]

    def span(self, i: int) -> tuple[int, int] | None:
        """Where line `i` stands in the text, when it is the text as it stands."""
        return None if i in self.made else (self.starts[i], self.ends[i])


def _spans(text: str) -> Iterator[tuple[int, int]]:
    """Where each line of `text` starts and ends (a line break of any kind ends a line)."""
    start = 0
    for end in ANY_BREAK.finditer(text):
        yield start, end.start()
        start = end.end()
    yield start, len(text)


class _Kept:
    """The lines of `source` at `index[lo:hi]`; `strip_ends` strips the first one's leading and the
    last one's trailing blanks (what stripping the text they make would strip)."""

    def __init__(self, source: _Indexed, index: Sequence[int], lo: int, hi: int) -> None:
        self.source, self.index, self.lo, self.hi = source, index, lo, hi
        self.edges: dict[int, str] = {}  # a line stripped at the text's start or end

    def strip_ends(self) -> _Kept:
        if (count := self.hi - self.lo) == 0:
            return self
        first, last = self[0].lstrip(), self[count - 1].rstrip()
        if count == 1:
            first = last = first.rstrip()
        if last != self[count - 1]:
            self.edges[count - 1] = last
        if first != self[0]:
            self.edges[0] = first
        return self

    def __len__(self) -> int:
        return self.hi - self.lo

    def __getitem__(self, i: int) -> str:
        edge = self.edges.get(i)
        return edge if edge is not None else self.source[self.index[self.lo + i]]

    def pieces(self, lines: range, postscript: list[range]) -> list[str | tuple[int, int]]:
        """The pieces of `lines`, then of a blank line and the postscript's (for _made): lines that
        follow each other in the text as they stand are one piece."""
        pieces: list[str | tuple[int, int]] = []
        run: tuple[int, int] | None = None  # lines that follow each other in the text as they stand
        for positions in [lines, range(-1, 0), *postscript] if postscript else [lines]:
            for i in positions:
                span = self._span(i)
                if run is not None and span is not None and self._follows(run, span):
                    run = (run[0], span[1])
                    continue
                if run is not None:
                    pieces.append(self._piece(run))
                run = span
                if span is None:
                    pieces.append(self[i] if i >= 0 else "")  # -1: the blank line above a postscript
        if run is not None:
            pieces.append(self._piece(run))
        return pieces

    def _piece(self, run: tuple[int, int]) -> str | tuple[int, int]:
        """A run of lines as where it stands; one line as itself (smaller than a pair of offsets)."""
        assert isinstance(self.source, _Lines)
        text = self.source.text
        return run if text.find("\n", run[0], run[1]) >= 0 else text[run[0] : run[1]]

    def _span(self, i: int) -> tuple[int, int] | None:
        if i < 0 or i in self.edges or not isinstance(self.source, _Lines):
            return None
        return self.source.span(self.index[self.lo + i])

    def _follows(self, above: tuple[int, int], span: tuple[int, int]) -> bool:
        """Whether the line at `span` stands in the text right below the lines at `above`."""
        assert isinstance(self.source, _Lines)
        return span[0] == above[1] + 1 and self.source.text[above[1]] == "\n"


def _stripped(lines: _Lines, kept: array[int]) -> _Kept:
    """The kept lines of `"\n".join(kept lines).strip()`, without joining them."""
    first = next((k for k in range(len(kept)) if lines.kinds[kept[k]] != _BLANK), -1)
    if first < 0:
        return _Kept([""], [0], 0, 1)
    last = next(k for k in range(len(kept) - 1, -1, -1) if lines.kinds[kept[k]] != _BLANK)
    return _Kept(lines, kept, first, last + 1).strip_ends()
