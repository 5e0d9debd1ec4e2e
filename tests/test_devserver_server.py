"""The demo server answers FETCH as Dovecot does, so desktop mail clients can use `demo --keep`.

Dovecot is the oracle: the same messages are appended to both servers, and what imapclient parses
from each answer (ENVELOPE, BODYSTRUCTURE, sections, partials) must be equal.
"""

from __future__ import annotations

import datetime as dt
import email.policy
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage

import pytest
from imapclient import IMAPClient

from mailflow.demo.scenario import clerk_forward
from mailflow.demo.server import DevMailServer
from tests.support.dovecot import PASSWORD
from tests.support.hostile import corpus
from tests.support.letters import original_letter, photo_scan

USER = "stranger@elsewhere.example"
# What Thunderbird asks for when it lists a folder, then when it opens a message part by part.
THUNDERBIRD_LIST = (
    "BODY.PEEK[HEADER.FIELDS (From To Cc Bcc Subject Date Message-ID Priority X-Priority References "
    "Newsgroups In-Reply-To Content-Type Reply-To)]"
)
ITEMS = [
    "RFC822.SIZE",
    "ENVELOPE",
    "BODYSTRUCTURE",
    "BODY",
    THUNDERBIRD_LIST,
    "BODY.PEEK[HEADER]",
    "BODY.PEEK[TEXT]",
    "BODY.PEEK[HEADER.FIELDS.NOT (Subject Date)]",
    "BODY.PEEK[1]",
    "BODY.PEEK[1.MIME]",
    "BODY.PEEK[2]",
    "BODY.PEEK[2.MIME]",
    "BODY.PEEK[1.1]",
    "BODY.PEEK[1.2]",
    "BODY.PEEK[]<0.120>",
    "BODY.PEEK[2]<10.50>",
]
FORWARDED_ITEMS = ["BODY.PEEK[2.HEADER]", "BODY.PEEK[2.TEXT]", "BODY.PEEK[2.1]", "BODY.PEEK[2.MIME]"]


def _alternative_with_attachment() -> EmailMessage:
    msg = original_letter(subject="Undangan rapat: lampiran dan versi HTML")
    msg["Cc"] = '"Kabid, Dikdas" <kabid.dikdas@probolinggokab.example>, agenda@probolinggokab.example'
    msg["Reply-To"] = "surat+abc123@probolinggokab.example"
    msg["In-Reply-To"] = "<root.001@mailflow>"
    msg.add_alternative("<p>Mengundang <b>Bapak/Ibu</b> &amp; staf</p>", subtype="html")
    msg.add_attachment(
        b"%PDF-1.4\n" + bytes(range(256)) * 20,
        maintype="application",
        subtype="pdf",
        filename="Undangan rapat.pdf",
    )
    return msg


def _forward_as_attachment() -> EmailMessage:
    msg = original_letter(subject="Fwd: surat asli terlampir", body="Surat asli terlampir.")
    msg.add_attachment(original_letter())  # message/rfc822
    return msg


def _non_ascii_headers() -> bytes:
    return (
        b"From: =?utf-8?q?Dinas_Pendidikan_Kab=2E_Probolinggo?= <surat@probolinggokab.example>\r\n"
        b"To: Pak Budi <kadis@probolinggokab.example>\r\n"
        b"Subject: =?utf-8?b?UGVyaWhhbDogdW5kYW5nYW4g4oCTIHBlbnRpbmc=?=\r\n"
        b"Date: Mon, 23 Nov 2026 08:15:00 +0700\r\n"
        b"Message-ID: <raw.1@example>\r\n\r\n"
        b"Tanpa Content-Type: teks biasa.\r\nBaris kedua\r\n"
    )


MESSAGES = {
    "clerk forward with a PDF": clerk_forward().as_bytes(policy=email.policy.SMTP),
    "photos": photo_scan(pages=2).as_bytes(policy=email.policy.SMTP),
    "alternative + attachment": _alternative_with_attachment().as_bytes(policy=email.policy.SMTP),
    "forward as attachment": _forward_as_attachment().as_bytes(policy=email.policy.SMTP),
    "no Content-Type, encoded words": _non_ascii_headers(),
}


@pytest.fixture(scope="module")
def devserver() -> Iterator[DevMailServer]:
    server = DevMailServer(password=PASSWORD).start()
    yield server
    server.stop()


@contextmanager
def _loaded(port: int, folder: str, messages: dict[str, bytes]) -> Iterator[IMAPClient]:
    """A client on `folder` holding `messages` in order; emptied afterwards for the next test."""
    with IMAPClient("127.0.0.1", port=port, ssl=False, timeout=10) as client:
        client.login(USER, PASSWORD)
        if not client.folder_exists(folder):
            client.create_folder(folder)
        client.select_folder(folder)
        for raw in messages.values():
            client.append(folder, raw)
        yield client
        client.use_uid = True
        client.delete_messages(client.search("ALL"))
        client.expunge()


def _fetch_all(port: int, folder: str, items: list[str], messages: dict[str, bytes] = MESSAGES) -> list[dict]:
    with _loaded(port, folder, messages) as client:
        uids = sorted(client.search("ALL"))
        answers = client.fetch(uids, items)
    return [{k: v for k, v in answers[u].items() if k not in (b"SEQ", b"UID")} for u in uids]


@pytest.mark.parametrize("items", [ITEMS, FORWARDED_ITEMS], ids=["sections", "forwarded"])
def test_fetch_answers_match_dovecot(servers, devserver, items: list[str]) -> None:
    expected = _fetch_all(servers.imap.imap_port, "devserver-oracle", items)
    actual = _fetch_all(devserver.imap_port, "devserver-oracle", items)
    _assert_same(MESSAGES, expected, actual)


def _assert_same(messages: dict[str, bytes], expected: list[dict], actual: list[dict]) -> None:
    differences = [
        f"{name}: {key!r}\n  dovecot: {want.get(key)!r}\n  ours:    {got.get(key)!r}"
        for name, want, got in zip(messages, expected, actual, strict=True)
        for key in set(want) | set(got)
        if want.get(key) != got.get(key)
    ]
    assert not differences, "\n".join(differences)


def test_hostile_messages_get_the_same_structure_as_from_dovecot(servers, devserver) -> None:
    hostile = corpus()
    items = ["RFC822.SIZE", "ENVELOPE", "BODYSTRUCTURE", "BODY.PEEK[1]", "BODY.PEEK[2.MIME]"]
    expected = _fetch_all(servers.imap.imap_port, "devserver-hostile", items, hostile)
    actual = _fetch_all(devserver.imap_port, "devserver-hostile", items, hostile)
    _assert_same(hostile, expected, actual)


def test_a_desktop_client_session(devserver) -> None:
    """The commands Thunderbird and Apple Mail send around FETCH, with the answers they rely on."""
    with IMAPClient("127.0.0.1", port=devserver.imap_port, ssl=False, timeout=10) as client:
        assert client.id_({"name": "Thunderbird"}) == ((b"name", b"Mailflow demo"),)
        client.login("kadis@probolinggokab.example", PASSWORD)
        assert client.namespace().personal == (("", "/"),)
        assert client.list_folders("", "") == [((b"\\Noselect",), b"/", "")]
        assert [name for _, _, name in client.list_sub_folders()] == ["INBOX"]
        selected = client.select_folder("INBOX")
        assert b"\\*" in selected[b"PERMANENTFLAGS"]
        client.create_folder("Sent")
        client.append("Sent", MESSAGES["photos"], flags=[b"\\Seen"])
        client.append("INBOX", MESSAGES["clerk forward with a PDF"])
        [uid] = client.search(["UNANSWERED", "UNDELETED", "UNSEEN"])
        client.add_flags([uid], [b"\\Answered"])
        assert client.search(["ANSWERED"]) == [uid] and client.search(["UNANSWERED"]) == []
        client.rename_folder("Sent", "Terkirim")
        assert client.folder_status("Terkirim", ["MESSAGES", "UNSEEN"]) == {b"MESSAGES": 1, b"UNSEEN": 0}


def _search_all(port: int, folder: str, queries: list[list]) -> list[list[int]]:
    with _loaded(port, folder, MESSAGES) as client:
        client.use_uid = False  # sequence numbers are the same on both servers, UIDs are not
        client.add_flags([2], [b"\\Flagged"])
        client.add_flags([3], [b"\\Answered", b"$Mailflow"])
        client.add_flags([4], [b"\\Seen"])
        answers = [sorted(client.search(query)) for query in queries]
    return answers


def test_search_answers_match_dovecot(servers, devserver) -> None:
    today = dt.date.today()
    queries = [
        ["NOT", "DELETED"],
        ["UNSEEN"],
        ["OR", "FLAGGED", "ANSWERED"],
        ["NOT", ["FLAGGED", "UNSEEN"]],
        ["KEYWORD", "$Mailflow"],
        ["UNKEYWORD", "$Mailflow", "UNANSWERED"],
        ["2:3"],
        ["1,4:*"],
        ["SUBJECT", "lampiran"],
        ["SUBJECT", "undangan"],  # in an encoded-word subject too
        ["FROM", "Dinas Pendidikan Kab."],
        ["FROM", "jatimprov"],
        ["TO", "kadis"],
        ["CC", "Dikdas"],
        ["BODY", "terlampir"],
        ["TEXT", "Probolinggo"],
        ["HEADER", "Message-ID", "raw.1"],
        ["HEADER", "In-Reply-To", "root.001"],
        ["LARGER", 5000],
        ["SMALLER", 5000],
        ["SINCE", today],
        ["BEFORE", today],
        ["ON", today],
        ["SENTSINCE", dt.date(2026, 11, 23)],
        ["SENTBEFORE", dt.date(2026, 11, 24)],
        ["SENTON", dt.date(2026, 11, 23)],
    ]
    expected = _search_all(servers.imap.imap_port, "devserver-search", queries)
    actual = _search_all(devserver.imap_port, "devserver-search", queries)
    differences = [
        f"{q}: dovecot {e}, ours {a}" for q, e, a in zip(queries, expected, actual, strict=True) if e != a
    ]
    assert not differences, "\n".join(differences)
    assert expected[0] == [1, 2, 3, 4, 5] and expected[4] == [3]  # the searches are not all trivially empty


def test_tls_spoken_to_the_plain_imap_port_is_answered_bad_not_a_traceback(caplog):
    """An admin trying security = "tls" on the demo's port: the ClientHello's bytes are no tag."""
    server = DevMailServer().start()
    try:
        with socket.create_connection(("127.0.0.1", server.imap_port), timeout=3) as raw:
            raw.recv(4096)  # the greeting
            with pytest.raises((ssl.SSLError, OSError)):
                ssl.create_default_context().wrap_socket(raw, server_hostname="127.0.0.1")
        with IMAPClient("127.0.0.1", port=server.imap_port, ssl=False, timeout=10) as client:
            client.login("kadis@probolinggokab.example", "demo")  # still serving
    finally:
        server.stop()
    assert "Unhandled exception" not in caplog.text and "UnicodeDecodeError" not in caplog.text, caplog.text
