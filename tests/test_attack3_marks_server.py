"""Attack (issue 25 change): the "mohon periksa" mark of a forwarded field cut at MAX_LINE
characters. The mark is read back from the stored value (compose.letter_view: a value that ends
in text.fields.CUT), not from the cut itself: an outsider's own words can set it, and a value
longer only by its blanks is marked though nothing of it was lost."""

from __future__ import annotations

from mailflow.text.lines import MAX_LINE
from tests.support.letters import CLERK, gmail_forward
from tests.support.mail import text_of


def _receipt(office, inbox, **forward) -> str:
    office.mail.send(gmail_forward(**forward))
    assert office.poll().outcomes == {"letter": 1}
    return text_of(inbox.next(CLERK, "Tanda terima"))


def test_a_long_from_is_cut_and_marked(office, inbox):
    """The claim itself: a From of 3,000 characters is cut with " …" and marked, with the note."""
    name = "Panitia " * 400
    receipt = _receipt(office, inbox, original_from=f"{name}<umum@kemendagri.go.id>")
    line = next(line for line in receipt.splitlines() if line.startswith("Asal surat"))
    assert line.endswith("…  [mohon periksa]"), line
    assert len(line) < MAX_LINE + 100
    assert "terlalu panjang dan dipotong" in receipt, receipt


def test_a_subject_ending_in_an_ellipsis_is_not_marked_as_cut(office, inbox):
    receipt = _receipt(office, inbox, original_subject="Undangan rapat koordinasi …")
    line = next(line for line in receipt.splitlines() if line.startswith("Perihal"))
    assert "[mohon periksa]" not in line, line


def test_a_from_longer_only_by_trailing_blanks_is_not_marked(office, inbox):
    receipt = _receipt(
        office, inbox, original_from="Biro Umum <umum@kemendagri.go.id>" + " " * (MAX_LINE + 10)
    )
    line = next(line for line in receipt.splitlines() if line.startswith("Asal surat"))
    assert "[mohon periksa]" not in line, line
