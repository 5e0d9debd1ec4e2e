"""Folder names the server's way (pure): what each server's NAMESPACE or LIST says, and the names
Mailflow then sends for the folders the config writes with "/"."""

from __future__ import annotations

import pytest

from mailflow.errors import MailboxError
from mailflow.net.folders import Namespace, namespace_from, server_name, special_use

# What the servers of the matrix answer (imapclient's parsed form), recorded against each.
DOVECOT_MAILDIR = ((("", "."),), None, None)
COURIER = ((("INBOX.", "."),), None, (("#shared.", "."), ("shared.", ".")))
GMAIL = ((("", "/"),), None, None)


@pytest.mark.parametrize(
    ("personal", "expected"),
    [
        (DOVECOT_MAILDIR[0], "Mailflow.Processed"),
        (COURIER[0], "INBOX.Mailflow.Processed"),
        (GMAIL[0], "Mailflow/Processed"),
    ],
)
def test_the_processed_folder_on_each_server(personal, expected):
    assert server_name("Mailflow/Processed", namespace_from(personal, [])) == expected


def test_without_namespace_the_delimiter_comes_from_list():
    ns = namespace_from(None, [((b"\\Noselect",), b".", "")])
    assert ns == Namespace("", ".")
    assert server_name("Mailflow/Quarantine", ns) == "Mailflow.Quarantine"


def test_inbox_is_inbox_everywhere_and_never_prefixed_twice():
    courier = Namespace("INBOX.", ".")
    assert server_name("inbox", courier) == "INBOX"
    assert server_name("INBOX/Surat", courier) == "INBOX.Surat"
    assert server_name("Inbox/Surat", Namespace("", "/")) == "INBOX/Surat"
    assert server_name("INBOX.Surat", courier) == "INBOX.Surat"  # already the server's name


def test_a_part_holding_the_server_delimiter_is_refused_with_the_reason():
    with pytest.raises(MailboxError, match=r"contains '\.'"):
        server_name("Surat/Masuk v2.1", Namespace("", "."))


def test_flat_servers_refuse_nested_names_and_accept_plain_ones():
    flat = Namespace("", None)
    assert server_name("Diproses", flat) == "Diproses"
    with pytest.raises(MailboxError, match="cannot nest"):
        server_name("Mailflow/Processed", flat)


def test_non_ascii_names_stay_text_for_the_client_to_encode_in_utf7():
    # imapclient sends modified UTF-7 (RFC 3501 5.1.3); the name stays the admin's own words.
    assert server_name("Mailflow/Sudah Diproses é", Namespace("", ".")) == "Mailflow.Sudah Diproses é"


def test_special_use_finds_gmails_all_mail_and_archive():
    listing = [
        ((b"\\HasNoChildren",), b"/", "INBOX"),
        ((b"\\HasChildren", b"\\Noselect"), b"/", "[Gmail]"),
        ((b"\\All", b"\\HasNoChildren"), b"/", "[Gmail]/All Mail"),
        ((b"\\Junk", b"\\HasNoChildren"), b"/", "[Gmail]/Spam"),
    ]
    assert special_use("\\All", listing) == "[Gmail]/All Mail"
    assert special_use("\\junk", listing) == "[Gmail]/Spam"
    assert special_use("\\Archive", listing) is None
