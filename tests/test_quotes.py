"""Quote and signature removal for the clients Indonesian officials use (reply-language.md)."""

import pytest

from mailflow.text.quotes import extract_new_text

QUOTE = "> Mohon disposisi surat nomor 061/5432/OTDA\n> Kode balasan: abc"


@pytest.mark.parametrize(
    "reply",
    [
        f"Sekretaris: pelajari\n\nPada tanggal Sab, 31 Okt 2020 pukul 22.12 Mailflow <surat@x.example> menulis:\n{QUOTE}",
        f"Sekretaris: pelajari\n\nPada Sab, 31 Okt 2020 22.12, Mailflow <surat@x.example> menulis:\n\n{QUOTE}",
        f"Sekretaris: pelajari\n\nPada tanggal Sab, 31 Okt 2020 pukul 22.12 Mailflow <\nsurat@x.example> menulis:\n{QUOTE}",
        f"Sekretaris: pelajari\n\nMailflow <surat@x.example> menulis:\n{QUOTE}",
        f"Sekretaris: pelajari\n\nOn Sat, Oct 31, 2020 at 10:12 PM Mailflow <surat@x.example> wrote:\n{QUOTE}",
        "Sekretaris: pelajari\n\n-------- Pesan Asli --------\nDari: Mailflow <surat@x.example>\n"
        "Tanggal: 31/10/2020 22.12\nKepada: kadis@x.example\nSubjek: [SM 001/2026] Mohon disposisi\n\nIsi",
        "Sekretaris: pelajari\n\n-------- Pesan Orisinal --------\nDari: Mailflow <surat@x.example>\n\nIsi",
        "Sekretaris: pelajari\n\nDikirim dari iPhone saya\n\n" + QUOTE,
        "Sekretaris: pelajari\n\nDikirim dari ponsel cerdas Samsung Galaxy saya.\n\n-------- Pesan asli --------\n"
        "Dari: Mailflow <surat@x.example>\nTanggal: 31/10/20 22.12 (GMT+07:00)\nKe: kadis@x.example",
        "Sekretaris: pelajari\n\nDikirim dari Yahoo Mail di Android\n\n  Pada Sab, 31 Okt 2020 pada 22:12, Mailflow\n"
        "<surat@x.example> menulis:\n" + QUOTE,
        "Sekretaris: pelajari\n\nDapatkan Outlook untuk Android\n________________________________\n"
        "Dari: Mailflow <surat@x.example>\nDikirim: Sabtu, 31 Oktober 2020 22.12\nKepada: kadis@x.example\n"
        "Perihal: [SM 001/2026] Mohon disposisi",
        "Sekretaris: pelajari\n--\nBudi Santoso\nKepala Dinas Pendidikan",
    ],
)
def test_phone_clients(reply):
    assert extract_new_text(reply) == "Sekretaris: pelajari"


def test_bottom_and_inline_posting():
    assert extract_new_text(f"Pada Sab, 31 Okt 2020 menulis:\n{QUOTE}\n\nSiap!") == "Siap!"
    inline = "> pertanyaan satu\nJawaban satu\n> pertanyaan dua\nJawaban dua"
    assert extract_new_text(inline) == "Jawaban satu\nJawaban dua"


def test_html_only_replies():
    gmail = (
        '<div dir="ltr">Siap laksanakan</div><br><div class="gmail_quote"><div class="gmail_attr">'
        "Pada tanggal Sab, 31 Okt 2020 pukul 22.12 Mailflow menulis:</div><blockquote>isi</blockquote></div>"
    )
    apple = '<div>Selesai</div><div><br><blockquote type="cite"><div>isi lama</div></blockquote></div>'
    outlook = (
        '<div>Arsipkan</div><div id="divRplyFwdMsg"><b>Dari:</b> Mailflow</div>'
        "<div>isi lama yang tidak boleh bocor</div>"
    )
    yahoo = '<div>Oke</div><div class="yahoo_quoted"><div>isi lama</div></div>'
    assert [extract_new_text("", h) for h in (gmail, apple, outlook, yahoo)] == [
        "Siap laksanakan",
        "Selesai",
        "Arsipkan",
        "Oke",
    ]


def test_clerk_corrections_are_not_mistaken_for_a_header_block():
    text = "Dari: Kementerian Dalam Negeri\nTanggal: 2 Oktober 2017\nPerihal: Rapat"
    assert extract_new_text(text) == text


def test_sign_off_and_own_name_are_dropped():
    assert (
        extract_new_text("Selesai: sudah disosialisasikan\n\nSalam,\nAgus")
        == "Selesai: sudah disosialisasikan"
    )
    assert extract_new_text("Siap\n\nAgus Wibowo\nSekretaris", sender_name="Agus Wibowo") == "Siap"
