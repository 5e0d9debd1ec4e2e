"""The classes of replies issue 22 found in fresh phone replies, each covered by cases written from
the contract (../shared/docs/reply-language.md) before the product read them.

Classes (a case's `cls`): reason, opener, full-title, near-title, deadline-spelling, flowed,
not-a-target, bullet, phone-in-disposition, contact-line, first-name, all-except,
leave-above-statement, responder-shape, near-statement, urgent-deadline, near-in-list,
unknown-unit, report-done, ack-slang. Today is Wednesday 25 November 2026.
"""

from __future__ import annotations

from tests.corpus.expect import (
    ACK,
    ARCHIVE,
    DIKDAS,
    DONE,
    KASUBBAG,
    NOTE,
    PAUD,
    PROGRESS,
    SEK,
    UNDER_KADIS,
    UNDO,
    Ask,
    Case,
    D,
    classed,
)

FLOWED = ("thunderbird_flowed", "apple_mail_flowed", "thunderbird_flowed_bottom")
SIGNATURE = "Salam,\nDrs. Budi Santoso, M.Si.\nKepala Dinas Pendidikan\nHP: 0812-9999-0000"
DISCLAIMER_ID = (
    "PERHATIAN: Email ini beserta lampirannya hanya ditujukan kepada penerima yang dimaksud dan dapat "
    "berisi informasi yang bersifat rahasia. Jika Anda bukan penerima yang dimaksud, mohon hapus email ini."
)
DISCLAIMER_EN = (
    "DISCLAIMER: This e-mail and any attachments are confidential and intended solely for the addressee."
)

FIELD_CASES: list[Case] = [
    # --- a statement word followed by a reason on the same line: still that statement
    *classed(
        "reason",
        [
            Case("Arsip aja, sdh dibahas di rapim", (ARCHIVE,)),
            Case("Please file it, no action needed", (ARCHIVE,), holder="kabid_paud"),
            Case("Maaf, disposisi td dibatalkan dulu", (UNDO,)),
            Case("Arsipkan saja, sudah ditangani bidang lain", (ARCHIVE,)),
            Case("Simpan dulu, nanti kita bahas di rapat", (ARCHIVE,)),
            Case("Batalkan, salah kirim", (UNDO,)),
            Case("Batal ya, keliru orangnya", (UNDO,)),
            Case("Cancel that, wrong person", (UNDO,)),
            Case("Arsip saja pak, untuk pertinggal", (ARCHIVE,)),
            Case("Tidak perlu ditindaklanjuti, arsipkan", (ARCHIVE,)),
            Case("No further action, please archive", (ARCHIVE,), holder="kabid_paud"),
            Case("Archive it, already handled by the schools", (ARCHIVE,), holder="kabid_paud"),
            Case("Batalkan disposisi tadi, nanti saya revisi", (UNDO,)),
            Case("Undo, I picked the wrong person", (UNDO,)),
            Case("Siap, nanti saya kabari", (ACK,), holder="sekretaris"),
            Case("Noted, thanks for the update", (ACK,), holder="kabid_paud"),
            Case(
                "Selesai, sudah dilaporkan ke Pak Kadis",
                (DONE("sudah dilaporkan ke Pak Kadis"),),
                holder="sekretaris",
            ),
            Case(
                "Done, report sent to the secretary",
                (DONE("report sent to the secretary"),),
                holder="kabid_paud",
            ),
            Case("Sudah selesai, laporan menyusul", (DONE("laporan menyusul"),), holder="sekretaris"),
            Case("Cukup diarsipkan, sudah ada SE sebelumnya", (ARCHIVE,)),
            Case("Arsipkan, ini hanya tembusan", (ARCHIVE,)),
            Case("File it please, just a copy for us", (ARCHIVE,), holder="kabid_paud"),
            Case("Batal dulu pak, suratnya direvisi pengirim", (UNDO,)),
            Case(
                "Selesai pak, tinggal menunggu tanda tangan Bupati",
                (DONE("tinggal menunggu tanda tangan Bupati"),),
                holder="sekretaris",
            ),
            Case("Arsipkan saja, ini undangan yang sudah lewat", (ARCHIVE,)),
            Case("Please archive, the event was cancelled", (ARCHIVE,), holder="kabid_paud"),
        ],
    ),
    # --- openers and courtesies before a statement change nothing
    *classed(
        "opener",
        [
            Case("Alhamdulillah sdh selesai semua pak", (DONE(),), holder="sekretaris"),
            Case("Baik Pak Kadis, siap dilaksanakan", (ACK,), holder="sekretaris"),
            Case("Punten, Sekdis mohon dipelajari", (D(SEK, "mohon dipelajari"),)),
            Case("Puji Tuhan, sudah selesai pak", (DONE(),), holder="sekretaris"),
            Case("Nuwun sewu, Kabid PAUD: 8", (D(PAUD, "Hadiri/wakili"),)),
            Case("Mohon maaf pak, siap laksanakan", (ACK,), holder="sekretaris"),
            Case("Bismillah, siap laksanakan", (ACK,), holder="sekretaris"),
            Case("Terima kasih pak, sudah selesai", (DONE(),), holder="sekretaris"),
            Case("Makasih bu, noted", (ACK,), holder="sekretaris"),
            Case("Mohon izin pak, sedang diproses", (PROGRESS(),), holder="sekretaris"),
            Case("Assalamualaikum pak, siap laksanakan", (ACK,), holder="sekretaris"),
            Case("Selamat pagi pak, Sekretaris: pelajari", (D(SEK, "pelajari"),)),
            Case("Siap Ndan", (ACK,), holder="sekretaris"),
            Case("Oke bu, siap", (ACK,), holder="sekretaris"),
            Case("Alhamdulillah, Sekdis: 9 batas 2 hari", (D(SEK, "Siapkan jawaban/bahan", "2026-11-27"),)),
            Case("Mohon ijin Pak Kadis, sudah ditindaklanjuti", (DONE(),), holder="sekretaris"),
            Case(
                "Punten pak, Kasubbag Umum: 9", (D(KASUBBAG, "Siapkan jawaban/bahan"),), holder="sekretaris"
            ),
            Case("Hi Pak Budi, sorry for the delay. Done.", (DONE(),), holder="kabid_paud"),
            Case("Good morning Sir, noted with thanks", (ACK,), holder="kabid_paud"),
            Case("Inggih pak, siap", (ACK,), holder="sekretaris"),
            Case("Matur nuwun pak, sudah selesai", (DONE(),), holder="sekretaris"),
            Case("Shalom pak, siap laksanakan", (ACK,), holder="sekretaris"),
            Case("Sekdis: 6\nTks pak", (D(SEK, "Pelajari/telaah"),)),
            Case("Siap pak\nTrims", (ACK,), holder="sekretaris"),
            Case("Kabid PAUD: 4\nMakasih", (D(PAUD, "Untuk diketahui"),)),
            Case("Yth. Pak Kadis, siap laksanakan", (ACK,), holder="sekretaris"),
            Case("Wa'alaikumsalam pak, sudah selesai", (DONE(),), holder="sekretaris"),
        ],
    ),
    # --- a position's full title as the request lists it, "dan" included, is a target
    *classed(
        "full-title",
        [
            Case("Kepala Bidang PAUD dan Pendidikan Nonformal: 2", (D(PAUD, "Proses lebih lanjut"),)),
            Case(
                "Kepala Bidang PAUD dan Pendidikan Nonformal: hadiri rapat besok",
                (D(PAUD, "hadiri rapat", "2026-11-26"),),
            ),
            Case("Kepala Bidang Pendidikan Dasar: 6", (D(DIKDAS, "Pelajari/telaah"),)),
            Case(
                "Sekretaris Dinas Pendidikan: 9 batas 2 hari",
                (D(SEK, "Siapkan jawaban/bahan", "2026-11-27"),),
            ),
            Case(
                "Kepala Bidang Pendidikan Dasar dan Kepala Bidang PAUD dan Pendidikan Nonformal: 4",
                (D((DIKDAS, PAUD), "Untuk diketahui"),),
            ),
            Case(
                "Sekretaris Dinas Pendidikan dan Kepala Bidang Pendidikan Dasar: 3",
                (D((SEK, DIKDAS), "Koordinasikan/konfirmasikan"),),
            ),
            Case(
                "Kepala Subbagian Umum dan Kepegawaian: siapkan ruang rapat",
                (D(KASUBBAG, "siapkan ruang rapat"),),
                holder="sekretaris",
            ),
            Case(
                "Yth. Kepala Bidang PAUD dan Pendidikan Nonformal - mohon hadiri", (D(PAUD, "mohon hadiri"),)
            ),
            Case("kepala bidang paud dan pendidikan nonformal: 7", (D(PAUD, "Sosialisasikan/edarkan"),)),
            Case(
                "Kepala Bidang Pendidikan Dasar, Sekretaris Dinas Pendidikan: 2, 3",
                (D((DIKDAS, SEK), "Proses lebih lanjut; Koordinasikan/konfirmasikan"),),
            ),
            Case("Kabid Pendidikan Dasar dan Kabid PAUD: 4", (D((DIKDAS, PAUD), "Untuk diketahui"),)),
            Case(
                "KEPALA BIDANG PAUD DAN PENDIDIKAN NONFORMAL: 8 BATAS 3 HARI",
                (D(PAUD, "Hadiri/wakili", "2026-11-30"),),
            ),
            Case(
                "Kepala Subbagian Umum dan Kepegawaian -> 9 besok",
                (D(KASUBBAG, "Siapkan jawaban/bahan", "2026-11-26"),),
                holder="sekretaris",
            ),
            Case(
                "Kepala Bidang PAUD dan Pendidikan Nonformal dan Sekretaris Dinas Pendidikan: 6",
                (D((PAUD, SEK), "Pelajari/telaah"),),
            ),
        ],
    ),
    # --- shortened titles and split spellings: proposed (or asked back with exactly that
    #     candidate), never a bare note; a title that fits several is asked back with them
    *classed(
        "near-title",
        [
            Case("Kepala Bidang PAUD: 5", proposals=(D(PAUD, "Untuk ditindaklanjuti"),)),
            Case("Kabid Dik Das: 6", proposals=(D(DIKDAS, "Pelajari/telaah"),)),
            Case("Kepala Bidang Dikdas: 2", proposals=(D(DIKDAS, "Proses lebih lanjut"),)),
            Case("Sekertaris: pelajari", proposals=(D(SEK, "pelajari"),)),
            Case("Sekdin: 6", proposals=(D(SEK, "Pelajari/telaah"),)),
            Case("Kabid Paud Nonformal: 8", proposals=(D(PAUD, "Hadiri/wakili"),)),
            Case("Kabid Dik-Das: 4", proposals=(D(DIKDAS, "Untuk diketahui"),)),
            Case("Kabid Pend. Dasar: 6", proposals=(D(DIKDAS, "Pelajari/telaah"),)),
            Case(
                "Kepala Bidang PAUD dan Pendidikan Non Formal: 2", proposals=(D(PAUD, "Proses lebih lanjut"),)
            ),
            Case("Sekretaris Dinas Pendidikan dan Kebudayaan: 6", proposals=(D(SEK, "Pelajari/telaah"),)),
            Case(
                "Kepala Sub Bagian Umum: siapkan bahan",
                proposals=(D(KASUBBAG, "siapkan bahan"),),
                holder="sekretaris",
            ),
            Case(
                "Kasubag Umum Kepegawaian: 9",
                proposals=(D(KASUBBAG, "Siapkan jawaban/bahan"),),
                holder="sekretaris",
            ),
            Case("Kabid Dikdass: hadiri besok", (D(DIKDAS, "hadiri", "2026-11-26"),)),  # stretched letters
            Case("Kepala Bidang Pendidikan Dsr: 4", proposals=(D(DIKDAS, "Untuk diketahui"),)),
            Case(
                "Kepala Bidang PAUD, Sekretaris: 4",
                proposals=(D((PAUD, SEK), "Untuk diketahui"),),
            ),
            Case("Kepala Bidang: 4", problems=(Ask("ambiguous_target", (DIKDAS, PAUD)),)),
            Case("Kabid: 6 batas besok", problems=(Ask("ambiguous_target", (DIKDAS, PAUD)),)),
            Case("Ka. Bid: 8", problems=(Ask("ambiguous_target", (DIKDAS, PAUD)),)),
        ],
    ),
    # --- deadlines in official and phone spellings
    *classed(
        "deadline-spelling",
        [
            Case("Sekretaris: siapkan bahan s.d. 19 Feb", (D(SEK, "siapkan bahan", "2027-02-19"),)),
            Case("Sekretaris: siapkan bahan s.d. 4 Des", (D(SEK, "siapkan bahan", "2026-12-04"),)),
            Case("Kabid Dikdas: kumpulkan data sd tgl 10", (D(DIKDAS, "kumpulkan data", "2026-12-10"),)),
            Case(
                "Sekretaris: siapkan jawaban selambat2nya tgl 4/12",
                (D(SEK, "siapkan jawaban", "2026-12-04"),),
            ),
            Case("Sekretaris: laporkan sblm tgl 18", (D(SEK, "laporkan", "2026-12-18"),)),
            Case("Kabid PAUD: 9 akhir bulan", (D(PAUD, "Siapkan jawaban/bahan", "2026-11-30"),)),
            Case("Sekdis: 6 pekan depan", (D(SEK, "Pelajari/telaah", "2026-12-02"),)),
            Case("Kabid PAUD: hadiri batas tgl 3 Des 2026", (D(PAUD, "hadiri", "2026-12-03"),)),
            Case("Sekretaris: 2 batas 3 hr", (D(SEK, "Proses lebih lanjut", "2026-11-30"),)),
            Case("Sekretaris: 9 max 2 hari", (D(SEK, "Siapkan jawaban/bahan", "2026-11-27"),)),
            Case(
                "Sekretaris: 9 paling lambat tanggal 4 Desember 2026",
                (D(SEK, "Siapkan jawaban/bahan", "2026-12-04"),),
            ),
            Case("Sekretaris: 9 s/d 4-12-2026", (D(SEK, "Siapkan jawaban/bahan", "2026-12-04"),)),
            Case("Sekretaris: 9, tenggat 3 hari kerja", (D(SEK, "Siapkan jawaban/bahan", "2026-11-30"),)),
            Case(
                "Sekretaris: 9 sampai dengan tanggal 2 Desember",
                (D(SEK, "Siapkan jawaban/bahan", "2026-12-02"),),
            ),
            Case("Sekretaris: 9 1x24 jam", (D(SEK, "Siapkan jawaban/bahan", "2026-11-26"),)),
            Case("Sekretaris: 9 hari ini", (D(SEK, "Siapkan jawaban/bahan", "2026-11-25"),)),
            Case("Sekretaris: 9 lusa", (D(SEK, "Siapkan jawaban/bahan", "2026-11-27"),)),
            Case("Dewi: prepare a summary by Monday", (D(PAUD, "prepare a summary", "2026-11-30"),)),
            Case("Dewi: please attend, deadline 4 Dec", (D(PAUD, "please attend", "2026-12-04"),)),
            Case("Sekretaris: 9 batas akhir bulan ini", (D(SEK, "Siapkan jawaban/bahan", "2026-11-30"),)),
            Case(
                "Kabid Dikdas: 12 paling lambat tgl. 7/12/2026",
                (D(DIKDAS, "Laksanakan dan laporkan", "2026-12-07"),),
            ),
            Case("Sekdis: 6 sblm 4 Des", (D(SEK, "Pelajari/telaah", "2026-12-04"),)),
            Case("Sekdis: siapkan bahan sd Jumat", (D(SEK, "siapkan bahan", "2026-11-27"),)),
            Case(
                "Kabid PAUD: 7 selambat-lambatnya 1 minggu",
                (D(PAUD, "Sosialisasikan/edarkan", "2026-12-02"),),
            ),
            Case(
                "Sekretaris: 9 paling lambat tgl 4 Dsember",
                proposals=(D(SEK, "Siapkan jawaban/bahan", "2026-12-04"),),
            ),
            Case("Sekretaris: 9 paling lambat Jumaat", (D(SEK, "Siapkan jawaban/bahan", "2026-11-27"),)),
            Case("Sekretaris: siapkan bahan batas tgl 31/11", problems=("bad_deadline",)),
            Case("Dewi: send the data by 4 Decembr", proposals=(D(PAUD, "send the data", "2026-12-04"),)),
        ],
    ),
    # --- format=flowed (RFC 3676, Thunderbird and Apple Mail): soft-broken lines are one line
    *classed(
        "flowed",
        [
            Case(
                "Sekretaris: mohon dipelajari dan dikoordinasikan dengan Bappeda serta bidang terkait, lalu "
                "siapkan bahan paparan untuk rapat pimpinan, batas 3 hari kerja",
                (
                    D(
                        SEK,
                        "mohon dipelajari dan dikoordinasikan dengan Bappeda serta bidang terkait, lalu siapkan "
                        "bahan paparan untuk rapat pimpinan",
                        "2026-11-30",
                    ),
                ),
                apps=FLOWED,
            ),
            Case(
                "Kabid Dikdas: tolong dikoordinasikan dengan para korwil dan kepala sekolah SD se-kabupaten "
                "terkait pendataan ulang siswa penerima PIP, paling lambat 4 Desember",
                (
                    D(
                        DIKDAS,
                        "tolong dikoordinasikan dengan para korwil dan kepala sekolah SD se-kabupaten terkait "
                        "pendataan ulang siswa penerima PIP",
                        "2026-12-04",
                    ),
                ),
                apps=FLOWED,
            ),
            Case(
                "Selesai: sosialisasi sudah dilaksanakan di 24 sekolah pada tanggal 20 dan 21 November, daftar "
                "hadir dan foto kegiatan terlampir",
                (
                    DONE(
                        "sosialisasi sudah dilaksanakan di 24 sekolah pada tanggal 20 dan 21 November, daftar hadir "
                        "dan foto kegiatan terlampir"
                    ),
                ),
                holder="sekretaris",
                apps=FLOWED,
            ),
            Case(
                "Sekretaris: 6, 9 - tolong siapkan juga ringkasan anggaran tahun lalu sebagai pembanding untuk "
                "rapat dengan DPRD\nKabid PAUD: 4",
                (
                    D(
                        SEK,
                        "Pelajari/telaah; Siapkan jawaban/bahan - tolong siapkan juga ringkasan anggaran "
                        "tahun lalu sebagai pembanding untuk rapat dengan DPRD",
                    ),
                    D(PAUD, "Untuk diketahui"),
                ),
                apps=FLOWED,
            ),
            Case(
                "Dewi: please review the proposal from the provincial office and prepare our comments for the "
                "coordination meeting, within 2 days",
                (
                    D(
                        PAUD,
                        "please review the proposal from the provincial office and prepare our comments for the "
                        "coordination meeting",
                        "2026-11-27",
                    ),
                ),
                apps=FLOWED,
            ),
            Case(
                "Kasubbag Umum: tolong siapkan ruang rapat lantai 2, konsumsi untuk 40 orang dan sound system "
                "untuk rapat koordinasi hari Senin, batas besok",
                (
                    D(
                        KASUBBAG,
                        "tolong siapkan ruang rapat lantai 2, konsumsi untuk 40 orang dan sound system untuk "
                        "rapat koordinasi hari Senin",
                        "2026-11-26",
                    ),
                ),
                holder="sekretaris",
                apps=FLOWED,
            ),
            Case(
                "Sedang diproses, kami masih menunggu data rekapitulasi dari tiga kecamatan yang belum "
                "mengirimkan laporan bulanan",
                (
                    PROGRESS(
                        "kami masih menunggu data rekapitulasi dari tiga kecamatan yang belum mengirimkan laporan "
                        "bulanan"
                    ),
                ),
                holder="sekretaris",
                apps=FLOWED,
            ),
            Case(
                "Sekdis: pelajari\n\nPERHATIAN: Email ini beserta lampirannya hanya ditujukan kepada penerima "
                "yang dimaksud dan dapat berisi informasi yang bersifat rahasia.",
                (D(SEK, "pelajari"),),
                apps=FLOWED,
            ),
            Case(
                "Arsip saja, surat ini hanya tembusan dan sudah ditindaklanjuti oleh Dinas Kesehatan minggu lalu "
                "sesuai hasil rapat",
                (ARCHIVE,),
                apps=FLOWED,
            ),
            Case(
                "Kabid Dikdas dan Kabid PAUD: 3 - mohon koordinasi dengan Bappeda dan BPKAD terkait usulan "
                "anggaran perubahan, batas 2x24 jam",
                (
                    D(
                        (DIKDAS, PAUD),
                        "Koordinasikan/konfirmasikan - mohon koordinasi dengan Bappeda dan BPKAD terkait "
                        "usulan anggaran perubahan",
                        "2026-11-27",
                    ),
                ),
                apps=FLOWED,
            ),
            Case("Siap laksanakan", (ACK,), holder="sekretaris", apps=FLOWED),
            Case(
                "Sekretaris: 6\nKabid Dikdas: 8 besok",
                (D(SEK, "Pelajari/telaah"), D(DIKDAS, "Hadiri/wakili", "2026-11-26")),
                apps=FLOWED,
            ),
        ],
    ),
    # --- "X: text" lines that are no target: notes, or signature text; never unknown officials
    *classed(
        "not-a-target",
        [
            Case(
                "Sekretaris: pelajari\nNb: suratnya sdh saya paraf",
                (D(SEK, "pelajari"), NOTE("suratnya sdh saya paraf")),
            ),
            Case(
                "Sekdis: 6\nPS: saya di Surabaya sampai Jumat",
                (D(SEK, "Pelajari/telaah"), NOTE("saya di Surabaya sampai Jumat")),
            ),
            Case("Sekretaris: pelajari\n\n" + DISCLAIMER_ID, (D(SEK, "pelajari"),)),
            Case("Kabid PAUD: 4\n\n" + DISCLAIMER_EN, (D(PAUD, "Untuk diketahui"),)),
            Case("Siap\n\n" + DISCLAIMER_ID, (ACK,), holder="sekretaris"),
            Case("NB: tolong ingatkan saya hari Senin", (NOTE("tolong ingatkan saya hari Senin"),)),
            Case("P.S. saya sudah telpon pengirimnya", (NOTE("saya sudah telpon pengirimnya"),)),
            Case("Catatan: koordinasi dgn Kabid PAUD", (NOTE("koordinasi dgn Kabid PAUD"),)),
            Case(
                "Kabid Dikdas: 9 batas 2 hari\nCatatan: data dari Dapodik terbaru",
                (D(DIKDAS, "Siapkan jawaban/bahan", "2026-11-27"), NOTE("data dari Dapodik terbaru")),
            ),
            Case("Info: rapat diundur ke Senin", (NOTE("rapat diundur ke Senin"),), holder="sekretaris"),
            Case("Sekretaris: 6\n\n" + SIGNATURE, (D(SEK, "Pelajari/telaah"),)),
            Case(
                "Penting: data harus dari Dapodik terbaru",
                (NOTE("Penting: data harus dari Dapodik terbaru"),),
            ),
            Case(
                "Sekdis: 9\nN.B. undangannya jam 08.00",
                (D(SEK, "Siapkan jawaban/bahan"), NOTE("undangannya jam 08.00")),
            ),
            Case(
                "Selesai\n\nCONFIDENTIALITY NOTICE: The information in this email may be confidential.",
                (DONE(),),
                holder="kabid_paud",
            ),
            Case(
                "Kabid PAUD: hadiri\nPS: acaranya di Aula Kabupaten",
                (D(PAUD, "hadiri"), NOTE("acaranya di Aula Kabupaten")),
            ),
        ],
    ),
    # --- bullets in front of statements are not part of them
    *classed(
        "bullet",
        [
            Case("- Sekdis: 6\n- Kabid Dikdas: 4", (D(SEK, "Pelajari/telaah"), D(DIKDAS, "Untuk diketahui"))),
            Case("• Sekretaris: pelajari\n• Kabid PAUD: hadiri", (D(SEK, "pelajari"), D(PAUD, "hadiri"))),
            Case(
                "1) Sekretaris: 9\n2) Kabid Dikdas: 8 besok",
                (D(SEK, "Siapkan jawaban/bahan"), D(DIKDAS, "Hadiri/wakili", "2026-11-26")),
            ),
            Case("a. Sekdis: 6\nb. Kabid PAUD: 4", (D(SEK, "Pelajari/telaah"), D(PAUD, "Untuk diketahui"))),
            Case("* Sekretaris: pelajari", (D(SEK, "pelajari"),)),
            Case(
                "1. Sekretaris: siapkan jawaban\n2. Kabid Dikdas: hadiri",
                (D(SEK, "siapkan jawaban"), D(DIKDAS, "hadiri")),
            ),
            Case("- Siap", (ACK,), holder="sekretaris"),
            Case("▪ Selesai", (DONE(),), holder="sekretaris"),
            Case("✅ Sudah selesai", (DONE(),), holder="sekretaris"),
            Case("👉 Sekdis: 6", (D(SEK, "Pelajari/telaah"),)),
            Case("– Kabid PAUD: 7 batas Jumat", (D(PAUD, "Sosialisasikan/edarkan", "2026-11-27"),)),
            Case(
                "(1) Sekdis: 9\n(2) Kabid PAUD: 4",
                (D(SEK, "Siapkan jawaban/bahan"), D(PAUD, "Untuk diketahui")),
            ),
            Case(
                "- Kasubbag Umum: 9 batas 2 hari",
                (D(KASUBBAG, "Siapkan jawaban/bahan", "2026-11-27"),),
                holder="sekretaris",
            ),
            Case("• Arsipkan", (ARCHIVE,)),
        ],
    ),
    # --- a phone number inside an instruction is part of it
    *classed(
        "phone-in-disposition",
        [
            Case(
                "Kabid Dikdas: hubungi Pak Slamet (0812-3456-7890) utk jadwal BIAS",
                (D(DIKDAS, "hubungi Pak Slamet (0812-3456-7890) utk jadwal BIAS"),),
            ),
            Case(
                "Sekdis: koordinasikan dgn Puskesmas, CP Bu Ani 0813-2222-3333",
                (D(SEK, "koordinasikan dgn Puskesmas, CP Bu Ani 0813-2222-3333"),),
            ),
            Case(
                "Sekretaris: tolong telp ke (0335) 421234 konfirmasi kehadiran",
                (D(SEK, "tolong telp ke (0335) 421234 konfirmasi kehadiran"),),
            ),
            Case(
                "Kabid PAUD: 3, hub. panitia di +62 812 3456 7890",
                (D(PAUD, "Koordinasikan/konfirmasikan - hub. panitia di +62 812 3456 7890"),),
            ),
            Case(
                "Kasubbag Umum: pesan konsumsi ke Bu Yati 0857-1234-5678 batas besok",
                (D(KASUBBAG, "pesan konsumsi ke Bu Yati 0857-1234-5678", "2026-11-26"),),
                holder="sekretaris",
            ),
            Case(
                "Dewi: please call the organiser at +62 335 421 234 to confirm",
                (D(PAUD, "please call the organiser at +62 335 421 234 to confirm"),),
            ),
            Case(
                "Sekretaris hubungi Pak Camat di 0812-1111-0000 utk koordinasi",
                (D(SEK, "hubungi Pak Camat di 0812-1111-0000 utk koordinasi"),),
            ),
        ],
    ),
    # --- a contact line (a name or title followed only by a number or an address) acts on no one
    *classed(
        "contact-line",
        [
            Case("Pak Agus 0812-3456-7890", (NOTE("Pak Agus 0812-3456-7890"),)),
            Case("Kabid Dikdas: 0813-1111-2222", (NOTE("Kabid Dikdas: 0813-1111-2222"),)),
            Case(
                "Sekdis: sekretaris@probolinggokab.example",
                (NOTE("Sekdis: sekretaris@probolinggokab.example"),),
            ),
            Case(
                "Siap laksanakan\n\nAgus Wibowo\nSekretaris Dinas Pendidikan\nHP 0812-3456-7890",
                (ACK,),
                holder="sekretaris",
            ),
            Case(
                "Kabid PAUD: 4\n\nSalam\nBudi Santoso\nTelp. (0335) 421234",
                (D(PAUD, "Untuk diketahui"),),
            ),
        ],
    ),
    # --- first names with a courtesy and no separator
    *classed(
        "first-name",
        [
            Case(
                "Pak Hendra tolong siapkan konsumsi rapat",
                (D(KASUBBAG, "tolong siapkan konsumsi rapat"),),
                holder="sekretaris",
            ),
            Case("Bu Rina tolong hadiri rapat besok", (D(DIKDAS, "tolong hadiri rapat", "2026-11-26"),)),
            Case("Bu Dewi mohon dipelajari", (D(PAUD, "mohon dipelajari"),)),
            Case("Pak Agus, tolong siapkan jawaban", (D(SEK, "tolong siapkan jawaban"),)),
            Case(
                "Mas Hendra siapkan ruang rapat ya",
                (D(KASUBBAG, "siapkan ruang rapat"),),
                holder="sekretaris",
            ),
            Case("Bu Rina tlg dikoordinasikan dgn korwil", (D(DIKDAS, "tlg dikoordinasikan dgn korwil"),)),
            Case(
                "Ibu Dewi, please attend the meeting tomorrow",
                (D(PAUD, "please attend the meeting", "2026-11-26"),),
            ),
            Case("Pak Agus Wibowo: 6", (D(SEK, "Pelajari/telaah"),)),
            Case("Pak Hendra tolong siapkan konsumsi rapat", problems=("not_allowed",)),
            Case("Pak Agung: 6", proposals=(D(SEK, "Pelajari/telaah"),)),
            Case("Bu Rini: 4", proposals=(D(DIKDAS, "Untuk diketahui"),)),
            Case(
                "Pak Agus tolong wakili saya di rapat Bupati besok",
                (D(SEK, "tolong wakili saya di rapat Bupati", "2026-11-26"),),
            ),
            Case("Rina sama Dewi: 4", proposals=(D((DIKDAS, PAUD), "Untuk diketahui"),)),
            Case("Dewi please prepare the report", (D(PAUD, "please prepare the report"),)),
            Case("Bu Dewi & Bu Rina: hadiri", (D((PAUD, DIKDAS), "hadiri"),)),
        ],
    ),
    # --- everyone but someone; "everyone" from someone with nobody under them is asked back
    *classed(
        "all-except",
        [
            Case("semua kecuali Sekdis: 4", (D((DIKDAS, PAUD), "Untuk diketahui"),)),
            Case("Semua kecuali Kabid PAUD: 7", (D((SEK, DIKDAS), "Sosialisasikan/edarkan"),)),
            Case("All except Dewi: 4", (D((SEK, DIKDAS), "Untuk diketahui"),)),
            Case(
                "Semua selain Sekretaris: hadiri rapat besok",
                (D((DIKDAS, PAUD), "hadiri rapat", "2026-11-26"),),
            ),
            Case("All: for your information", problems=(Ask("no_targets"),), holder="kabid_paud"),
            Case("Semua: 4", problems=(Ask("no_targets"),), holder="kabid_dikdas"),
            Case("Semua: 9", (D(KASUBBAG, "Siapkan jawaban/bahan"),), holder="sekretaris"),
            Case("Semua kecuali Kabid Dikdas dan Kabid PAUD: 9", (D(SEK, "Siapkan jawaban/bahan"),)),
            Case("semua kecuali no 1: 4", (D((DIKDAS, PAUD), "Untuk diketahui"),)),
            Case("Semua kecuali Bob: 4", problems=("unknown_target",)),
        ],
    ),
    # --- a human reply that mentions leave is a human reply: its statements act
    *classed(
        "leave-above-statement",
        [
            Case(
                "Maaf pak, saya sedang cuti sampai Jumat.\nSekdis: mohon ditindaklanjuti dulu",
                (NOTE("Maaf pak, saya sedang cuti sampai Jumat."), D(SEK, "mohon ditindaklanjuti dulu")),
            ),
            Case(
                "Saya sedang perjalanan dinas ke Jakarta.\nKabid Dikdas: 8, laporkan hasilnya",
                (
                    NOTE("Saya sedang perjalanan dinas ke Jakarta."),
                    D(DIKDAS, "Hadiri/wakili - laporkan hasilnya"),
                ),
            ),
            Case(
                "I'm on leave until Monday.\nDewi: please attend on my behalf",
                (NOTE("I'm on leave until Monday."), D(PAUD, "please attend on my behalf")),
            ),
            Case(
                "Izin pak, saya sedang cuti sampai Senin.\nKasubbag Umum: 9 batas 2 hari",
                (
                    NOTE("Izin pak, saya sedang cuti sampai Senin."),
                    D(KASUBBAG, "Siapkan jawaban/bahan", "2026-11-27"),
                ),
                holder="sekretaris",
            ),
            Case(
                "Maaf, saya sedang di luar kantor.\nSelesai: data sudah dikirim staf",
                (NOTE("Maaf, saya sedang di luar kantor."), DONE("data sudah dikirim staf")),
                holder="sekretaris",
            ),
            Case(
                "Saya sdg dinas luar, akan kembali hari Senin.\nSekretaris: 6 batas 2 hari",
                (
                    NOTE("Saya sdg dinas luar, akan kembali hari Senin."),
                    D(SEK, "Pelajari/telaah", "2026-11-27"),
                ),
            ),
            Case(
                "Mohon maaf baru balas, kemarin saya cuti.\nSiap laksanakan",
                (NOTE("Mohon maaf baru balas, kemarin saya cuti."), ACK),
                holder="sekretaris",
            ),
            Case(
                "Out of office today, but:\nDewi: 8",
                (NOTE("Out of office today, but:"), D(PAUD, "Hadiri/wakili")),
            ),
            Case(
                "Saya masih di Jakarta sampai tgl 4 Des.\nSekdis: tolong wakili rapat di Pendopo besok",
                (
                    NOTE("Saya masih di Jakarta sampai tgl 4 Des."),
                    D(SEK, "tolong wakili rapat di Pendopo", "2026-11-26"),
                ),
            ),
            Case(
                "Sekdis: 9 batas 2 hari\nSaya sedang cuti, akan kembali tanggal 2 Desember.",
                (
                    D(SEK, "Siapkan jawaban/bahan", "2026-11-27"),
                    NOTE("Saya sedang cuti, akan kembali tanggal 2 Desember."),
                ),
            ),
        ],
    ),
    # --- responders recognised by shape (an absence, a return, a referral, no statement),
    #     also without the usual keywords: neither acted on nor answered
    *classed(
        "responder-shape",
        [
            Case(
                "Terima kasih atas pesan Anda. Saya sedang menunaikan ibadah haji dan akan membalas setelah "
                "kembali pada 15 Desember.",
                automatic=True,
            ),
            Case(
                "Assalamualaikum. Saya sedang melaksanakan ibadah umroh s.d. 10 Desember 2026. Pesan Anda akan "
                "saya balas setelah kembali.",
                automatic=True,
            ),
            Case(
                "Saya sedang mengikuti Diklat PIM III di Surabaya hingga 11 Desember. Akan saya balas setelah "
                "kembali.\nUrusan mendesak: Sekretaris Dinas, Agus Wibowo.",
                automatic=True,
            ),
            Case(
                "I'm on annual leave until 7 December and will reply when I return. For urgent matters contact "
                "Agus Wibowo (sekretaris@probolinggokab.example).",
                automatic=True,
                holder="kabid_paud",
            ),
            Case(
                "Thank you for your email. I am attending a training course until 4 December with intermittent "
                "access to email.",
                automatic=True,
                holder="kabid_paud",
            ),
            Case(
                "Mulai 1 s.d. 5 Desember saya mengikuti bimtek di Jakarta. Email akan dibalas setelah saya kembali.",
                automatic=True,
            ),
            Case(
                "Currently travelling with limited connectivity, back on 8 December.\n"
                "Urgent: Agus Wibowo, +62 812 3456 7890",
                automatic=True,
                holder="kabid_paud",
            ),
            Case(
                "Maaf, saya sedang tidak memeriksa email s.d. 4 Desember. Hal penting dapat disampaikan melalui "
                "Sekdis (Pak Agus) 0812-3456-7890.",
                automatic=True,
            ),
            Case(
                "Saya sedang cuti tahunan. Email akan saya balas setelah kembali tanggal 7 Desember.\n"
                "Kabid Dikdas: Ibu Rina (0813-1111-2222)",
                automatic=True,
            ),
            Case(
                "Terima kasih, email Anda sudah kami terima dan akan saya balas setelah kembali dari cuti "
                "bersama pada 4 Desember.",
                automatic=True,
                holder="sekretaris",
            ),
            Case(
                "I am away on official travel until 3 December. Your message will be answered on my return.\n"
                "Secretary: Agus Wibowo, sekretaris@probolinggokab.example",
                automatic=True,
                holder="kabid_paud",
            ),
            Case(
                "Saya sedang cuti melahirkan sampai Februari 2027. Untuk keperluan dinas silakan hubungi "
                "Sekretaris Dinas.",
                automatic=True,
                holder="kabid_paud",
            ),
        ],
    ),
    # --- close to a statement, not read in full: proposed, to act once confirmed
    *classed(
        "near-statement",
        [
            Case(
                "Kabid Dikdas: 2, 4 dn 6",
                proposals=(D(DIKDAS, "Proses lebih lanjut; Untuk diketahui; Pelajari/telaah"),),
            ),
            Case("Sekretaris: no 6 sm 9", proposals=(D(SEK, "Pelajari/telaah; Siapkan jawaban/bahan"),)),
            Case("Sekretariat: 6", proposals=(D(SEK, "Pelajari/telaah"),)),
            Case("Kabid Dkdas: 4", proposals=(D(DIKDAS, "Untuk diketahui"),)),
            Case("Kbid PAUD: 8", proposals=(D(PAUD, "Hadiri/wakili"),)),
            Case("Sekretris: 9 batas 2 hari", proposals=(D(SEK, "Siapkan jawaban/bahan", "2026-11-27"),)),
        ],
    ),
    # --- more of the thinner classes (second batch)
    *classed(
        "contact-line",
        [
            Case(
                "Sekretaris Dinas: Agus Wibowo, HP 0812-3456-7890",
                (NOTE("Sekretaris Dinas: Agus Wibowo, HP 0812-3456-7890"),),
            ),
            Case(
                "Kasubbag Umum: Pak Hendra 0813-4444-5555",
                (NOTE("Kasubbag Umum: Pak Hendra 0813-4444-5555"),),
                holder="sekretaris",
            ),
            Case("Siap pak\n\nRina Kusumawati\nKabid Dikdas\n0813-1111-2222", (ACK,), holder="kabid_dikdas"),
            Case("Dewi: +62 812 3456 7890", (NOTE("Dewi: +62 812 3456 7890"),)),
            Case("Kabid PAUD - dewi.lestari@gmail.com", (NOTE("Kabid PAUD - dewi.lestari@gmail.com"),)),
        ],
    ),
    *classed(
        "phone-in-disposition",
        [
            Case(
                "Kabid PAUD: undang narasumber dari LPMP, kontak Pak Joko 0812-7777-8888, batas Jumat",
                (D(PAUD, "undang narasumber dari LPMP, kontak Pak Joko 0812-7777-8888", "2026-11-27"),),
            ),
            Case(
                "Sekdis: 3 dgn Bappeda (0335) 841234 ext 12",
                (D(SEK, "Koordinasikan/konfirmasikan - dgn Bappeda (0335) 841234 ext 12"),),
            ),
            Case(
                "1: hubungi panitia 0812-3333-4444 utk konfirmasi kehadiran",
                (D(SEK, "hubungi panitia 0812-3333-4444 utk konfirmasi kehadiran"),),
            ),
            Case(
                "Pak Hendra tolong hubungi katering 0813-9999-1111",
                (D(KASUBBAG, "tolong hubungi katering 0813-9999-1111"),),
                holder="sekretaris",
            ),
        ],
    ),
    *classed(
        "near-statement",
        [
            Case("Sekertaris dan Kabid Dikdas: 4", proposals=(D((SEK, DIKDAS), "Untuk diketahui"),)),
            Case("Sekretaris: 6, 9a", proposals=(D(SEK, "Pelajari/telaah; Siapkan jawaban/bahan"),)),
            Case("Kabid Dikdas: nomor 8", proposals=(D(DIKDAS, "Hadiri/wakili"),)),
            Case("Kabid Dikdas hadir rapat besok", proposals=(D(DIKDAS, "hadir rapat", "2026-11-26"),)),
        ],
    ),
    *classed(
        "responder-shape",
        [
            Case(
                "Terima kasih. Pesan Anda akan segera kami tanggapi setelah saya kembali bertugas pada Senin, "
                "7 Desember 2026.",
                automatic=True,
            ),
            Case(
                "Hello, I am on paternity leave until 4 January 2027 and will respond on my return. In my "
                "absence please write to Agus Wibowo.",
                automatic=True,
                holder="kabid_paud",
            ),
            Case(
                "Saat ini saya sedang menjalankan tugas belajar di luar kota hingga akhir Desember. Email Anda "
                "akan saya balas secepatnya setelah kembali.\nUntuk urusan bidang, hubungi Kabid Dikdas (Bu Rina).",
                automatic=True,
                holder="kabid_paud",
            ),
            Case(
                "Mohon maaf, saya sedang tidak di tempat sampai 7 Desember 2026.\nSekdis: Pak Agus",
                automatic=True,
            ),
        ],
    ),
    *classed(
        "all-except",
        [
            Case("Semua, kecuali Sekdis: 7", (D((DIKDAS, PAUD), "Sosialisasikan/edarkan"),)),
            Case("Everyone except Rina: 4", (D((SEK, PAUD), "Untuk diketahui"),)),
            Case("semua kecuali Kabid Dikdas: hadiri batas besok", (D((SEK, PAUD), "hadiri", "2026-11-26"),)),
        ],
    ),
    *classed(
        "leave-above-statement",
        [
            Case(
                "Saya sedang umroh, mohon maaf.\nSekdis: 5",
                (NOTE("Saya sedang umroh, mohon maaf."), D(SEK, "Untuk ditindaklanjuti")),
            ),
            Case(
                "Lagi cuti pak, tapi sudah saya minta staf.\nSudah ditindaklanjuti",
                (NOTE("Lagi cuti pak, tapi sudah saya minta staf."), DONE()),
                holder="sekretaris",
            ),
            Case(
                "I'm away at a workshop this week.\nDone: the data was sent by my staff",
                (NOTE("I'm away at a workshop this week."), DONE("the data was sent by my staff")),
                holder="kabid_paud",
            ),
        ],
    ),
    *classed(
        "deadline-spelling",
        [
            Case(
                "Sekretaris: 9 paling lambat hari Jumat tanggal 27 November",
                (D(SEK, "Siapkan jawaban/bahan", "2026-11-27"),),
            ),
            Case("Sekretaris: 9 sebelum tgl 1 Des", (D(SEK, "Siapkan jawaban/bahan", "2026-12-01"),)),
            Case(
                "Kabid PAUD: 12 batas waktu 5 hari kerja", (D(PAUD, "Laksanakan dan laporkan", "2026-12-02"),)
            ),
            Case("Sekdis: 6 max. tgl 3", (D(SEK, "Pelajari/telaah", "2026-12-03"),)),
        ],
    ),
    *classed(
        "first-name",
        [
            Case("Mbak Dewi tolong wakili rapat di Bappeda", (D(PAUD, "tolong wakili rapat di Bappeda"),)),
            Case("Pak Agus & Bu Rina: 3", (D((SEK, DIKDAS), "Koordinasikan/konfirmasikan"),)),
        ],
    ),
    *classed(
        "full-title",
        [
            Case("Sekretaris Dinas Pendidikan - mohon ditindaklanjuti", (D(SEK, "mohon ditindaklanjuti"),)),
        ],
    ),
    *classed(
        "bullet",
        [
            Case("• Siap, segera dilaksanakan", (ACK,), holder="sekretaris"),
            Case(
                "1. Semua: 4\n2. Sekdis: 9 batas 2 hari",
                (D(UNDER_KADIS, "Untuk diketahui"), D(SEK, "Siapkan jawaban/bahan", "2026-11-27")),
            ),
        ],
    ),
    # --- third batch: more phrasings of the same classes
    *classed(
        "reason",
        [
            Case("Arsip, sudah dijawab lewat telepon", (ARCHIVE,)),
            Case("Batalkan, nanti saya disposisi ulang", (UNDO,)),
            Case("Noted pak, nanti saya sampaikan ke staf", (ACK,), holder="sekretaris"),
            Case("Siap, akan kami koordinasikan dgn bidang", (ACK,), holder="sekretaris"),
            Case(
                "Sudah selesai pak, laporan sudah saya kirim via WA",
                (DONE("laporan sudah saya kirim via WA"),),
                holder="sekretaris",
            ),
        ],
    ),
    *classed(
        "opener",
        [
            Case("Mohon maaf terlambat, sudah ditindaklanjuti pak", (DONE(),), holder="sekretaris"),
            Case("Nggih pak, siap", (ACK,), holder="sekretaris"),
            Case("Baik bu, sedang kami proses", (PROGRESS(),), holder="sekretaris"),
            Case("Ass.wr.wb. Sekdis: 6", (D(SEK, "Pelajari/telaah"),)),
            Case("Dengan hormat, Kabid PAUD: 8", (D(PAUD, "Hadiri/wakili"),)),
        ],
    ),
    *classed(
        "full-title",
        [
            Case(
                "Kepala Bidang Pendidikan Dasar: hadiri dan laporkan hasilnya paling lambat 4 Desember",
                (D(DIKDAS, "hadiri dan laporkan hasilnya", "2026-12-04"),),
            ),
            Case(
                "Kepada Kepala Bidang PAUD dan Pendidikan Nonformal: mohon diwakili",
                (D(PAUD, "mohon diwakili"),),
            ),
        ],
    ),
    *classed(
        "near-title",
        [
            Case("Kabid Pendidikan Dsr: 8", proposals=(D(DIKDAS, "Hadiri/wakili"),)),
            Case("Sekretaris Dinas Pendidkan: 9", proposals=(D(SEK, "Siapkan jawaban/bahan"),)),
        ],
    ),
    *classed(
        "deadline-spelling",
        [
            Case("Sekretaris: 9 paling lambat Senin depan", (D(SEK, "Siapkan jawaban/bahan", "2026-11-30"),)),
            Case("Kabid Dikdas: 12 batas 10 Des", (D(DIKDAS, "Laksanakan dan laporkan", "2026-12-10"),)),
            Case(
                "Sekretaris: 9 paling lambat 2 (dua) hari", (D(SEK, "Siapkan jawaban/bahan", "2026-11-27"),)
            ),
            Case(
                "Sekretaris: 9 paling lambat 3 (tiga) hari kerja",
                (D(SEK, "Siapkan jawaban/bahan", "2026-11-30"),),
            ),
            Case("Dewi: 8 by Dec 4", (D(PAUD, "Hadiri/wakili", "2026-12-04"),)),
        ],
    ),
    *classed(
        "first-name",
        [
            Case(
                "Bu Rina, mohon dikoordinasikan dgn korwil ya",
                (D(DIKDAS, "mohon dikoordinasikan dgn korwil"),),
            ),
            Case("Pak Agus: tolong wakili saya besok", (D(SEK, "tolong wakili saya", "2026-11-26"),)),
        ],
    ),
    *classed(
        "bullet",
        [
            Case("➡️ Sekdis: 6", (D(SEK, "Pelajari/telaah"),)),
            Case("- Sekdis: 6\n- Catatan: segera", (D(SEK, "Pelajari/telaah"), NOTE("segera"))),
        ],
    ),
    *classed(
        "not-a-target",
        [
            Case(
                "Sekretaris: 9\nNote: please prioritise",
                (D(SEK, "Siapkan jawaban/bahan"), NOTE("please prioritise")),
            ),
        ],
    ),
    *classed(
        "leave-above-statement",
        [
            Case(
                "Maaf baru buka email, kemarin dinas luar.\nKabid Dikdas: 8",
                (NOTE("Maaf baru buka email, kemarin dinas luar."), D(DIKDAS, "Hadiri/wakili")),
            ),
        ],
    ),
    *classed(
        "responder-shape",
        [
            Case(
                "Bapak/Ibu yang terhormat, saya sedang berada di luar kantor hingga 3 Desember 2026 untuk tugas "
                "kedinasan. Pesan akan dibalas sekembalinya saya.",
                automatic=True,
            ),
            Case("Out of office: back on Monday 30 November.", automatic=True, holder="kabid_paud"),
        ],
    ),
    *classed(
        "phone-in-disposition",
        [
            Case(
                "Kabid PAUD: koordinasi dgn Pak Joko HP 081277778888",
                (D(PAUD, "koordinasi dgn Pak Joko HP 081277778888"),),
            ),
        ],
    ),
    # --- a deadline-like phrase with no date ("asap", "segera"): proposed as today, never the
    #     default in silence; the parts of today ("sore ini", "nanti siang") are read in full
    *classed(
        "urgent-deadline",
        [
            Case(
                "Sekdis: pls check n revert asap",
                proposals=(D(SEK, "pls check n revert asap", "2026-11-25"),),
            ),
            Case(
                "Kabid Dikdas: siapkan data secepatnya",
                proposals=(D(DIKDAS, "siapkan data secepatnya", "2026-11-25"),),
            ),
            Case("Sekdis: 6 sesegera mungkin", proposals=(D(SEK, "Pelajari/telaah - sesegera mungkin", "2026-11-25"),)),
            Case(
                "Kabid PAUD: tolong segera dikoordinasikan",
                proposals=(D(PAUD, "tolong segera dikoordinasikan", "2026-11-25"),),
            ),
            Case("Sekretaris: please handle ASAP", proposals=(D(SEK, "please handle ASAP", "2026-11-25"),)),
            Case("Sekdis: siapkan bahan sore ini", (D(SEK, "siapkan bahan", "2026-11-25"),)),
            Case("Kabid Dikdas: 8 nanti siang", (D(DIKDAS, "Hadiri/wakili", "2026-11-25"),)),
            Case("Sekretaris: draft reply by end of day", (D(SEK, "draft reply", "2026-11-25"),)),
            Case("Sekdis: segera, batas besok", (D(SEK, "segera", "2026-11-26"),)),
        ],
    ),
    # --- a target only near a title (a word cut short), with or without a courtesy: proposed
    *classed(
        "near-title",
        [
            Case("Pak Sek tlg dipelajari", proposals=(D(SEK, "tlg dipelajari"),)),
            Case("Bu Sek: 6", proposals=(D(SEK, "Pelajari/telaah"),)),
            Case("Sek dipelajari ya", proposals=(D(SEK, "dipelajari"),)),
            Case("Sekre: 6", proposals=(D(SEK, "Pelajari/telaah"),)),
            Case("Sekr: 4", proposals=(D(SEK, "Untuk diketahui"),)),
        ],
    ),
    # --- a list with a near target keeps every target; an unknown one asks the line back
    *classed(
        "near-in-list",
        [
            Case("Kabid Dikdas, Kabid Paudni: 7", proposals=(D((DIKDAS, PAUD), "Sosialisasikan/edarkan"),)),
            Case(
                "Sekdis, Kabid Dikdas, Kabid Paudni: 7",
                proposals=(D((SEK, DIKDAS, PAUD), "Sosialisasikan/edarkan"),),
            ),
            Case("Kabid Paudni dan Sekdis: 4", proposals=(D((PAUD, SEK), "Untuk diketahui"),)),
            Case("Sekdis, Pak Bambang: 4", problems=("unknown_target",)),
            Case("Kabid Dikdas, Kabid Paudni, Bob: 4", problems=("unknown_target",)),
            Case("Kabid Dikdas Paud: 4", proposals=(D((DIKDAS, PAUD), "Untuk diketahui"),)),
            Case("Sekdis Kabid Dikdas: 4", proposals=(D((SEK, DIKDAS), "Untuk diketahui"),)),
            Case("Sekdis Kabid Dikdas Kabid Paud: 4", proposals=(D(UNDER_KADIS, "Untuk diketahui"),)),
        ],
    ),
    # --- a title abbreviation with a unit the office does not have: unknown, asked back
    #     offering the officials of that title (not ambiguous: it names none of them)
    *classed(
        "unknown-unit",
        [
            Case("Kabid SMP: 6", problems=(Ask("unknown_target", (DIKDAS, PAUD)),)),
            Case("Kabid SD: hadiri", problems=(Ask("unknown_target", (DIKDAS, PAUD)),)),
            Case("Kepala Bidang SMA: 4", problems=(Ask("unknown_target", (DIKDAS, PAUD)),)),
        ],
    ),
    # --- working days in their phone spellings: read in full
    *classed(
        "deadline-spelling",
        [
            Case("Sekdis: 6 dan 9 batas 3 hr krj", (D(SEK, "Pelajari/telaah; Siapkan jawaban/bahan", "2026-11-30"),)),
            Case(
                "Kabid Dikdas: 2, 4 dlm 3 hr kerja",
                (D(DIKDAS, "Proses lebih lanjut; Untuk diketahui", "2026-11-30"),),
            ),
            Case("Sekdis: 6 maks 5 HK", (D(SEK, "Pelajari/telaah", "2026-12-02"),)),
            Case("Kabid PAUD: 8 batas 2 hari krj", (D(PAUD, "Hadiri/wakili", "2026-11-27"),)),
        ],
    ),
    # --- a report with a done word, in its phone spellings, is a completion
    *classed(
        "report-done",
        [
            Case("Lapor: rapat koordinasi sdh dilaksanakan tgl 24", (DONE("rapat koordinasi sdh dilaksanakan tgl 24"),), holder="kabid_dikdas"),
            Case("Laporan: kegiatan sudah kami laksanakan", (DONE("kegiatan sudah kami laksanakan"),), holder="kabid_dikdas"),
            Case(
                "Lapor: sosialisasi telah dilaksanakan ke 24 sekolah",
                (DONE("sosialisasi telah dilaksanakan ke 24 sekolah"),),
                holder="kabid_dikdas",
            ),
            Case("Report: meeting done", (DONE("meeting done"),), holder="kabid_paud"),
            Case("Lapor: data sdh dikirim ke dinas", (DONE("data sdh dikirim ke dinas"),), holder="sekretaris"),
            Case("Lapor: sedang disiapkan", (PROGRESS("sedang disiapkan"),), holder="sekretaris"),
        ],
    ),
    # --- "86", office slang for "understood", acknowledges
    *classed(
        "ack-slang",
        [
            Case("Siap 86 pak", (ACK,), holder="kabid_dikdas"),
            Case("86 pak", (ACK,), holder="sekretaris"),
            Case("Siap 86", (ACK,), holder="kabid_paud"),
            Case("Siap, 86 ndan", (ACK,), holder="kabid_dikdas"),
            Case("Ok 86", (ACK,), holder="sekretaris"),
        ],
    ),
]
