"""Out-of-office texts recognised by their shape, not by single words (pure).

A phone's responder says that its owner is away, until when, and whom to reach meanwhile; it
states nothing about the letter. So a reply is a responder when it has an absence, a return or a
referral (or says it cannot answer now), and no statement of its own: no action, and no ask-back
outside its contact lines. "Maaf pak, saya sedang cuti sampai Jumat." above "Sekdis: mohon
ditindaklanjuti dulu" is a human reply whose disposition acts.
"""

from __future__ import annotations

import re

_WAY = r"(?:sedang|lagi|sdg|lg|masih|saat ini|sementara|saya|sy|kami)"
ABSENCE = re.compile(
    rf"\b(?:{_WAY}\s+(?:\w+\s+)?(?:cuti|dinas luar|dl|tugas luar|di luar kantor|diluar kantor|"
    r"tidak (?:berada )?di kantor|tidak (?:berada )?di ?tempat|"
    r"perjalanan dinas|berada di luar|mengikuti|pelatihan|diklat|bimtek|umroh|umrah|ibadah|menunaikan|"
    r"berhalangan|libur|izin|ijin|sakit|tugas belajar|rawat inap|"
    r"tidak (?:memeriksa|membuka|mengakses|membaca|dapat mengakses) (?:e-?mail|surel|pesan))|"
    r"cuti (?:tahunan|bersama|melahirkan|"
    r"besar|sakit|haji|umroh|alasan penting)|menunaikan ibadah|ibadah (?:haji|umroh|umrah)|"
    r"out of (?:the )?office|on (?:annual |sick |maternity |paternity |parental |study )?leave|"
    r"annual leave|on (?:vacation|holiday)|away from (?:the |my )?(?:office|desk|email)|"
    r"(?:i am|i'm|i will be|i'll be|currently) (?:away|out|travell?ing|attending|on a)|"
    r"attending (?:a |an )?(?:training|course|workshop|conference)|in training|"
    r"limited access to (?:e-?mail|my email)|akses (?:e-?mail|surel) terbatas|"
    r"auto(?:matic)?[- ]?reply|automatic response|balasan otomatis|pesan otomatis|jawaban otomatis)\b",
    re.I,
)
RETURN = re.compile(
    r"\b(?:kembali (?:pada|tanggal|tgl|hari|ke kantor|bertugas|masuk|aktif|bekerja)|"
    r"(?:setelah|sesudah|stlh) (?:saya )?kembali|masuk kembali|aktif kembali|"
    r"(?:sampai|hingga|s\.?\s?d\.?|s/d)(?: dengan| dg)? (?:tanggal|tgl|hari|\d|akhir|"
    r"minggu depan|pekan depan|senin|selasa|rabu|kamis|jum'?at|sabtu|minggu|besok|lusa)|"
    r"until|back (?:on|in|at|by)|return(?:ing)? (?:on|to)|will be back)",
    re.I,
)
REFERRAL = re.compile(
    r"\b(?:hubungi|menghubungi|contact|reach|mendesak|urgent|darurat|penting silakan|"
    r"akan (?:segera )?(?:saya |sy |kami )?(?:balas|jawab|tanggapi|respon)|"
    r"akan di(?:balas|jawab|tanggapi|proses) setelah|"
    r"dapat disampaikan (?:melalui|kepada|ke)|will (?:reply|respond|answer|get back)|"
    r"(?:tidak|belum|tdk|blm) (?:dapat|bisa|sempat) (?:membalas|menjawab|merespon)|"
    r"unable to (?:reply|respond)|delayed response)",
    re.I,
)


def is_responder(text: str, acted: bool, asked_outside_contacts: bool) -> bool:
    """Whether `text`, which read as no action (`acted`) and no ask-back outside contact or
    referral lines, has the shape of an out-of-office text: an absence or a return, and one more
    of absence, return, referral."""
    if acted or asked_outside_contacts:
        return False
    shape = [bool(p.search(text)) for p in (ABSENCE, RETURN, REFERRAL)]
    return (shape[0] or shape[1]) and sum(shape) >= 2


def is_referral_line(line: str) -> bool:
    return bool(REFERRAL.search(line) or ABSENCE.search(line))
