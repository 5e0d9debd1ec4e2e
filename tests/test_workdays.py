import datetime as dt

from mailflow.office.load import load_rules
from tests.support import REPO

CAL = load_rules(REPO / "rules").calendar


def test_working_days_skip_weekends_and_holidays():
    friday = dt.date(2026, 8, 14)
    assert CAL.add_workdays(friday, 1) == dt.date(2026, 8, 18)  # Mon 17 Aug is Independence Day
    assert CAL.next_workday(dt.date(2026, 8, 15)) == dt.date(2026, 8, 18)
    assert CAL.workdays_between(friday, dt.date(2026, 8, 21)) == 4


def test_default_deadlines_follow_urgency():
    monday = dt.date(2026, 11, 23)
    assert CAL.default_deadline(monday, "amat segera") == dt.date(2026, 11, 24)
    assert CAL.default_deadline(monday, "segera") == dt.date(2026, 11, 25)
    assert CAL.default_deadline(monday, None) == dt.date(2026, 11, 30)
