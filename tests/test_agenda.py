import pytest
from sqlmodel import Session, select

from mailflow.registry.agenda import format_agenda, next_serial
from mailflow.storage.db import create_schema, make_engine, transaction
from mailflow.storage.models import AgendaCounter, Book


def test_templates():
    assert format_agenda("{seq:03d}/SM/{year}", 42, 2026, 3, "DISDIK") == "042/SM/2026"
    assert (
        format_agenda("{seq:03d}/SM/{unit}/{roman_month}/{year}", 1, 2023, 3, "KLI") == "001/SM/KLI/III/2023"
    )


def test_serial_is_gap_free_and_restarts_each_year(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/a.db")
    create_schema(engine)
    with transaction(engine) as session:
        assert [next_serial(session, "X", 2026) for _ in range(3)] == [1, 2, 3]
    with pytest.raises(RuntimeError), transaction(engine) as session:
        assert next_serial(session, "X", 2026) == 4
        raise RuntimeError("filing failed after taking a number")
    with Session(engine) as session:
        assert next_serial(session, "X", 2026) == 4  # the rolled-back number is given again
        assert next_serial(session, "X", 2027) == 1
        assert next_serial(session, "Y", 2026) == 1


def test_each_book_of_an_office_is_numbered_on_its_own(tmp_path):
    """Room for a second book (surat keluar): its serial does not take the incoming book's."""
    engine = make_engine(f"sqlite:///{tmp_path}/a.db")
    create_schema(engine)
    with transaction(engine) as session:
        assert [next_serial(session, "X", 2026) for _ in range(2)] == [1, 2]
        assert next_serial(session, "X", 2026, "SK") == 1  # a book to come (surat keluar)
        assert next_serial(session, "X", 2026, Book.INCOMING) == 3
    with Session(engine) as session:
        [counter] = session.exec(select(AgendaCounter).where(AgendaCounter.book == Book.INCOMING)).all()
        assert (counter.office, counter.year, counter.book, counter.seq) == ("X", 2026, Book.INCOMING, 3)
