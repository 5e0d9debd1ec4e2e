"""An outside attack on the dashboard's scope (web/scope.unseen_open, overseen): its counts are
exactly the letters each reader may open (STATUS's `may_see`), with letters sitting at positions
no longer on the chart whose ids sort between the overseen ones differently in Python and in
the database (PostgreSQL with an ICU collation that ignores case first and punctuation),
confidential ones among them, letters without a tree, and each reader of the chart."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections import Counter
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from mailflow.config import Settings
from mailflow.disposition.status import may_see
from mailflow.disposition.tree import keep_open_deadline
from mailflow.office.model import Acting
from mailflow.office.regency import Regency
from mailflow.storage.db import create_schema, make_engine
from mailflow.storage.models import Disposition, DispositionState, Letter, LetterStatus
from mailflow.web.lists import dashboard
from mailflow.web.reader import reader_for
from mailflow.web.scope import overseen, visible
from tests.support import REPO
from tests.test_web_scope import DOMAIN, HOLDERS, REGENCY, SETTINGS, TODAY, _letter

# Ids no chart holds any more (renamed or removed), each sorting beside an overseen one: case,
# punctuation, accents, a prefix, the ends of the alphabet.
GONE = ["Kadis", "KABID_PAUD", "kabid-paud", "kabid_paudx", "kabid_pa", "kábid_dikdas", "kadis_",
        "_kadis", "a", "zz", "sekretaris2", "Sekretaris", "kasubbag umum", "kabiddikdas"]  # fmt: skip


def _collated_database(tmp_path: Path) -> str:
    """SQLite (binary order, Python's); on PostgreSQL a database whose text order is ICU's
    English with punctuation shifted: '_' and '-' ignored first, case after the letters."""
    base = os.environ.get("MAILFLOW_TEST_DATABASE_URL")
    if not base:
        return f"sqlite:///{tmp_path}/collated.db"
    url = make_url(base)
    name = f"mailflow_attack_icu_{os.getpid()}_{tmp_path.name}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(
            text(
                f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\' LOCALE_PROVIDER icu'
                " ICU_LOCALE 'en-US-u-ka-shifted' LOCALE 'C.UTF-8'"
            )
        )
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def _node(session: Session, letter: Letter, position: str, holder: str, parent: Disposition | None = None) -> None:
    node = Disposition(
        letter_id=letter.id or 0, parent_id=parent.id if parent else None, position_id=position,
        holder=holder, holder_name=position, holder_title=position, disposer="mailflow",
        deadline=TODAY - dt.timedelta(days=1), state=DispositionState.PENDING,
    )  # fmt: skip
    session.add(node)
    session.flush()
    keep_open_deadline(session, node.letter_id)


def _world(url: str) -> Engine:
    """Letters only at a gone position (open and confidential; its holder a person of the chart,
    no one now, or the other kabid), below the secretary's disposed node, and one with no tree."""
    engine = make_engine(url)
    create_schema(engine)
    n = 1
    with Session(engine) as session:
        for gone in GONE:
            for security in (None, "rahasia"):
                for holder in (f"rina@{DOMAIN}", f"nobody@{DOMAIN}", f"kabid.dikdas@{DOMAIN}"):
                    letter = _letter(session, n, security, f"agenda@{DOMAIN}")
                    letter.status = LetterStatus.AWAITING
                    _node(session, letter, gone, holder)
                    n += 1
                letter = _letter(session, n, security, f"agenda@{DOMAIN}")
                letter.status = LetterStatus.IN_PROGRESS
                root = Disposition(
                    letter_id=letter.id or 0, position_id="sekretaris", holder=f"sekretaris@{DOMAIN}",
                    holder_name="s", holder_title="s", disposer="mailflow", state=DispositionState.DISPOSED,
                )  # fmt: skip
                session.add(root)
                session.flush()
                _node(session, letter, gone, f"nobody@{DOMAIN}", root)
                n += 1
        _letter(session, n, None, f"other@{DOMAIN}")  # no tree yet
        session.commit()
    return engine


def _board_is_may_see(engine: Engine, regency: Regency, settings: Settings, readers: list[str]) -> None:
    """For each reader: the book shows, and the dashboard counts by state and under each late
    official, exactly the letters `may_see` shows them."""
    rules = regency.office("DISDIK")
    with Session(engine) as session:
        letters = session.exec(select(Letter)).all()
        nodes = {letter.id: session.exec(select(Disposition).where(Disposition.letter_id == letter.id)).all()
                 for letter in letters}  # fmt: skip
        for who in readers:
            reader = reader_for(regency, settings, f"{who}@{DOMAIN}", TODAY)
            assert reader is not None, who
            counted = [letter for letter in letters if may_see(rules, letter, nodes[letter.id], reader.address, TODAY)]
            assert set(session.exec(select(Letter.id).where(visible(reader))).all()) == {
                letter.id for letter in counted
            }, who
            late: Counter[tuple[str, str]] = Counter(
                (d.holder_title, d.holder_name) for letter in counted for d in nodes[letter.id] if d.state == "pending"
            )
            board = dashboard(session, reader, weeks=2)
            assert dict(board.by_state) == Counter(str(letter.status) for letter in counted), (who, overseen(session, reader))
            assert {(t, m): c for t, m, c in board.overdue_by_official} == late, who


def test_dashboard_counts_letters_at_positions_gone_from_the_chart_in_any_collation(tmp_path: Path) -> None:
    engine = _world(_collated_database(tmp_path))
    if engine.dialect.name == "postgresql":  # the attack's premise: the orders differ
        ids = [*GONE, *HOLDERS]
        with Session(engine) as session:
            ordered = session.execute(
                text("SELECT p FROM unnest(CAST(:ps AS text[])) AS p ORDER BY p"), {"ps": ids}
            ).scalars()
            assert list(ordered) != sorted(ids)
    _board_is_may_see(engine, REGENCY, SETTINGS, [*HOLDERS.values(), "agenda", "admin"])
    engine.dispose()


def test_an_acting_head_who_is_the_admin_counts_as_may_see_and_the_absent_head_has_no_dashboard(
    tmp_path: Path,
) -> None:
    """The secretary acts for the head (Plt) and is the admin too: their dashboard counts what
    may_see shows them (the head's scope and their own); the head, away, is no head today."""
    rules = REGENCY.office("DISDIK")
    plt = Acting(position="kadis", person="agus", kind="Plt", start=TODAY, until=TODAY + dt.timedelta(days=7))
    acting = dataclasses.replace(rules, acting=(plt,))
    regency = dataclasses.replace(REGENCY, offices={**REGENCY.offices, "DISDIK": acting})
    settings = Settings(rules_dir=REPO / "rules", admin_email=f"sekretaris@{DOMAIN}")
    engine = _world(_collated_database(tmp_path))
    agus = reader_for(regency, settings, f"sekretaris@{DOMAIN}", TODAY)
    budi = reader_for(regency, settings, f"kadis@{DOMAIN}", TODAY)
    assert agus is not None and agus.head and agus.admin and agus.held == {"kadis", "sekretaris"}
    assert budi is not None and not budi.head
    _board_is_may_see(engine, regency, settings, ["sekretaris", "kadis", "kabid.paud"])
    engine.dispose()
