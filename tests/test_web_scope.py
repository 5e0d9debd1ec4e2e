"""Who sees what on the web pages: the SQL scope of the lists is exactly STATUS's `may_see`, over
every kind of reader and letter; and the main lists' query plans use indexes (SQLite)."""

from __future__ import annotations

import datetime as dt
import itertools

from sqlalchemy import event
from sqlmodel import Session, select

from mailflow.config import Settings
from mailflow.disposition.status import may_see
from mailflow.office.regency import load_regency
from mailflow.storage.db import create_schema, make_engine
from mailflow.storage.models import Disposition, Letter
from mailflow.web.lists import BookFilter, book_page, waiting_for
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
        received_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC), subject=f"Surat {n}", security=security,
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
    return node


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


def test_strangers_are_nobody(database_url):
    assert reader_for(REGENCY, SETTINGS, "stranger@elsewhere.example", TODAY) is None


def test_main_lists_use_indexes(tmp_path):
    """SQLite's plans: the agenda book's page walks the (office, received_at) index in order (no
    sort, no whole-table scan); filtered, from an index too; "Surat saya" starts from the disposition's (holder, state) index."""
    engine = _world(f"sqlite:///{tmp_path}/plan.db")
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
            return [
                "\n".join(str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params))
                for sql, params in seen
                if sql.lstrip().upper().startswith("SELECT")
            ]

    (book,) = plans(lambda session: book_page(session, clerk, BookFilter()))
    assert "SEARCH letter USING INDEX ix_letter_office_received_at (office=?)" in book, book
    assert "TEMP B-TREE" not in book, book
    (by_state,) = plans(lambda session: book_page(session, clerk, BookFilter(state="awaiting", overdue=True)))
    assert "SEARCH letter USING INDEX" in by_state, by_state
    (mine,) = plans(lambda session: waiting_for(session, kadis))
    assert "SEARCH disposition USING INDEX ix_disposition_holder_state (holder=? AND state=?)" in mine, mine
    assert "SEARCH letter USING INTEGER PRIMARY KEY" in mine, mine
    for plan in (book, by_state, mine):
        assert not any(line.startswith("SCAN") for line in plan.splitlines()), plan
