import datetime as dt

import pytest

from mailflow.text.dates import parse_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2 Oktober 2017", dt.date(2017, 10, 2)),
        ("02-10-2017", dt.date(2017, 10, 2)),
        ("Senin, 2 Okt 2017", dt.date(2017, 10, 2)),
        ("Probolinggo, 17 Agustus 2026", dt.date(2026, 8, 17)),
        ("17 Agt 2026", dt.date(2026, 8, 17)),
        ("17 Ags 2026", dt.date(2026, 8, 17)),
        ("17 Agu 2026", dt.date(2026, 8, 17)),
        ("5/12/2026", dt.date(2026, 12, 5)),
        ("2026-12-05", dt.date(2026, 12, 5)),
        ("Mon, Oct 2, 2017 at 9:15 AM", dt.date(2017, 10, 2)),
        ("Jumat, 27 November 2026 pukul 10.15", dt.date(2026, 11, 27)),
        ("Sel, 3 Okt 2017 pukul 10.15", dt.date(2017, 10, 3)),
        ("1 Nopember 2019", dt.date(2019, 11, 1)),
    ],
)
def test_indonesian_and_english_dates(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["", "tanpa tanggal", "31-02-2026", "99/99/9999"])
def test_no_date_is_invented(text):
    assert parse_date(text) is None
