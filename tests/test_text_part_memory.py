"""A spooled text part's kept text (issue 25): decoded once from the file, the same characters as
decoding the whole part and keeping its first `limit`; a 1 MB part costs its text once."""

from __future__ import annotations

import random
import tracemalloc
from pathlib import Path

import pytest

from mailflow.text.transfer import CHUNK, decoded_text

_ALPHABET = "abc xyz\r\n\u00e9\u00fc\u20ac\u4e2d\u6587\U0001f600"


@pytest.mark.parametrize("charset", ["utf-8", "utf-8-sig", "latin-1", "cp1252", "utf-16", "utf-32", "shift_jis", "big5hkscs"])
@pytest.mark.parametrize("limit", [1, CHUNK // 2 - 1, CHUNK // 2, CHUNK - 3, CHUNK, 3 * CHUNK + 7, 10**7])
def test_the_kept_text_is_the_first_characters_of_the_whole(tmp_path: Path, charset: str, limit: int) -> None:
    rng = random.Random(f"{charset}{limit}")
    text = "".join(rng.choice(_ALPHABET) for _ in range(2 * CHUNK + 1234))
    data = text.encode(charset, "ignore")
    path = tmp_path / "part"
    path.write_bytes(data)
    assert decoded_text(path, charset, limit) == data.decode(charset)[:limit]


def test_a_part_that_does_not_decode_in_its_charset_is_read_as_before(tmp_path: Path) -> None:
    path = tmp_path / "part"
    path.write_bytes(b"caf\xe9 " * CHUNK)
    assert decoded_text(path, "utf-8", 100_000) == (b"caf\xe9 " * CHUNK).decode("latin-1")[:100_000]
    path.write_bytes(b"")
    assert decoded_text(path, "utf-8", 10) == ""


def test_a_megabyte_part_costs_its_text_once(tmp_path: Path) -> None:
    path = tmp_path / "part"
    path.write_bytes(b"Setuju, segera.\r\n" * 60_000)
    tracemalloc.start()
    try:
        text = decoded_text(path, "utf-8", 1_000_000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(text) == 1_000_000
    assert peak < len(text) + 3 * CHUNK  # the text, and one chunk being checked (twice the text before)
