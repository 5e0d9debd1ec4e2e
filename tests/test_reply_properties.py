"""Property tests of the reply language (reply-language.md): greetings, closings, signatures,
disclaimers, bullets or a courtesy around a statement never change its reading.

The statements are the one-line cases of the own corpus (tests/corpus/own.py), each with the
official who writes it; the reading compared is what acts, what is proposed and what is asked
back (not the raw line, which the wrapping changes). A property today's engine does not hold is a
strict xfail, kept with its reason, until the reading holds it. Examples are drawn
derandomized and not shrunk, so a run is the same on every machine and stays short.
"""

from __future__ import annotations

import datetime as dt
from email.policy import SMTP

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from mailflow.language.statements import Reading, read_answer
from mailflow.text.parsing import parse_message
from tests.corpus.field import DISCLAIMER_EN, DISCLAIMER_ID
from tests.corpus.own import CASES
from tests.support import clients
from tests.test_reply_corpus import RULES, TODAY, _request, _shape

STATEMENTS = sorted(
    {
        (c.holder, c.text)
        for c in CASES
        if "\n" not in c.text and not c.automatic and (c.expect or c.problems or c.proposals)
    }
)
# A bullet or a courtesy in front of a note is part of the note's text: only statements there.
ACTING = sorted(
    {
        (c.holder, c.text)
        for c in CASES
        if "\n" not in c.text and not c.automatic and all(e.kind != "note" for e in c.expect)
        and (c.expect or c.problems or c.proposals)
    }
)  # fmt: skip
GREETINGS = (
    "Yth. Bapak/Ibu",
    "Assalamualaikum wr wb",
    "Selamat pagi Pak,",
    "Dear Sir,",
    "Om Swastiastu",
    "Shalom",
)
CLOSINGS = (
    "Terima kasih",
    "Wassalam",
    "Salam,",
    "Hormat saya,",
    "Regards,",
    "Matur nuwun",
    "Terima kasih banyak pak",
)
SIGNATURES = (
    "-- \n{name}\nNIP 19700101 199003 1 005",
    "{name}",
    "Salam,\n{name}",
    "Hormat saya,\n{name}\nHP: 0812-9999-0000",
)
DISCLAIMERS = (
    DISCLAIMER_ID,
    DISCLAIMER_EN,
    "CONFIDENTIALITY NOTICE: The information in this email may be confidential.",
)
BULLETS = ("- ", "• ", "* ", "1) ", "a. ", "▪ ")
COURTESIES = ("Punten, ", "Nuwun sewu, ", "Mohon izin, ", "Alhamdulillah, ", "Puji Tuhan, ", "Mohon maaf, ")
PROPERTY = settings(
    max_examples=30,
    derandomize=True,
    database=None,
    deadline=None,
    phases=(Phase.generate,),
    suppress_health_check=[HealthCheck.too_slow],
)


def reading_of(holder: str, text: str) -> tuple:
    """What a reply with this new text does, as Mailflow reads it from an iPhone's mail."""
    email = RULES.holder(holder, TODAY).person.email
    raw = clients.iphone_id(_request(email), email, text).as_bytes(policy=SMTP)
    name = RULES.holder(holder, TODAY).person.name
    reading: Reading = read_answer(parse_message(raw), RULES, holder, TODAY, name)[1]
    return (
        tuple(_shape(s) for s in reading.statements),
        tuple(_shape(p.statement) for p in reading.proposals),
        tuple((p.reason, p.candidates) for p in reading.problems),
        reading.automatic,
    )


def _same_reading(holder: str, line: str, wrapped: str) -> None:
    assert reading_of(holder, wrapped) == reading_of(holder, line), wrapped


def _name(holder: str) -> str:
    return RULES.holder(holder, TODAY).person.name


@PROPERTY
@given(st.sampled_from(STATEMENTS), st.lists(st.sampled_from(GREETINGS), max_size=2),
       st.lists(st.sampled_from(CLOSINGS), max_size=2))  # fmt: skip
def test_greetings_and_closings_change_nothing(statement, greetings, closings):
    holder, line = statement
    _same_reading(holder, line, "\n\n".join([*greetings, line, *closings]))


@PROPERTY
@given(st.sampled_from(STATEMENTS), st.sampled_from(SIGNATURES))
def test_signatures_change_nothing(statement, signature):
    holder, line = statement
    _same_reading(holder, line, f"{line}\n\n{signature.format(name=_name(holder))}")


def test_a_typed_name_changes_nothing():
    """The part of the signature property today's engine holds: the sender's bare name."""
    for holder, line in STATEMENTS:
        _same_reading(holder, line, f"{line}\n\nDrs. {_name(holder)}, M.Si.")


@PROPERTY
@given(st.sampled_from(STATEMENTS), st.sampled_from(DISCLAIMERS))
def test_disclaimers_change_nothing(statement, disclaimer):
    holder, line = statement
    _same_reading(holder, line, f"{line}\n\n{disclaimer}")


@PROPERTY
@given(st.sampled_from(ACTING), st.sampled_from(BULLETS))
def test_bullets_change_nothing(statement, bullet):
    holder, line = statement
    _same_reading(holder, line, bullet + line)


@PROPERTY
@given(st.sampled_from(ACTING), st.sampled_from(COURTESIES))
def test_courtesies_change_nothing(statement, courtesy):
    holder, line = statement
    _same_reading(holder, line, courtesy + line)


@PROPERTY
@given(st.sampled_from(ACTING), st.sampled_from(GREETINGS), st.sampled_from(COURTESIES), st.sampled_from(BULLETS),
       st.sampled_from(CLOSINGS), st.sampled_from(SIGNATURES), st.sampled_from(DISCLAIMERS))  # fmt: skip
def test_everything_around_a_statement_at_once_changes_nothing(
    statement, greeting, courtesy, bullet, closing, signature, disclaimer
):
    holder, line = statement
    wrapped = f"{greeting}\n\n{bullet}{courtesy}{line}\n\n{closing}\n{signature.format(name=_name(holder))}\n\n{disclaimer}"
    _same_reading(holder, line, wrapped)


def test_the_statements_are_many():
    assert len(STATEMENTS) >= 150 and len(ACTING) >= 120
    assert dt.date(2026, 11, 25) == TODAY
