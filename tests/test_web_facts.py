"""The facts the dashboard and the book read from each letter (storage/spans.py, kept by the log's
writer; the open deadline, kept by disposition/tree.py) agree with the log and the trees they
come from, after any history of nodes, state changes and log entries: the weekly medians and the
filtered book pages are exactly what the pages computed from the log and the trees before
migration 0014 stored them (tests/support/facts.py keeps that computation). The histories are
drawn from fixed seeds, so a run is the same on every machine."""

from __future__ import annotations

import datetime as dt
import itertools
import random

import pytest
from sqlmodel import Session

from mailflow.disposition.states import FINISHED
from mailflow.disposition.tree import new_node, set_state, settle_upwards
from mailflow.office.targets import Target
from mailflow.storage.db import make_engine
from mailflow.storage.events import log_event
from mailflow.storage.models import Disposition, DispositionState, Letter, LetterStatus
from mailflow.storage.spans import week_of
from mailflow.web.lists import BookFilter, book_page, dashboard
from mailflow.web.reader import reader_for
from tests.support.facts import assert_stored_facts_agree, old_book_ids, old_week_medians
from tests.test_web_scope import DOMAIN, REGENCY, SETTINGS, TODAY, _log

WEEKS = 12
OFFICES = ("DISDIK", "DISDIK", "DISDIK", "DINKES")
URGENCIES = (None, "segera", "biasa")
ACTIONS = ("disposed", "completed", "archived", "acknowledged", "progress", "noted")
HOLDER = Target("kabid_dikdas", "Kepala Bidang", "Andi", f"kabid.dikdas@{DOMAIN}")


@pytest.mark.parametrize("seed", range(5))
def test_stored_facts_read_as_the_log_and_trees_did(database_url, seed):
    """A year's office in small: 40 letters over the weeks shown and before, then 250 random
    steps through the writers: nodes (roots and children, with deadlines around today or none,
    in any state), state changes (a finish settles upwards, as a reply's does), log entries (now
    through the log's writer, or at any hour after the letter's receipt, in any order)."""
    rng = random.Random(seed)
    engine = make_engine(database_url)
    with Session(engine) as session:
        made = []
        for n in range(1, 41):
            received = dt.datetime.combine(TODAY, dt.time(), dt.UTC) - dt.timedelta(
                days=rng.randint(0, 7 * WEEKS + 20), minutes=-rng.randint(0, 24 * 60 - 1)
            )
            letter = Letter(
                office=rng.choice(OFFICES), year=2026, seq=n, agenda_number=f"{n:03d}/SM/2026", subject_tag=f"t{n}",
                received_at=received, received_week=week_of(received, SETTINGS.zone),
                status=rng.choice(list(LetterStatus)), urgency=rng.choice(URGENCIES),
                mailbox="surat", clerk=f"agenda@{DOMAIN}", message_id=f"<{n}@x>", fingerprint=f"f{n}",
                raw_sha256="0" * 64,
            )  # fmt: skip
            session.add(letter)
            session.flush()
            made.append(letter)
        nodes: list[Disposition] = []
        for _ in range(250):
            letter, kind = rng.choice(made), rng.choice(("node", "state", "state", "log", "log"))
            if kind == "node" or not nodes:
                own = [d for d in nodes if d.letter_id == letter.id]
                parent = rng.choice(own) if own and rng.random() < 0.7 else None
                deadline = TODAY + dt.timedelta(days=rng.randint(-6, 6)) if rng.random() < 0.8 else None
                nodes.append(new_node(session, letter.id or 0, HOLDER, disposer="routing", event_id=None,
                                      parent_id=parent.id if parent else None, deadline=deadline,
                                      state=rng.choice(list(DispositionState))))  # fmt: skip
            elif kind == "state":
                node, state = rng.choice(nodes), rng.choice(list(DispositionState))
                set_state(session, node, state)
                if state in FINISHED:
                    settle_upwards(session, node)
            elif rng.random() < 0.3:
                log_event(session, letter_id=letter.id, action=rng.choice(ACTIONS))
            else:
                at = letter.received_at + dt.timedelta(hours=rng.uniform(0, 2000))
                _log(session, letter, rng.choice(ACTIONS), at)
        session.commit()
    assert_stored_facts_agree(engine)
    start = TODAY - dt.timedelta(days=TODAY.weekday() + 7 * (WEEKS - 1))
    with Session(engine) as session:
        for who in ("kadis", "agenda"):
            reader = reader_for(REGENCY, SETTINGS, f"{who}@{DOMAIN}", TODAY)
            assert reader is not None
            weeks = dashboard(session, reader, weeks=WEEKS).weeks
            shown = {("first", n): w.first_disposition_hours for n, w in enumerate(weeks)}
            shown |= {("done", n): w.completion_hours for n, w in enumerate(weeks)}
            before = old_week_medians(session, reader.office, start, WEEKS)
            assert {k: v for k, v in shown.items() if v is not None} == before
            for state in ("", LetterStatus.AWAITING, LetterStatus.IN_PROGRESS, LetterStatus.DONE):
                for urgency in ("", "segera"):
                    for overdue, page in itertools.product((False, True), (1, 2)):
                        wanted = BookFilter(state=state, urgency=urgency, overdue=overdue, page=page)
                        shown_page, _ = book_page(session, reader, wanted)
                        assert [letter.id for letter in shown_page] == old_book_ids(session, reader, wanted)
