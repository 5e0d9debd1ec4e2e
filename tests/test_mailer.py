"""The office's mailer, pure: each kind of email carries what its reader can do with it (a signed
reply code, a plain reply, nothing), in the reader's language, from the office's mailbox."""

from __future__ import annotations

import datetime as dt
from email.message import Message

from mailflow.config import load_settings
from mailflow.disposition.tree import TreeRow
from mailflow.disposition.waits import waited
from mailflow.domain import Said
from mailflow.office.load import load_rules
from mailflow.outbound.compose import Composer
from mailflow.outbound.mailer import Mailer
from mailflow.storage.models import Disposition, Letter
from mailflow.text.message import ParsedMessage
from mailflow.text.reply_tokens import Signer, tokens_in_addresses
from tests.support import REPO

D = "@probolinggokab.example"
BOX = f"surat{D}"
SIGNER = Signer(b"k" * 32)
MAILER = Mailer(Composer(), load_rules(REPO / "rules"), load_settings(REPO / "config.example.toml"), SIGNER, BOX)
LETTER = Letter(id=7, office="DISDIK", year=2026, seq=7, agenda_number="007/SM/2026", subject_tag="[SM 007/2026]",
                received_at=dt.datetime(2026, 12, 1, 1, tzinfo=dt.UTC), mailbox="surat", clerk=f"agenda{D}",
                message_id="<filed@x>", fingerprint="f,0123456789abcdef", raw_sha256="r", subject="Rapat koordinasi")  # fmt: skip
ROOT = "<letter.7.456789abcdef@probolinggokab.example>"  # the letter's id and its fingerprint's tail
PAUD = Disposition(id=3, letter_id=7, position_id="kabid_paud", holder=f"kabid.paud{D}", holder_name="Dewi Lestari",
                   holder_title="Kabid PAUD", disposer=f"kadis{D}", instruction="hadiri")  # fmt: skip
ASKED = ParsedMessage("<asked@x>", f"kabid.paud{D}", "Dewi", (BOX,), "Re: x", None, ("<prev@x>",),
                      ("<root@x>", "<prev@x>"), "Status", "", (), (), ())  # fmt: skip


def body(msg: Message) -> str:
    return "\n".join(
        part.get_payload(decode=True).decode()
        for part in msg.walk()
        if part.get_content_type() in ("text/plain", "text/html")
    )


def test_an_officials_email_is_answerable_by_them_alone_in_the_letters_thread() -> None:
    msg = MAILER.to_official(LETTER, PAUD, "cancelled", disposer_title="Kepala Dinas", instruction="hadiri")
    [token] = tokens_in_addresses([msg["Reply-To"]], BOX)
    today = dt.datetime.now(MAILER.settings.zone).date()
    SIGNER.verify(Signer.parse(token), PAUD.holder, today)  # bound to the holder: raises otherwise
    assert msg["To"] == PAUD.holder and msg["From"] == f"Mailflow DISDIK <{BOX}>"
    assert msg["In-Reply-To"] == msg["References"] == ROOT
    assert msg["Auto-Submitted"] == "auto-generated"
    assert "revoked" in msg["Subject"] and token in body(msg)  # Dewi reads English


def test_an_answer_to_an_official_goes_into_the_thread_of_what_they_wrote() -> None:
    msg = MAILER.to_official(LETTER, PAUD, "help", answering=ASKED)
    assert msg["In-Reply-To"] == "<asked@x>" and msg["Auto-Submitted"] == "auto-replied"
    assert msg["References"].split() == [ROOT, "<root@x>", "<prev@x>", "<asked@x>"]


def test_a_reader_without_a_part_gets_no_code() -> None:
    msg = MAILER.to_reader(
        LETTER, f"kadis{D}", "status", answering=ASKED, holder_name="Budi", status_key="in_progress", tree=[]
    )
    assert msg["Reply-To"] is None and "Kode balasan" not in body(msg)  # the Kadis reads Indonesian
    assert msg["In-Reply-To"] == "<asked@x>" and msg["Auto-Submitted"] == "auto-replied"


def test_a_plain_reply_comes_from_the_mailbox_and_says_values_in_the_readers_words() -> None:
    msg = MAILER.reply(f"kabid.paud{D}", "held", answering=ASKED, subject="", mailbox=BOX,
                       reason_text=Said.of("status.hint"), hint="")  # fmt: skip
    assert msg["Reply-To"] == BOX and msg["In-Reply-To"] == "<asked@x>"
    assert MAILER.composer.say("en", Said.of("status.hint")) in body(msg)
    assert MAILER.say(f"kadis{D}", Said.of("status.hint")) == MAILER.composer.say("id", Said.of("status.hint"))


def test_a_notice_is_machine_sent_and_not_threaded() -> None:
    msg = MAILER.notice(f"admin{D}", "bounced", address=f"x{D}", kind="request", agenda="007/SM/2026")
    assert msg["Auto-Submitted"] == "auto-generated" and msg["Reply-To"] is None and msg["In-Reply-To"] is None
    assert "Dinas Pendidikan Kabupaten Probolinggo" in body(msg)  # `office` is the office's name unless given
    assert "Kantor Lain" in body(MAILER.notice(f"admin{D}", "bounced", office="Kantor Lain", address="a",
                                               kind="request", agenda="-"))  # fmt: skip


def test_the_status_reply_says_how_long_each_node_waited_as_the_letters_page_does() -> None:
    """STATUS's tree: each node's wait for its holder's first answer, or until now, in the words of
    the web tree (disposition/waits.py), in the reader's language."""
    now = dt.datetime(2026, 12, 2, 9, tzinfo=dt.UTC)
    rows = [
        TreeRow(0, "Kepala Dinas", "Budi", "", False, "disposed", None, "", now - dt.timedelta(days=3),
                now - dt.timedelta(days=3) + dt.timedelta(days=2, hours=3)),
        TreeRow(1, "Kabid PAUD", "Dewi Lestari", "hadiri", False, "pending", None, "", now - dt.timedelta(hours=5),
                None),
        TreeRow(1, "Sekretaris", "Sri", "", False, "pending", None, ""),  # a node of before: no moments
    ]  # fmt: skip
    values = {"status_key": "in_progress", "tree": rows, "waits": [waited(row, now) for row in rows]}
    to_head = body(MAILER.to_reader(LETTER, f"kadis{D}", "status", answering=ASKED, holder_name="Budi", **values))
    assert "- Kepala Dinas (Budi): " in to_head and "; dijawab setelah 2 hari 3 jam" in to_head
    assert '"hadiri"; menunggu 5 jam' in to_head
    sri = [line for line in to_head.splitlines() if "(Sri)" in line]  # the text and the HTML part
    assert sri and not any("menunggu" in line or "setelah" in line for line in sri)  # no moments, nothing said
    to_paud = body(MAILER.to_official(LETTER, PAUD, "status", answering=ASKED, **values))
    assert "answered after 2 days 3 hours" in to_paud and "waiting 5 hours" in to_paud  # Dewi reads English
