"""What stands around a statement on its line and changes nothing: bullets, openers and courtesies,
labels of notes, disclaimers, contact lines (pure).

The reader tries a line as written first, then without its opener, so an opener that is itself a
statement word ("Baik pak, akan segera dilaksanakan") keeps its meaning.
"""

from __future__ import annotations

import re

from mailflow.language import phrases
from mailflow.language.phrases import squash

# "- Sekdis: 6", "• Kabid Dikdas: 4", "1) ...", "a. ...", "✅ Sudah selesai": the bullet is no target.
_BULLET = re.compile(r"^(?:(?:[^\w\s(\[#@\"']++|\(?\d{1,2}[.)]|[a-hA-H][.)](?=\s))\s*+)++(?=[^\W\d_])")
# Courtesies before what is said: "Alhamdulillah", "Punten,", "Baik Pak Kadis,", "Terima kasih pak,".
_COURTESY = (
    r"yth|dengan hormat|wa.?alaikum\w*|ass?\.?\s*wr\.?\s*wb|alhamdulillah\w*|bismillah\w*|puji tuhan|"
    r"puji syukur|syukurlah|punten|nuwun sewu|ngapunten|inggih|"
    r"(?:mohon )?maaf(?: (?:terlambat|telat|baru (?:balas|sempat)))?|permisi|(?:mohon )?i[zj]in|baik|ok\w*|"
    r"siap\w*|dear|hi|halo|hallo|hello|terima ?kasih(?: banyak)?|makasih|matur (?:nuwun|suwun)|tks|thx|"
    r"thanks?(?: you)?|ass?alamu.?alaikum(?: wr\.? ?wb\.?)?|shalom|om swastiastu|salam|"
    r"selamat (?:pagi|siang|sore|malam)|good (?:morning|afternoon|evening)|"
    r"sorry for the (?:delay|late reply)|apologies for the delay"
)
# One courtesy, and the address that may follow it: "Terima kasih pak, ", "Baik Pak Kadis, ".
_OPENER = re.compile(
    rf"^(?:{_COURTESY})\b[\s,!.]*+(?:(?:pak|bu|bapak|ibu|bpk\.?|sir|mas|mbak|ndan)(?:\s+[^\s,]+)?\s*[,!.]\s*)?",
    re.I,
)
MAX_OPENERS = 4
# A label in front of a note: "Catatan:", "Nb:", "PS:", "Ket.:".
NOTE_LABEL = re.compile(
    r"^(?:(?:catatan|cat|note|notes|keterangan|ket|info|n\.?\s?b|p\.?\s?s|fyi)\s*[.]?\s*:|n\.\s?b\.|p\.\s?s\.)"
    r"\s*(.*)$",
    re.I,
)
# "X: text" whose X says what kind of remark follows, never whom it is for: the line is a note.
REMARK = {
    squash(w)
    for w in ("penting", "pengumuman", "reminder", "important", "urgent", "tambahan", "update", "nb", "ps",
              "fyi", "hal", "perihal", "ket", "note", "info")
}  # fmt: skip
# The start of a disclaimer footer: what follows is boilerplate, not the official's words.
DISCLAIMER = re.compile(
    r"^(?:(?:perhatian|disclaimer|peringatan|pemberitahuan|confidentiality(?: notice)?|important notice)"
    r"\s*[:.!-]|(?:e-?mail|surel|pesan) ini (?:dan|beserta|bersifat|hanya|ditujukan|mungkin)"
    r"|this (?:e-?mail|message) (?:and|is|may|contains))",
    re.I,
)
_EMAIL = re.compile(r"\b[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+\b")


def unbullet(line: str) -> str:
    return line[m.end() :] if (m := _BULLET.match(line)) else line


def openings(line: str) -> list[str]:
    """The line less one, two, ... of its courtesies: "Puji Tuhan, Siap, segera kami
    tindaklanjuti" is also "Siap, segera kami tindaklanjuti" (an acknowledgement)."""
    found = []
    for _ in range(MAX_OPENERS):
        m = _OPENER.match(line)
        if m is None or not line[m.end() :].strip():
            break
        line = line[m.end() :].strip()
        found.append(line)
    return found


# Words a contact line may hold besides names (capitalised), numbers and addresses.
_CONTACT_WORDS = {
    squash(w)
    for w in ("pak", "bu", "bpk", "bp", "ibu", "sdr", "sdri", "hp", "wa", "telp", "tlp", "tel", "no", "nomor",
              "ext", "email", "e-mail", "di", "via", "atau", "or", "dan", "and", "kontak", "contact", "phone",
              "mobile", "whatsapp")
}  # fmt: skip
_HONORIFIC_WORDS = {squash(w) for w in ("pak", "bu", "bpk", "bp", "ibu", "sdr", "sdri", "bapak")}
_TOKEN = re.compile(r"[^\W\d_][\w'-]*")


def is_contact(text: str, people: frozenset[str] = frozenset()) -> bool:
    """A name or title followed only by a number, an address or a person: "Bpk. Agus Wibowo
    (0812-...)", "Sekretaris: Agus Wibowo" under a responder. A number inside an instruction
    ("tolong telp ke (0335) 421234 konfirmasi") is no contact, nor is "Sekretaris: Pelajari"."""
    rest = _EMAIL.sub(" ", phrases.PHONE.sub(" ", text))
    tokens = [squash(t) for t in _TOKEN.findall(rest)]
    reached = rest != text or any(t in people or t in _HONORIFIC_WORDS for t in tokens)
    return (
        reached
        and all(t[0].isupper() or squash(t) in _CONTACT_WORDS for t in _TOKEN.findall(rest))
        and not any(phrases.ABBREVIATIONS.get(t, t) in phrases.VERBS for t in tokens)
    )


def is_number_line(text: str) -> bool:
    """Only a label and a phone number: "HP: 0812-9999-0000", signature text."""
    rest = phrases.PHONE.sub(" ", text)
    return (
        rest != text
        and not any(c.isdigit() for c in rest)
        and all(squash(t) in _CONTACT_WORDS for t in _TOKEN.findall(rest))
    )
