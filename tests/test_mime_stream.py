"""The streaming reader (text.mime_stream) against the standard library's reading
(tests/support/stdlib_reading.py) on the whole test corpus and on mutated messages: same parts,
same bytes, same text, same header, same refusal; its budgets refuse at the limit; its spool
files go away with the message."""

from __future__ import annotations

import base64
import binascii
import inspect
import io
import itertools
import os
import re
import tracemalloc
from email._encoded_words import decode_b  # the stdlib's own base64 payload decoder
from email.message import EmailMessage
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailflow.demo import dkim
from mailflow.errors import MessageError
from mailflow.scans.files import ScanFile, StoredScan, scan_files
from mailflow.scans.pages import pages
from mailflow.text.message import Attachment
from mailflow.text.mime_stream import CLOSES, OPENS, Budget, _Boundary
from mailflow.text.parsing import parse_message, read_message, spooled
from mailflow.text.pdf import read_pdfs
from mailflow.text.transfer import Base64, Output, QuotedPrintable
from tests.support import clients
from tests.support.hostile import SCALED, corpus
from tests.support.letters import (
    apple_forward,
    eml_forward,
    gmail_forward,
    original_letter,
    outlook_forward,
    pdf_letter,
    photo_scan,
    scan_to_email,
)
from tests.support.stdlib_reading import outcome, stdlib_reading

REPLY_TEXTS = ("Sekretaris: pelajari batas 3 hari", "Setuju.\n\nSelesai, sudah dikirim.", "Kenapa?  é ü 日本")


def _client_replies() -> dict[str, bytes]:
    request = gmail_forward(pdf=pdf_letter())
    request["Reply-To"] = "surat+d1.abc.aaaaaaaaaaaaaaaa@probolinggokab.example"
    out = {}
    for name, client in inspect.getmembers(clients, inspect.isfunction):
        params = list(inspect.signature(client).parameters)
        if name.startswith("_") or params[:3] != ["original", "sender", "text"]:
            continue
        for n, text in enumerate(REPLY_TEXTS):
            out[f"{name} {n}"] = client(request, "kadis@probolinggokab.example", text).as_bytes()
    return out


def _big_scan(size: int = 700_000) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "agenda@x.example", "surat@x.example", "Surat besar"
    msg.set_content("Terlampir.")
    msg.add_attachment(os.urandom(size), maintype="application", subtype="pdf", filename="scan.pdf")
    qp = EmailMessage()
    qp.set_content("Isi panjang é\n" * 40_000, cte="quoted-printable")
    msg.add_attachment(qp.get_content().encode(), maintype="text", subtype="csv", filename="daftar.csv")
    return msg.as_bytes().replace(b"\n", b"\r\n")


def whole_corpus() -> dict[str, bytes]:
    letters = {
        "gmail forward": gmail_forward(pdf=pdf_letter()),
        "outlook forward": outlook_forward(
            original_from="A <a@b.example>", original_subject="S", sent="Mon, Oct 2, 2017 9:15 AM", pdf=pdf_letter()
        ),
        "apple forward": apple_forward(original_from="A <a@b.example>", original_subject="S", date="2 Okt 2017"),
        "eml forward": eml_forward(original_letter()),
        "photo scan": photo_scan(2),
        "scan to email": scan_to_email(pdf_letter()),
    }
    raws = {name: msg.as_bytes() for name, msg in letters.items()}
    raws |= {f"{name} signed": dkim.sign(raw) for name, raw in raws.items()}
    raws |= _client_replies()
    raws |= {name: raw for name, raw in corpus().items()}
    raws |= {f"{name} {size}": make(size) for name, make in SCALED.items() for size in (10_000, 300_000)}
    raws["big scan"] = _big_scan()
    return raws


CORPUS = whole_corpus()


def _chunked(spool: Path):
    """The reader with every leaf through the chunked decoders, large parts in spool files."""
    return lambda raw: read_message(io.BytesIO(raw), spool, whole_below=0)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_the_corpus_reads_as_the_stdlib_reads_it(name: str, tmp_path: Path) -> None:
    raw = CORPUS[name]
    expected = outcome(stdlib_reading, raw)
    assert outcome(parse_message, raw) == expected
    with spooled(tmp_path) as spool:
        assert outcome(_chunked(spool), raw) == expected


INJECTIONS = [
    b"\r\nContent-Type: multipart/mixed; boundary=x\r\n",
    b"\r\n--x\r\n",
    b"\r\n--x--\r\n",
    b"\r\nContent-Transfer-Encoding: base64\r\n",
    b"\r\nContent-Transfer-Encoding: quoted-printable\r\n",
    b"\r\nContent-Type: message/rfc822\r\n\r\n",
    b"\r\nContent-Type: message/delivery-status\r\n\r\n",
    b"\r\nContent-Type: multipart/digest; boundary=x\r\n",
    b"\r\nFrom nobody\r\n",
    b"\xff\xfe\x00",
    b"\r\n\r\n",
    b"\r",
    b"=\r\n",
    b"==",
    b" filename=a.eml\r\n",
]
SEEDS = [raw for raw in CORPUS.values() if len(raw) < 60_000]
mutation = st.tuples(
    st.sampled_from(["flip", "inject", "cut", "copy", "end"]),
    st.floats(0, 1),
    st.integers(0, 255),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.sampled_from(SEEDS), edits=st.lists(mutation, min_size=1, max_size=6))
def test_mutated_messages_read_as_the_stdlib_reads_them(seed: bytes, edits, tmp_path_factory) -> None:
    data = bytearray(seed)
    for kind, where, n in edits:
        at = int(where * len(data))
        if kind == "flip" and data:
            data[min(at, len(data) - 1)] ^= 1 << (n % 8)
        elif kind == "inject":
            data[at:at] = INJECTIONS[n % len(INJECTIONS)]
        elif kind == "cut":
            del data[at : at + n]
        elif kind == "copy":
            data[at:at] = data[n * 37 % max(1, len(data)) :][: n + 1]
        else:
            del data[at:]
    raw = bytes(data)
    expected = outcome(stdlib_reading, raw)
    assert outcome(parse_message, raw) == expected
    with spooled(tmp_path_factory.mktemp("spool")) as spool:
        assert outcome(_chunked(spool), raw) == expected


def _fed(decoder, raw: bytes, steps: list[int]) -> None:
    at = 0
    for step in steps or [len(raw)]:
        decoder.feed(raw[at : at + step])
        at += step
    decoder.feed(raw[at:])


@settings(max_examples=2000, deadline=None)
@given(
    raw=st.lists(st.sampled_from([b"A", b"Q", b"g", b"w", b"+", b"=", b"\r\n", b"\n", b" ", b"!"]), max_size=40),
    steps=st.lists(st.integers(1, 7)),
    chunk=st.integers(0, 6),
)
def test_base64_in_chunks_is_the_stdlibs_decode(raw: list[bytes], steps: list[int], chunk: int) -> None:
    payload = b"".join(raw)
    want, defects = decode_b(b"".join(payload.splitlines()))
    out = Output(None)
    decoder = Base64(out, lambda: iter([payload]), chunk=chunk)
    _fed(decoder, payload, steps)
    found = decoder.finish()
    assert (bytes(out.memory), [type(d) for d in found]) == (want, [type(d) for d in defects])


@settings(max_examples=1000, deadline=None)
@given(
    lines=st.lists(st.text(alphabet="a=3F \t\r", max_size=12).map(str.encode), max_size=12),
    ends=st.lists(st.sampled_from([b"\r\n", b"\n", b""]), min_size=12, max_size=12),
    chunk=st.integers(0, 6),
)
def test_quoted_printable_by_lines_is_binasciis(lines: list[bytes], ends: list[bytes], chunk: int) -> None:
    payload = b"".join(line + end for line, end in zip(lines, ends, strict=False))
    out = Output(None)
    decoder = QuotedPrintable(out, chunk=chunk)
    for line in payload.splitlines(keepends=True):
        decoder.feed(line)
    decoder.finish()
    assert bytes(out.memory) == binascii.a2b_qp(payload)


def _many_parts(parts: int, tail: int) -> bytes:
    part = b"--p\r\nContent-Type: text/plain\r\n\r\nSifat: Segera\r\n"
    head = b"From: a@x.example\r\nSubject: parts\r\nContent-Type: multipart/mixed; boundary=p\r\n\r\n"
    return head + part * parts + b"--p\r\nContent-Type: text/plain\r\n\r\n" + b"x" * tail + b"\r\n--p--\r\n"


def _read_until_refused(raw: bytes, budget: Budget | None = None) -> tuple[MessageError, int]:
    source = io.BytesIO(raw)
    with pytest.raises(MessageError) as refused:
        read_message(source, None, budget)
    return refused.value, source.tell()


def test_boundary_lines_are_found_as_feedparsers_pattern_finds_them() -> None:
    """The hand-written boundary matcher against the stdlib's own pattern (email.feedparser), on
    every line of up to five pieces after the separator, a cut one and a shifted one."""
    pieces = [b"-", b" ", b"\t", b"\r", b"\n", b"x", b"--"]
    for boundary in ("b", "==x.y==", "b--"):
        separator = ("--" + boundary).encode()
        stdlib = re.compile(
            b"(?P<sep>" + re.escape(separator) + rb")(?P<end>--)?(?P<ws>[ \t]*)(?P<linesep>\r\n|\r|\n)?$"
        ).match
        ours = _Boundary(boundary)
        for count in range(6):
            for tail in itertools.product(pieces, repeat=count):
                for start in (separator, separator[:-1], b" " + separator):
                    line = start + b"".join(tail)
                    found = stdlib(line)
                    expected = None if found is None else CLOSES if found.group("end") else OPENS
                    assert ours(line) == ours(bytearray(line)) == expected, line


def test_too_many_parts_are_refused_at_the_limit_not_after_the_message() -> None:
    raw = _many_parts(600, 5_000_000)
    error, read = _read_until_refused(raw)
    assert "more than 500 MIME parts" in str(error)
    assert read < 50_000 < len(raw)  # the 501st part, not the 5 MB after it


def test_too_deep_is_refused_at_the_limit() -> None:
    nested = b"".join(f"--n{i}\r\nContent-Type: multipart/mixed; boundary=n{i + 1}\r\n\r\n".encode() for i in range(40))
    raw = b"From: a@x.example\r\nContent-Type: multipart/mixed; boundary=n0\r\n\r\n" + nested + b"x" * 2_000_000
    error, read = _read_until_refused(raw)
    assert "MIME nesting deeper than 12" in str(error)
    assert read < 5_000


def test_decoded_bytes_past_the_budget_are_refused_as_they_are_decoded() -> None:
    raw = _big_scan(3_000_000)
    error, read = _read_until_refused(raw, Budget(parts=500, decoded=500_000))
    assert "decode to more than" in str(error)
    assert read < 1_000_000 < len(raw)


def test_large_parts_are_spooled_files_removed_with_the_message(tmp_path: Path) -> None:
    raw = _big_scan()
    (tmp_path / "pesan.eml").write_bytes(raw)
    with spooled(tmp_path / "spool") as spool, (tmp_path / "pesan.eml").open("rb") as source:
        message = read_message(source, spool)
        scan = message.attachments[0]
        assert scan.path is not None and scan.path.parent == spool and scan.data is None
        assert scan.read_bytes() == parse_message(raw).attachments[0].read_bytes()
        assert scan.head(4) == scan.read_bytes()[:4]
    assert not spool.exists() and list((tmp_path / "spool").iterdir()) == []


def test_a_refused_message_leaves_no_spool_file(tmp_path: Path) -> None:
    raw = _big_scan(3_000_000)
    with pytest.raises(MessageError), spooled(tmp_path) as spool:
        read_message(io.BytesIO(raw), spool, Budget(parts=500, decoded=1_000_000))
    assert list(tmp_path.iterdir()) == []


def test_a_large_scan_is_read_from_its_file_in_little_memory(tmp_path: Path) -> None:
    """tracemalloc's peak while reading an 8 MB message from its file, spooling its scan: a
    fraction of the message (the stdlib's parser alone held several times it)."""
    path = tmp_path / "scan.eml"
    path.write_bytes(_big_scan(6_000_000))
    size = path.stat().st_size
    with spooled(tmp_path / "spool") as spool, path.open("rb") as source:
        tracemalloc.start()
        try:
            message = read_message(source, spool)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert message.attachments[0].size == 6_000_000
    assert peak < 0.25 * size, f"peak {peak} for {size} bytes"


def test_base64_decoded_whole_or_in_chunks_gives_one_file(tmp_path: Path) -> None:
    payload = os.urandom(1_000_003)
    raw = (
        b"From: a@x.example\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(payload)
    )
    with spooled(tmp_path) as spool:
        assert read_message(io.BytesIO(raw), spool).attachments[0].read_bytes() == payload


def test_the_pdf_and_scan_readers_open_a_spooled_file_by_its_path(tmp_path: Path) -> None:
    """A spooled PDF is read by path in the PDF child and by the scan reader, as its bytes would be."""
    pdf = pdf_letter()
    path = tmp_path / "part-1"
    path.write_bytes(pdf)
    held = Attachment("surat.pdf", "application/pdf", pdf)
    spooled_pdf = Attachment.at("surat.pdf", "application/pdf", path, len(pdf), held.sha256)
    assert read_pdfs([spooled_pdf]).texts == read_pdfs([held]).texts
    [scan] = scan_files([spooled_pdf, held], [""])  # an empty text layer: a scan; the copy is one
    assert scan.path == str(path) and scan.payload == b""
    [page] = list(pages(StoredScan(scan.filename, scan.content_type, scan.path).load(), 1))
    [same] = list(pages(ScanFile("surat.pdf", "application/pdf", pdf), 1))
    assert page.size == same.size and page.tobytes() == same.tobytes()
