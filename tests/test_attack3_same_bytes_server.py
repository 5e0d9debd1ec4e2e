"""Attack (issue 25 change): same-bytes dedupe is per office (inbound.loop._same_bytes). A ledger
row of a mailbox no longer configured counts for every office, though its row names the letter
or the quarantine entry, and so the office, it served: one email to two offices, then one
office's mailbox renamed, and the other office's copy is "seen before" and never reaches its
clerks."""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import update
from sqlmodel import col

from mailflow.cli import cli
from mailflow.storage.models import InboundMessage
from tests.support.letters import _base, attach, pdf_letter
from tests.support.regency import mailbox_of


def _held(office, code: str) -> list[tuple[str, str]]:
    result = CliRunner().invoke(
        cli, ["--config", str(office.config_path), "quarantine", "list", "--office", code, "--json"]
    )
    return [(i["office"], i["subject"]) for i in json.loads(result.output)]


def _to_both(subject: str) -> bytes:
    letter = _base(subject, "Mohon hadir.", "stranger@elsewhere.example", mailbox_of("SETDA"))
    letter["Cc"] = mailbox_of("DINKES")
    return letter.as_bytes()


def test_same_bytes_in_two_offices_polled_in_one_pass_are_held_by_each(regency_office):
    """Both copies in one poll of every mailbox, with a copy again in each: one held per office."""
    office = regency_office
    raw = _to_both("Undangan Rapat Evaluasi")
    for code in ("DINKES", "SETDA", "DINKES", "SETDA"):
        office.mail.append(mailbox_of(code), raw, sign=False)
    assert office.poll().outcomes == {"quarantined": 2, "seen_before": 2}
    for code in ("SETDA", "DINKES"):
        assert _held(office, code) == [(code, "Undangan Rapat Evaluasi")]


def test_a_renamed_mailbox_of_one_office_does_not_swallow_another_offices_copy(regency_office):
    office = regency_office
    raw = _to_both("Undangan Rapat Koordinasi")
    office.mail.append(mailbox_of("DINKES"), raw, sign=False)
    assert office.poll().outcomes == {"quarantined": 1}
    # DINKES's mailbox since renamed in the config (its rows now name no configured mailbox).
    with office.app.engine.begin() as connection:
        connection.execute(
            update(InboundMessage)
            .values(mailbox="dinkes-lama")
            .where(col(InboundMessage.mailbox) == "dinkes")
        )
    office.mail.append(mailbox_of("SETDA"), raw, sign=False)  # SETDA's server delivered later
    assert office.poll().outcomes == {"quarantined": 1}
    assert _held(office, "SETDA") == [("SETDA", "Undangan Rapat Koordinasi")]


def test_a_letter_to_two_offices_is_filed_by_each_with_direct_letters_register(regency_office):
    """direct_letters = "register" in both mailboxes: one email with its PDF to SETDA and DINKES,
    byte for byte, is a letter in each office's agenda, and the same bytes again are seen."""
    office = regency_office
    text = office.config_path.read_text()
    office.config_path.write_text(
        text.replace(
            'password_env = "MAILFLOW_TEST_IMAP_PASSWORD"\n',
            'password_env = "MAILFLOW_TEST_IMAP_PASSWORD"\ndirect_letters = "register"\n',
        )
    )
    office._app = None
    letter = _base(
        "Undangan Rapat Evaluasi", "Terlampir surat kami.", "umum@kemendagri.go.id", mailbox_of("SETDA")
    )
    letter["Cc"] = mailbox_of("DINKES")
    raw = attach(letter, pdf_letter(hal="Undangan Rapat Evaluasi"), "surat.pdf", "application/pdf").as_bytes()
    for code in ("SETDA", "DINKES", "SETDA"):
        office.mail.append(mailbox_of(code), raw, sign=False)
    outcomes = office.poll().outcomes
    assert outcomes.get("letter") == 2 and outcomes.get("seen_before") == 1, outcomes
    with office.app.engine.begin() as connection:
        offices = sorted(r[0] for r in connection.exec_driver_sql("SELECT office FROM letter"))
    assert offices == ["DINKES", "SETDA"]
