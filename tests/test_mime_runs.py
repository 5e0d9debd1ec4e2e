"""The streaming reader's runs (text.mime_stream._Input.readrun: a leaf's lines taken a read at a
time, up to the next line that may be a boundary, found with bytes.find) against the standard
library's parser: boundaries on every byte about the edges of the reads, CRLF and LF, transport
padding, boundary-looking lines and lone carriage returns inside base64, garbage, nesting and
messages cut short. Same parts, same bytes, same text, same header, same refusal."""

from __future__ import annotations

import base64
import binascii
import io
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailflow.text.mime_stream import _RUN, _RUN_MAX
from mailflow.text.parsing import parse_message, read_message, spooled
from tests.support.stdlib_reading import outcome, stdlib_reading

HEAD = b"From: a@b.id\r\nTo: c@d.id\r\nSubject: s\r\nMessage-ID: <x@y>\r\nMIME-Version: 1.0\r\n"


def _encoded(cte: bytes, payload: bytes, width: int, nl: bytes) -> bytes:
    if cte == b"base64":
        text = base64.b64encode(payload)
    elif cte == b"quoted-printable":
        text = binascii.b2a_qp(payload, istext=False).replace(b"=\n", b"")
    else:
        text = base64.b85encode(payload).replace(b"-", b"+")  # no line of it starts with "-"
    return b"".join(text[i : i + width] + nl for i in range(0, len(text), width))


def _letter(nl: bytes, cte: bytes, body: bytes, closing: bytes, *, outer: bool = False) -> bytes:
    """A text part, then a file part with `body` (its lines end with `nl`), then `closing`
    where its boundary goes; `outer`: all of it inside a second multipart."""
    inner = (
        b'Content-Type: multipart/mixed; boundary="=_b.1"' + nl + nl + b"preamble" + nl
        + b"--=_b.1" + nl + b"Content-Type: text/plain" + nl + nl + b"Terlampir." + nl
        + b"--=_b.1" + nl + b"Content-Type: application/pdf" + nl
        + b"Content-Transfer-Encoding: " + cte + nl + nl + body + closing + nl + b"epilogue" + nl
    )  # fmt: skip
    if not outer:
        return HEAD + inner
    return (
        HEAD + b"Content-Type: multipart/related; boundary=out" + nl + nl + b"--out" + nl + inner
        + b"--out" + nl + b"Content-Type: text/html" + nl + nl + b"<p>x</p>" + nl + b"--out--" + nl
    )  # fmt: skip


def _same(raw: bytes, spool: Path) -> None:
    expected = outcome(stdlib_reading, raw)
    assert outcome(parse_message, raw) == expected
    assert outcome(lambda r: read_message(io.BytesIO(r), spool, whole_below=0), raw) == expected


@pytest.mark.parametrize("nl", [b"\r\n", b"\n"], ids=["crlf", "lf"])
@pytest.mark.parametrize("cte", [b"base64", b"quoted-printable", b"7bit"])
def test_a_boundary_on_every_byte_about_the_reads_edges(nl: bytes, cte: bytes, tmp_path: Path) -> None:
    """The file part's first line is read alone (readrun backs off after the text part's short
    run), then a read of _RUN (4 KB), one of eight times the run it gave (its whole lines), then
    _RUN_MAX at a time; the decoders take 64 KB at a time. The body grows byte by byte so that
    its closing boundary, and the line end before it, fall on every offset about each edge."""
    line = 76 + len(nl)
    first = _RUN // line * line
    assert 8 * first <= _RUN_MAX
    payload = random.Random(1).randbytes(90_000)
    lines = _encoded(cte, payload, 76, nl)
    with spooled(tmp_path) as spool:
        reads = (line + _RUN, line + 9 * first, line + 9 * first + _RUN_MAX, line + 9 * first + 2 * _RUN_MAX)
        for edge in (*reads, 65_536):
            for size in range(edge - 45, edge + 45):
                body = lines[:size] + (b"" if lines[:size].endswith(nl) else nl)
                _same(_letter(nl, cte, body, b"--=_b.1--"), spool)


boundary_like = st.sampled_from(
    [b"--=_b.1", b"--=_b.1--", b"--=_b.1 \t", b"--=_b.1-- ", b"--=_b.1x", b"--=_b.", b"-- =_b.1", b"\r--=_b.1",
     b"x\r--=_b.1", b"--out", b"--out--", b"\r", b"", b"=", b"==", b"!*\xff", b"QQ==QQ"]
)  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    nl=st.sampled_from([b"\r\n", b"\n"]),
    cte=st.sampled_from([b"base64", b"quoted-printable", b"7bit"]),
    size=st.integers(0, 150_000),
    width=st.sampled_from([76, 4, 3, 1000, 70_000]),
    inserts=st.lists(st.tuples(st.floats(0, 1), boundary_like, st.booleans()), max_size=4),
    closing=st.sampled_from([b"--=_b.1--", b"--=_b.1-- \t", b"--=_b.1", b"--=_b.1 ", b"--out--", b""]),
    outer=st.booleans(),
    cut=st.one_of(st.none(), st.floats(0, 1)),
)
def test_runs_read_as_the_stdlib_reads(
    nl: bytes, cte: bytes, size: int, width: int, inserts, closing: bytes, outer: bool, cut, tmp_path_factory
) -> None:
    """Random letters whose file part holds boundary-looking lines (whole, or after a lone
    carriage return), garbage and padding, closed with padding or not at all, nested or not,
    and cut anywhere (a message without its close boundary)."""
    body = bytearray(_encoded(cte, random.Random(size).randbytes(size), width, nl))
    for where, line, whole in inserts:
        at = int(where * len(body))
        at = body.rfind(nl, 0, at) + len(nl) if whole and body.rfind(nl, 0, at) >= 0 else at
        body[at:at] = line + nl if whole else line
    raw = _letter(nl, cte, bytes(body), closing, outer=outer)
    if cut is not None:
        raw = raw[: int(cut * len(raw))]
    with spooled(tmp_path_factory.mktemp("spool")) as spool:
        _same(raw, spool)
