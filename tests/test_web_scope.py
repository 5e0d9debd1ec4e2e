"""Who sees what on the web pages: the SQL scope of the lists is exactly STATUS's `may_see`, over
every kind of reader and letter; and the main lists' and the dashboard's query plans use indexes
(SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from statistics import median

import pytest
from sqlalchemy import event
from sqlmodel import Session, select

from mailflow.config import Settings
from mailflow.disposition.status import may_see
from mailflow.disposition.tree import keep_open_deadline
from mailflow.office.regency import load_regency
from mailflow.storage.db import create_schema, make_engine
from mailflow.storage.models import Disposition, Event, Letter
from mailflow.storage.spans import keep_span, week_of
from mailflow.web.lists import BookFilter, book_page, dashboard, waiting_for
from mailflow.web.reader import reader_for
from mailflow.web.scope import visible
from tests.support import REPO

DOMAIN = "probolinggokab.example"
TODAY = dt.date(2026, 12, 2)
REGENCY = load_regency(REPO / "rules")
SETTINGS = Settings(rules_dir=REPO / "rules", admin_email=f"admin@{DOMAIN}")
# position: holder address (rules/organisation.toml)
HOLDERS = {
    "kadis": "kadis",
    "sekretaris": "sekretaris",
    "kabid_dikdas": "kabid.dikdas",
    "kabid_paud": "kabid.paud",
    "kasubbag_umum": "kasubbag.umum",
}
READERS = [*HOLDERS.values(), "agenda", "admin"]


def _letter(session: Session, n: int, security: str | None, clerk: str, office: str = "DISDIK") -> Letter:
    letter = Letter(
        office=office, year=2026, seq=n, agenda_number=f"{n:03d}/SM/2026", subject_tag=f"t{n}",
        received_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC), received_week=dt.date(2026, 10, 26),
        subject=f"Surat {n}", security=security,
        mailbox="surat", clerk=clerk, message_id=f"<{n}@x>", fingerprint=f"f{n}", raw_sha256="0" * 64,
    )  # fmt: skip
    session.add(letter)
    session.flush()
    return letter


def _node(session: Session, letter: Letter, position: str, parent: Disposition | None, disposer: str) -> Disposition:
    node = Disposition(
        letter_id=letter.id or 0, parent_id=parent.id if parent else None, position_id=position,
        holder=f"{HOLDERS[position]}@{DOMAIN}", holder_name=position, holder_title=position, disposer=disposer,
        deadline=TODAY - dt.timedelta(days=1), state="pending",
    )  # fmt: skip
    session.add(node)
    session.flush()
    keep_open_deadline(session, node.letter_id)  # as disposition/tree.py does with each node
    return node


def _log(session: Session, letter: Letter, action: str, at: dt.datetime) -> None:
    """A log entry at `at` (storage/events.py writes them at the moment they happen), and the
    letter's spans kept as the log's writer keeps them."""
    session.add(Event(letter_id=letter.id or 0, at=at, actor="k", action=action))
    session.flush()
    keep_span(session, letter.id or 0, action, at)


def _world(database_url: str):
    """Letters of every shape: each tree path, open and confidential, another clerk's, another office's."""
    engine = make_engine(database_url)
    create_schema(engine)
    paths = [[], ["kadis"], ["kadis", "sekretaris"], ["kadis", "sekretaris", "kasubbag_umum"], ["kadis", "kabid_paud"]]
    n = itertools.count(1)
    with Session(engine) as session:
        for path, security, clerk in itertools.product(
            paths, [None, "biasa", "rahasia", "sangat rahasia"], [f"agenda@{DOMAIN}", f"other@{DOMAIN}"]
        ):
            letter = _letter(session, next(n), security, clerk)
            parent = None
            for position in path:
                parent = _node(session, letter, position, parent, parent.holder if parent else "routing")
        foreign = _letter(session, next(n), None, f"agenda@{DOMAIN}", office="DINKES")
        _node(session, foreign, "kadis", None, "routing")
        session.commit()
    return engine


def test_the_lists_scope_is_exactly_status_may_see(database_url):
    engine = _world(database_url)
    rules = REGENCY.office("DISDIK")
    with Session(engine) as session:
        letters = session.exec(select(Letter)).all()
        for who in READERS:
            reader = reader_for(REGENCY, SETTINGS, f"{who}@{DOMAIN}", TODAY)
            assert reader is not None, who
            shown = set(session.exec(select(Letter.id).where(visible(reader))).all())
            expected = set()
            for letter in letters:
                nodes = session.exec(select(Disposition).where(Disposition.letter_id == letter.id)).all()
                if letter.office == reader.office and may_see(rules, letter, nodes, reader.address, TODAY):
                    expected.add(letter.id)
            assert shown == expected, who
        # The lists of the pages are within it.
        kadis = reader_for(REGENCY, SETTINGS, f"kadis@{DOMAIN}", TODAY)
        assert kadis is not None
        waiting = waiting_for(session, kadis)
        assert waiting and all(w.overdue and w.letter.office == "DISDIK" for w in waiting)
        paud = reader_for(REGENCY, SETTINGS, f"kabid.paud@{DOMAIN}", TODAY)
        assert paud is not None
        page, _ = book_page(session, paud, BookFilter())
        assert all(letter.id in set(session.exec(select(Letter.id).where(visible(paud))).all()) for letter in page)


def test_dashboard_counts_no_letter_outside_the_readers_scope(database_url):
    """STATUS's scope in the dashboard: a letter counts, by state and under its late official,
    only for a reader who may open it from the book: a confidential one for its tree and the
    clerk who filed it, another for a clerk and for those above a node of its tree (the head: a
    letter with a tree, none without one yet)."""
    engine = _world(database_url)
    rules = REGENCY.office("DISDIK")
    with Session(engine) as session:  # a confidential letter given straight to a kabid, not by the head
        secret = _letter(session, 900, "rahasia", f"other@{DOMAIN}")
        _node(session, secret, "kabid_paud", None, "routing")
        session.commit()
    with Session(engine) as session:
        letters = session.exec(select(Letter).where(Letter.office == "DISDIK")).all()
        nodes = {letter.id: session.exec(select(Disposition).where(Disposition.letter_id == letter.id)).all()
                 for letter in letters}  # fmt: skip
        for who in ("kadis", "admin", "kabid.paud", "agenda"):
            reader = reader_for(REGENCY, SETTINGS, f"{who}@{DOMAIN}", TODAY)
            assert reader is not None, who
            counted = [letter for letter in letters if may_see(rules, letter, nodes[letter.id], reader.address, TODAY)]
            late: Counter[tuple[str, str]] = Counter(
                (n.holder_title, n.holder_name) for letter in counted for n in nodes[letter.id])
            board = dashboard(session, reader, weeks=2)
            assert dict(board.by_state) == Counter(str(letter.status) for letter in counted), who
            assert {(t, n): c for t, n, c in board.overdue_by_official} == late, who
        kadis = reader_for(REGENCY, SETTINGS, f"kadis@{DOMAIN}", TODAY)
        assert kadis is not None
        paud_late = {t: c for t, _, c in dashboard(session, kadis).overdue_by_official}["kabid_paud"]
        mine = {t: c for t, _, c in dashboard(session, reader_for(REGENCY, SETTINGS, f"kabid.paud@{DOMAIN}", TODAY)
                                                 ).overdue_by_official}["kabid_paud"]  # type: ignore[arg-type]
        assert mine == paud_late + 1  # the head is not told of the letter given past them


def test_strangers_are_nobody(database_url):
    assert reader_for(REGENCY, SETTINGS, "stranger@elsewhere.example", TODAY) is None


def test_main_lists_use_indexes(database_url):
    """The plans of the main lists and of the dashboard, on the database under test. SQLite: the
    agenda book's page walks the (office, received_at) index in order (no sort, no whole-table
    scan); filtered by overdue, from the (office, open_deadline) index, the tree never searched
    for it; "Surat saya" starts from the disposition's (holder, state) index; the dashboard counts
    from (office, status), finds its overdue by official from (office, open_deadline), and counts
    and reads each week's middle spans from the (office, received_week, span) indexes alone, in
    their order. PostgreSQL (a test database is tiny, where a sequential scan is cheapest, so
    sequential scans are priced out, and its statistics are taken): the same indexes serve."""
    engine = _world(database_url)
    postgres = engine.dialect.name == "postgresql"
    clerk = reader_for(REGENCY, SETTINGS, f"agenda@{DOMAIN}", TODAY)
    kadis = reader_for(REGENCY, SETTINGS, f"kadis@{DOMAIN}", TODAY)
    assert clerk is not None and kadis is not None

    def plans(run) -> list[str]:
        seen: list[tuple[str, object]] = []

        def keep(conn, cursor, statement, parameters, context, executemany):
            seen.append((statement, parameters))

        event.listen(engine, "before_cursor_execute", keep)
        with Session(engine) as session:
            run(session)
        event.remove(engine, "before_cursor_execute", keep)
        with engine.connect() as conn:
            if postgres:
                conn.exec_driver_sql("SET enable_seqscan = off")
            explain = "EXPLAIN" if postgres else "EXPLAIN QUERY PLAN"
            return [
                "\n".join(str(r[-1]).strip() for r in conn.exec_driver_sql(f"{explain} {sql}", params))
                for sql, params in seen
                if sql.lstrip().upper().startswith(("SELECT", "WITH"))
            ]

    with Session(engine) as session:  # spans in this week and the last
        for n, letter in enumerate(session.exec(select(Letter).where(Letter.office == "DISDIK")).all()):
            received = dt.datetime.combine(TODAY, dt.time(8), dt.UTC) - dt.timedelta(days=n % 10)
            letter.received_at, letter.received_week = received, week_of(received, SETTINGS.zone)
            _log(session, letter, "disposed", received + dt.timedelta(hours=n % 7))
            _log(session, letter, "completed", received + dt.timedelta(hours=n % 11 + 7))
        session.commit()
    if postgres:  # as autovacuum does: the planner knows the columns' values
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE letter")
    (book,) = plans(lambda session: book_page(session, clerk, BookFilter()))
    (by_state,) = plans(lambda session: book_page(session, clerk, BookFilter(state="awaiting", overdue=True)))
    (overdue,) = plans(lambda session: book_page(session, clerk, BookFilter(overdue=True)))
    (mine,) = plans(lambda session: waiting_for(session, kadis))
    counts, _order, hidden, late, counted, middles = plans(lambda session: dashboard(session, kadis))
    every = (book, by_state, overdue, mine, counts, hidden, late, counted, middles)
    spans = ("ix_letter_office_week_disposition", "ix_letter_office_week_finish")
    if postgres:
        assert "Index Scan Backward using ix_letter_office_received_at" in book, book
        assert "Sort" not in book, book
        assert "Index" in by_state, by_state
        assert "open_deadline <" in overdue, overdue  # a column of the letter, whichever index serves
        for plan in (by_state, overdue):  # one column: the tree searched for the scope alone, as in the book
            assert plan.count("disposition") == book.count("disposition"), (plan, book)
        assert "ix_disposition_holder_state" in mine, mine
        assert "ix_letter_office_status" in counts, counts
        # (a tiny table's statistics tell the two week indexes apart by chance: either serves)
        assert counted.count("Scan using ix_letter_office_week_") == 2 and "Sort" not in counted, counted
        # each week's middle read in an index's order; the last week's, which holds any later, sorted
        assert middles.count("Scan using ix_letter_office_week_") == 24, middles
        assert middles.count("Sort Key") == 2, middles
        assert "ix_letter_office_security" in hidden, hidden
        # the letters kept from the head: those without a tree (here every letter: whichever index
        # of the office serves), and those with a node elsewhere, from ranges of the position index
        assert "ix_disposition_position_letter" in hidden, hidden
        for plan in every:
            assert "Seq Scan" not in plan, plan
        return
    assert "SEARCH letter USING INDEX ix_letter_office_received_at (office=?)" in book, book
    assert "TEMP B-TREE" not in book, book
    # the office's overdue letters from their index (then sorted: a few thousand at most, the open ones)
    assert "SEARCH letter USING INDEX ix_letter_office_open_deadline (office=? AND open_deadline<?)" in overdue
    assert "SEARCH letter USING INDEX ix_letter_office_open_deadline (office=? AND open_deadline<?)" in late, late
    for plan in (by_state, overdue):  # one column: the tree searched for the scope alone, as in the book
        assert plan.count("disposition") == book.count("disposition"), (plan, book)
    assert "SEARCH disposition USING INDEX ix_disposition_holder_state (holder=? AND state=?)" in mine, mine
    assert "SEARCH letter USING INTEGER PRIMARY KEY" in mine, mine
    assert "SEARCH letter USING COVERING INDEX ix_letter_office_status (office=?)" in counts, counts
    for index in spans:
        assert f"SEARCH letter USING COVERING INDEX {index} (office=? AND received_week>?)" in counted, counted
        assert middles.count(f"SEARCH letter USING COVERING INDEX {index} (office=? AND received_week=? AND") == 11
        assert middles.count(f"SEARCH letter USING COVERING INDEX {index} (office=? AND received_week>?)") == 1
    assert middles.count("TEMP B-TREE") == 2, middles  # the last week's, which holds any later too
    assert "SEARCH letter USING INDEX ix_letter_office_security (office=? AND security=?)" in hidden, hidden
    assert "ix_letter_office_status (office=? AND status=?)" in hidden, hidden  # the letters without a tree
    assert "SEARCH disposition USING COVERING INDEX ix_disposition_position_letter (position_id<?)" in hidden, hidden
    for plan in every:  # no table scanned whole
        assert not any(line.split()[:2] in (["SCAN", "letter"], ["SCAN", "event"], ["SCAN", "disposition"])
                       for line in plan.splitlines()), plan  # fmt: skip


def test_dashboard_weeks_are_the_medians_of_their_letters(database_url):
    """The database's weekly medians (web/lists.py) are statistics.median of each week's letters:
    the hours from receipt to the first "disposed" and to the last "completed" or "archived";
    an even count takes the mean of the middle two; a letter without the event counts in neither;
    a week without letters has none."""
    engine = make_engine(database_url)
    kadis = reader_for(REGENCY, SETTINGS, f"kadis@{DOMAIN}", TODAY)
    assert kadis is not None
    monday = TODAY - dt.timedelta(days=TODAY.weekday())
    # (days before this Monday, hours to the first disposition(s), hours to completion)
    shapes = [(7, [2.0, 5.0], 10.0), (6, [4.0], None), (5, [9.5], 30.0), (1, [1.0], 3.0),
              (0, [3.0], None), (0, [], None), (-1, [0.25], 48.0), (-2, [6.0], 12.0)]  # fmt: skip
    expected: dict[dt.date, tuple[list[float], list[float]]] = {}
    with Session(engine) as session:
        for n, (days, firsts, done) in enumerate(shapes, start=1):
            received = dt.datetime.combine(monday, dt.time(8), dt.UTC) - dt.timedelta(days=days)
            letter = _letter(session, n, None, f"agenda@{DOMAIN}")
            letter.received_at, letter.received_week = received, week_of(received, SETTINGS.zone)
            for hours in firsts:
                _log(session, letter, "disposed", received + dt.timedelta(hours=hours))
            if done is not None:
                for action, hours in (("completed", done - 1), ("archived", done)):
                    _log(session, letter, action, received + dt.timedelta(hours=hours))
            week = received.date() - dt.timedelta(days=received.weekday())
            spans = expected.setdefault(week, ([], []))
            spans[0].extend(firsts[:1])
            spans[1].extend([done] if done is not None else [])
        other = _letter(session, 99, None, f"agenda@{DOMAIN}", office="DINKES")  # another office's
        _log(session, other, "disposed", other.received_at)
        session.commit()
        board = dashboard(session, kadis, weeks=3)
    assert [w.start for w in board.weeks] == [monday - dt.timedelta(days=14), monday - dt.timedelta(days=7), monday]
    assert board.weeks[0].first_disposition_hours is None and board.weeks[0].completion_hours is None
    for week in board.weeks[1:]:
        firsts, completions = expected[week.start]
        assert week.first_disposition_hours == pytest.approx(median(firsts), abs=1e-6)
        assert week.completion_hours == pytest.approx(median(completions), abs=1e-6)
    # last week: firsts 2 (the first of two), 4, 9.5, 1 -> 3.0; completions 10, 30, 3 -> 10
    assert board.weeks[1].first_disposition_hours == pytest.approx(3.0)
    assert board.weeks[1].completion_hours == pytest.approx(10.0)
