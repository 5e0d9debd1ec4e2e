"""What `doctor` and `rules test` foretell of a sender (inbound.senders.verdict), for every
policy the admin can choose: the same outcome triage reaches."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from mailflow.config import MailboxSettings
from mailflow.demo import dkim
from mailflow.inbound.senders import verdict
from mailflow.inbound.triage import Action, Inbound, triage
from mailflow.net.dkim_keys import pinned
from mailflow.office.load import load_rules
from mailflow.text.parsing import parse_message
from tests.support import REPO

RULES = load_rules(REPO / "rules")
D = "@probolinggokab.example"
STAMP = "mx.probolinggokab.example; dkim=pass header.d=probolinggokab.example"


def _lookup(name: str) -> str | None:
    return None  # the pinned key is the only one there is


LOOKUP = pinned({dkim.RECORD_NAME: dkim.RECORD}, _lookup)


def mail(sender: str, signed: bool, **headers: str) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, f"surat{D}", "Surat"
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content("Terlampir.")
    return dkim.sign(msg.as_bytes()) if signed else msg.as_bytes()


def judged(raw: bytes, **policy: object):
    box = MailboxSettings(name="surat", address=f"surat{D}", **policy)
    return verdict(raw, parse_message(raw), box, RULES, LOOKUP)


@pytest.mark.parametrize(
    ("sender", "signed", "policy", "why", "outcome"),
    [
        (f"agenda{D}", True, {}, "verified", "filed"),
        (f"agenda{D}", False, {}, "unsigned", "held"),
        (f"agenda{D}", False, {"verify_senders": "off"}, "off", "filed"),
        (f"agenda{D}", False, {"verify_senders": "authentication-results", "authserv_id": "mx.x"}, "no_results", "held"),
        (f"kadis{D}", True, {"require_dkim": True}, "verified", "acts"),
        (f"kadis{D}", False, {}, "unsigned", "code_needed"),
        (f"kadis{D}", False, {"verify_senders": "off"}, "off", "code_only"),
        (f"kadis{D}", False, {"require_dkim": True}, "unsigned", "replies_rejected"),
        ("sekretariat@jatimprov.example", False, {}, "outside", "direct_quarantine"),
        ("sekretariat@jatimprov.example", False, {"direct_letters": "register"}, "outside", "direct_register"),
    ],
)
def test_each_policy_foretells_what_triage_does(sender, signed, policy, why, outcome) -> None:
    raw = mail(sender, signed)
    found = judged(raw, **policy)
    assert (found.why, found.outcome) == (why, outcome)
    if found.role != "official":  # a letter: triage files or holds it as foretold
        box = MailboxSettings(name="surat", address=f"surat{D}", **policy)
        decided = triage(Inbound(parse_message(raw), box, RULES, sender=found.sender))
        assert decided.action == (Action.FILE if outcome in ("filed", "direct_register") else Action.QUARANTINE)


def test_an_altered_signature_is_named_as_such_not_as_unsigned() -> None:
    raw = mail(f"agenda{D}", True).replace(b"Terlampir.", b"Diubah.")
    found = judged(raw)
    assert (found.why, found.outcome) == ("bad_signature", "held")


def test_the_servers_stamp_is_offered_as_authserv_id_and_then_verifies() -> None:
    raw = mail(f"agenda{D}", False, Authentication_Results=STAMP)
    assert (judged(raw).outcome, judged(raw).stamped_by) == ("held", "mx.probolinggokab.example")
    found = judged(raw, authserv_id="mx.probolinggokab.example")
    assert (found.why, found.outcome) == ("verified", "filed")
    other = judged(raw, verify_senders="authentication-results", authserv_id="mx.other.example")
    assert (other.why, other.outcome) == ("results_fail", "held")


def test_a_header_that_reads_two_ways_is_said_to_be_held_whoever_it_names() -> None:
    raw = (
        b"From: =?UTF-8?B?a2FkaXNAcHJvYm9saW5nZ29rYWIuZXhhbXBsZSAo?= <agenda@probolinggokab.example>\r\n"
        b"To: surat@probolinggokab.example\r\nSubject: Surat\r\n\r\nTerlampir.\r\n"
    )
    found = verdict(raw, parse_message(raw), MailboxSettings(name="surat", address=f"surat{D}"), RULES, LOOKUP)
    assert (found.why, found.outcome) == ("two_readings", "unreadable")
    assert "another address" in found.problem
