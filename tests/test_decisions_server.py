"""Each inbound message keeps the check that decided it and its reason, as Mailman keeps its rule
hits: recorded by the real pipeline against the real Dovecot, shown where an admin looks."""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlmodel import Session, col, select

from mailflow.cli import cli
from mailflow.storage.models import InboundMessage, Outcome
from tests.conftest import DOMAIN
from tests.support import clients
from tests.support.letters import MAILBOX, original_letter

KADIS = f"kadis@{DOMAIN}"
UNREADABLE = b"\x00\x01\x02 this is not a mail at all\r\n\r\njust bytes\r\n"


def run_cli(office, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--config", str(office.config_path), *args])
    assert result.exit_code == 0, result.output
    return result.output


def decisions(office) -> list[tuple[str, str | None, str | None]]:
    with Session(office.app.engine) as session:
        rows = session.exec(select(InboundMessage).order_by(col(InboundMessage.id))).all()
        return [(row.outcome, row.decided_by, row.reason) for row in rows]


def test_a_letter_a_reply_an_auto_reply_and_held_mail_each_record_their_check(office, inbox, request_to_kadis):
    inbox.answer(clients.gmail_android_id, request_to_kadis, KADIS, "Sekretaris: Pelajari dan Sosialisasikan")
    auto = clients.iphone_id(request_to_kadis, KADIS, "Siap")
    auto.replace_header("Subject", "Automatic reply: Mohon disposisi")
    office.mail.send(auto)
    office.mail.send(original_letter(subject="Undangan", sender="stranger@elsewhere.example"), to=MAILBOX)
    office.mail.append(MAILBOX, UNREADABLE, sign=False)
    assert office.poll().outcomes == {"ignored": 1, "quarantined": 2}
    assert decisions(office) == [
        (Outcome.LETTER, "clerk_letter", "listed_clerk"),
        (Outcome.REPLY, "our_thread", "reply_code"),
        (Outcome.IGNORED, "auto_generated", "auto_generated"),
        (Outcome.QUARANTINED, "direct_letter", "direct_letter"),
        (Outcome.QUARANTINED, "reading", "malformed"),
    ]
    # The letter shows each email that acted on it and the check that let it act.
    shown = run_cli(office, "letter", "show", "1")
    assert "email masuk:" in shown
    assert "surat dicatat: clerk_letter (listed_clerk)" in shown
    assert "balasan pejabat: our_thread (reply_code)" in shown
    inbound = json.loads(run_cli(office, "letter", "show", "1", "--json"))["inbound"]
    assert [(m["outcome"], m["decided_by"], m["reason"]) for m in inbound] == decisions(office)[:2]
    # A held message shows what held it.
    held = json.loads(run_cli(office, "quarantine", "list", "--json"))
    lines = [run_cli(office, "quarantine", "show", str(item["id"])).splitlines() for item in held]
    decided = [line.split(None, 1)[1] for item in lines for line in item if line.startswith("Diputuskan")]
    assert decided == ["direct_letter (direct_letter)", "reading (malformed)"]
