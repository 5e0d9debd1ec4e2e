"""Property-based tests: whatever the input, the pure pipeline returns a result or a clear
MessageError, never an exception escaping it."""

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailflow.errors import MessageError
from mailflow.inbound.triage import Inbound, triage
from mailflow.language.deadlines import parse_deadline
from mailflow.language.statements import read_reply, reply_context
from mailflow.office.load import load_rules
from mailflow.text.fields import extract_fields, label_fields, pdf_fields
from mailflow.text.parsing import parse_message
from mailflow.text.quotes import extract_new_text
from tests.support import REPO

RULES = load_rules(REPO / "rules")
CTX = reply_context(RULES, "kadis", dt.date(2026, 11, 25), "Budi Santoso")
WORDS = st.sampled_from(
    [
        "Sekretaris",
        ":",
        "pelajari",
        "batas",
        "3",
        "hari",
        "siap",
        "selesai",
        "1,",
        "2",
        "semua",
        "->",
        "Pada",
        "menulis:",
        "> kutipan",
        "\n",
        "Dari:",
        "Perihal:",
        "--",
        "Kabid",
        "PAUD",
        "x24 jam",
        "5 Desember",
        "batal",
        "status",
        "🙏",
        "Yth.",
        "kerja",
    ]
)
REPLY_TEXT = st.one_of(st.text(max_size=400), st.lists(WORDS, max_size=40).map(" ".join))
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(REPLY_TEXT)
def test_reply_language_never_raises(text):
    reading = read_reply(text, CTX)
    for statement in reading.statements:
        assert statement.line.strip()
    for problem in reading.problems:
        assert problem.message.key.startswith("problem.")


@SETTINGS
@given(REPLY_TEXT, st.text(max_size=300))
def test_quote_removal_never_raises_and_never_grows(text, html):
    out = extract_new_text(text, html if not text.strip() else "")
    assert isinstance(out, str)
    if text.strip():
        assert len(out) <= len(text) + 1


@SETTINGS
@given(REPLY_TEXT)
def test_deadlines_are_never_in_the_past(text):
    found = parse_deadline(text, dt.date(2026, 11, 25), RULES.calendar)
    assert found.date is None or found.date >= dt.date(2026, 11, 25)


@SETTINGS
@given(st.binary(max_size=3000))
def test_any_bytes_parse_or_fail_clearly(raw):
    try:
        message = parse_message(raw)
    except MessageError as exc:
        assert exc.reason
        return
    extract_fields(message, [])
    from mailflow.config import MailboxSettings

    triage(Inbound(message, MailboxSettings(name="s", address="surat@probolinggokab.example"), RULES))


@SETTINGS
@given(st.text(max_size=2000))
def test_field_extraction_never_raises(text):
    label_fields(text)
    pdf_fields(text)
