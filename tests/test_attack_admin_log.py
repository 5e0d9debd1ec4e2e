"""An office upgrading from the release before the facts (migration 0015) reads its old log in its
own language: each English text that release's writers stored (registered, duplicate, scanned,
not_read, bounced, rejected, released, digested, and the offices' agenda pairs) is read back into
the facts its writer stores now, and worded like a new entry. A bounce names the kind of email
in words, never its outbox code."""

from __future__ import annotations

import re
from functools import partial

import pytest

from mailflow.outbound.catalogue import Catalogue
from mailflow.registry.log_words import Entry, entry_words, facts_before
from mailflow.storage.models import Event

CATALOGUE = Catalogue()
KADIS = "kadis@probolinggokab.example"

# The texts the writers of 31add36 stored, one per writer that wrote English or codes.
BEFORE = {
    "registered": ("filed from surat", [], "dari kotak surat surat"),
    "duplicate": ("filed again in <a@b.example>", [], "dikirim lagi dalam pesan <a@b.example>"),
    "scanned": ("OCR: 2 page(s), confidence 87; read sender, subject; not read: IMG_1.heic: HEIC photo and "
                "pillow-heif is not installed", [],
                "OCR 2 halaman, keyakinan 87; terbaca: Asal surat, Perihal; tidak dibaca: IMG_1.heic"),
    "not_read": ("scan.pdf: not read (pdf_time)", ["scan.pdf", "pdf_time"],
                 "scan.pdf: teksnya tidak dibaca, membacanya melebihi batas waktu"),
    "bounced": (f"request to {KADIS} could not be delivered", [KADIS],
                f"kepada {KADIS}; email permintaan disposisi tidak terkirim"),
    "rejected": ("no_reply_code: no reply code in the message (quarantine 3)", [KADIS],
                 f"kepada {KADIS}; karantina 3: balasan tanpa kode balasan"),
    "released": ("quarantine 4 (sender_unverified): filed as 001/SM/2026 (released by budi)", [],
                 "karantina 4: pengirim tidak terverifikasi"),
    "digested": ("unacknowledged, overdue", [KADIS], f"kepada {KADIS}; bagian: instruksi belum dijawab, terlambat"),
    "received_from": ("SETDA 001/SM/2026", [KADIS], f"kepada {KADIS}; dari SETDA 001/SM/2026"),
    "passed_on": ("DISDIK 004/SM/2026", [KADIS], f"kepada {KADIS}; ke DISDIK 004/SM/2026"),
    "completed": ("DISDIK 004/SM/2026", [KADIS], f"kepada {KADIS}; di DISDIK 004/SM/2026"),
}  # fmt: skip
ENGLISH = re.compile(r"\b(filed|again|page\(s\)|confidence|read|not|could|delivered|quarantine|released|by)\b")


def words(event: Event, language: str = "id") -> str:
    return "; ".join(entry_words(Entry.of(event), partial(CATALOGUE.say, language), CATALOGUE.keys(language)))


@pytest.mark.parametrize("action", sorted(BEFORE))
def test_an_old_english_entry_reads_in_indonesian(action: str) -> None:
    text, targets, wanted = BEFORE[action]
    old = Event(letter_id=1, actor="mailflow", action=action, text=text, targets=targets, facts=None)
    said = words(old)
    assert said == wanted
    assert not ENGLISH.search(said.replace(KADIS, "")), said


def test_old_text_of_another_form_is_shown_as_it_was() -> None:
    """Only the exact forms of before are read; a person's own words, or Mailflow's words of
    before in the office's language (a request's route), stay as stored."""
    assert facts_before("registered", "filed from surat and more") is None
    assert facts_before("requested", "aturan rute umum: ...") is None
    kept = Event(letter_id=1, actor="k", action="acknowledged", text="Siap, laksanakan", targets=[], facts=None)
    assert words(kept) == "Siap, laksanakan"


@pytest.mark.parametrize("kind", ["request", "receipt", "reminder", "escalation", "confirmation", "notice"])
def test_a_bounce_names_the_kind_of_email_in_words(kind: str) -> None:
    bounced = Event(letter_id=1, actor=KADIS, action="bounced", text="", targets=[KADIS], facts={"kind": kind})
    for language in ("id", "en"):
        said = words(bounced, language)
        assert not re.search(rf"\b{kind}\b", said.replace(KADIS, "")) or language == "en", said
        assert "{" not in said
    assert words(bounced, "id") != words(bounced, "en")
