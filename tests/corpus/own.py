"""Mailflow's own reply corpus: what officials write back, drawn from ../shared/docs/reply-language.md
and the classes found in the field (phone footers, greetings and typed signatures, out-of-office
bodies, deadline words, phone Indonesian, English, title abbreviations, questions), then the
classes of issue 22's fresh replies (tests/corpus/field.py).

Each case is the new text one official types, who they are, and the statements (or proposals,
or ask-backs) the contract says must come of it (tests/corpus/expect.py). `tests/test_reply_corpus.py`
sends every case through several mail apps' reply shapes (tests/support/clients.py), reads the raw
MIME as Mailflow does, and scores.
"""

from __future__ import annotations

from tests.corpus.expect import (
    ACK,
    ARCHIVE,
    DIKDAS,
    DONE,
    HELP,
    KASUBBAG,
    NOTE,
    PAUD,
    PROGRESS,
    SEK,
    STATUS,
    TODAY_ISO,
    UNDER_KADIS,
    UNDO,
    Ask,
    Case,
    D,
    classed,
)
from tests.corpus.field import FIELD_CASES

__all__ = ["CASES", "TODAY_ISO", "Case"]

CASES: list[Case] = [
    # --- dispose, as the contract writes it
    *classed("contract-dispose", [
        Case("Sekretaris: Pelajari dan sosialisasikan", (D(SEK, "Pelajari dan sosialisasikan"),)),
        Case(
            "Kabid Dikdas, Kabid PAUD: 2, 4 batas 3 hari",
            (D((DIKDAS, PAUD), "Proses lebih lanjut; Untuk diketahui", "2026-11-30"),),
        ),
        Case(
            "1: hadiri dan laporkan hasilnya paling lambat 5 Desember",
            (D(SEK, "hadiri dan laporkan hasilnya", "2026-12-05"),),
        ),
        Case("Yth. Sekdis - mohon siapkan jawaban, 2x24 jam", (D(SEK, "mohon siapkan jawaban", "2026-11-27"),)),
        Case("All: for your information", (D(UNDER_KADIS, "for your information"),)),
        Case("Sekretaris pelajari dan sosialisasikan", (D(SEK, "pelajari dan sosialisasikan"),)),
        Case("Kepada Pak Agus: #7", (D(SEK, "Sosialisasikan/edarkan"),)),
        Case(
            "Rina dan Dewi: 3 - tolong koordinasi dengan Bappeda",
            (D((DIKDAS, PAUD), "Koordinasikan/konfirmasikan - tolong koordinasi dengan Bappeda"),),
        ),
        Case("Sekdis => 6 batas Jumat", (D(SEK, "Pelajari/telaah", "2026-11-27"),)),
        Case(
            "Kabid Dikdas -> hadiri rapat koordinasi besok", (D(DIKDAS, "hadiri rapat koordinasi", "2026-11-26"),)
        ),
        Case("Semua: 4", (D(UNDER_KADIS, "Untuk diketahui"),)),
    ]),
    # --- deadline words belong to the deadline; days are working days unless "kalender"
    *classed("contract-deadline", [
        Case(
            "Sekretaris: proses lebih lanjut - batas 3 hari kerja", (D(SEK, "proses lebih lanjut", "2026-11-30"),)
        ),
        Case(
            "Sekretaris: proses lebih lanjut, paling lambat 2x24 jam",
            (D(SEK, "proses lebih lanjut", "2026-11-27"),),
        ),
        Case("Sekretaris: siapkan bahan maks. 2 hari", (D(SEK, "siapkan bahan", "2026-11-27"),)),
        Case("Sekretaris: siapkan bahan selambat-lambatnya tgl 4/12", (D(SEK, "siapkan bahan", "2026-12-04"),)),
        Case("Sekretaris: siapkan bahan batas Senin", (D(SEK, "siapkan bahan", "2026-11-30"),)),
        Case("Sekretaris: siapkan bahan dlm 2 hari", (D(SEK, "siapkan bahan", "2026-11-27"),)),
        Case("Sekretaris: siapkan bahan dalam 4 hari", (D(SEK, "siapkan bahan", "2026-12-01"),)),
        Case("Sekretaris: siapkan bahan 4 hari kalender", (D(SEK, "siapkan bahan", "2026-11-30"),)),
        Case("Sekretaris: tindaklanjuti batas 5 hari", (D(SEK, "tindaklanjuti", "2026-12-02"),)),
        Case(
            "Dewi: please prepare the report within 3 days", (D(PAUD, "please prepare the report", "2026-11-30"),)
        ),
        Case(
            "Sekretaris - koordinasikan dengan Bappeda batas 2 Des",
            (D(SEK, "koordinasikan dengan Bappeda", "2026-12-02"),),
        ),
        Case("Sekretaris: pelajari, maksimal 3 hari", (D(SEK, "pelajari", "2026-11-30"),)),
        Case("Kabid PAUD: siapkan data paling lambat hari Jumat", (D(PAUD, "siapkan data", "2026-11-27"),)),
        Case("Sekretaris: hadiri, deadline 2026-12-04", (D(SEK, "hadiri", "2026-12-04"),)),
        Case("Sekretaris: hadiri batas 1 November", problems=("bad_deadline",)),
    ]),
    # --- phone Indonesian: abbreviations, verb forms, polite sentences, list numbers
    *classed("phone-indonesian", [
        Case(
            "Sekdis: tlg sgr ditindaklanjuti", proposals=(D(SEK, "tlg sgr ditindaklanjuti", "2026-11-25"),)
        ),
        Case("Mhn Sekretaris menindaklanjuti surat ini", (D(SEK, "menindaklanjuti surat ini"),)),
        Case("Tolong pak Sekdis dipelajari ya", (D(SEK, "dipelajari"),)),
        Case("Sekretaris tindak lanjuti", (D(SEK, "tindak lanjuti"),)),
        Case("Kabid Dikdas mohon hadiri acara tsb", (D(DIKDAS, "mohon hadiri acara tsb"),)),
        Case(
            "Bpk Sekretaris utk dipelajari dan dikoordinasikan dgn Bappeda",
            (D(SEK, "utk dipelajari dan dikoordinasikan dgn Bappeda"),),
        ),
        Case("Mohon Kabid PAUD menghadiri undangan tsb", (D(PAUD, "menghadiri undangan tsb"),)),
        Case(
            "Sekretaris agar mempelajari dan menyiapkan bahan", (D(SEK, "agar mempelajari dan menyiapkan bahan"),)
        ),
        Case("Kabid Dikdas sgr laksanakan", proposals=(D(DIKDAS, "sgr laksanakan", "2026-11-25"),)),
        Case("Ok, Sekretaris tindaklanjuti", (D(SEK, "tindaklanjuti"),)),
        Case("Baik, Kabid PAUD: hadiri", (D(PAUD, "hadiri"),)),
        Case("no 1: siapkan jawaban", (D(SEK, "siapkan jawaban"),)),
        Case("nomor 2 dan 3: hadiri", (D((DIKDAS, PAUD), "hadiri"),)),
        Case("Nmr 3 -> 4", (D(PAUD, "Untuk diketahui"),)),
        Case("No. 2: koordinasikan", (D(DIKDAS, "koordinasikan"),)),
    ]),
    # --- title abbreviations and targets that must be asked back, never guessed
    *classed("ask-back", [
        Case("Kabid: hadiri", problems=(Ask("ambiguous_target", (DIKDAS, PAUD)),)),
        Case("Kasubbag: siapkan bahan", (D(KASUBBAG, "siapkan bahan"),), holder="sekretaris"),
        Case("Kasubbag: siapkan bahan", problems=("not_allowed",)),
        Case("Sek: pelajari", proposals=(D(SEK, "pelajari"),)),
        Case("Bob: pelajari", problems=("unknown_target",)),
        Case("Pak Hendra: siapkan bahan", problems=("not_allowed",)),
        Case("4: pelajari", problems=("unknown_target",)),
        Case("Sekretaris: 42", problems=("unknown_instruction",)),
        Case("Kadis: pelajari", problems=("not_allowed",)),
    ]),
    # --- acknowledgements, in every form the contract allows
    *classed("acknowledge", [
        Case("Siap", (ACK,), holder="sekretaris"),
        Case("Siap pak Kadis 🙏", (ACK,), holder="sekretaris"),
        Case("Siap Pak Sekdis", (ACK,), holder="kasubbag_umum"),
        Case("siap laksanakan", (ACK,), holder="sekretaris"),
        Case("Baik pak, akan segera dilaksanakan", (ACK,), holder="sekretaris"),
        Case("Will do", (ACK,), holder="kabid_paud"),
        Case("Noted, will do", (ACK,), holder="kabid_paud"),
        Case("On it!", (ACK,), holder="kabid_paud"),
        Case("Got it, thanks", (ACK,), holder="kabid_paud"),
        Case("Oke siap 👍", (ACK,), holder="sekretaris"),
        Case("Diterima, terima kasih", (ACK,), holder="sekretaris"),
        Case("Noted with thanks", (ACK,), holder="kabid_paud"),
        Case("Laksanakan!", (ACK,), holder="sekretaris"),
        Case("Siap, segera kami tindaklanjuti", (ACK,), holder="sekretaris"),
        Case("Siapp bu", (ACK,), holder="sekretaris"),
    ]),
    # --- progress and completion
    *classed("progress-done", [
        Case("Sedang diproses", (PROGRESS(),), holder="sekretaris"),
        Case("sdg diproses pak", (PROGRESS(),), holder="sekretaris"),
        Case("Working on it", (PROGRESS(),), holder="kabid_paud"),
        Case(
            "Dalam proses, menunggu data dari sekolah",
            (PROGRESS("menunggu data dari sekolah"),),
            holder="sekretaris",
        ),
        Case(
            "Lapor: rapat sudah dijadwalkan Senin",
            (PROGRESS("rapat sudah dijadwalkan Senin"),),
            holder="sekretaris",
        ),
        Case("Siap, sedang diproses", (PROGRESS(),), holder="sekretaris"),
        Case(
            "Selesai: sudah disosialisasikan ke 24 sekolah",
            (DONE("sudah disosialisasikan ke 24 sekolah"),),
            holder="sekretaris",
        ),
        Case("sdh selesai pak 👍", (DONE(),), holder="sekretaris"),
        Case("Sudah dilaksanakan", (DONE(),), holder="sekretaris"),
        Case("Done: report attached", (DONE("report attached"),), holder="kabid_paud"),
        Case("Sudah ditindaklanjuti ya bu", (DONE(),), holder="sekretaris"),
        Case(
            "Laporan: kegiatan sudah selesai dilaksanakan",
            (DONE("kegiatan sudah selesai dilaksanakan"),),
            holder="sekretaris",
        ),
        Case("Completed.", (DONE(),), holder="kabid_paud"),
        Case("Sdh sy tindaklanjuti", (DONE(),), holder="sekretaris"),
    ]),
    # --- archive and undo
    *classed("archive-undo", [
        Case("Arsipkan", (ARCHIVE,)),
        Case("arsip saja ya", (ARCHIVE,)),
        Case("Simpan saja pak", (ARCHIVE,)),
        Case("Please file it", (ARCHIVE,), holder="kabid_paud"),
        Case("cukup diarsipkan", (ARCHIVE,)),
        Case("Batal", (UNDO,)),
        Case("batalkan tadi", (UNDO,)),
        Case("Scratch that", (UNDO,)),
        Case("Undo please", (UNDO,)),
    ]),
    # --- questions are answered by their answer alone
    *classed("question", [
        Case("Status", (STATUS,)),
        Case("Status surat ini?", (STATUS,)),
        Case("Status, please.", (STATUS,), holder="kabid_paud"),
        Case("Bagaimana posisinya?", (STATUS,)),
        Case("Posisi surat ini di mana?", (STATUS,)),
        Case("Bantuan", (HELP,)),
        Case("Help", (HELP,), holder="kabid_paud"),
        Case("help?", (HELP,), holder="kabid_paud"),
    ]),
    # --- greetings, closings and typed signatures are not statements
    *classed("greeting-signature", [
        Case(
            "Assalamualaikum wr wb\n\nSekretaris: pelajari\n\nWassalam\nDrs. Budi Santoso, M.Si.",
            (D(SEK, "pelajari"),),
        ),
        Case("Ass. Wr. Wb.\nSekdis: siapkan jawaban\nMatur nuwun", (D(SEK, "siapkan jawaban"),)),
        Case("Om Swastiastu\nSiap laksanakan\nTabik", (ACK,), holder="sekretaris"),
        Case("Shalom\n\nSedang diproses\n\nSalam sejahtera", (PROGRESS(),), holder="sekretaris"),
        Case(
            "Selamat pagi Pak,\nSiap, segera kami tindaklanjuti.\nHormat kami\nAgus Wibowo, S.Pd., M.M.",
            (ACK,),
            holder="sekretaris",
        ),
        Case("Terima kasih"),
        Case("Assalamu'alaikum Wr. Wb.\n1: pelajari\nTerima kasih.\nBudi", (D(SEK, "pelajari"),)),
        Case("Salam,\nSekretaris: hadiri\nDr. H. Budi Santoso, S.H., M.Si.", (D(SEK, "hadiri"),)),
    ]),
    # --- out-of-office texts typed into a phone's responder: nothing of them is a statement
    *classed("out-of-office-responder", [
        Case(
            "Terima kasih atas email Anda. Saya sedang cuti sampai 4 Desember 2026 dengan akses email terbatas.\n"
            "Untuk hal mendesak silakan hubungi:\nSekretaris Dinas: Bpk. Agus Wibowo (0812-3456-7890)\n"
            "Kabid Dikdas: Ibu Rina (0813-1111-2222)",
            automatic=True,
        ),
        Case(
            "I am out of the office until 4 December with limited access to email.\n"
            "For urgent matters please contact:\nSekretaris: Agus Wibowo, +62 812 3456 7890",
            automatic=True,
            holder="kabid_paud",
        ),
        Case(
            "Mohon maaf, saya sedang dinas luar dan akan kembali pada hari Senin.\n"
            "Hal mendesak: Sekdis - Pak Agus 081234567890",
            automatic=True,
        ),
        Case(
            "Sekretaris Dinas: Bpk. Agus Wibowo (0812-3456-7890)",
            (NOTE("Sekretaris Dinas: Bpk. Agus Wibowo (0812-3456-7890)"),),
        ),
    ]),
    # --- several statements in one reply
    *classed("several", [
        Case(
            "Sekretaris: pelajari\nKabid PAUD: 4\nCatatan: segera ya",
            (D(SEK, "pelajari"), D(PAUD, "Untuk diketahui"), NOTE("segera ya")),
        ),
        Case(
            "Sekdis: siapkan jawaban batas besok\nKabid Dikdas: 4",
            (D(SEK, "siapkan jawaban", "2026-11-26"), D(DIKDAS, "Untuk diketahui")),
        ),
    ]),
    # --- notes: free text is passed on, never read as a disposition
    *classed("notes", [
        Case("Agus sudah saya hubungi", (NOTE("Agus sudah saya hubungi"),)),
        Case(
            "Mohon perhatian untuk rapat besok: bawa data",
            (NOTE("Mohon perhatian untuk rapat besok: bawa data"),),
        ),
        Case("Working on it, will report by Friday", (PROGRESS("will report by Friday"),), holder="kabid_paud"),
        Case("Done: all 24 schools informed", (DONE("all 24 schools informed"),), holder="kabid_paud"),
        Case("Status?", (STATUS,), holder="kabid_paud"),
    ]),
    *FIELD_CASES,
]
