"""A fresh set of 150 phone replies, written from the contract (shared reply-language page, the
issue's classes and rules/) by an outsider before the product read any of them.

Each case is the new text one official types, who they are (the holder of the request answered:
its numbered list is 1 Sekretaris, 2 Kabid Dikdas, 3 Kabid PAUD for the Kepala Dinas, and
1 Kasubbag Umum for the Sekretaris), and the reading expected. Today is Wednesday 25 November 2026.
Deadlines: an ISO date, "" for the urgency's default (none stated), "*" for any stated date
(phrases whose exact day the contract leaves open: "sebelum", "akhir bulan", "pekan depan").
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class S:
    """One statement: kind, target positions (any order), codes, words the instruction holds."""

    kind: str
    targets: tuple[str, ...] = ()
    codes: tuple[int, ...] = ()
    words: str = ""
    deadline: str = ""


@dataclass(frozen=True)
class Ask:
    """A line asked back; candidates (position ids) it must offer, None when not checked."""

    reason: str
    candidates: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Case:
    text: str
    cls: str
    acts: tuple[S, ...] = ()  # statements that act, in order (notes not listed)
    proposes: tuple[S, ...] = ()  # close readings proposed ("Balas YA"); asking back with their targets as candidates is right too
    asks: tuple[Ask, ...] = ()
    auto: bool = False  # an out-of-office text: neither acted on nor answered
    holder: str = "kadis"
    flowed: bool = False  # sent as format=flowed (RFC 3676)

    @property
    def outcome(self) -> str:
        if self.auto:
            return "ignored"
        if self.asks:
            return "asked"
        if self.proposes:
            return "proposed"
        return "acted" if self.acts else "notes"


SEK, DIK, PAUD, KSB = "sekretaris", "kabid_dikdas", "kabid_paud", "kasubbag_umum"
ALL = (SEK, DIK, PAUD)


def D(targets: str | tuple[str, ...], codes: tuple[int, ...] = (), words: str = "", deadline: str = "") -> S:
    return S("dispose", (targets,) if isinstance(targets, str) else targets, codes, words, deadline)


ACK, ARCHIVE, UNDO, DONE, PROGRESS, STATUS, HELP = (
    S(k) for k in ("acknowledge", "archive", "undo", "done", "progress", "status", "help")
)

PLAIN = "plain dispositions typed on phones"
TITLES = "titles as listed, shortened or misspelt"
DEADLINES = "deadlines in official and phone spellings"
REASON = "statement word followed by a reason"
COURTESY = "openers and courtesies before a statement"
FRAME = "greetings, closings, signatures, quotes, bullets around statements"
FLOWED = "format=flowed text"
XTEXT = "lines shaped like 'X: text' that are not targets"
PHONE = "phone numbers in dispositions and contact lines"
NAMES = "first names with a courtesy; semua / semua kecuali"
LEAVE = "leave mentioned in a human reply"
RESPONDER = "responders without the usual keywords"
ASKBACK = "wrong targets, codes or deadlines asked back"
NOTE = "free text with nothing near"
ENGLISH = "mixed Indonesian/English"

CASES: list[Case] = [
    # --- plain dispositions
    Case("Sekdis: pelajari dan siapkan jawaban\n\nDikirim dari iPhone saya", PLAIN, (D(SEK, words="pelajari dan siapkan jawaban"),)),
    Case("Yth. Sekretaris - mhn ditindaklanjuti, batas 3 hari\nTks", PLAIN, (D(SEK, words="ditindaklanjuti", deadline="2026-11-30"),)),
    Case("Kabid Dikdas: 5, 7 paling lambat tgl 4/12", PLAIN, (D(DIK, (5, 7), deadline="2026-12-04"),)),
    Case("1: hadiri dan laporkan hasilnya", PLAIN, (D(SEK, words="hadiri dan laporkan"),)),
    Case("2, 3: 4", PLAIN, (D((DIK, PAUD), (4,)),)),
    Case("Sekdis -> 9 dlm 2 hari", PLAIN, (D(SEK, (9,), deadline="2026-11-27"),)),
    Case("Kabid dikdas => koordinasikan dgn korwil, 2x24 jam", PLAIN, (D(DIK, words="koordinasikan", deadline="2026-11-27"),)),
    Case("Sekretaris, Kabid Dikdas: 6 batas 3 hari kerja", PLAIN, (D((SEK, DIK), (6,), deadline="2026-11-30"),)),
    Case("sekdis : 12", PLAIN, (D(SEK, (12,)),)),
    Case("SEKDIS: MOHON DIPELAJARI", PLAIN, (D(SEK, words="dipelajari"),)),
    Case("Kabid Dikdas & Kabid PAUD: 3 - tolong koordinasi dgn Bappeda", PLAIN, (D((DIK, PAUD), (3,), words="bappeda"),)),
    Case("Sekdis: 2 besok", PLAIN, (D(SEK, (2,), deadline="2026-11-26"),)),
    Case("Sekdis: siapkan bahan rapat hari ini", PLAIN, (D(SEK, words="siapkan bahan rapat", deadline="2026-11-25"),)),
    Case("Kabid PAUD: 8 lusa", PLAIN, (D(PAUD, (8,), deadline="2026-11-27"),)),
    Case("Semua: 4", PLAIN, (D(ALL, (4,)),)),
    Case("Sekretaris pelajari dan sosialisasikan", PLAIN, (D(SEK, words="pelajari dan sosialisasikan"),)),
    Case("Sekdis tlg siapkan jawaban", PLAIN, (D(SEK, words="siapkan jawaban"),)),
    Case("Rina: 5", PLAIN, (D(DIK, (5,)),)),
    Case("Agus Wibowo: hadiri rapat di Bappeda", PLAIN, (D(SEK, words="hadiri rapat"),)),
    Case("Kepada Kabid Dikdas: mohon dipelajari dan diberikan tanggapan", PLAIN, (D(DIK, words="tanggapan"),)),
    Case("Tolong Sekdis: 2, 9 paling lambat 3 hari", PLAIN, (D(SEK, (2, 9), deadline="2026-11-30"),)),
    Case("1 dan 2: 4", PLAIN, (D((SEK, DIK), (4,)),)),
    Case("Sekdis: 6 ,9 .", PLAIN, (D(SEK, (6, 9)),)),
    Case("Kasubbag umum: 6 batas 2x24 jam", PLAIN, (D(KSB, (6,), deadline="2026-11-27"),), holder=SEK),
    # --- titles
    Case("Kepala Bidang PAUD dan Pendidikan Nonformal: 2", TITLES, (D(PAUD, (2,)),)),
    Case("Kepala Bidang Pendidikan Dasar: 6, 9", TITLES, (D(DIK, (6, 9)),)),
    Case("Sekretaris Dinas Pendidikan: 4", TITLES, (D(SEK, (4,)),)),
    Case("Kepala Bidang PAUD dan Pendidikan Nonformal, Kepala Bidang Pendidikan Dasar: 7", TITLES, (D((PAUD, DIK), (7,)),)),
    Case("Kepala Bidang PAUD: 5", TITLES, proposes=(D(PAUD, (5,)),)),
    Case("Kabid Dik Das: 6", TITLES, proposes=(D(DIK, (6,)),)),
    Case("Sekertaris: 9", TITLES, proposes=(D(SEK, (9,)),)),
    Case("Kbid PAUD: 4", TITLES, proposes=(D(PAUD, (4,)),)),
    Case("Sekdin: 6", TITLES, proposes=(D(SEK, (6,)),)),
    Case("Kabid Dikdas, Kabid Paudni: 7", TITLES, proposes=(D((DIK, PAUD), (7,)),)),
    Case("Kabid Pendidikan Dsr: 5 batas 3 hari", TITLES, proposes=(D(DIK, (5,), deadline="2026-11-30"),)),
    Case("Kabid: 4", TITLES, asks=(Ask("ambiguous_target", (DIK, PAUD)),)),
    Case("Kabid PAUD dan Pendidikan Non Formal: 7", TITLES, proposes=(D(PAUD, (7,)),)),
    Case("Sekretariat: 6", TITLES, proposes=(D(SEK, (6,)),)),
    # --- deadlines
    Case("Sekdis: 9 s.d. 4 Des", DEADLINES, (D(SEK, (9,), deadline="2026-12-04"),)),
    Case("Kabid Dikdas: 5 sd tgl 11", DEADLINES, (D(DIK, (5,), deadline="2026-12-11"),)),
    Case("Sekdis: siapkan jawaban selambat2nya tgl 10/12", DEADLINES, (D(SEK, words="siapkan jawaban", deadline="2026-12-10"),)),
    Case("Kabid PAUD: 7 sblm tgl 18", DEADLINES, (D(PAUD, (7,), deadline="*"),)),
    Case("Sekdis: 12 akhir bulan", DEADLINES, (D(SEK, (12,), deadline="*"),)),
    Case("Kabid Dikdas: 6 pekan depan", DEADLINES, (D(DIK, (6,), deadline="*"),)),
    Case("Sekdis: 2 paling lambat Senin", DEADLINES, (D(SEK, (2,), deadline="2026-11-30"),)),
    Case("Kabid Dikdas: 5 selambat-lambatnya tanggal 3 Desember 2026", DEADLINES, (D(DIK, (5,), deadline="2026-12-03"),)),
    Case("Kabid PAUD: 12, dlm 3 hr", DEADLINES, (D(PAUD, (12,), deadline="2026-11-30"),)),
    Case("Sekdis: 2 paling lambat hari Kamis", DEADLINES, (D(SEK, (2,), deadline="2026-11-26"),)),
    Case("Sekdis: 6 minggu depan", DEADLINES, (D(SEK, (6,), deadline="*"),)),
    Case("Sekdis: 9 paling lambat tgl 4/12 pkl 10.00", DEADLINES, (D(SEK, (9,), deadline="2026-12-04"),)),
    Case("Sekdis: 6 dan 9 batas 3 hr krj", DEADLINES, (D(SEK, (6, 9), deadline="2026-11-30"),)),
    Case("Kabid Dikdas: 5 s.d. 19 Feb", DEADLINES, (D(DIK, (5,), deadline="2027-02-19"),)),
    Case("Sekdis: 9 batas tanggal duabelas", DEADLINES, proposes=(D(SEK, (9,), deadline="*"),)),
    Case("Sekdis: 2 secepatnya, paling lambat awal minggu dpn", DEADLINES, proposes=(D(SEK, (2,), deadline="*"),)),
    # --- a statement word followed by a reason
    Case("Arsip aja, sdh dibahas di rapim", REASON, (ARCHIVE,)),
    Case("Please file it, no action needed", REASON, (ARCHIVE,)),
    Case("Simpan dulu, nanti sy lihat lagi", REASON, (ARCHIVE,)),
    Case("Maaf, disposisi td dibatalkan dulu", REASON, (UNDO,)),
    Case("Batal pak, salah kirim", REASON, (UNDO,)),
    Case("Tdk perlu ditindaklanjuti, arsipkan saja", REASON, (ARCHIVE,)),
    Case("Siap, segera kami koordinasikan dgn sekolah", REASON, (ACK,), holder=DIK),
    Case("Sdg diproses pak, menunggu data dr sekolah", REASON, (PROGRESS,), holder=DIK),
    Case("Dalam proses, besok sy laporkan", REASON, (PROGRESS,), holder=DIK),
    Case("Sudah dilaksanakan pak. Laporan terlampir", REASON, (DONE,), holder=DIK),
    Case("Selesai: sdh disosialisasikan ke 24 SD", REASON, (DONE,), holder=DIK),
    Case("Lapor: rapat koordinasi sdh dilaksanakan tgl 24", REASON, (DONE,), holder=DIK),
    Case("Laporan: data sdh terkumpul 60%", REASON, (PROGRESS,), holder=DIK),
    Case("In progress, will update by Friday", REASON, (PROGRESS,), holder=PAUD),
    Case("Arsip saja krn sdh kadaluarsa", REASON, (ARCHIVE,)),
    # --- openers and courtesies
    Case("Alhamdulillah sdh selesai semua pak", COURTESY, (DONE,), holder=DIK),
    Case("Baik Pak Kadis, siap dilaksanakan", COURTESY, (ACK,), holder=DIK),
    Case("Punten, Sekdis mohon dipelajari", COURTESY, (D(SEK, words="dipelajari"),)),
    Case("Siap pak 🙏", COURTESY, (ACK,), holder=DIK),
    Case("siapp laksanakan bu", COURTESY, (ACK,), holder=DIK),
    Case("Puji Tuhan sudah selesai dilaksanakan", COURTESY, (DONE,), holder=DIK),
    Case("Nuwun sewu pak, sudah ditindaklanjuti", COURTESY, (DONE,), holder=DIK),
    Case("Assalamualaikum pak.\nSiap", COURTESY, (ACK,), holder=DIK),
    Case("status", COURTESY, (STATUS,)),
    Case("bantuan", COURTESY, (HELP,)),
    Case("Mohon maaf baru balas pak 🙏\nSekdis: 2 batas besok", COURTESY, (D(SEK, (2,), deadline="2026-11-26"),)),
    Case("Siap 86 pak", COURTESY, (ACK,), holder=DIK),
    # --- frames: greetings, closings, signatures, quotes, bullets
    Case("Selamat pagi Pak,\n\nSekdis: 6, 9 batas 3 hari\n\nTerima kasih\nBudi Santoso\nKepala Dinas Pendidikan\nKab. Probolinggo", FRAME, (D(SEK, (6, 9), deadline="2026-11-30"),)),
    Case("Ass. Wr. Wb.\nKabid Dikdas: 5\nWassalam", FRAME, (D(DIK, (5,)),)),
    Case("Yth. Bapak\n\n1. Sekdis: 6\n2. Kabid PAUD: 7\n\nSalam", FRAME, (D(SEK, (6,)), D(PAUD, (7,)))),
    Case("- Sekdis: 6\n- Kabid Dikdas: 4", FRAME, (D(SEK, (6,)), D(DIK, (4,)))),
    Case("• Kabid PAUD: 2, 7\n• Sekdis: 4", FRAME, (D(PAUD, (2, 7)), D(SEK, (4,)))),
    Case("1) Sekdis: pelajari\n2) Kabid Dikdas: 4", FRAME, (D(SEK, words="pelajari"), D(DIK, (4,)))),
    Case("Sekdis: 9 batas 3 hari\n\nSent from my iPhone", FRAME, (D(SEK, (9,), deadline="2026-11-30"),)),
    Case("Sekdis: 6\n\nDapatkan Outlook untuk Android<https://aka.ms/AAb9ysg>", FRAME, (D(SEK, (6,)),)),
    Case("Sekdis: 2\n\n-- \nBudi Santoso\nHP 0812-3456-7890", FRAME, (D(SEK, (2,)),)),
    Case("Sekdis: 6\nKabid Dikdas: 4\nKabid PAUD: 4\nTerima kasih 🙏\n\nSalam,\nBudi", FRAME, (D(SEK, (6,)), D(DIK, (4,)), D(PAUD, (4,)))),
    Case("Sekdis: 6\n\nPada tanggal Rab, 25 Nov 2026 pukul 08.12 Mailflow <surat@probolinggokab.example> menulis:\n> 1. Sekretaris Dinas Pendidikan\n> Kabid PAUD: 4", FRAME, (D(SEK, (6,)),)),
    Case("Kabid Dikdas: 5\n\nOn Wed, 25 Nov 2026 at 08:12, Mailflow <surat@probolinggokab.example> wrote:\n> Sekdis: 9", FRAME, (D(DIK, (5,)),)),
    Case("Sekdis: 6\n\n-----Original Message-----\nFrom: surat@probolinggokab.example\nSent: Wednesday, November 25, 2026 8:12 AM\nKabid PAUD: 4", FRAME, (D(SEK, (6,)),)),
    Case("Wa'alaikumsalam\n\n* Sekdis : 9 batas lusa\n* Kabid Dikdas : 4\n\nTks\nKadis", FRAME, (D(SEK, (9,), deadline="2026-11-27"), D(DIK, (4,)))),
    # --- format=flowed
    Case("Kabid Dikdas: mohon dipelajari dan dikoordinasikan dengan seluruh korwil \nkecamatan serta kepala sekolah terkait, lalu laporkan hasilnya \nbatas 3 hari kerja", FLOWED, (D(DIK, words="korwil", deadline="2026-11-30"),), flowed=True),
    Case("Sekdis: tolong siapkan jawaban resmi kepada Bupati terkait data guru \nhonorer paling lambat tgl 4/12", FLOWED, (D(SEK, words="guru honorer", deadline="2026-12-04"),), flowed=True),
    Case("Kabid PAUD, Kabid Dikdas: sosialisasikan edaran ini ke seluruh satuan \npendidikan di wilayah masing-masing dan laporkan \ntindak lanjutnya s.d. 4 Des\n\nTerima kasih", FLOWED, (D((PAUD, DIK), words="sosialisasikan", deadline="2026-12-04"),), flowed=True),
    # --- "X: text" that is no target
    Case("Sekdis: 4\n\nPERHATIAN: Email ini dan lampirannya bersifat rahasia dan hanya ditujukan untuk penerima yang dimaksud.", XTEXT, (D(SEK, (4,)),)),
    Case("Kabid PAUD: 7\nNb: tembusan ke korwil juga ya", XTEXT, (D(PAUD, (7,)),)),
    Case("Sekdis: 9\nPS: rapatnya diundur ke Jumat", XTEXT, (D(SEK, (9,)),)),
    Case("Catatan: surat ini terkait BOS tahap 3\nSekdis: 6", XTEXT, (D(SEK, (6,)),)),
    Case("Info: rapat sdh dijadwalkan ulang", XTEXT),
    Case("DISCLAIMER: This e-mail is intended only for the named recipient.", XTEXT),
    # --- phone numbers
    Case("Kabid Dikdas: hubungi Pak Slamet (0812-3344-5566) utk jadwal BIAS", PHONE, (D(DIK, words="pak slamet"),)),
    Case("Sekdis: koordinasi dgn Puskesmas, CP Bu Ani 0813 1234 5678, batas 3 hari", PHONE, (D(SEK, words="puskesmas", deadline="2026-11-30"),)),
    Case("Kabid PAUD: 3\nKantor: (0335) 123456", PHONE, (D(PAUD, (3,)),)),
    Case("Sekdis: 9\nWA: 0812 3456 7890", PHONE, (D(SEK, (9,)),)),
    Case("Sekdis: tlg telp Kepala SDN 1 Kraksaan di 081234567890", PHONE, (D(SEK, words="kepala sdn 1 kraksaan"),)),
    # --- names and semua
    Case("Pak Hendra tolong siapkan konsumsi rapat", NAMES, (D(KSB, words="konsumsi rapat"),), holder=SEK),
    Case("Bu Rina tlg ditindaklanjuti ya", NAMES, (D(DIK, words="ditindaklanjuti"),)),
    Case("Pak Agus mohon dipelajari dulu", NAMES, (D(SEK, words="dipelajari"),)),
    Case("Bu Dewi: 7", NAMES, (D(PAUD, (7,)),)),
    Case("semua kecuali Sekdis: 4", NAMES, (D((DIK, PAUD), (4,)),)),
    Case("Semua kecuali Kabid PAUD: 6", NAMES, (D((SEK, DIK), (6,)),)),
    Case("Semua: 4", NAMES, asks=(Ask("no_targets"),), holder=DIK),
    Case("All: fyi", NAMES, asks=(Ask("no_targets"),), holder=PAUD),
    Case("Pak Sek tlg dipelajari", NAMES, proposes=(D(SEK, words="dipelajari"),)),
    # --- leave in a human reply
    Case("Maaf pak, saya sedang cuti sampai Jumat.\nSekdis: mohon ditindaklanjuti dulu", LEAVE, (D(SEK, words="ditindaklanjuti"),)),
    Case("Sy lg dinas luar kota smp Senin.\nKabid Dikdas: 5, 7", LEAVE, (D(DIK, (5, 7)),)),
    Case("Saya sdg umroh s.d. 10 Des.\nSekdis: 8, mewakili saya", LEAVE, (D(SEK, (8,)),)),
    Case("Sy sdg cuti pak, tp sdh sy baca.\nSiap laksanakan", LEAVE, (ACK,), holder=DIK),
    # --- responders
    Case("Terima kasih atas email Anda. Saya sedang cuti tahunan hingga 7 Desember 2026 dan akan membalas setelah kembali. Untuk urusan mendesak hubungi Sekretaris di sekretaris@probolinggokab.example.", RESPONDER, auto=True, holder=DIK),
    Case("I'm on annual leave until 7 December with limited access to email. For urgent matters please contact Agus (sekretaris@probolinggokab.example).", RESPONDER, auto=True, holder=PAUD),
    Case("Mohon maaf, saya sedang menjalankan ibadah haji sampai 15 Desember 2026. Email akan saya balas setelah kembali.", RESPONDER, auto=True, holder=DIK),
    Case("Saya sedang mengikuti Diklat PIM III di Jakarta s.d. 11 Desember. Akan saya balas setelah kembali ke kantor.", RESPONDER, auto=True, holder=DIK),
    Case("Out of office: saya sedang dinas luar. Kembali tgl 30 Nov.\nTerima kasih.", RESPONDER, auto=True, holder=DIK),
    Case("Saya tidak berada di kantor hingga Senin 30 November. Untuk keperluan mendesak silakan hubungi Ibu Dewi 0812-1111-2222.", RESPONDER, auto=True, holder=DIK),
    Case("Away on official travel, back on 3 Dec. I will reply when I return.", RESPONDER, auto=True, holder=PAUD),
    # --- asked back
    Case("Sekdis: 6 batas kemarin", ASKBACK, asks=(Ask("bad_deadline"),)),
    Case("Sekdis: 6 batas 31 Nov", ASKBACK, asks=(Ask("bad_deadline"),)),
    Case("Kabid Dikdas: 5 paling lambat tgl 20/11", ASKBACK, asks=(Ask("bad_deadline"),)),
    Case("Sekdis: 6, 9, 14", ASKBACK, asks=(Ask("unknown_instruction"),)),
    Case("Kadis: 6", ASKBACK, asks=(Ask("not_allowed"),), holder=SEK),
    Case("Kasubbag Umum: 4", ASKBACK, asks=(Ask("not_allowed"),), holder=DIK),
    Case("Kabid SMP: 6", ASKBACK, asks=(Ask("unknown_target"),)),
    Case("Pak Slamet: 5", ASKBACK, asks=(Ask("unknown_target"),)),
    # --- notes
    Case("Pak, surat ini sudah pernah masuk minggu lalu kan?", NOTE),
    Case("Nanti kita bahas di rapat staf saja", NOTE),
    Case("Lampirannya kok tidak bisa dibuka ya pak", NOTE),
    # --- mixed Indonesian/English
    Case("All: for your information", ENGLISH, (D(ALL, words="for your information"),)),
    Case("Sekdis: please review and prepare a reply by Friday", ENGLISH, (D(SEK, words="review", deadline="2026-11-27"),)),
    Case("Kabid Dikdas: follow up within 3 days", ENGLISH, (D(DIK, words="follow up", deadline="2026-11-30"),)),
    Case("Kabid Dikdas: tolong cek data dapodik, kirim ke saya by Monday", ENGLISH, (D(DIK, words="dapodik", deadline="2026-11-30"),)),
    Case("Sekdis: noted, tolong di-follow up ya", ENGLISH, (D(SEK, words="follow up"),)),
    Case("Kabid PAUD: for your info & action pls", ENGLISH, (D(PAUD, words="info"),)),
    Case("Sekdis: pls check n revert asap", ENGLISH, proposes=(D(SEK, words="check", deadline="*"),)),
    Case("Completed. Laporan sdh sy kirim via WA", ENGLISH, (DONE,), holder=DIK),
    Case("Sekdis: 6 by 4 Dec", ENGLISH, (D(SEK, (6,), deadline="2026-12-04"),)),
    Case("Archive pls, sdh tdk relevan", ENGLISH, (ARCHIVE,)),
]
