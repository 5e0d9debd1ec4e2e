"""Attacks on issue 25's streaming path by an outsider who has nothing but email: two readings
between the streaming MIME reader and the stdlib (tests/support/stdlib_reading.py), or between our
chunked DKIM body hash and dkimpy's, placed where the new code cuts its input (the reader's 64 KB
lines, the decoders' chunks, the body hash's chunks); a head's signed mail altered in its body;
attachment names that try to become paths; spool files left behind by a group that stops.

Each test is an attack; the docstring says what was tried and what Mailflow did. Pure: the demo
office's key signs as the office's server would, no DNS.
"""

from __future__ import annotations

import hashlib
import io
import random
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from dkim import MessageFormatError, rfc822_parse
from dkim.canonicalization import Relaxed, Simple

from mailflow.inbound.authenticity import from_dkim
from mailflow.inbound.loop import _groups
from mailflow.net.imap import FetchedMessage
from mailflow.raw import RawMessage
from mailflow.storage.spool import Spool
from mailflow.text.dkim_body import body_hash, body_start
from mailflow.text.parsing import parse_message, read_message, spooled
from mailflow.text.transfer import CHUNK
from tests.support.stdlib_reading import outcome, stdlib_reading
from tests.test_attack_one_reading import KADIS, captured
from tests.test_one_reading import BOX, LOOKUP, STAFF

HEAD = b"From: a@b.id\r\nTo: c@d.id\r\nSubject: s\r\nMessage-ID: <x@y>\r\nMIME-Version: 1.0\r\n"
EDGE = 64 * 1024  # the reader's line and the decoders' chunk
assert CHUNK == EDGE


def _at_edge(nl: bytes, pad: int, cte: bytes, filler: bytes, closing: bytes, lines: bool) -> bytes:
    """A part whose body reaches `pad` bytes (one line, or 76-byte lines), then `closing` where
    the boundary would be: the boundary line falls on or about the 64 KB edge."""
    body = (filler * (pad // len(filler) + 1))[:pad]
    if lines:
        body = nl.join(body[i : i + 76] for i in range(0, len(body), 76))
    return (
        HEAD + b'Content-Type: multipart/mixed; boundary="xx"' + nl + nl + b"--xx" + nl
        + b"Content-Type: application/pdf" + nl + b"Content-Transfer-Encoding: " + cte + nl + nl
        + body + nl + closing + nl + b"tail" + nl + b"--xx--" + nl
    )  # fmt: skip


EDGE_CASES = [
    (nl, pad, cte, filler, closing, lines)
    for nl in (b"\r\n", b"\n", b"\r")
    for pad in (EDGE - 3, EDGE - 2, EDGE - 1, EDGE, EDGE + 1, 2 * EDGE - 2)
    for cte, filler in ((b"7bit", b"a"), (b"base64", b"QUJD"), (b"base64", b"QU=JD*"), (b"quoted-printable", b"=41=\r\n"))
    for closing in (b"--xx", b"--xx \t", b"--xxy", b"--x", b"--xx--")
    for lines in (False, True)
]  # fmt: skip


def _streamed(spool: Path):
    return lambda raw: read_message(io.BytesIO(raw), spool, whole_below=0)


@pytest.mark.parametrize("nl", [b"\r\n", b"\n", b"\r"], ids=["crlf", "lf", "cr"])
def test_boundaries_and_encodings_at_the_chunk_edge_read_as_the_stdlib_reads_them(nl: bytes, tmp_path: Path) -> None:
    """Attack: a boundary (exact, with blanks after it, a prefix of it, one it is a prefix of, the
    closing one) placed on every side of the 64 KB edge, after a body that is one long line or many,
    in 7bit, base64 (clean and with junk and padding in the middle) and quoted-printable (soft breaks
    up to the edge), with CRLF, LF or CR line ends. Held: every reading equals the stdlib's."""
    cases = [c for c in EDGE_CASES if c[0] == nl]
    with spooled(tmp_path) as spool:
        for case in cases:
            raw = _at_edge(*case)
            expected = outcome(stdlib_reading, raw)
            assert outcome(parse_message, raw) == expected, case[1:]
            assert outcome(_streamed(spool), raw) == expected, case[1:]
        assert list(spool.iterdir()) == []  # every part file removed with its reading


def _dkimpys(message: bytes, relaxed: bool, limit: int | None) -> bytes:
    """The body hash dkimpy computes (dkim.DKIM.verify_sig_process): its own header split, its
    canonicalisation, then l=."""
    _, body = rfc822_parse(message)
    canonical = (Relaxed if relaxed else Simple).canonicalize_body(body)
    return hashlib.sha256(canonical if limit is None else canonical[:limit]).digest()


ATOMS = [b"a", b" ", b"\t", b"\r", b"\n", b"\r\n", b"  \r\n", b"\r\r\n", b"\n\r", b"x ", b"\r\n\r\n", b" \t \r", b"\x0b", b"\xa0"]
HEADS = [b"A: b\r\n\r\n", b"A: b\n\n", b"A: b\r\n\n", b"A: b\n\r\n", b"\r\n", b"A: b\r\n", b"A: b\r\n \r\n\r\n"]


def test_the_chunked_body_hash_is_dkimpys_on_every_line_end_and_blank_quirk() -> None:
    """Attack: bodies of trailing blanks, CR-only, LF-only and mixed line ends, empty bodies, a
    body ending without CRLF, headers ended by LF, CRLF or not at all, l= of 0 to 5, simple and
    relaxed, cut into chunks of 1 to 5 bytes so that every quirk falls on a chunk edge. Held:
    our hash is dkimpy's for every one (so what b= verified is what the body hash covers)."""
    rng = random.Random(25)
    for _ in range(20_000):
        message = rng.choice(HEADS) + b"".join(rng.choice(ATOMS) for _ in range(rng.randint(0, 12)))
        relaxed, step = rng.random() < 0.5, rng.randint(1, 5)
        limit = rng.choice([None, None, 0, 1, 2, 5])
        start = body_start(message)
        body = message[len(message) if start is None else start :]
        chunks = [body[i : i + step] for i in range(0, len(body), step)]
        try:
            theirs = _dkimpys(message, relaxed, limit)
        except MessageFormatError:  # a header dkimpy cannot read: no signature in it verifies
            continue
        ours = body_hash(chunks, relaxed=relaxed, algorithm=b"rsa-sha256", limit=limit).digest
        assert ours == theirs, (message, relaxed, step, limit)


def _signed_scan(body: str) -> bytes:
    """A head's long mail, signed by the office's server (relaxed body)."""
    return captured(KADIS, "Disposisi", body)


@pytest.mark.parametrize(
    "alter",
    [
        lambda raw: raw + b"\r\nTambahan: teruskan ke semua\r\n",  # a line appended to the body
        lambda raw: raw.replace(b"Setuju", b"Tolak"),  # a word changed
        lambda raw: raw.replace(b"\r\n\r\n", b"\r\n\r\n\r\n", 1),  # a blank line added at the top
        lambda raw: raw.replace(b"Setuju", b"Setuju\r"),  # a lone CR inside the body
        lambda raw: raw[:-2] + b"\n",  # its last line end an LF
    ],
    ids=["appended", "changed", "blank-at-top", "lone-cr", "lf-end"],
)
def test_a_heads_signed_mail_altered_in_its_body_never_verifies_when_it_reads_otherwise(alter) -> None:
    """Attack: an outsider holding one signed mail of the head alters its body (a line appended,
    a word changed, a blank line at its top, a lone CR, the last CRLF made LF) and delivers it
    again, in memory and as a spool file read in chunks. Held: it verifies only if what is read
    from it (its text) is what was signed, i.e. the alteration is one relaxed canonicalisation
    forgives and the reader reads the same words; else the sender is not verified."""
    genuine = _signed_scan("Setuju, hadir pada rapat.\n" * 5000 + "Salam")
    original = parse_message(genuine)
    assert from_dkim(genuine, original, BOX, LOOKUP).verified
    altered = alter(genuine)
    message = parse_message(altered)
    verdict = from_dkim(altered, message, BOX, LOOKUP)
    if verdict.verified:
        assert message.text.splitlines() == original.text.splitlines()  # line ends aside
        assert message.attachments == original.attachments
    assert message.from_address == KADIS and STAFF in message.to_addresses


def _spooled(spool: Spool, uid: int, size: int) -> FetchedMessage:
    with spool.file() as out:
        out.write(b"Subject: x\r\n\r\n" + b"a" * size)
        return FetchedMessage(uid, out.finish(), None)


def test_a_group_that_stops_leaves_no_spool_file_of_the_message_after_it(tmp_path: Path) -> None:
    """Attack: large messages fetched into spool files, grouped (`_groups`), and the group's
    transaction stops on an edge error (the database or the server gone, an OSError reading a
    message): the loop discards the group's files, and the message already fetched for the next
    group must go too (a poll's sweep removes only a dead process's files; a service lives on)."""
    spool = Spool(tmp_path)
    fetched = (_spooled(spool, uid, 100) for uid in (1, 2, 3))  # fetched as the loop asks
    groups = _groups(fetched, 1, lambda: True)
    first = next(groups)  # message 2 is taken from the fetch to learn that group 1 is full
    for message in first:  # what poll_mailbox does in its finally
        message.raw.discard()
    groups.close()  # process_group raised: the loop stops
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_attachment_names_never_become_paths(tmp_path: Path) -> None:
    """Attack: attachments named ../../etc/cron.d/x, with a NUL, 5,000 characters long, and an
    RFC 2231 name of %2F and %00, large enough to be decoded into spool files. Held: every spool
    file is inside the message's spool folder under a name of its own; the sender's name is data."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"], msg["Message-ID"] = KADIS, STAFF, "Berkas", "<names@x>"
    msg.set_content("lihat lampiran")
    names = ["../../etc/cron.d/x", "a\x00b.pdf", "n" * 5000 + ".pdf"]
    for n, name in enumerate(names):
        msg.add_attachment(bytes([n]) * 300_000, maintype="application", subtype="pdf", filename=name)
    raw = msg.as_bytes().replace(
        b'filename="../../etc/cron.d/x"', b"filename*=utf-8''..%2F..%2Fetc%2Fcron.d%2Fy%00.pdf"
    )
    outside = tmp_path / "etc"
    with spooled(tmp_path / "spool") as folder:
        parsed = read_message(io.BytesIO(raw), folder)
        paths = [a.path for a in parsed.attachments]
        assert len(paths) == 3 and all(p is not None and p.parent == folder for p in paths)
        assert all(p is not None and len(p.name) < 64 and "\x00" not in p.name for p in paths)
    assert not outside.exists() and list((tmp_path / "spool").iterdir()) == []
    assert outcome(stdlib_reading, raw)[13:] == outcome(parse_message, raw)[13:]


def _nested(nl: bytes, pad: int) -> bytes:
    """An attached message whose own boundary is a prefix of the outer one, a duplicate
    Content-Type (multipart, then text/plain) in the outer header, base64 padding in the middle of
    a part, and the inner closing boundary at the 64 KB edge."""
    inner = (
        b"From: kadis@d.id" + nl + b'Content-Type: multipart/mixed; boundary="o"' + nl + nl
        + b"--o" + nl + b"Content-Type: text/plain" + nl + nl + b"z" * pad + nl
        + b"--o" + nl + b"Content-Type: application/pdf" + nl + b"Content-Transfer-Encoding: base64" + nl + nl
        + b"QUJD==QUJD" + nl + b"--o--" + nl
    )  # fmt: skip
    return (
        HEAD + b'Content-Type: multipart/mixed; boundary="ou"' + nl + b"Content-Type: text/plain" + nl + nl
        + b"--ou" + nl + b"Content-Type: message/rfc822" + nl + nl + inner
        + b"--ou" + nl + b"Content-Type: text/plain" + nl + nl + b"Ya" + nl + b"--ou--" + nl
    )  # fmt: skip


@pytest.mark.parametrize("nl", [b"\r\n", b"\n", b"\r"], ids=["crlf", "lf", "cr"])
def test_nested_messages_and_duplicate_headers_at_the_edge_read_as_the_stdlib_reads_them(
    nl: bytes, tmp_path: Path
) -> None:
    """Attack: message/rfc822 whose boundary is a prefix of the outer one, a duplicate
    Content-Type, padding inside base64, the inner boundary on the 64 KB edge. Held: the same
    reading as the stdlib's."""
    with spooled(tmp_path) as spool:
        for pad in (EDGE - 40, EDGE - 8, EDGE - 4, EDGE - 1, EDGE, EDGE + 3):
            raw = _nested(nl, pad)
            expected = outcome(stdlib_reading, raw)
            assert outcome(parse_message, raw) == expected, pad
            assert outcome(_streamed(spool), raw) == expected, pad


class _Counted(RawMessage):
    """A raw message that counts the bytes read from it (the reads are its own methods)."""

    served: list[int]

    def chunks(self, start: int = 0, size: int = 1 << 20) -> Iterator[bytes]:
        for chunk in super().chunks(start, size):
            self.served.append(len(chunk))
            yield chunk

    def head(self, size: int) -> bytes:
        data = super().head(size)
        self.served.append(len(data))
        return data


def test_a_header_of_megabytes_is_read_once_by_the_sender_check() -> None:
    """Attack: a head's signed mail with 6 MB of extra header lines before its From (no blank line
    for the DKIM reader to stop at). It was read again from its start every 256 KB and searched
    again each time (quadratic: 3 s at 2 MB, 22 s at 8 MB, 264 s at 32 MB). Fixed: the header is
    read and searched once, so the sender check reads the message about once."""
    genuine = captured(KADIS, "Disposisi", "Setuju")
    lines = 6 * (1 << 20) // 21
    raw = genuine.replace(b"\r\nFrom:", b"\r\n" + b"X-Junk: 0123456789ab\r\n" * lines + b"From:", 1)
    counted = _Counted(len(raw), hashlib.sha256(raw).hexdigest(), data=raw)
    object.__setattr__(counted, "served", [])
    assert from_dkim(counted, parse_message(genuine), BOX, LOOKUP).verified
    assert sum(counted.served) < 2 * len(raw), sum(counted.served) / len(raw)
