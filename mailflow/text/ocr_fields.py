"""Registry fields from OCR text: the text layer's extractors after mending what OCR gets wrong.

OCR misreads labels (`Nomer`, `N0mor`, `Perihal :` with the value on the next line) and letters
for digits in numbers (`O`/`0`, `l`/`1`). The mending is done line by line before the same
`pdf_fields` that reads a born-digital PDF, so both paths agree on what a letter says.
"""

from __future__ import annotations

import re
from dataclasses import replace

from mailflow.domain import LetterFields, Source
from mailflow.text.fields import pdf_fields

# A misread label at the start of a line -> the label pdf_fields knows.
_LABEL_NOISE = (
    (re.compile(r"^\s*+[NHM][o0O](?:rn|m+|n+)[o0Oe][rt]\b\.?", re.I), "Nomor"),
    (re.compile(r"^\s*+N[o0O]\s*[.,]", re.I), "Nomor"),
    (re.compile(r"^\s*+S[il1|]f[a@]t\b", re.I), "Sifat"),
    (re.compile(r"^\s*+L[a@]mp[il1|]r[a@]n\b", re.I), "Lampiran"),
    (re.compile(r"^\s*+Per[il1|]h[a@][l1I|]\b", re.I), "Perihal"),
    (re.compile(r"^\s*+H[a@][l1I|]\b", re.I), "Hal"),
)
# A label with its separator (":", or what OCR made of it) and the value, if on the same line.
_LABELLED = re.compile(
    r"^\s*+(Nomor|Sifat|Lampiran|Perihal|Hal)\s*(?:[:;=\-\u2013]+|[.,]\s*:?|$)\s*(.*)$", re.I
)
_ORPHAN = re.compile(r"^\s*+[:;.]\s*(\S.*)$")  # a value whose label OCR put on another line
# Inside a letter number: letters OCR gives for the digits they resemble.
_DIGIT_LOOKALIKES = str.maketrans(
    {"O": "0", "o": "0", "D": "0", "l": "1", "I": "1", "|": "1", "S": "5", "B": "8"}
)
_ROMAN = re.compile(r"\b(?=[Il1]*I)[Il1]{2,4}\b")  # "Triwulan Ill": OCR's l and 1 for I in III
# Words of Indonesian government letterheads, for mending a kop word OCR got one look-alike
# letter wrong in ("DAFRAH", "KFUANGAN", "PEMERlNTAH").
KOP_WORDS = frozenset({
    "PEMERINTAH", "KABUPATEN", "KOTA", "PROVINSI", "KEMENTERIAN", "REPUBLIK", "INDONESIA",
    "SEKRETARIAT", "DAERAH", "DINAS", "BADAN", "KANTOR", "DIREKTORAT", "JENDERAL", "BIRO", "BAGIAN",
    "KECAMATAN", "KELURAHAN", "DESA", "INSPEKTORAT", "SATUAN", "POLISI", "PAMONG", "PRAJA",
    "PERENCANAAN", "PEMBANGUNAN", "KEUANGAN", "PENDAPATAN", "ASET", "KEPEGAWAIAN", "PENGEMBANGAN",
    "SUMBER", "DAYA", "MANUSIA", "PENDIDIKAN", "KEBUDAYAAN", "KESEHATAN", "SOSIAL", "PEKERJAAN",
    "UMUM", "PENATAAN", "RUANG", "PERUMAHAN", "KAWASAN", "PERMUKIMAN", "KOMUNIKASI", "INFORMATIKA",
    "STATISTIK", "PERSANDIAN", "PERHUBUNGAN", "LINGKUNGAN", "HIDUP", "KEPENDUDUKAN", "PENCATATAN",
    "SIPIL", "PEMBERDAYAAN", "MASYARAKAT", "PEREMPUAN", "PERLINDUNGAN", "ANAK", "PENGENDALIAN",
    "PENDUDUK", "KELUARGA", "BERENCANA", "TENAGA", "KERJA", "KOPERASI", "USAHA", "MIKRO", "PENANAMAN",
    "MODAL", "PELAYANAN", "TERPADU", "PINTU", "KEPEMUDAAN", "OLAHRAGA", "PARIWISATA", "PERPUSTAKAAN",
    "KEARSIPAN", "PERIKANAN", "PERTANIAN", "KETAHANAN", "PANGAN", "PERDAGANGAN", "PERINDUSTRIAN",
    "PENANGGULANGAN", "BENCANA", "KESATUAN", "BANGSA", "POLITIK", "RUMAH", "SAKIT", "REGIONAL",
    "DALAM", "NEGERI", "BINA", "ADMINISTRASI", "KEWILAYAHAN", "OTONOMI", "PEMERINTAHAN", "DAN",
    "SERTA", "NASIONAL",
})  # fmt: skip
KOP_LINES = 4
# What OCR reads for a capital letter it confused: the letter it stands for.
_CAPITAL_LOOKALIKES = {
    "F": "E",
    "0": "O",
    "1": "I",
    "l": "I",
    "|": "I",
    "5": "S",
    "8": "B",
    "P": "R",
    "R": "P",
}
_NUMBER = re.compile(r"^(Nomor : )(\S+(?:\s*/\s*\S+)*)")


def mend(text: str) -> str:
    """OCR text with its labels and letter numbers as a typist wrote them: `Label : value` lines."""
    lines = [line for line in text.splitlines() if line.strip()]
    for index, line in enumerate(lines):
        for pattern, label in _LABEL_NOISE:
            if pattern.match(line):
                lines[index] = pattern.sub(label, line, count=1)
                break
    for index, line in enumerate(lines[:KOP_LINES]):
        if sum(c.isupper() for c in line) < sum(c.isalpha() for c in line) - 2:
            break  # the letterhead ends where mixed-case text begins
        lines[index] = mend_kop(line)
    out: list[str] = []
    taken: set[int] = set()
    for index, line in enumerate(lines):
        if index in taken:
            continue
        m = _LABELLED.match(line)
        if m is None:
            out.append(line)
            continue
        label, value = m[1].capitalize(), m[2].strip().lstrip(":;-\u2013. ").strip()
        if not value:  # the value on the next line, or (read out of order) a ": value" just before
            value = _value_nearby(lines, index, taken, out)
        line = f"{label} : {value}"
        if label in ("Hal", "Perihal"):
            line = _ROMAN.sub(lambda r: "I" * len(r[0]), line)
        if n := _NUMBER.match(line):
            number = "/".join(_number_part(p.strip()) for p in n[2].split("/"))
            line = n[1] + number + line[n.end() :]
        out.append(line)
    return "\n".join(out)


def _value_nearby(lines: list[str], index: int, taken: set[int], out: list[str]) -> str:
    after = index + 1
    if after < len(lines) and not _LABELLED.match(lines[after]):
        taken.add(after)
        return lines[after].strip().lstrip(":;-\u2013. ").strip()
    if out and (orphan := _ORPHAN.match(out[-1])):
        out.pop()
        return orphan[1].strip()
    return ""


def mend_kop(line: str) -> str:
    """A letterhead line with each word one confusable letter from a kop word set right."""
    return " ".join(_kop_word(word) for word in line.split())


def _kop_word(word: str) -> str:
    if word in KOP_WORDS or sum(c.isupper() for c in word) < len(word) - 1:
        return word
    for index, char in enumerate(word):
        meant = _CAPITAL_LOOKALIKES.get(char)
        if meant and (fixed := word[:index] + meant + word[index + 1 :]) in KOP_WORDS:
            return fixed
    return word


def _number_part(part: str) -> str:
    """A letter number's part made of digits and their look-alikes only ("OO5", "l2") was digits;
    one with other letters ("SM", "Dinkes") is a word and stays as it is."""
    digits = part.translate(_DIGIT_LOOKALIKES)
    return digits if any(c.isdigit() for c in part) and all(c.isdigit() or c == "." for c in digits) else part


def ocr_fields(text: str) -> LetterFields:
    """Fields of a scan's OCR text, each marked as read by OCR."""
    fields = pdf_fields(mend(text))
    return replace(fields, sources={name: Source.OCR for name in fields.sources})
