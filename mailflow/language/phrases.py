"""The words of the reply language as officials type them on phones (pure data and small helpers).

Kept apart from the reading itself (replies.py) so that a new phrasing from the field is one line
here. Indonesian first, then English; every list is matched on squashed text (lower case,
stretched letters shrunk, punctuation gone) unless it is a regular expression.
"""

from __future__ import annotations

import re
from functools import lru_cache

import re2

_NOT_WORD = re.compile(r"[^\w\s@.'/-]")
_STRETCHED = re.compile(r"(\w)\1+")


@lru_cache(maxsize=4096)  # the office's names are squashed again for every reply: read once
def squash(text: str) -> str:
    """Lower case, letters and digits only, stretched letters shrunk: 'Siapp!!' -> 'siap'."""
    text = _STRETCHED.sub(r"\1", _NOT_WORD.sub(" ", text.lower()))
    return " ".join(text.replace("_", " ").split())


def _squashed(items) -> set[str]:
    return {squash(item) for item in items}


# Everyday phone abbreviations -> the word they stand for (reply-language.md, "Written as people
# type on phones"). Used to read a line; what is kept (instructions, reports) stays as written.
ABBREVIATIONS = {
    "sdh": "sudah", "udh": "sudah", "udah": "sudah", "sdg": "sedang", "lg": "lagi", "blm": "belum",
    "tdk": "tidak", "gak": "tidak", "utk": "untuk", "dgn": "dengan", "yg": "yang", "krn": "karena",
    "sgr": "segera", "tlg": "tolong", "mhn": "mohon", "dlm": "dalam", "bpk": "bapak", "bp": "bapak",
    "ibu": "ibu", "sy": "saya", "kmi": "kami", "tsb": "tersebut", "trims": "terima kasih",
    "tks": "terima kasih", "td": "tadi", "mksh": "terima kasih", "nmr": "nomor", "nomer": "nomor",
    "pls": "please", "plz": "please", "thx": "thanks",
}  # fmt: skip

# Said to be polite, anywhere in a line; never a target, never an instruction of their own.
POLITE = _squashed({
    "pak", "bu", "bapak", "ibu", "mohon", "tolong", "yth", "ya", "boss", "bos", "bang", "sir", "kak",
    "mas", "mbak", "dear", "om", "segera", "izin", "ijin", "please", "dong", "nggih", "njih", "maam",
    "ndan", "komandan", "inggih",
})  # fmt: skip

# Trailing words after a keyword that change nothing: "arsip saja ya", "batalkan tadi", "selesai pak".
FILLERS = POLITE | _squashed({"saja", "aja", "tadi", "ini", "itu", "deh", "kok", "lho", "thanks", "thank", "you",
                    "terima", "kasih", "makasih", "now", "for", "me",
                    "semua", "semuanya", "dulu", "all"})  # fmt: skip
# A tail of fillers and of junk (emoji, stray signs), stripped in one pass. Anchored at the end, so
# a backtracking engine would try it from every position: RE2 reads it in time linear in the line.
# (RE2's \w and \b are ASCII: letters are named as \pL so "café" keeps its "é".)
FILLER_TAIL = re2.compile(
    r"(?i)(?:[\s,.!;:-]*\b(?:ya+|pak|bu|bapak|ibu|saja|aja|tadi|nggih|njih|please|pls|dong|kak|mas|mbak|"
    r"bos+|sir|deh|thanks|thank you|terima kasih|makasih)\b|[^\pL\pN_)\]\"'?!.]+)+[\s,.!;:-]*$"
)


# "86" is office and police slang for "understood": "Siap 86 pak".
ACK_START = _squashed({"siap", "laksanakan", "baik", "ok", "oke", "okay", "okey", "noted", "diterima", "will",
             "on", "ack", "sip", "copy", "roger", "got", "understood", "acknowledged", "received",
             "oce", "86"})  # fmt: skip
ACK_WORDS = ACK_START | _squashed({
    "do", "it", "kasih", "pak", "dan", "akan", "dilaksanakan", "kami", "saya", "with", "thanks",
    "thank", "you", "that", "segera", "tindaklanjuti", "ditindaklanjuti", "kerjakan", "dikerjakan",
    "laksanakan", "sudah", "diterima", "terima", "noted", "ok", "siap", "the", "instruction", "this",
    "lanjutkan", "lanjut", "mengerti", "paham", "copied", "clear", "sir", "yes",
    "86", "dimengerti", "dipahami", "ndan", "komandan", "wilco",
})  # fmt: skip

ARCHIVE = _squashed({"arsipkan", "arsip", "simpan", "file", "archive", "file it", "diarsipkan", "cukup diarsipkan",
           "cukup arsip", "cukup disimpan", "disimpan", "no action", "no further action",
           "tidak perlu tindak lanjut", "tidak perlu ditindaklanjuti"})  # fmt: skip
UNDO = _squashed({"batal", "batalkan", "undo", "cancel", "batalkan disposisi", "dibatalkan", "scratch that",
        "cancel that", "ignore that", "abaikan", "abaikan disposisi", "tarik", "tarik disposisi",
        "ralat batal"})  # fmt: skip
# What an archive or undo line may name besides its word: "disposisi td dibatalkan dulu".
OBJECT_WORDS = _squashed({"disposisi", "dispo", "surat", "ini", "tsb", "tersebut", "nya", "it", "this", "that",
                 "the", "letter", "disposition", "yang", "tadi"})  # fmt: skip
HELP = _squashed({"bantuan", "help", "panduan", "petunjuk", "bantu", "tolong bantu"})
# A question about where the letter is: only these words, and one of STATUS_MARKS among them.
STATUS_WORDS = _squashed({"status", "statusnya", "posisi", "posisinya", "surat", "ini", "nya", "bagaimana",
                "gimana", "di", "mana", "dimana", "sekarang", "sampai", "sudah", "where",
                "is", "it", "the", "letter", "of", "this", "what", "s", "now", "update", "cek",
                "check", "tolong", "mohon", "info", "progress", "progresnya", "perkembangan",
                "perkembangannya", "terakhir", "latest", "current"})  # fmt: skip
STATUS_MARKS = _squashed({"status", "statusnya", "posisi", "posisinya", "where", "perkembangan",
                "perkembangannya", "progresnya"})  # fmt: skip

_W = {
    "sudah": r"(?:sudah|sdh|udh|udah|telah)", "sedang": r"(?:sedang|sdg|lagi|lg)",
    "saya": r"(?:saya|sy|kami|kmi)", "dalam": r"(?:dalam|dlm)",
}  # fmt: skip
_FOLLOW_UP = (
    r"(?:di)?(?:tindak\s*lanjuti|laksanakan|kerjakan|proses|selesaikan|sosialisasikan|hadiri|sampaikan|edarkan|"
    r"kirim(?:kan)?|teruskan)"
)
DONE = re.compile(
    rf"^({_W['sudah']}\s+selesai|selesai|proses\s+selesai|{_W['sudah']}\s+(?:{_W['saya']}\s+)?{_FOLLOW_UP}|"
    r"done|completed|complete|finished|beres|tuntas|all done|task completed|terlampir\s+laporan\w*|"
    r"laporan\w*\s+terlampir|report\s+attached)\b[\s:,.!-]*(.*)$",
    re.I,
)
PROGRESS = re.compile(
    rf"^({_W['sedang']}\s+(?:{_W['saya']}\s+)?(?:di)?(?:proses|kerjakan|tindaklanjuti|siapkan)|segera\s+diproses|diproses|"
    rf"{_W['dalam']}\s+proses|in\s+progress|working\s+on\s+it|working\s+on\s+this|on\s+progress|otw)"
    r"\b[\s:,.!-]*(.*)$",
    re.I,
)
REPORT = re.compile(r"^(lapor|laporan|report|update)\s*:\s*(.*)$", re.I)
# A done word anywhere in a report, in its phone spellings: "Lapor: rapat sdh dilaksanakan tgl 24".
DONE_WORD = re.compile(
    rf"\b(selesai|{_W['sudah']}\s+(?:{_W['saya']}\s+)?{_FOLLOW_UP}|ditindaklanjuti|done|completed|finished|"
    r"beres|tuntas)\b",
    re.I,
)
ACK_PREFIX = re.compile(r"^(ok\w*|oke\w*|baik|siap\w*|noted)[\s,!.]*((pak|bu|ya)\b[\s,!.]*)?", re.I)

# Lines that greet or take leave, whatever the faith or the language; never statements.
GREETING = re.compile(
    r"^(yth\.?(\s.*)?|dear\b.*|hi\b.*|halo\b.*|hallo\b.*|hello\b.*|"
    r"ass?\.?\s*wr\.?\s*wb\.?|ass?alamu.?alaikum.*|wa.?alaikum.*|wr\.?\s*wb\.?|"
    r"selamat (pagi|siang|sore|malam)\b.*|om swastiastu\b.*|om shanti.*|shalom\b.*|namo buddhaya\b.*|"
    r"salam sejahtera\b.*|salam kebajikan\b.*|salam\b.*|tabik\b.*|sampurasun\b.*|horas\b.*|"
    r"terima ?kasih\b.*|makasih\b.*|matur (nuwun|suwun)\b.*|trims\b.*|thanks?\b.*|thank you\b.*|"
    r"tks\b.*|thx\b.*|mksh\b.*|suwun\b.*|nuwun\b.*|hatur nuhun\b.*|"
    r"regards\b.*|best\b.*|wassalam.*|hormat (saya|kami)\b.*|sincerely\b.*|cheers\b.*|"
    r"good (morning|afternoon|evening)\b.*)$",
    re.I,
)
# Academic and religious titles around a typed name: "Drs. H. Budi Santoso, M.Si."
NAME_TITLES = re.compile(r"^((drs?|dra|ir|hj?|prof|drg|kh|dr\.?\s*h)\.?\s+)+", re.I)

# A phone number: "0812-3456-7890", "+62 812 3456 7890", "(0335) 421234" (never a date).
PHONE = re.compile(
    r"(\+\d{1,3}[\s.-]?\d{2,4}[\s.-]?\d{3,4}[\s.-]?\d{3,5}\b|\b08\d{1,3}[\s.-]?\d{3,4}[\s.-]?\d{3,5}\b|"
    r"\(0\d{2,3}\)\s?\d{5,8}\b)"
)
ABBREVIATIONS = {squash(k): squash(v) for k, v in ABBREVIATIONS.items()}

# Title abbreviations that name every position whose title they abbreviate (reply-language.md).
TITLE_ABBREVIATIONS = {
    "kabid": "kepala bidang", "kasubbag": "kepala subbagian", "kasubag": "kepala subbagian",
    "kabag": "kepala bagian", "kasi": "kepala seksi", "kasie": "kepala seksi", "sek": "sekretaris",
    "kadis": "kepala dinas", "kaban": "kepala badan", "kasubbid": "kepala subbidang",
}  # fmt: skip
TITLE_ABBREVIATIONS = {squash(k): squash(v) for k, v in TITLE_ABBREVIATIONS.items()}

# Verbs an instruction starts with (roots); their di-/me- forms count too ("dipelajari",
# "mempelajari", "menindaklanjuti"). A target without a separator must be followed by one.
VERB_ROOTS = (
    "pelajari", "sosialisasikan", "proses", "tindaklanjuti", "hadiri", "wakili", "siapkan",
    "koordinasikan", "koordinasi", "konfirmasikan", "laksanakan", "arsipkan", "bicarakan", "telaah",
    "edarkan", "jawab", "teliti", "pantau", "ingatkan", "selesaikan", "catat", "perhatikan", "buatkan",
    "jadwalkan", "agendakan", "hubungi", "bantu", "dampingi", "kawal", "monitor", "susun",
    "kirim", "kirimkan", "lengkapi", "undang", "inventarisasi", "verifikasi", "usulkan", "rapatkan", "tanggapi", "periksa", "cek", "kaji", "tindak", "fasilitasi",
    "follow", "review", "prepare", "attend", "handle", "check", "process", "study", "coordinate",
    "inform", "discuss", "draft", "reply", "respond",
)  # fmt: skip
# Words that may stand between a target and its verb: "Sekretaris agar mempelajari", "untuk ...".
INSTRUCTION_LEADS = _squashed({"untuk", "agar", "supaya", "harap", "mohon", "tolong", "segera", "dapat", "bisa",
                     "silakan", "silahkan", "please", "for", "to", "kindly", "utk", "sgr", "mhn", "tlg"})  # fmt: skip


def verb_forms(root: str) -> set[str]:
    """A root with its Indonesian di-/me- forms, nasal assimilation included."""
    forms = {root, "di" + root, "me" + root, "mem" + root, "men" + root, "meng" + root, "memper" + root}
    first = root[0]
    if first == "s":
        forms.add("meny" + root[1:])
    if first == "p":
        forms.add("mem" + root[1:])
    if first == "t":
        forms.add("men" + root[1:])
    if first == "k":
        forms.add("meng" + root[1:])
    return forms


VERBS = _squashed(form for root in VERB_ROOTS for form in verb_forms(root))
