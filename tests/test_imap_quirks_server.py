"""IMAP as servers really behave: another client expunging under our feet, a BYE at any moment, no
UIDPLUS, a folder found by its SPECIAL-USE mark, and folder names beyond ASCII (modified UTF-7)."""

from __future__ import annotations

import pytest
from imapclient import IMAPClient

from mailflow.net.imap import Mailbox
from tests.conftest import USERS, Office, Servers
from tests.support.dovecot import BARE_CAPABILITIES, PASSWORD, Dovecot, free_port
from tests.support.letters import MAILBOX, gmail_forward, pdf_letter
from tests.support.mail import Mail
from tests.support.relay import start_relay


def _client(port: int) -> IMAPClient:
    client = IMAPClient("127.0.0.1", port=port, ssl=False, timeout=10)
    client.login(MAILBOX, PASSWORD)
    return client


def test_a_message_expunged_by_another_client_mid_poll_is_skipped_and_the_rest_filed(office, servers):
    for n in range(3):
        office.mail.send(gmail_forward(pdf=pdf_letter(number=f"{n + 1}/X/2026")))

    class OtherClientExpunges(Mailbox):
        def sizes(self, uids):
            with _client(servers.imap.imap_port) as other:  # a clerk's phone deletes the second one
                other.select_folder("INBOX")
                other.delete_messages([uids[1]])
                other.expunge()
            return super().sizes(uids)

    office.app.connect = OtherClientExpunges.connect
    report = office.poll()
    assert report.error is None and report.outcomes == {"letter": 2}
    office.app.connect = Mailbox.connect
    assert office.poll().seen == 0
    assert office.mail.count(MAILBOX) == 0


def test_a_bye_in_the_middle_of_a_fetch_is_survived_and_nothing_is_doubled(office, servers):
    for n in range(4):
        office.mail.send(gmail_forward(pdf=pdf_letter(number=f"{n + 1}/BYE/2026")))

    class KickedMidFetch(Mailbox):
        def _fetch_batch(self, uids):
            for i, item in enumerate(super()._fetch_batch(uids)):
                if i == 1:
                    servers.imap.kick(MAILBOX)  # the server says BYE under the open session
                yield item

    office.reconfigure(box_extra="fetch_batch = 2")
    office.app.connect = KickedMidFetch.connect
    first = office.poll()
    assert first.error is not None and "abort" in first.error.lower()
    office.app.connect = Mailbox.connect
    second = office.poll()
    assert second.error is None
    assert first.seen + second.seen == 4 and office.mail.count(MAILBOX) == 0
    assert office.mail.count(MAILBOX, "Mailflow/Processed") == 4


def test_special_use_archive_and_a_non_ascii_folder_name(office, servers):
    office.reconfigure(
        box_extra='processed_folder = "\\\\Archive"\nquarantine_folder = ["Mailflow", "Ditahan ✋ é"]'
    )
    office.mail.send(gmail_forward(pdf=pdf_letter()))
    office.mail.append(MAILBOX, b"\x00 not a mail\r\n\r\nbytes\r\n", sign=False)
    assert office.poll().outcomes == {"letter": 1, "quarantined": 1}
    assert office.mail.count(MAILBOX, "Archive") == 1
    with _client(servers.imap.imap_port) as client:
        names = {name for _flags, _delim, name in client.list_folders()}
        held = client.folder_status("Mailflow.Ditahan ✋ é", ["MESSAGES"])[b"MESSAGES"]
    assert "Mailflow.Ditahan ✋ é" in names and held == 1


@pytest.fixture(scope="module")
def no_uidplus():
    """Dovecot offering neither MOVE nor UIDPLUS, as some old hosting does."""
    dovecot = Dovecot(USERS, capabilities=BARE_CAPABILITIES.replace(" UIDPLUS", ""))
    dovecot.start()
    port = free_port()
    controller, relay = start_relay(dovecot, port)
    yield Servers(dovecot, port, relay, Mail(dovecot, port))
    controller.stop()
    dovecot.cleanup()


def test_without_uidplus_copies_are_flagged_deleted_and_nothing_is_expunged(
    no_uidplus, tmp_path, monkeypatch
):
    monkeypatch.setenv("MAILFLOW_TEST_IMAP_PASSWORD", PASSWORD)
    office = Office(tmp_path, no_uidplus)
    office.mail.send(gmail_forward(pdf=pdf_letter()))
    assert office.poll().outcomes == {"letter": 1}
    assert office.poll().seen == 0  # the flagged copy is not read again
    assert office.mail.count(MAILBOX, "Mailflow/Processed") == 1
    with _client(no_uidplus.imap.imap_port) as client:
        client.select_folder("INBOX")
        flags = client.get_flags(client.search("ALL"))
    # A plain EXPUNGE would also remove what a clerk's phone flagged \Deleted and meant to keep
    # until later; without UIDPLUS Mailflow cannot expunge just its own message, so it leaves it.
    assert [set(f) >= {b"$MailflowProcessed", b"\\Deleted"} for f in flags.values()] == [True]
