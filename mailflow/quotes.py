"""The new text of a reply: quoted text, attribution lines and signatures removed (pure).

Implements "What counts as quoted text or signature" of reply-language.md. Top, bottom and
inline posting are all read: `>` lines are dropped wherever they stand, while an unprefixed
original (Outlook header block, Gmail HTML rendered as text) cuts everything after it.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup

from mailflow.htmltext import html_to_text

_ATTRIBUTION = re.compile(
    r"^\s*(on\b.{0,200}\bwrote\s*:|pada\b.{0,200}\bmenulis\s*:|.{0,200}\bmenulis\s*:|"
    r"le\b.{0,200}\ba écrit\s*:|am\b.{0,200}\bschrieb\s*:|el\b.{0,200}\bescribió\s*:|"
    r"op\b.{0,200}\bschreef\b.{0,80}:|.{0,200}\bwrote\s*:)\s*$",
    re.I,
)
_ATTRIBUTION_START = re.compile(r"^\s*(on|pada|le|am|el|op)\b.{0,200}$", re.I)
_ATTRIBUTION_END = re.compile(r"^.{0,200}\b(wrote|menulis|a écrit|schrieb|escribió|schreef)\s*:\s*$", re.I)
_SEPARATOR = re.compile(
    r"^\s*(-{2,}\s*(original message|pesan asli|pesan orisinal|pesan diteruskan|"
    r"forwarded message|pesan yang diteruskan|ursprüngliche nachricht|message d'origine)\s*-{2,}|"
    r"begin forwarded message:|_{20,}|-{20,})\s*$",
    re.I,
)
_HEADER = re.compile(
    r"^\s*\*?(from|dari|sent|date|dikirim|terkirim|tanggal|to|kepada|subject|subjek|perihal|cc)"
    r"\*?\s*:",
    re.I,
)
_SIGNATURE = re.compile(
    r"^\s*(--\s*|—\s*|sent from my\b.*|sent from \w+( \w+)?$|sent via\b.*|"
    r"dikirim dari\b.*|dapatkan outlook untuk\b.*|get outlook for\b.*|"
    r"sent from yahoo mail\b.*|diketik dari\b.*|kirim dari\b.*)\s*$",
    re.I,
)
_QUOTE_CLASSES = re.compile(
    r"gmail_quote|yahoo_quoted|moz-cite-prefix|protonmail_quote|zmail_extra|gmail_attr|"
    r"AppleOriginalContents",
    re.I,
)
# Outlook puts the original after its header block as siblings, not inside a container.
_CUT_AFTER = re.compile(r"divRplyFwdMsg|OLK_SRC_BODY_SECTION|ms-outlook-mobile-reference", re.I)


def strip_html_quotes(html: str) -> str:
    """Drop the quote containers phone and web clients put around the original."""
    soup = BeautifulSoup(html, "html.parser")
    cut_after = None
    for tag in soup.find_all(True):
        if tag.decomposed:
            continue
        ident = " ".join([*tag.get("class", []), tag.get("id") or "", tag.get("name") or ""])
        if _CUT_AFTER.search(ident) or tag.name == "hr":
            cut_after = tag
            break
        if tag.name == "blockquote" or _QUOTE_CLASSES.search(ident):
            tag.decompose()
    if cut_after is not None:
        for later in list(cut_after.find_all_next()):
            if not later.decomposed:
                later.decompose()
        cut_after.decompose()
    return str(soup)


def _is_header_block(lines: list[str], i: int) -> bool:
    """Two or more header lines in a row, starting with From/Dari: an unprefixed original."""
    if not re.match(r"^\s*\*?(from|dari)\*?\s*:", lines[i], re.I):
        return False
    following = [ln for ln in lines[i + 1 : i + 6] if ln.strip()]
    return sum(bool(_HEADER.match(ln)) for ln in following[:4]) >= 2


def _cut(lines: list[str]) -> int:
    """Index of the first line of an unprefixed original, or len(lines)."""
    for i, line in enumerate(lines):
        if _SEPARATOR.match(line) or _is_header_block(lines, i):
            return i
        attribution = _ATTRIBUTION.match(line) or (
            _ATTRIBUTION_START.match(line)
            and i + 1 < len(lines)
            and _ATTRIBUTION_END.match(lines[i + 1])
            and not _ATTRIBUTION.match(lines[i + 1])
        )
        if attribution:
            rest = [ln for ln in lines[i + 1 :] if ln.strip()]
            if rest and _ATTRIBUTION_END.match(rest[0]) and not line.rstrip().endswith(":"):
                rest = rest[1:]
            if not rest or not rest[0].lstrip().startswith(">"):
                return i
    return len(lines)


def extract_new_text(text: str, html: str = "") -> str:
    """The text the sender wrote in this message, without what they replied to."""
    if not text.strip() and html:
        text = html_to_text(strip_html_quotes(html))
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines = lines[: _cut(lines)]
    kept: list[str] = []
    in_signature = False
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith(">"):
            in_signature = False
            if kept and (_ATTRIBUTION.match(kept[-1]) or _ATTRIBUTION_END.match(kept[-1])):
                kept.pop()
                if kept and _ATTRIBUTION_START.match(kept[-1]):
                    kept.pop()
            continue
        if _SIGNATURE.match(line) and (line.rstrip() in ("--", "-- ") or _signature_tail(lines, i)):
            in_signature = True
            continue
        if in_signature:
            continue
        kept.append(line)
    while kept and (_ATTRIBUTION.match(kept[-1]) or not kept[-1].strip()):
        kept.pop()
    return "\n".join(kept).strip()


def _signature_tail(lines: list[str], i: int) -> bool:
    """A 'Sent from' style line counts as a signature when little unquoted text follows it."""
    rest = [ln for ln in lines[i + 1 :] if ln.strip() and not ln.lstrip().startswith(">")]
    return len(rest) <= 4
