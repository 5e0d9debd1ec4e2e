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
from itertools import islice

from mailflow.text.html import html_new_text
from mailflow.text.lines import ANY_BREAK, tidy_lines

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


def _is_header_block(lines: list[str], i: int) -> int:
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


def _intro_span(lines: list[str], i: int) -> int:
    """How many lines starting at i introduce an original (attribution, separator, headers)."""
    line = lines[i].strip()
    if not line:
        return 0
    if _SEPARATOR.match(line):
        return 1
    if span := _is_header_block(lines, i):
        return span
    joined = ""
    for k in range(3):
        if i + k >= len(lines) or (k and not lines[i + k].strip()) or is_quoted(lines[i + k]):
            break
        if k == 1 and not _ATTRIBUTION_START.search(line):
            break  # "Lorem" above "Den 14 september ... skrev:" is text, not half an attribution
        joined = f"{joined} {lines[i + k].strip()}".strip()
        if len(joined) > 400:
            break
        if _ATTRIBUTION.match(joined) or _EMAIL_COLON.match(joined):
            return k + 1
    return 0


def _followed_by_quote(lines: list[str], j: int) -> bool:
    while j < len(lines) and not lines[j].strip():
        j += 1
    return j < len(lines) and is_quoted(lines[j])


def _split_shared_line(line: str) -> list[str]:
    """'reply On Wed, ... wrote:' -> ['reply', 'On Wed, ... wrote:']."""
    m = re.search(r"\s(on|pada|le|am|el|op)\s", line, re.I)
    if m and m.start() > 0 and _ATTRIBUTION.match(line[m.start() :].strip()):
        return [line[: m.start()].rstrip().rstrip("-").rstrip(), line[m.start() :].strip()]
    return [line]


def _between_quotes(lines: list[str]) -> list[bool]:
    """For each line, whether the nearest non-blank lines above and below it are quoted; one
    pass each way, so a mail of many lines costs its length, not its length squared (and one
    list of its length)."""
    between: list[bool] = [False] * len(lines)
    last = False
    for i in range(len(lines) - 1, -1, -1):
        between[i] = last  # below
        if lines[i].strip():
            last = is_quoted(lines[i])
    last = False
    for i, line in enumerate(lines):
        between[i] = between[i] and last  # and above
        if line.strip():
            last = is_quoted(line)
    return between


def _drop_quotes(lines: list[str]) -> list[str]:
    kept: list[str] = []
    between = _between_quotes(lines)
    i = 0
    while i < len(lines):
        # A link a client wrapped out of a quoted block: '(http://...) >' between two '>' lines.
        if is_quoted(lines[i]) or (between[i] and _LINK_LINE.match(lines[i])):
            i += 1
            continue
        span = _intro_span(lines, i)
        if span == 0 and _DATE_EMAIL.match(lines[i]) and _followed_by_quote(lines, i + 1):
            span = 1
        if span:
            if _followed_by_quote(lines, i + span):
                i += span
                continue
            break
        kept.append(lines[i])
        i += 1
    return kept


def is_signature_line(line: str) -> bool:
    """A signature marker in any client's convention ("-- ", "Sent from my iPhone", "Salam,")."""
    return bool(_SIG_DELIMITER.match(line) or _MOBILE_SIGNATURE.match(line) or _SIGN_OFF.match(line))


def _sender_block(lines: list[str], sender_name: str) -> int:
    """Index where a trailing block opening with the sender's own name begins, or -1."""
    names = (
        {sender_name.strip().lower(), sender_name.strip().split()[0].lower()}
        if sender_name.strip()
        else set()
    )
    names.discard("")
    for back in range(1, min(7, len(lines)) + 1):
        i = len(lines) - back
        line = lines[i].strip().lower()
        if (
            i > 0
            and line
            and any(line == n or line.startswith(n + " ") or line.startswith(n + ",") for n in names)
            and not lines[i - 1].strip()
        ):
            return i
    return -1


def _postscript(removed: list[str]) -> list[str]:
    """What the sender wrote below their signature: from a postscript ("PS:", "NB:") or a line
    that takes something back ("tapi ...", "Eh jangan dulu", "Kecuali Kabid PAUD") to the end.
    A signature never holds such a line, and dropping it would let the yes above it act alone."""
    for i, line in enumerate(removed):
        if _POSTSCRIPT.match(line) or (
            set(line.lower().replace(",", " ").split()[:3]) & _RESERVATION and not _PRINT_NOTICE.search(line)
        ):
            return removed[i:]
    return []


def strip_signature(text: str, sender_name: str = "") -> str:
    """Remove the signature: from a delimiter or a phone's "Sent from" line, a trailing block
    that opens with the sender's own name, and a trailing sign-off block ("Salam,\\nBudi"); a
    sign-off in the middle of real text stays. A postscript below it stays (`_postscript`)."""
    return _unsigned(text.split("\n"), sender_name)


def _unsigned(lines: list[str], sender_name: str) -> str:
    removed: list[str] = []
    for i, line in enumerate(lines):
        if (_SIG_DELIMITER.match(line) and i > 0) or _MOBILE_SIGNATURE.match(line):
            lines, removed = lines[:i], lines[i:]
            break
    while lines and not lines[-1].strip():
        lines.pop()
    if (cut := _sender_block(lines, sender_name)) > 0:
        lines, removed = lines[:cut], lines[cut:] + removed
        while lines and not lines[-1].strip():
            lines.pop()
    tail = 0
    for back in range(1, min(5, len(lines)) + 1):
        line = lines[-back]
        if not line.strip():
            continue
        if _SIGN_OFF.match(line):
            tail = back
        elif len(line.strip()) > 40 or len(line.split()) > 5:
            break
    if tail:
        lines, removed = lines[:-tail], lines[-tail:] + removed
    elif lines and _SLASH_NAME.match(lines[-1]) and len(lines) > 1:
        lines, removed = lines[:-1], lines[-1:] + removed
    return "\n".join([*lines, "", *_postscript(removed)]).strip()


def extract_new_text(text: str, html: str = "", sender_name: str = "") -> str:
    """The text the sender wrote in this message, without what they replied to."""
    if (not text or text.isspace()) and html:
        text = html_new_text(html)
    if _SOFT_BREAK.search(text) and _QP_ESCAPE.search(text):
        # A body pasted still quoted-printable ("w=\nrote:"): undo it so markers are whole again.
        text = quopri.decodestring(text.encode("utf-8", "replace")).decode("utf-8", "replace")
    read = islice(tidy_lines(text, ANY_BREAK), READ_LINES)
    lines = [part for line in read for part in _split_shared_line(line)]
    return _unsigned(_stripped(_drop_quotes(lines)), sender_name)


def _stripped(lines: list[str]) -> list[str]:
    """The lines of `"\n".join(lines).strip()`, made from the same strings rather than a copy of
    them all (a reply's 20,000 short lines cost more as strings than as text); `lines` may be
    changed."""
    first = next((i for i, line in enumerate(lines) if line.strip()), -1)
    if first < 0:
        return [""]
    last = next(i for i in range(len(lines) - 1, -1, -1) if lines[i].strip())
    if first or last < len(lines) - 1:
        lines = lines[first : last + 1]
    lines[0] = lines[0].lstrip()
    lines[-1] = lines[-1].rstrip()
    return lines
