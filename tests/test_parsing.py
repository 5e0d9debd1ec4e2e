"""Raw bytes -> ParsedMessage: forgiving, bounded, never a path from a filename."""

import pytest

from mailflow.errors import MessageError
from mailflow.text.headers import AddressReading, single_address
from mailflow.text.parsing import parse_message


def test_encoded_headers_and_unknown_charset():
    raw = (
        b"From: =?utf-8?q?Siti_Aminah?= <Agenda@Probolinggokab.example>\r\n"
        b"Subject: =?iso-8859-1?q?Undangan_caf=E9?=\r\nContent-Type: text/plain; charset=x-unknown\r\n"
        b"\r\nIsi surat \xe9\r\n"
    )
    message = parse_message(raw)
    assert message.from_name == "Siti Aminah" and message.from_address == "agenda@probolinggokab.example"
    assert message.subject == "Undangan café"
    assert "Isi surat" in message.text
    assert message.message_id.endswith("@mailflow.invalid>")


def test_strict_addresses():
    assert single_address('"Kadis" <evil@y.example>') == AddressReading("Kadis", "evil@y.example")
    assert single_address('"kadis@x.example" <evil@y.example>').address == ""
    assert single_address("a@x.example, b@x.example").address == ""
    assert single_address("not an address") == AddressReading("", "")


def test_header_injection_is_flattened():
    message = parse_message(
        b"From: a@x.example\r\nSubject: =?utf-8?q?Hi=0D=0ABcc:_victim@x.example?=\r\n\r\n"
    )
    assert "\n" not in message.subject and "\r" not in message.subject


def test_attachment_names_are_data():
    raw = (
        b"From: a@x.example\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        b'Content-Type: application/pdf\r\nContent-Disposition: attachment; filename="../../etc/passwd"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--b--\r\n"
    )
    [attachment] = parse_message(raw).attachments
    assert attachment.filename == "../../etc/passwd" and attachment.read_bytes() == b"%PDF-"


def test_broken_base64_still_yields_a_result():
    raw = (
        b"From: a@x.example\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        b"Content-Type: image/jpeg; name=x.jpg\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        b"!!!not base64***\r\n--b--\r\n"
    )
    assert parse_message(raw).from_address == "a@x.example"


def test_no_header_and_absurd_nesting_are_errors():
    with pytest.raises(MessageError, match="no header"):
        parse_message(b"\x00\x01\x02\r\n\r\nbody")
    nested = b"".join(
        f"--b{i}\r\nContent-Type: multipart/mixed; boundary=b{i + 1}\r\n\r\n".encode() for i in range(30)
    )
    with pytest.raises(MessageError) as err:
        parse_message(b"From: a@x.example\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n" + nested)
    assert err.value.reason == "malformed"
