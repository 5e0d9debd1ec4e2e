"""One language for the admin: every view an admin runs (the registry, a letter, the quarantine,
the health and offices headers, the exported book, a routing trial, a poll) speaks
`admin_language`, Indonesian by default, and never shows a stored code where a word belongs.
Run through the CLI against a letter filed, disposed and acknowledged on the real servers, and a
direct letter held for a clerk."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

from click.testing import CliRunner
from openpyxl import load_workbook

from mailflow.cli import cli
from tests.support import clients
from tests.support.letters import MAILBOX, gmail_forward, original_letter, pdf_letter

KADIS, SEKRETARIS = "kadis@probolinggokab.example", "sekretaris@probolinggokab.example"
# Codes the database keeps; an admin reads words instead (in English some words are their code).
CODES = {
    "id": re.compile(
        r"\b(in_progress|receipt_sent|acknowledged|awaiting|registered|requested|disposed|direct_letter"
        r"|quarantined|held)\b"
    ),
    "en": re.compile(r"\b(in_progress|receipt_sent|direct_letter|seen_before)\b"),
}
WORDS = {
    "id": {
        "letters": ["Buku agenda surat masuk", "Asal surat", "Perihal", "dalam proses"],
        "letter": ["Nomor surat", "tanda terima dikirim", "diminta disposisi", "siap (diterima)", "log:",
                   "dari kotak surat", "aturan rute"],
        "held": ["Karantina", "Alasan", "surat langsung dari luar", "ditahan"],
        "held_one": ["Alasan", "surat langsung dari luar (direct_letter)", "Pengirim", "Perihal", "Diterima"],
        "status": ["Status Mailflow", "Terakhir berhasil", "kotak keluar"],
        "offices": ["Kantor", "Kesehatan", "Karantina"],
        "rules": ["pengirim:", "petugas agenda (dicatat sebagai surat)", "aturan:", "pertama:", "batas:"],
        "poll": ["tidak ada yang baru"],
        "book": ["Nomor agenda", "Tanggal terima", "Pemegang sekarang", "dalam proses"],
    },
    "en": {
        "letters": ["Register of incoming letters", "From", "Subject", "in progress"],
        "letter": ["Letter number", "receipt sent", "disposition requested", "acknowledged", "log:",
                   "from mailbox", "routing rule"],
        "held": ["Quarantine", "Reason", "a letter sent in directly", "held"],
        "held_one": ["Reason", "a letter sent in directly (direct_letter)", "From", "Subject", "Received"],
        "status": ["Mailflow status", "Last good poll", "outbox"],
        "offices": ["Office", "Health", "Quarantine"],
        "rules": ["from:", "clerk (filed as a letter)", "rule:", "first:", "deadline:"],
        "poll": ["nothing new"],
        "book": ["Agenda number", "Received on", "Now held by", "in progress"],
    },
}
# Words of the other language that must not leak into a view (labels and states only: the
# letters' own data, in Indonesian, is in both).
FOREIGN = {
    "id": ["Register", "Subject", "Reason", "receipt sent", "in progress", "Last good poll", "clerk (filed",
           "from mailbox", "filed from", "routing rule"],
    "en": ["Buku agenda", "Perihal", "Alasan", "tanda terima dikirim", "dalam proses", "Terakhir berhasil",
           "petugas agenda", "dari kotak surat", "aturan rute"],
}  # fmt: skip


def run(office, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--config", str(office.config_path), *args])
    # status is a monitoring plugin: 2 (CRITICAL) here, since no `mailflow run` ever beat.
    assert result.exit_code in (0, 1, 2), (args, result.output, result.exception)
    return result.stdout


def filed_disposed_and_held(office) -> None:
    office.mail.send(gmail_forward(pdf=pdf_letter()))
    office.mail.send(original_letter(), to=MAILBOX)  # an outside agency writes in directly: held
    office.poll()
    request = office.mail.wait_for(KADIS, lambda m: "Mohon disposisi" in str(m["Subject"]))
    office.mail.send(clients.gmail_android_id(request, KADIS, "Sekretaris: Pelajari dan Sosialisasikan"))
    office.poll()
    instruction = office.mail.wait_for(SEKRETARIS, lambda m: "Disposisi dari" in str(m["Subject"]))
    office.mail.send(clients.iphone_id(instruction, SEKRETARIS, "Siap!"))
    office.poll()


def test_every_admin_view_speaks_admin_language_indonesian_by_default(office, tmp_path):
    filed_disposed_and_held(office)
    message = tmp_path / "clerk.eml"
    message.write_bytes(gmail_forward(pdf=pdf_letter()).as_bytes())
    for language, extra in (("id", ""), ("en", 'admin_language = "en"')):
        office.reconfigure(extra=extra)
        [held] = [str(i["id"]) for i in json.loads(run(office, "quarantine", "list", "--json"))]
        views = {
            "letters": run(office, "letters"),
            "letter": run(office, "letter", "show", "1"),
            "held": run(office, "quarantine", "list"),
            "held_one": run(office, "quarantine", "show", held),
            "status": run(office, "status"),
            "offices": run(office, "offices"),
            "rules": run(office, "rules", "test", str(message)),
            "poll": run(office, "poll", "--once"),
            "book": run(office, "export", "--format", "csv", "-o", "-"),
        }
        for name, text in views.items():
            flat = " ".join(text.split())
            words = set(re.findall(r"[^\s│┃]+", text))  # a table may wrap a phrase in its cell
            for expected in WORDS[language][name]:
                assert expected in flat or set(expected.split()) <= words, (language, name, expected, text)
            for foreign in FOREIGN[language]:
                assert foreign not in flat, (language, name, foreign, text)
            if name != "held_one":  # `quarantine show` names the reason's code too, for the README
                assert not CODES[language].search(text), (language, name, text)
        rows = list(csv.reader(io.StringIO(views["book"].lstrip("\ufeff"))))
        assert [r[11] for r in rows[1:]] == [WORDS[language]["book"][3]]  # the status column: words
        book = tmp_path / f"book-{language}.xlsx"
        run(office, "export", "-o", str(book))  # --year: this year by default
        sheet = load_workbook(book).active
        assert sheet.title == ("Buku agenda " if language == "id" else "Agenda book ") + str(dt.date.today().year)
        assert [c.value for c in sheet[2]][11] == WORDS[language]["book"][3]
