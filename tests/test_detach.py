"""Large base64 parts decoded from the raw bytes before the standard library parses the rest."""

from __future__ import annotations

import os
import random
from email.message import EmailMessage

from mailflow.errors import MessageError
from mailflow.text.detach import DETACH_AT, MARKER, detach
from mailflow.text.parsing import parse_message

SCAN = os.urandom(DETACH_AT * 3)


def _letter(*files: tuple[str, bytes], inner: EmailMessage | None = None) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "agenda@x.example", "surat@x.example", "Surat"
    msg.set_content("Terlampir.")
    for name, payload in files:
        msg.add_attachment(payload, maintype="application", subtype="pdf", filename=name)
    if inner is not None:
        msg.add_attachment(inner)
    return msg.as_bytes().replace(b"\n", b"\r\n")


def test_a_large_part_is_decoded_once_and_the_parser_sees_a_stand_in() -> None:
    raw = _letter(("scan.pdf", SCAN), ("kecil.pdf", b"%PDF-1.4 small"))
    found = detach(raw)
    assert list(found.payloads.values()) == [SCAN]
    assert len(found.skeleton) < 10_000 and MARKER.encode() in found.skeleton
    parsed = parse_message(raw)
    assert [(a.filename, a.payload) for a in parsed.attachments] == [
        ("scan.pdf", SCAN),
        ("kecil.pdf", b"%PDF-1.4 small"),
    ]
    assert parsed.text.strip() == "Terlampir."
    assert all(name != MARKER for name, _value in parsed.headers)


def test_parts_inside_an_attached_message_are_detached_too() -> None:
    inner = EmailMessage()
    inner["From"], inner["Subject"] = "umum@kemendagri.example", "Asli"
    inner.set_content("Surat asli.")
    inner.add_attachment(SCAN, maintype="application", subtype="pdf", filename="asli.pdf")
    parsed = parse_message(_letter(inner=inner))
    assert parsed.embedded[0].attachments[0].payload == SCAN


def test_a_stand_in_written_by_a_sender_points_at_nothing() -> None:
    raw = _letter(("scan.pdf", SCAN)).replace(
        b"Content-Type: text/plain", f"{MARKER}: 0\r\nContent-Type: text/plain".encode(), 1
    )
    parsed = parse_message(raw)
    assert [a.payload for a in parsed.attachments] == [SCAN]
    assert parsed.text.strip() == "Terlampir."


def test_damaged_base64_is_left_to_the_forgiving_parser() -> None:
    raw = _letter(("scan.pdf", SCAN))
    cut = raw.rindex(b"\r\n--")
    damaged = raw[: cut - 3] + raw[cut:]  # a truncated last base64 line
    assert parse_message(damaged).attachments  # read as well as the parser can, not refused


def test_small_messages_are_passed_through_untouched() -> None:
    raw = _letter(("kecil.pdf", b"%PDF-1.4 small"))
    assert detach(raw).skeleton is raw


def test_damaged_large_messages_are_read_or_refused_never_crash() -> None:
    """Random damage to large messages (bytes changed, cut, boundaries and headers injected):
    every one comes out as a ParsedMessage or a MessageError."""
    inner = EmailMessage()
    inner["From"], inner["Subject"] = "umum@kemendagri.example", "Asli"
    inner.set_content("Surat asli.")
    inner.add_attachment(SCAN[: DETACH_AT + 1000], maintype="application", subtype="pdf", filename="i.pdf")
    bases = [
        _letter(("scan.pdf", SCAN)),
        _letter(("a.pdf", SCAN), ("b.pdf", SCAN[: DETACH_AT * 2]), inner=inner),
    ]
    snippets = [b"\r\n--", b"\r\n\r\n", b"Content-Transfer-Encoding: base64\r\n", b"boundary=", b"--", b"\n"]
    rng = random.Random(12)
    read = refused = 0
    for _ in range(100):
        raw = bytearray(rng.choice(bases))
        for _ in range(rng.randint(1, 6)):
            at = rng.randrange(len(raw))
            roll = rng.random()
            if roll < 0.4:
                raw[at] = rng.randrange(256)
            elif roll < 0.7:
                del raw[at : at + rng.randint(1, 5000)]
            else:
                raw[at:at] = rng.choice(snippets)
        try:
            parsed = parse_message(bytes(raw))
        except MessageError:
            refused += 1
        else:
            read += 1
            assert all(isinstance(a.payload, bytes) for a in parsed.attachments)
    assert read + refused == 100 and read > 50  # most damage still leaves a readable letter
