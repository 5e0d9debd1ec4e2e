"""A letter's log in the reader's words: the log stores codes and facts, worded when shown
(registry/log_words.py). Every action code has its words in each language, every kind of entry
its writer makes reads without a code or a placeholder left, and a row of before the facts
still reads."""

from __future__ import annotations

import datetime as dt
import re
from functools import partial

import pytest

from mailflow.outbound.catalogue import LANGUAGES, Catalogue
from mailflow.registry.log_words import Entry, entry_words
from mailflow.storage.events import ACTIONS

CATALOGUE = Catalogue()
DAY = dt.date(2026, 12, 9)
KADIS = "kadis@probolinggokab.example"

# One entry of each action as its writer stores it (the facts each writer passes to log_event).
ENTRIES = {
    "registered": Entry("registered", [], None, None, "", {"mailbox": "surat"}),
    "duplicate": Entry("duplicate", [], None, None, "", {"message": "<a@b>"}),
    "corrected": Entry("corrected", [], None, None, "", {"changes": [["subject", "Rapat", "Rapat Kerja"]]}),
    "scanned": Entry("scanned", [], None, None, "", {"pages": 2, "confidence": 87, "read": ["sender", "subject"],
                                                     "refused": ["IMG_1.heic"], "why": ["IMG_1.heic: x"]}),
    "not_read": Entry("not_read", ["scan.pdf", "pdf_time"], None, None, "", {}),
    "receipt_sent": Entry("receipt_sent", ["agenda@probolinggokab.example"], None, None, "", {}),
    "requested": Entry("requested", [KADIS], "Pelajari", DAY, "",
                       {"rule": "umum", "reasons": [["keyword", {"keyword": "rapat"}], ["fallback", {}]]}),
    "disposed": Entry("disposed", ["sekretaris@probolinggokab.example"], "Pelajari", DAY, "Sekretaris: pelajari", {}),
    "acknowledged": Entry("acknowledged", [], None, None, "Siap", {}),
    "progress": Entry("progress", [], None, None, "", {}),
    "completed": Entry("completed", [KADIS], None, None, "", {"office": "DISDIK", "agenda": "004/SM/2026"}),
    "archived": Entry("archived", [], None, None, "", {}),
    "cancelled": Entry("cancelled", [KADIS], "Pelajari", None, "batal", {}),
    "noted": Entry("noted", [], None, None, "sudah dibaca", {}),
    "received_from": Entry("received_from", [KADIS], "Pelajari", DAY, "", {"office": "SETDA", "agenda": "001/SM/2026"}),
    "passed_on": Entry("passed_on", [KADIS], None, None, "", {"office": "DISDIK", "agenda": "004/SM/2026"}),
    "reminded": Entry("reminded", [KADIS], "Pelajari", DAY, "", {}),
    "escalated": Entry("escalated", [KADIS], "Pelajari", DAY, "", {}),
    "digested": Entry("digested", [KADIS], None, None, "", {"sections": ["unacknowledged", "overdue"]}),
    "bounced": Entry("bounced", [KADIS], None, None, "", {"kind": "request"}),
    "rejected": Entry("rejected", [KADIS], None, None, "",
                      {"reason": "no_reply_code", "detail": "x", "quarantine": 3}),
    "released": Entry("released", [], None, None, "", {"quarantine": 3, "reason": "sender_unverified"}),
}  # fmt: skip
# Codes a person must never read, whatever the language.
CODES = re.compile(r"\b(no_reply_code|sender_unverified|unacknowledged|pdf_time|keyword|fallback)\b|[{}]")


def words(entry: Entry, language: str) -> str:
    return "; ".join(entry_words(entry, partial(CATALOGUE.say, language), CATALOGUE.keys(language)))


def test_every_action_is_sampled_here() -> None:
    assert set(ENTRIES) == ACTIONS


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_every_action_has_its_words_in_each_language(action: str, language: str) -> None:
    assert f"action.{action}" in CATALOGUE.keys(language)
    said = words(ENTRIES[action], language)
    assert not CODES.search(said), said


def test_the_languages_say_it_each_their_way() -> None:
    assert words(ENTRIES["registered"], "id") == "dari kotak surat surat"
    assert words(ENTRIES["registered"], "en") == "from mailbox surat"
    assert words(ENTRIES["requested"], "id") == (
        f"kepada {KADIS}; aturan rute umum: perihal memuat 'rapat', tidak ada aturan yang cocok: kepala unit "
        "mailbox; instruksi: Pelajari; batas 9 Desember 2026")
    assert words(ENTRIES["requested"], "en").endswith("instruction: Pelajari; due 9 December 2026")
    assert words(ENTRIES["scanned"], "id") == (
        "OCR 2 halaman, keyakinan 87; terbaca: Asal surat, Perihal; tidak dibaca: IMG_1.heic")
    assert words(ENTRIES["corrected"], "en") == "Subject: Rapat → Rapat Kerja"
    assert words(ENTRIES["digested"], "id") == f"kepada {KADIS}; bagian: instruksi belum dijawab, terlambat"
    assert words(ENTRIES["rejected"], "id") == f"kepada {KADIS}; karantina 3: balasan tanpa kode balasan"
    assert words(ENTRIES["not_read"], "id") == (
        "scan.pdf: teksnya tidak dibaca, membacanya melebihi batas waktu")
    assert words(ENTRIES["disposed"], "id").endswith("“Sekretaris: pelajari”")  # the official's own line
    # Every entry with words of Mailflow's reads differently in the two languages; only a person's
    # own words ("Siap") or nothing at all read the same.
    same = {a for a in ACTIONS if words(ENTRIES[a], "en") == words(ENTRIES[a], "id")}
    assert same == {"acknowledged", "noted", "progress", "archived"}, same


def test_a_row_of_before_the_facts_shows_its_stored_words() -> None:
    old = Entry("acknowledged", [], None, None, "Siap", None)
    assert words(old, "id") == "Siap"
    old_request = Entry("requested", [KADIS], "Pelajari", DAY, "aturan rute umum: ...", None)
    assert words(old_request, "id") == f"kepada {KADIS}; aturan rute umum: ..."


def test_a_code_a_newer_mailflow_wrote_reads_as_it_is() -> None:
    newer = Entry("rejected", [], None, None, "", {"reason": "some_new_reason", "quarantine": 9})
    assert words(newer, "id") == "karantina 9: some_new_reason"
