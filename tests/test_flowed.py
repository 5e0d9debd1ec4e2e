"""format=flowed (RFC 3676) joined before a reply is read: a long disposition keeps its deadline."""

import datetime as dt
from email.message import EmailMessage
from email.policy import SMTP

from mailflow.language.statements import Kind, read_answer
from mailflow.office.load import load_rules
from mailflow.text.flowed import unflow
from mailflow.text.parsing import parse_message
from tests.support import REPO

RULES = load_rules(REPO / "rules")
TODAY = dt.date(2026, 11, 25)


def test_soft_breaks_join_and_hard_breaks_stay():
    assert unflow("Sekretaris: pelajari dan \nsiapkan jawaban \nbatas 3 hari kerja\nTerima kasih") == (
        "Sekretaris: pelajari dan siapkan jawaban batas 3 hari kerja\nTerima kasih"
    )


def test_space_stuffing_is_removed_and_the_signature_separator_never_flows():
    assert unflow("  From the desk\n-- \nBudi") == " From the desk\n-- \nBudi"


def test_quote_depth_ends_a_paragraph_and_quoted_lines_join_among_themselves():
    text = "Siap \n> Surat masuk \n> menunggu disposisi\n>> lama"
    assert unflow(text) == "Siap \n> Surat masuk menunggu disposisi\n>> lama"


def test_delsp_removes_the_space_of_the_soft_break():
    assert unflow("Kabid Dik \ndas: hadiri", delsp=True) == "Kabid Dikdas: hadiri"


def _flowed_reply(body: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Budi Santoso <kadis@probolinggokab.example>"
    msg["To"] = "surat+dAbC123@probolinggokab.example"
    msg["Subject"] = "Re: Mohon disposisi [MF-001/SM/2026]"
    msg.set_content(body)
    msg.replace_header("Content-Type", 'text/plain; charset="utf-8"; format=flowed; delsp=no')
    return msg.as_bytes(policy=SMTP)


def test_a_thunderbird_disposition_cut_in_three_is_read_whole_with_its_deadline():
    body = (
        "Sekretaris: pelajari dan koordinasikan dengan Bappeda serta \n"
        "siapkan bahan paparan untuk rapat pimpinan, \n"
        "batas 3 hari kerja\n\nOn 27/11/2026 10.15, Mailflow wrote:\n> Surat masuk 001/SM/2026\n"
    )
    _text, reading = read_answer(parse_message(_flowed_reply(body)), RULES, "kadis", TODAY, "Budi Santoso")
    [statement] = reading.statements
    assert statement.kind is Kind.DISPOSE and statement.deadline == dt.date(2026, 11, 30)
    assert statement.instruction.endswith("rapat pimpinan")
