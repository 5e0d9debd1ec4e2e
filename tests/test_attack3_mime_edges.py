"""Attack (issue 25 change): text.mime_stream reads a leaf's body in runs found with bytes.find,
and transfer.Base64 decodes runs in bulk. Against the standard library's parser: messages whose
every line ends with a lone CR (the runs look for a line feed), mixed line ends, three nested
multiparts whose outer boundaries (and near-misses) sit inside the innermost leaf about the 4 KB
and 32 KB read edges, and base64 with blanks, garbage and padding in the middle of a run."""

from __future__ import annotations

import base64
import io
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailflow.text.mime_stream import _RUN, _RUN_MAX
from mailflow.text.parsing import parse_message, read_message, spooled
from tests.support.stdlib_reading import outcome, stdlib_reading

HEAD = b"From: a@b.id\nTo: c@d.id\nSubject: s\nMessage-ID: <x@y>\nMIME-Version: 1.0\n"


def _same(raw: bytes, spool: Path) -> None:
    expected = outcome(stdlib_reading, raw)
    assert outcome(parse_message, raw) == expected
    assert outcome(lambda r: read_message(io.BytesIO(r), spool, whole_below=0), raw) == expected


def _nested(body: bytes, nl: bytes, cte: bytes = b"base64") -> bytes:
    """multipart/mixed (a) > multipart/related (b) > multipart/alternative (c) > the file part."""
    head = HEAD.replace(b"\n", nl)
    return (
        head + b'Content-Type: multipart/mixed; boundary="a"' + nl + nl
        + b"--a" + nl + b'Content-Type: multipart/related; boundary="b"' + nl + nl
        + b"--b" + nl + b'Content-Type: multipart/alternative; boundary="c"' + nl + nl
        + b"--c" + nl + b"Content-Type: text/plain" + nl + nl + b"Terlampir." + nl
        + b"--c" + nl + b"Content-Type: application/pdf" + nl + b"Content-Transfer-Encoding: " + cte
        + nl + nl + body + b"--c--" + nl + b"--b--" + nl
        + b"--a" + nl + b"Content-Type: text/plain" + nl + nl + b"akhir" + nl + b"--a--" + nl
    )  # fmt: skip


def _lines(payload: bytes, nl: bytes, width: int = 76) -> bytes:
    text = base64.b64encode(payload)
    return b"".join(text[i : i + width] + nl for i in range(0, len(text), width))


@pytest.mark.parametrize("nl", [b"\r", b"\r\n", b"\n"], ids=["cr", "crlf", "lf"])
@pytest.mark.parametrize("intruder", [b"--a", b"--b--", b"--a-- \t", b"--bx", b"--", b""])
def test_outer_boundaries_inside_the_innermost_leaf_about_the_read_edges(
    nl: bytes, intruder: bytes, tmp_path: Path
) -> None:
    """An outer boundary line (or a near miss) at each offset about the 4 KB and 32 KB edges."""
    lines = _lines(random.Random(3).randbytes(60_000), nl)
    with spooled(tmp_path) as spool:
        for edge in (_RUN, 2 * _RUN, _RUN_MAX, _RUN_MAX + _RUN, 2 * _RUN_MAX):
            for at in range(edge - 6, edge + 6):
                body = lines[:at] + nl + intruder + nl + lines[at:]
                _same(_nested(body, nl), spool)


@pytest.mark.parametrize("nl", [b"\r", b"\r\n", b"\n"], ids=["cr", "crlf", "lf"])
def test_a_long_base64_body_with_blanks_garbage_and_padding_mid_run(nl: bytes, tmp_path: Path) -> None:
    lines = bytearray(_lines(random.Random(4).randbytes(200_000), nl))
    spots = [5_000, 33_000, 70_001, 140_000]
    with spooled(tmp_path) as spool:
        for insert in (b" ", b"\t  ", b"!", b"\x00\xff", b"=", b"==", b"A=", b"AB==CD", b"-"):
            for spot in spots:
                body = bytes(lines[:spot] + insert + lines[spot:])
                _same(_nested(body, nl), spool)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ends=st.lists(st.sampled_from([b"\r", b"\n", b"\r\n"]), min_size=1, max_size=3),
    cte=st.sampled_from([b"base64", b"quoted-printable", b"8bit"]),
    size=st.integers(0, 120_000),
    width=st.sampled_from([76, 1, 3, 500, 40_000]),
    inserts=st.lists(
        st.tuples(
            st.floats(0, 1),
            st.sampled_from(
                [b"--a", b"--b", b"--c", b"--c--", b"\r--c", b"\r", b"\n", b"=", b" ", b"\r\r--b"]
            ),
        ),
        max_size=5,
    ),
    cut=st.one_of(st.none(), st.floats(0, 1)),
)
def test_mixed_line_ends_in_nested_parts_read_as_the_stdlib_reads(
    ends, cte, size, width, inserts, cut, tmp_path_factory
) -> None:
    """Each line ends with one of `ends` in turn (lone CR among them), anything inserted
    anywhere (even mid-line), the message cut anywhere."""
    text = base64.b64encode(random.Random(size).randbytes(size))
    body = bytearray(
        b"".join(text[i : i + width] + ends[(i // width) % len(ends)] for i in range(0, len(text), width))
    )
    for where, chunk in inserts:
        at = int(where * len(body))
        body[at:at] = chunk
    raw = _nested(bytes(body), ends[0], cte)
    if cut is not None:
        raw = raw[: int(cut * len(raw))]
    with spooled(tmp_path_factory.mktemp("spool")) as spool:
        _same(raw, spool)


class _Counting(io.BytesIO):
    """A message file that counts the bytes the reader asks of it (reads, not time)."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.read_bytes = 0

    def readinto(self, buffer) -> int:
        n = super().readinto(buffer)
        self.read_bytes += n
        return n

    def readline(self, size: int | None = -1) -> bytes:
        line = super().readline(size)
        self.read_bytes += len(line)
        return line


def _near_misses(size: int, every: int) -> bytes:
    """A file part whose lines every `every` bytes look like the outer boundaries' start
    ("--a…", "--b…": each a needle readrun must stop at, none a boundary)."""
    unit = b"QUJD" * ((every - 8) // 4) + b"\n--ax\n"
    return _nested(unit * (size // len(unit)), b"\n", cte=b"7bit")


@pytest.mark.parametrize("every", [64, 250, 300, 2_000])
def test_near_miss_lines_cost_reads_linear_in_the_size(every: int, tmp_path: Path) -> None:
    """readrun reads at least _RUN (4 KB) and stops at the first near miss: how many bytes it
    reads per byte of message stays the same from 1 MB to 4 MB (linear, a bounded over-read)."""
    ratios = []
    with spooled(tmp_path) as spool:
        for size in (1_000_000, 4_000_000):
            source = _Counting(_near_misses(size, every))
            read_message(source, spool)
            ratios.append(source.read_bytes / size)
    print(f"\nnear miss every {every} B: bytes read per byte {ratios[0]:.1f} (1 MB), {ratios[1]:.1f} (4 MB)")
    assert ratios[1] < 1.1 * ratios[0] and ratios[1] < 40
