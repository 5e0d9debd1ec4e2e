"""Attacks on the confirm-a-proposal loop that need no mail server (pure): what a yes is, what a
responder or a question is not, and what a reply full of near lines costs."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage

import pytest

from mailflow.language.confirm import is_confirmation
from mailflow.language.statements import MAX_LINES, read_reply, reply_context
from mailflow.office.load import load_rules
from mailflow.text.header_fields import MAX_PARENT_IDS
from mailflow.text.parsing import parse_message
from mailflow.text.quotes import extract_new_text
from tests.support import REPO, clients

RULES = load_rules(REPO / "rules")
KADIS = reply_context(RULES, "kadis", dt.date(2026, 11, 25), "Budi Santoso")
CLIENTS = [
    f for name, f in vars(clients).items()
    if callable(f) and name[0] != "_" and getattr(f, "__module__", "") == clients.__name__ and name != "flowed"
]  # fmt: skip


def _proposal_email() -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Surat Dinas Pendidikan <surat@probolinggokab.example>"
    msg["Reply-To"] = "surat+d1x2y3@probolinggokab.example"
    msg["To"] = "kadis@probolinggokab.example"
    msg["Subject"] = "[SM 001/2026] Mohon konfirmasi"
    msg["Message-ID"] = "<proposal@probolinggokab.example>"
    msg.set_content(
        'Yth. Bapak/Ibu,\n\n"Sekertaris: pelajari dan siapkan jawaban, batas 3 hari"\nMaksud Bapak/Ibu: '
        "**Sekretaris Dinas Pendidikan** - pelajari dan siapkan jawaban, batas **7 Desember 2026**? "
        "Balas YA untuk menjalankan, atau tulis ulang.\n\nKode balasan: d1x2y3\n"
    )
    return msg


PROPOSAL = _proposal_email()


@pytest.mark.parametrize("text", ["Nggih pak", "Inggih", "Njih", "Leres pak", "Muhun", "Enggih"])
def test_a_yes_in_javanese_or_sundanese_confirms(text):
    """Read as a new reply, "Nggih pak" was a note that replaced the proposal: the disposition the
    official had just agreed to was lost, and the answer only said "catatan dicatat"."""
    assert is_confirmation(text, "Budi Santoso")


@pytest.mark.parametrize("text", ["Ya?", "Is that right?", "Betul?", "Ok ？", "Ya pak?\nBudi"])
def test_a_question_never_confirms(text):
    """ "Is that right?" was three allowed words ("is", "that", "right") and acted."""
    assert not is_confirmation(text, "Budi Santoso")


@pytest.mark.parametrize(
    "text",
    [
        "Ya, saya cuti sampai Jumat",
        "OK. I'm on annual leave until 7 December",
        "Terima kasih, email Anda sudah kami terima",
        "Ya, saya sedang dinas luar, akan saya balas setelah kembali",
        "Balasan otomatis: ok",
    ],
)  # fmt: skip
def test_a_responder_text_with_a_yes_word_never_confirms(text):
    assert not is_confirmation(text, "Budi Santoso")


def test_thousands_of_near_lines_give_one_bounded_answer():
    """5,000 lines each close to a disposition: at most MAX_LINES proposals, and one problem saying
    the rest was not read (the answer, and what a yes could apply, stay bounded)."""
    text = "\n".join(f"Sekertaris: pelajari {i}" for i in range(5000))
    reading = read_reply(text, KADIS)
    assert len(reading.proposals) <= MAX_LINES
    assert [p.reason for p in reading.problems] == ["too_long"]
    assert not reading.statements  # nothing near acts without its yes


def test_a_yes_buried_in_a_long_text_is_no_yes():
    assert not is_confirmation("Ya\n" + "ok " * 10_000, "Budi Santoso")


@pytest.mark.parametrize(
    "body",
    [
        "Ya\n-- \nBudi Santoso\nKepala Dinas\n\nPS: tapi batas 5 hari saja",
        "Ya\n\nSalam,\nBudi Santoso\nNB: jangan dulu, tunggu rapat",
        "Ya\n\nDikirim dari iPhone saya\n\nEh jangan dulu",
        "Ok\n\nTerima kasih\n\nBudi\n\nKecuali Kabid PAUD",
    ],
)  # fmt: skip
def test_a_reservation_written_under_the_signature_keeps_a_yes_from_acting(body):
    """A postscript or a line taking the yes back, under the signature, is the sender's word:
    it stays in the new text, so the yes alone never applies the proposal."""
    new = extract_new_text(body, "", "Budi Santoso")
    assert not is_confirmation(new, "Budi Santoso")
    assert body.rstrip().splitlines()[-1] in new


@pytest.mark.parametrize(
    "body",
    [
        "Ya\n-- \nBudi Santoso\nKepala Dinas Pendidikan\nNIP. 19700101 199003 1 001\nTelp. 0335-123456",
        "Ya pak\n-- \nBudi Santoso\nJangan cetak email ini bila tidak perlu",
        "OK\n\nDikirim dari iPhone saya",
        "Betul\n\nHormat saya,\nBudi\nKepala Dinas\nTidak perlu dibalas",
    ],
)  # fmt: skip
def test_a_plain_signature_under_a_yes_still_confirms(body):
    """Titles, NIP, phone, an eco footer: a signature holds no reservation, and the yes acts."""
    assert is_confirmation(extract_new_text(body, "", "Budi Santoso"), "Budi Santoso")


@pytest.mark.parametrize("client", CLIENTS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("yes", ["Ya pak", "OK", "1", "Betul"])
def test_a_yes_above_the_whole_quoted_proposal_confirms_from_every_client(client, yes):
    """Phone and desktop clients quote the proposal (its "Maksud Bapak/Ibu ...? Balas YA" line and
    the reply code) below the yes, or put it under a header block without '>': only the yes counts."""
    reply = parse_message(bytes(client(PROPOSAL, "Budi Santoso <kadis@probolinggokab.example>", yes)))
    new = extract_new_text(reply.text, reply.html, reply.from_name)
    assert is_confirmation(new, reply.from_name)


def test_a_reply_naming_thousands_of_parents_keeps_only_the_nearest():
    """In-Reply-To keeps its first ids, References its last (the nearest parents): never 70,000
    ids for one SQL IN list."""
    junk = "\r\n ".join(f"<{n}.junk@example>" for n in range(70_000))  # folded by hand: the
    proposal = "<proposal@probolinggokab.example>"  # stdlib's folding of a long header is quadratic
    parsed = parse_message(
        f"From: kadis@probolinggokab.example\r\nIn-Reply-To: {proposal}\r\n {junk}\r\n"
        f"References: {junk}\r\n {proposal}\r\n\r\nYa\r\n".encode()
    )
    assert parsed.in_reply_to[0] == parsed.references[-1] == proposal
    assert len(parsed.in_reply_to) == len(parsed.references) == MAX_PARENT_IDS
