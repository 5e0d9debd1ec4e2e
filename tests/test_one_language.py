"""One language per reader (pure): every email an official, a clerk or the admin can get, every
ask-back reason and every catalogue entry, rendered for an English reader, holds no Indonesian
word, and the reverse.

The data put into the emails (names, subjects) is neutral, so what is found can only come from
Mailflow's own words: templates and the message catalogue."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailflow.cli import cli
from mailflow.config import load_settings, settings_from_dict
from mailflow.disposition.kept_proposals import Shown
from mailflow.disposition.tree import TreeRow
from mailflow.domain import Said
from mailflow.followup.digests import DigestItem
from mailflow.language.statements import Kind, Problem
from mailflow.office.targets import Target
from mailflow.ops.reconcile import RestoredView
from mailflow.outbound.catalogue import LANGUAGES, Catalogue
from mailflow.outbound.compose import BUILTIN_TEMPLATES, FIELD_ORDER, Composer, LetterView
from mailflow.text.letter import Unread
from tests.support import REPO
from tests.support.letters import gmail_forward

INDONESIAN = {"surat", "disposisi", "anda", "tidak", "belum", "sudah", "dengan", "untuk", "batas", "dari",
              "yang", "dicatat", "balasan", "menunggu", "selesai", "diproses", "catatan", "nomor", "terlambat",
              "kepada", "silakan", "dibatalkan", "siap", "lampiran", "pindaian", "tujuan", "instruksi"}  # fmt: skip
ENGLISH = {"the", "your", "letter", "reply", "please", "not", "has", "been", "was", "disposition",
           "deadline", "recorded", "waiting", "overdue", "answer", "done", "from", "with", "attached",
           "instruction", "revoked"}  # fmt: skip
FOREIGN = {"en": INDONESIAN, "id": ENGLISH}
# Words both languages share, or names of things: never counted.
SHARED = {"mailflow", "status", "email", "agenda", "log", "dkim", "admin", "utc", "smtp", "ok"}

LETTER = LetterView(
    "007/SM/2026", "SM-007", dt.datetime(2026, 12, 1, 8, tzinfo=dt.UTC),
    {"subject": "Xylo", "sender": "Qwerty Agency", "letter_number": "12/Q", "urgency": "biasa"},
)  # fmt: skip
DAY = dt.date(2026, 12, 9)
TARGET = Target("kabid_paud", "Head Zed", "Dewi Zed", "dewi@example.test")
ITEM = DigestItem(1, "007/SM/2026", "Xylo", DAY)
PROBLEMS = [
    Problem(
        "Bob: x", "unknown_target", Said.of("problem.unknown_target", text="Bob"), ("Head Zed (Dewi Zed)",)
    ),
    Problem("9: x", "unknown_target", Said.of("problem.number_out_of_range", n=9, last=2)),
    Problem("Kabid: x", "ambiguous_target", Said.of("problem.ambiguous_target", text="Kabid")),
    Problem("Q: x", "not_allowed", Said.of("problem.not_allowed", who="Head Zed (Dewi Zed)")),
    Problem("Z: 42", "unknown_instruction", Said.of("problem.unknown_instruction", code=42)),
    Problem("...", "too_long", Said.of("problem.too_long", max=300)),
    Problem("Z: x 1/1", "bad_deadline", Said.of("problem.deadline_past", date=DAY)),
    Problem("Z: x 99/99", "bad_deadline", Said.of("problem.not_a_date", text="99/99")),
    Problem("x", "closed", Said.of("problem.closed", state=Said.of("state.completed"))),
    Problem("x", "closed", Said.of("problem.revoked")),
    Problem("x", "nothing_to_undo", Said.of("problem.nothing_to_undo")),
    Problem("x", "too_late", Said.of("problem.too_late", who="Head Zed")),
    *(Problem("Ya", f"proposal_{why}", Said.of(f"problem.proposal_{why}", date=DAY))
      for why in ("not_yours", "applied", "failed", "replaced", "expired")),
    Problem("Ya", "not_allowed", Said.of("problem.proposal_target_gone", who=["Head Zed"])),
]  # fmt: skip
PROPOSALS = [
    Shown("Zed: x", Said.of("proposal.dispose", names=["Head Zed"], instruction="Xylo", deadline=DAY)),
    Shown("Zed: x", Said.of("proposal.dispose_open", names=["Head Zed"], instruction="Xylo")),
    *(Shown("Xylo", Said.of("proposal.statement", what=Said.of(f"proposal.kind.{kind}"))) for kind in Kind),
]
APPLIED = [
    Said.of("applied.disposed", names="Head Zed (Dewi Zed)", instruction=Said.of("applied.no_instruction"),
            deadline=DAY),
    Said.of("applied.acknowledged"),
    Said.of("applied.report", what=Said.of("applied.progress"), text="Xylo"),
    Said.of("applied.with_files", what=Said.of("applied.done"), files=["a.pdf", Said.of("applied.unnamed_file")]),
    Said.of("applied.archived"),
    Said.of("applied.cancelled", who=["Head Zed"]),
    Said.of("applied.status_below"),
    Said.of("applied.help_below"),
    Said.of("applied.note", text="Xylo"),
]  # fmt: skip
TREE = [TreeRow(0, "Head Zed", "Dewi Zed", "Xylo", True, "pending", DAY)]
COMMON = {"office": "Qwerty Office", "letter": LETTER, "token": "d1.abc", "targets": [TARGET],
          "instructions": [], "holder_title": "Head Zed", "holder_name": "Dewi Zed"}  # fmt: skip
CONTEXTS = {
    "request": {"instruction": "Xylo", "disposer_title": "Head Zed", "deadline_text": "9",
                "attachment_note": Said.of("scan.attached")},
    "confirmation": {"applied": APPLIED, "problems": PROBLEMS, "awaiting": True, "undo_hint": True,
                     "tree": TREE, "help": True, "proposals": PROPOSALS},
    "notice": {"actor_title": "Head Zed", "actor_name": "Dewi Zed", "headline": Said.of("applied.acknowledged"),
               "lines": APPLIED},
    "cancelled": {"disposer_title": "Head Zed", "instruction": "Xylo"},
    "status": {"status_key": "in_progress", "tree": TREE},
    "help": {},
    "reminder": {"deadline": DAY, "overdue_days": 2, "instruction": "Xylo"},
    "escalation": {"late_title": "Head Zed", "late_name": "Dewi Zed", "instruction": "Xylo", "level": 1,
                   "overdue_days": 3, "deadline": DAY},
    "digest": {"person": "Dewi Zed", "today": DAY,
               "sections": {"waiting": [ITEM], "unacknowledged": [ITEM], "overdue": [ITEM], "completed": [ITEM]}},
    "weekly": {"unit": "Qwerty", "week": "2026-W49", "received": 4, "disposed": 6, "completed": 3, "on_time": 2,
               "overdue": 1, "first_hours": 2.25},
    "stale_code": {"intruder": "q@example.test", "agenda": "007/SM/2026", "quarantine_id": 3},
    "held": {"subject": "Xylo", "mailbox": "box@example.test", "reason_text": "Xylo", "hint": ""},
    # to clerks and the admin
    "receipt": {"names": FIELD_ORDER, "files": [], "unread": [Unread("scan.pdf", "pdf_time"), Unread("IMG_1.jpg", "pixels")]},
    "corrected": {"names": FIELD_ORDER, "changes": [("letter_date", LETTER, LETTER)]},
    "duplicate": {},
    "direct_letter": {"sender": "q@example.test", "mailbox": "box@example.test", "quarantine_id": 3,
                      "attached": False, "size": "2.0 MB"},
    "bounced": {"address": "q@example.test", "kind": "request", "agenda": "007/SM/2026"},
    "notice_digest": {"cap": 3, "items": [{"at": dt.datetime(2026, 12, 2, 1, 5), "subject": "Xylo"}]},
    "rules_broken": {"folder": "/srv/rules", "problems": ["office.toml:3: Xylo"]},
    "restored": {"letters": [RestoredView("007/SM/2026", "Xylo", "007/SM/2026", False),
                             RestoredView("008/SM/2026", None, "009/SM/2026", True),
                             RestoredView("010/SM/2026", "Xylo", None, False)]},
}  # fmt: skip


def foreign_words(text: str, language: str) -> set[str]:
    words = {w.lower() for w in re.findall(r"[A-Za-z]+", text)}
    return (words & FOREIGN[language]) - SHARED


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", sorted(CONTEXTS))
def test_every_email_to_an_official_is_in_the_readers_language(name: str, language: str) -> None:
    assert (BUILTIN_TEMPLATES / language / f"{name}.txt.j2").exists(), f"{language}/{name}"
    rendered = Composer().render(name, language, **COMMON, **CONTEXTS[name])
    found = foreign_words(f"{rendered.subject}\n{rendered.text}\n{rendered.html}", language)
    assert not found, f"{language}/{name}: {sorted(found)}"


def test_both_catalogues_have_the_same_entries() -> None:
    catalogue = Catalogue()
    assert catalogue.keys("en") == catalogue.keys("id")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_catalogue_entry_is_in_its_own_language(language: str) -> None:
    catalogue = Catalogue()
    for key in sorted(catalogue.keys(language)):
        text = re.sub(r"\{[a-z_]+\}", " ", catalogue.messages[language][key])
        assert not foreign_words(text, language), f"{language}: {key} = {text!r}"


def test_every_problem_reason_reads_in_both_languages() -> None:
    catalogue = Catalogue()
    for problem in PROBLEMS:
        english, indonesian = catalogue.say("en", problem.message), catalogue.say("id", problem.message)
        assert english != indonesian, problem.reason
        assert not foreign_words(english, "en") and not foreign_words(indonesian, "id")


ADMIN_WORDS = {
    "id": {
        "init": ["Mailbox kantor tujuan surat masuk", "Server IMAP", "Server SMTP", "Langkah berikutnya"],
        "rules": ["pengirim:", "petugas agenda (dicatat sebagai surat)", "isian:", "Perihal =", "aturan:",
                  "karena:", "tidak ada aturan yang cocok", "pertama:", "batas:"],
    },
    "en": {
        "init": ["The office mailbox letters are sent to", "IMAP server", "SMTP server", "Next:"],
        "rules": ["from:", "clerk (filed as a letter)", "field:", "Subject =", "rule:", "because:",
                  "no rule matched", "first:", "deadline:"],
    },
}  # fmt: skip


@pytest.mark.parametrize("language", LANGUAGES)
def test_init_asks_in_the_admins_language_and_keeps_it_in_the_config(language: str, tmp_path: Path) -> None:
    """`init` asks its questions in Indonesian unless told `--language en`, and the config it
    writes keeps that choice as admin_language."""
    args = ["init", str(tmp_path / "office")] + (["--language", language] if language != "id" else [])
    result = CliRunner().invoke(cli, args, input="surat@dinas.example.go.id\n\n\n")
    assert result.exit_code == 0, result.output
    for expected in ADMIN_WORDS[language]["init"]:
        assert expected in result.output, (language, expected, result.output)
    prose = re.sub(r"\S*[/@]\S*", " ", result.output)  # without its paths and addresses
    assert not foreign_words(prose, language), result.output
    assert load_settings(tmp_path / "office" / "config.toml").admin_language == language


@pytest.mark.parametrize("language", LANGUAGES)
def test_rules_test_speaks_the_admins_language(language: str, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'rules_dir = "{REPO / "rules"}"\nadmin_language = "{language}"\n', encoding="utf-8")
    message = tmp_path / "clerk.eml"
    message.write_bytes(gmail_forward().as_bytes())
    result = CliRunner().invoke(cli, ["--config", str(config), "rules", "test", str(message)])
    assert result.exit_code == 0, result.output
    for expected in ADMIN_WORDS[language]["rules"]:
        assert expected in result.output, (language, expected, result.output)
    labels = "\n".join(line.partition(":")[0] for line in result.output.splitlines())
    assert not foreign_words(labels, language), result.output


def test_admin_language_follows_the_office_language_unless_set() -> None:
    base = Path("/srv/mailflow/config.toml")
    assert settings_from_dict({}, base).admin_language == "id"
    assert settings_from_dict({"language": "en"}, base).admin_language == "en"
    assert settings_from_dict({"language": "en", "admin_language": "id"}, base).admin_language == "id"
