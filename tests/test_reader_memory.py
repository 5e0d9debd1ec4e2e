"""HTML to text in bounded memory (issue 25): however the HTML is cut for the parser and wherever
the text moves to its file, the text is the same; and a 1 MB HTML mail costs about its text."""

from __future__ import annotations

import tracemalloc

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailflow.text.html import _read, html_to_text
from mailflow.text.lines import ANY_BREAK, LF, tidy, tidy_lines
from mailflow.text.quotes import _drop_quotes, _Lines, _made, _stripped
from tests.support.hostile import html_blocks
from tests.support.reading_inputs import _PIECES, _TAGS

_HTML = st.lists(
    st.one_of(
        st.sampled_from(_PIECES),
        st.sampled_from(_TAGS).map(lambda t: f"<{t}>"),
        st.sampled_from(_TAGS).map(lambda t: f"</{t}>"),
        st.sampled_from(("<div class='gmail_quote'>", "<hr>", "<blockquote type=cite>", '<p id="divRplyFwdMsg">')),
        st.text(max_size=8),
    ),
    max_size=80,
).map("".join)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_HTML, st.integers(1, 40), st.integers(0, 60), st.booleans())
def test_the_text_does_not_depend_on_the_cuts(html: str, chunk: int, spool_at: int, new_only: bool) -> None:
    whole = _read(html, new_only, chunk=len(html) + 1, spool_at=1 << 40)
    assert _read(html, new_only, chunk=chunk, spool_at=spool_at) == whole
    if not whole[1]:  # nothing quoted: the new text is all the text
        assert _read(html, not new_only, chunk=chunk, spool_at=spool_at) == whole


def test_a_megabyte_of_html_costs_about_its_text() -> None:
    html = html_blocks(1_000_000).split(b"\r\n\r\n", 1)[1].decode()
    tracemalloc.start()
    try:
        text = html_to_text(html)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert text.count("Mohon segera ditindaklanjuti.") == html.count("<div>")
    assert peak < 1.3 * len(text) + 300_000  # the text once, a chunk and the parser's state (11 MB before)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from(("a", " ", "\t", "\r", "\n", "\r\n", "\x0b", "\xa0", "x y", "\u2028")), max_size=60).map("".join),
    st.integers(1, 12),
    st.booleans(),
    st.integers(1, 20),
)
def test_tidy_lines_are_the_lines_of_tidy(text: str, max_line: int, any_break: bool, block: int) -> None:
    if any_break:
        whole = tidy(text.replace("\r\n", "\n").replace("\r", "\n"), max_line).split("\n")
        assert list(tidy_lines(text, ANY_BREAK, max_line, block)) == whole
    else:
        assert list(tidy_lines(text, LF, max_line, block)) == tidy(text, max_line).split("\n")


@given(st.lists(st.sampled_from(("", " ", "a", " a ", "b  ", "  c", "\r", "\r\n", "\n", "> q")), max_size=12))
def test_stripped_lines_are_those_of_the_stripped_text(pieces: list[str]) -> None:
    text = "\n".join(pieces)
    lines = _Lines(text)
    kept = _drop_quotes(lines)
    stripped = _stripped(lines, kept)
    whole = "\n".join(lines[i] for i in kept).strip()
    assert [stripped[i] for i in range(len(stripped))] == whole.split("\n")
    assert _made(text, stripped.pieces(range(len(stripped)), [])) == whole
