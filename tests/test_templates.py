"""Templates, pure: every email an official receives exists in English, and renders in both languages."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from mailflow.disposition.tree import TreeRow
from mailflow.domain import Said
from mailflow.followup.digests import DigestItem
from mailflow.outbound.catalogue import Catalogue
from mailflow.outbound.compose import BUILTIN_TEMPLATES, Composer, LetterView, template_problems

# The emails an official gets, in their own language (the rest go to clerks and the admin).
TO_OFFICIALS = [
    "request",
    "confirmation",
    "notice",
    "cancelled",
    "status",
    "reminder",
    "escalation",
    "digest",
    "weekly",
    "notice_digest",
]
LETTER = LetterView(
    "007/SM/2026",
    "SM-007",
    dt.datetime(2026, 12, 1, 8, tzinfo=dt.UTC),
    {"subject": "Rapat <script>alert(1)</script>", "sender": "Kemendagri"},
)
DEADLINE = dt.date(2026, 12, 9)
LATE = {"late_title": "Kasubbag Umum", "late_name": "Hendra", "instruction": "siapkan bahan", "level": 1}
CONTEXTS = {
    "reminder": {"deadline": DEADLINE, "overdue_days": 2, "instruction": "siapkan bahan"},
    "escalation": {**LATE, "overdue_days": 3, "deadline": DEADLINE},
    "digest": {
        "person": "Dewi",
        "today": DEADLINE,
        "sections": {
            "waiting": [],
            "unacknowledged": [DigestItem(1, "007/SM/2026", "Rapat", DEADLINE)],
            "overdue": [],
            "completed": [DigestItem(2, "008/SM/2026", "Laporan", completed_by="Kasubbag (Hendra)")],
        },
    },
    "weekly": {
        "unit": "Dinas Pendidikan",
        "week": "2026-W49",
        "received": 4,
        "disposed": 6,
        "completed": 3,
        "on_time": 2,
        "overdue": 1,
        "first_hours": 2.25,
    },
    "status": {
        "status_key": "in_progress",
        "tree": [
            TreeRow(0, "Kepala Dinas", "Budi", "", False, "disposed", None),
            TreeRow(1, "Kabid PAUD", "Dewi", "siapkan", True, "pending", DEADLINE),
        ],
    },
}
COMMON = {"office": "Dinas Pendidikan", "letter": LETTER, "token": "d1.abc", "targets": [], "instructions": [],
          "holder_title": "Kabid PAUD", "holder_name": "Dewi"}  # fmt: skip


def test_every_email_to_officials_exists_in_english() -> None:
    """One template per email: its HTML part is made from the text (tests/test_html_part.py)."""
    for name in TO_OFFICIALS:
        assert (BUILTIN_TEMPLATES / "en" / f"{name}.txt.j2").exists(), f"en/{name}.txt.j2"
    assert not [p for lang in ("id", "en") for p in (BUILTIN_TEMPLATES / lang).glob("*.html.j2")]  # web/: pages


@pytest.mark.parametrize(
    ("name", "english", "indonesian"),
    [
        (
            "reminder",
            "2 working days late (due 9 December 2026)",
            "terlambat 2 hari kerja (batas 9 Desember 2026)",
        ),
        ("escalation", 'Hendra) has not completed "siapkan bahan": 3 working days', "terlambat 3 hari kerja"),
        ("digest", "Instructions you have not answered (1)", "Instruksi yang belum Anda jawab (1)"),
        (
            "weekly",
            "Average time to first disposition: 2.2 hours",
            "Rata-rata sampai disposisi pertama: 2.2 jam",
        ),
        ("status", "Kabid PAUD (Dewi): not answered yet", "Kabid PAUD (Dewi): belum dijawab"),
    ],
)
def test_follow_up_renders_in_both_languages(name: str, english: str, indonesian: str) -> None:
    composer = Composer()
    context = {**COMMON, **CONTEXTS[name]}
    en, id_ = composer.render(name, "en", **context), composer.render(name, "id", **context)
    assert english in en.text and indonesian in id_.text
    assert "(belum diketahui)" not in en.text and "Desember" not in en.text
    assert "<script>" not in en.html + id_.html  # autoescaped


def test_an_escalation_to_a_superior_without_a_part_is_not_answerable() -> None:
    context = {**COMMON, **CONTEXTS["escalation"], "token": ""}
    rendered = Composer().render("escalation", "en", **context)
    assert "For your information" in rendered.text and "Reply code" not in rendered.text


def test_an_admins_catalogue_entry_cannot_reach_into_python(tmp_path: Path) -> None:
    """str.format follows `.attr` and `[key]`: an entry with more than names is not used."""
    own = tmp_path / "id"
    own.mkdir()
    (own / "messages.toml").write_text(
        '[office]\nhint = "{example.__class__.__mro__}"\nfrom = "Dari {title} ({office})"\n'
    )
    catalogue = Catalogue(tmp_path)
    hint = catalogue.say("id", Said.of("office.hint", example="Setda"))
    assert "class" not in hint and hint == Catalogue().say("id", Said.of("office.hint", example="Setda"))
    assert catalogue.say("id", Said.of("office.from", title="Sekda", office="Setda")) == "Dari Sekda (Setda)"
    assert template_problems(tmp_path) == [f"{own / 'messages.toml'}: office.hint: a placeholder may only be a name"]


def test_a_template_that_reaches_for_python_falls_back_to_the_builtin_one(tmp_path: Path) -> None:
    own = tmp_path / "id"
    own.mkdir()
    (own / "held.txt.j2").write_text("{{ cycler.__init__.__globals__.os.popen('id').read() }}\n\nx\n")
    held = {"subject": "", "mailbox": "surat@x.example", "reason_text": "r", "hint": "", "office": "Kantor"}
    rendered = Composer(tmp_path).render("held", "id", **held)
    assert rendered == Composer().render("held", "id", **held) and "uid=" not in rendered.text
    assert [p.partition(": ")[2] for p in template_problems(tmp_path)] == [
        "'__globals__' is not allowed in a template",
        "'__init__' is not allowed in a template",
    ]
