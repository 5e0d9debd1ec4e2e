"""What stands around a statement on its line and changes nothing: bullets, openers and courtesies,
labels of notes, disclaimers, contact lines (pure).

The reader tries a line as written first, then without its opener, so an opener that is itself a
statement word ("Baik pak, akan segera dilaksanakan") keeps its meaning.
"""

from __future__ import annotations

import re

from mailflow.language import phrases
from mailflow.language.phrases import squash

# "- Sekdis: 6", "• Kabid Dikdas: 4", "1) ...", "2. Kabid PAUD: hadiri": the bullet is no target.
_BULLET = re.compile(r"^(?:[-–—•*·▪►◦○✓✔]|\(?\d{1,2}[.)])\s*+(?=[^\W\d_])")
# Courtesies before what is said: "Alhamdulillah", "Punten,", "Baik Pak Kadis,", "Mohon maaf,".
_OPENER = re.compile(
    r"^(?:(?:alhamdulillah\w*|puji tuhan|puji syukur|syukurlah|punten|nuwun sewu|ngapunten|"
    r"(?:mohon )?maaf|permisi|(?:mohon )?i[zj]in|baik|ok\w*|siap\w*|dear|hi|halo)\b[\s,!.]*)+"
    r"(?:(?:pak|bu|bapak|ibu|bpk\.?)(?:\s+[^\s,]+)?\s*[,!.]\s*)?",
    re.I,
)
# A label in front of a note: "Catatan:", "Nb:", "PS:", "Ket.:".
NOTE_LABEL = re.compile(
    r"^(catatan|cat|note|notes|keterangan|ket|info|n\.?\s?b|p\.?\s?s|fyi)\s*[.]?\s*:\s*(.*)$", re.I
)
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


def without_opener(line: str) -> str:
    """The line less its courtesies; the line itself when nothing would be left."""
    m = _OPENER.match(line)
    rest = line[m.end() :].strip() if m else line
    return rest or line


def is_contact(text: str, verbs: set[str]) -> bool:
    """A name or title followed only by a number or an address: "Bpk. Agus Wibowo (0812-...)".
    A number inside an instruction ("hubungi Pak Slamet (0812-...) utk jadwal") is no contact."""
    if not (phrases.PHONE.search(text) or _EMAIL.search(text)):
        return False
    rest = squash(_EMAIL.sub(" ", phrases.PHONE.sub(" ", text)))
    words = [phrases.ABBREVIATIONS.get(w, w) for w in rest.split()]
    return not any(w in phrases.VERBS or w in verbs or w.isdecimal() for w in words)
