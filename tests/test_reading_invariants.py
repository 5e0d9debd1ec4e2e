"""The invariants of issue 22, held by the domain types and by the reader (pure, property tests):
a disposition never goes to nobody; a stated deadline is never replaced by the default in
silence; a statement is never dropped because another sentence of the reply mentions leave."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from mailflow.language.readings import EmptyDisposition, Kind, Statement
from mailflow.language.statements import Reading, read_reply, reply_context
from mailflow.office.load import load_rules
from tests.support import REPO

RULES = load_rules(REPO / "rules")
TODAY = dt.date(2026, 11, 25)  # a Wednesday
PROPERTY = settings(
    max_examples=60,
    derandomize=True,
    database=None,
    deadline=None,
    phases=(Phase.generate,),
    suppress_health_check=[HealthCheck.too_slow],
)


def read(text: str, position: str = "kadis") -> Reading:
    name = RULES.holder(position, TODAY).person.name
    return read_reply(text, reply_context(RULES, position, TODAY, name))


def test_a_disposition_without_a_target_cannot_be_made():
    with pytest.raises(EmptyDisposition):
        Statement(Kind.DISPOSE, "All: for your information")


@pytest.mark.parametrize("line", ["All: for your information", "Semua: 4", "semua kecuali Sekdis: 4"])
def test_all_from_an_official_with_nobody_under_them_is_asked_back(line):
    reading = read(line, "kasubbag_umum")
    assert reading.statements == () and reading.proposals == ()
    assert [p.reason for p in reading.problems] in (["no_targets"], ["not_allowed"])


def test_all_but_everyone_is_asked_back():
    reading = read("semua kecuali Sekdis, Kabid Dikdas dan Kabid PAUD: 4")
    assert [p.reason for p in reading.problems] == ["no_targets"] and not reading.statements


TARGETS = ("Sekretaris", "Kabid Dikdas", "2", "Kabid PAUD, Sekdis", "Dewi")
INSTRUCTIONS = ("siapkan bahan", "6", "hadiri rapat koordinasi", "2, 4", "pelajari dan laporkan")
# Deadline-like phrases, read or not: each must end as a date, a proposal or a question.
DEADLINES = (
    "batas 3 hari", "paling lambat tgl 4/12", "s.d. 19 Feb", "sd tgl 12", "selambat2nya tgl 12/2",
    "sblm tgl 18", "akhir bulan", "pekan depan", "batas minggu kedua", "paling lambat tgl 4 Dsember",
    "by 4 Decembr", "deadline secepatnya", "batas waktu menyesuaikan", "sebelum tgl 3", "batas 3 hr",
    "paling lambat Jumaat", "selambat-lambatnya 1 minggu", "tenggat waktu rapat", "before 5 Dec",
    "batas tgl 31/2",
)  # fmt: skip


@PROPERTY
@given(st.sampled_from(TARGETS), st.sampled_from(INSTRUCTIONS), st.sampled_from(DEADLINES))
def test_a_stated_deadline_is_read_proposed_or_asked_never_dropped(target, instruction, deadline):
    reading = read(f"{target}: {instruction} {deadline}")
    disposed = reading.of(Kind.DISPOSE)
    proposed = [p.statement for p in reading.proposals if p.statement.kind is Kind.DISPOSE]
    asked = [p for p in reading.problems if p.reason == "bad_deadline"]
    assert all(s.deadline is not None for s in (*disposed, *proposed)), reading
    assert disposed or proposed or asked, reading


LEAVE = (
    "Maaf pak, saya sedang cuti sampai Jumat.",
    "Mohon maaf saya sedang dinas luar s.d. tgl 4, akan kembali Senin.",
    "I'm on annual leave until 7 December, back on Monday.",
    "Saya sedang mengikuti bimtek di Surabaya, akan saya balas setelah kembali.",
    "Saat ini saya sedang menunaikan ibadah umroh sampai tgl 10.",
)
STATEMENTS = (
    ("Sekdis: mohon ditindaklanjuti dulu", Kind.DISPOSE),
    ("Kabid Dikdas: 2, 4 batas 3 hari", Kind.DISPOSE),
    ("Arsipkan saja", Kind.ARCHIVE),
    ("Batalkan disposisi tadi", Kind.UNDO),
    ("1: hadiri dan laporkan hasilnya", Kind.DISPOSE),
)


@PROPERTY
@given(st.sampled_from(LEAVE), st.sampled_from(STATEMENTS), st.booleans())
def test_a_statement_is_never_dropped_because_the_reply_mentions_leave(leave, statement, above):
    line, kind = statement
    reading = read(f"{leave}\n{line}" if above else f"{line}\n{leave}")
    assert not reading.automatic
    assert [s.kind for s in reading.statements if s.kind is not Kind.NOTE] == [kind]


@pytest.mark.parametrize("text", LEAVE)
def test_leave_with_a_return_and_no_statement_is_a_responder(text):
    assert read(text).automatic
