"""Templates, pure: every email an official receives exists in English, and renders in both languages."""

from __future__ import annotations

import datetime as dt

import pytest

from mailflow.disposition.tree import TreeRow
from mailflow.followup.digests import DigestItem
from mailflow.outbound.compose import BUILTIN_TEMPLATES, Composer, LetterView

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
    for name in TO_OFFICIALS:
        for kind in ("txt", "html"):
            assert (BUILTIN_TEMPLATES / "en" / f"{name}.{kind}.j2").exists(), f"en/{name}.{kind}.j2"


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
