"""Follow-up on a clock the test controls: reminders at the right working-day moments and never
twice across a restart, escalation to the disposer and then their superior, digests with counts."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from click.testing import CliRunner
from sqlmodel import Session, select

from mailflow.cli import cli
from mailflow.storage.models import Disposition, Event, OutboxMessage
from tests.support import clients
from tests.support.letters import gmail_forward, pdf_letter
from tests.support.mail import text_of

D = "@probolinggokab.example"
KADIS, SEKRETARIS, KASUBBAG = f"kadis{D}", f"sekretaris{D}", f"kasubbag.umum{D}"
DEADLINE = dt.date(2026, 12, 9)  # a Wednesday


def invoke(office, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--config", str(office.config_path), "followup", *args])
    assert result.exit_code == 0, result.output
    office._app = None  # every run as after a restart: nothing may be sent twice
    return result.output


def followup(office, when: str) -> str:
    """What is due at `when`, really sent."""
    return invoke(office, "--at", when, "--send")


def outbox(office) -> list[tuple[int, str, str]]:
    with Session(office.app.engine) as session:
        return [(m.id, m.kind, m.status) for m in session.exec(select(OutboxMessage).order_by(OutboxMessage.id))]


def subjects(office, user: str, needle: str) -> list[str]:
    return [str(m["Subject"]) for m in office.mail.messages(user) if needle in str(m["Subject"])]


@pytest.fixture
def cascade(office):
    """Kadis -> Sekretaris -> Kasubbag Umum, the kasubbag's deadline set to DEADLINE."""
    office.mail.send(gmail_forward(pdf=pdf_letter()))
    office.poll()
    request = office.mail.wait_for(KADIS, lambda m: "Mohon disposisi" in str(m["Subject"]))
    office.mail.send(clients.gmail_android_id(request, KADIS, "Sekretaris: tindaklanjuti"))
    office.poll()
    to_sek = office.mail.wait_for(SEKRETARIS, lambda m: "Disposisi dari" in str(m["Subject"]))
    office.mail.send(clients.iphone_id(to_sek, SEKRETARIS, "Kasubbag umum: siapkan bahan"))
    office.poll()
    office.mail.wait_for(KASUBBAG, lambda m: "Disposisi dari" in str(m["Subject"]))
    with Session(office.app.engine) as session:
        node = session.exec(select(Disposition).where(Disposition.holder == KASUBBAG)).one()
        node.deadline = DEADLINE
        session.add(node)
        session.commit()
    return office


def test_reminders_escalations_and_no_doubles(cascade):
    office = cascade
    assert "pengingat 0" in followup(office, "2026-12-07T09:00")  # two working days before: nothing yet
    assert "pengingat 1" in followup(office, "2026-12-08T09:00")  # one working day before
    assert "pengingat 0" in followup(office, "2026-12-08T15:00")  # the same day again: not twice
    assert "pengingat 0" in followup(office, "2026-12-09T09:00")  # the deadline day itself
    assert "pengingat 1" in followup(office, "2026-12-10T09:00")  # overdue by one working day
    assert "eskalasi 0" in followup(office, "2026-12-10T10:00")
    assert "pengingat 0" in followup(office, "2026-12-12T09:00")  # a Saturday: no reminder
    out = followup(office, "2026-12-14T09:00")  # Monday: overdue by 3 working days
    assert "pengingat 1" in out and "eskalasi 1" in out  # the disposer (sekretaris) is told
    assert "eskalasi 0" in followup(office, "2026-12-14T11:00")
    out = followup(office, "2026-12-16T09:00")  # 5 working days: the sekretaris's superior (kadis)
    assert "eskalasi 1" in out
    assert len(subjects(office, KASUBBAG, "Pengingat")) == 1
    assert len(subjects(office, KASUBBAG, "Terlambat")) == 3  # on the 10th, 14th and 16th
    assert len(subjects(office, SEKRETARIS, "Eskalasi")) == 1
    escalation_to_kadis = office.mail.wait_for(KADIS, lambda m: "Eskalasi" in str(m["Subject"]))
    assert "terlambat 5 hari kerja" in text_of(escalation_to_kadis)
    with Session(office.app.engine) as session:
        actions = [e.action for e in session.exec(select(Event))]
    assert actions.count("reminded") == 4 and actions.count("escalated") == 2


def test_at_a_time_to_come_prints_what_it_would_send_and_sends_nothing(cascade):
    """The admin's what-if: `--at` two working days after the deadline would send a "Terlambat"
    reminder, an escalation and the morning digest; it prints them, and the outbox, the letters'
    logs, the service log and every inbox stay as they were, until `--send`."""
    office = cascade
    before, mail_before = outbox(office), office.mail.count(KASUBBAG)
    for flags in ([], ["--dry-run"]):
        out = invoke(office, "--at", "2026-12-11T09:00", *flags)
        assert "Pada 2026-12-11 09:00 WIB akan dikirim 3 email tindak lanjut:" in out, out
        assert f"pengingat: {KASUBBAG} - [SM 001/2026] Terlambat: " in out
        assert f"eskalasi: {SEKRETARIS} - [SM 001/2026] Eskalasi: " in out
        assert f"ringkasan pagi: {KASUBBAG} - Ringkasan surat 11 Desember 2026" in out
        assert "Belum ada yang dikirim atau dicatat (tambahkan --send untuk mengirimnya)." in out
        assert "pengingat 1, eskalasi 1, ringkasan pagi 1" in out and "event=reminded" not in out
    assert outbox(office) == before and office.mail.count(KASUBBAG) == mail_before
    with Session(office.app.engine) as session:
        assert not [e for e in session.exec(select(Event)) if e.action in ("reminded", "digested")]

    out = followup(office, "2026-12-11T09:00")
    assert "Dikirim untuk 2026-12-11 09:00 WIB: 3 email tindak lanjut:" in out and "Belum ada" not in out
    office.mail.wait_for(KASUBBAG, lambda m: "Terlambat" in str(m["Subject"]))
    office.mail.wait_for(KASUBBAG, lambda m: "Ringkasan surat" in str(m["Subject"]))
    office.mail.wait_for(SEKRETARIS, lambda m: "Eskalasi" in str(m["Subject"]))
    sent = [(kind, status) for _, kind, status in outbox(office)[len(before) :]]
    assert sent == [("reminder", "sent"), ("escalation", "sent"), ("digest", "sent")]


def test_dry_run_now_sends_nothing_and_send_with_dry_run_is_refused(cascade):
    office = cascade
    before = outbox(office)
    out = invoke(office, "--dry-run")
    assert "akan dikirim" in out and "Belum ada yang dikirim" in out
    assert outbox(office) == before
    both = CliRunner().invoke(cli, ["--config", str(office.config_path), "followup", "--send", "--dry-run"])
    assert both.exit_code == 2 and "contradict" in both.output


def test_a_reminder_is_answerable_like_any_request(cascade):
    office = cascade
    followup(office, "2026-12-10T09:00")
    reminder = office.mail.wait_for(KASUBBAG, lambda m: "Terlambat" in str(m["Subject"]))
    office.mail.send(clients.samsung_id(reminder, KASUBBAG, "Selesai: bahan sudah siap"))
    assert office.poll().outcomes == {"reply": 1}
    assert "pengingat 0" in followup(office, "2026-12-11T09:00")  # done: no more reminders


def test_morning_digest_with_the_right_counts(cascade):
    office = cascade
    assert "ringkasan pagi 0" in followup(office, "2026-12-10T06:00")  # before digest_hour
    out = followup(office, "2026-12-10T07:30")
    assert "ringkasan pagi 1" in out  # only the kasubbag has something: one unacknowledged, overdue instruction
    digest = office.mail.wait_for(KASUBBAG, lambda m: "Ringkasan surat" in str(m["Subject"]))
    body = text_of(digest)
    assert "Instruksi yang belum Anda jawab (1)" in body and "Terlambat (1)" in body
    assert "ringkasan pagi 0" in followup(office, "2026-12-10T09:00")  # once a day
    with Session(office.app.engine) as session:
        [event] = session.exec(select(Event).where(Event.action == "digested")).all()
    assert event.targets == [KASUBBAG] and event.facts == {"sections": ["unacknowledged", "overdue"]}


def test_weekly_summary_to_the_unit_head_with_the_right_counts(cascade):
    office = cascade
    today = dt.datetime.now(office.app.settings.zone).date()
    calendar = office.app.context().rules.calendar
    day = today + dt.timedelta(days=7 - today.weekday())  # next Monday, or the first working day after
    while not calendar.is_workday(day):
        day += dt.timedelta(days=1)
    with Session(office.app.engine) as session:  # one instruction overdue when the summary goes out
        node = session.exec(select(Disposition).where(Disposition.holder == KASUBBAG)).one()
        node.deadline = today
        session.add(node)
        session.commit()
    assert "ringkasan mingguan 0" in followup(office, f"{day - dt.timedelta(days=1)}T07:30")  # not yet this week
    assert "ringkasan mingguan 1" in followup(office, f"{day}T07:30")
    assert "ringkasan mingguan 0" in followup(office, f"{day}T10:00")  # once a week, across restarts
    summary = office.mail.wait_for(KADIS, lambda m: "Ringkasan mingguan" in str(m["Subject"]))
    body = text_of(summary)
    assert "Surat diterima               : 1" in body
    assert "Disposisi diberikan          : 2" in body  # kadis -> sekretaris -> kasubbag
    assert "Instruksi selesai            : 0 (tepat waktu: 0)" in body
    assert "Instruksi terlambat sekarang : 1" in body
    assert "Rata-rata sampai disposisi pertama: 0.0 jam" in body


def test_an_english_reading_official_gets_follow_up_in_english(office):
    dewi = f"kabid.paud{D}"
    office.mail.send(gmail_forward(pdf=pdf_letter()))
    office.poll()
    request = office.mail.wait_for(KADIS, lambda m: "Mohon disposisi" in str(m["Subject"]))
    office.mail.send(clients.gmail_android_id(request, KADIS, "Kabid PAUD: siapkan bahan"))
    office.poll()
    office.mail.wait_for(
        dewi, lambda m: "Disposisi dari" in str(m["Subject"]) or "Disposition" in str(m["Subject"])
    )
    with Session(office.app.engine) as session:
        node = session.exec(select(Disposition).where(Disposition.holder == dewi)).one()
        node.deadline = DEADLINE
        session.add(node)
        session.commit()
    out = followup(office, "2026-12-10T07:30")
    assert "pengingat 1" in out and "ringkasan pagi 1" in out  # only Dewi has something open
    reminder = office.mail.wait_for(dewi, lambda m: "Overdue" in str(m["Subject"]))
    assert "1 working day late (due 9 December 2026)" in text_of(reminder)
    digest = office.mail.wait_for(dewi, lambda m: "Letters summary" in str(m["Subject"]))
    assert "Instructions you have not answered (1)" in text_of(digest)
    office.mail.send(clients.apple_mail_en(reminder, dewi, "status"))
    office.poll()
    status = office.mail.wait_for(dewi, lambda m: "Status:" in str(m["Subject"]))
    assert "Where the disposition stands" in text_of(status) and "due 9 December 2026" in text_of(status)


def test_every_log_line_about_a_letter_names_its_agenda_number_and_message(cascade, caplog):
    out = followup(cascade, "2026-12-14T09:00")  # a reminder and an escalation
    lines = [r.getMessage() for r in caplog.get_records("setup")] + out.splitlines()
    about_letters = [
        line
        for line in lines
        if re.search(r"event=(letter|reply|sent|send_failed|reminded|escalated)\b", line)
        and not re.search(r"kind=(digest|weekly)\b", line)  # about an official's letters, not one
    ]
    assert {re.search(r"event=(\w+)", line)[1] for line in about_letters} >= {
        "letter",
        "reply",
        "sent",
        "reminded",
        "escalated",
    }
    for line in about_letters:
        assert re.search(r"agenda=\d{3}/SM/\d{4}", line) and re.search(r"message_id=<[^>]+>", line), line


def test_overdue_reminders_follow_the_configured_cadence(cascade):
    office = cascade
    office.reconfigure(extra="remind_overdue_every_days = 2\nescalate_after_days = 10")
    reminded = {
        day: "pengingat 1" in followup(office, f"{day}T09:00")
        for day in ("2026-12-10", "2026-12-11", "2026-12-14", "2026-12-15", "2026-12-16")
    }  # overdue by 1, 2, 3 (after a weekend), 4 and 5 working days
    assert reminded == {
        "2026-12-10": True,
        "2026-12-11": False,
        "2026-12-14": True,
        "2026-12-15": False,
        "2026-12-16": True,
    }


def test_a_chase_line_gives_each_fact_its_own_field(cascade):
    """`to` is the address alone and `overdue_days` a field of its own (it was glued into `to`)."""
    out = followup(cascade, "2026-12-14T09:00")  # a reminder and an escalation
    chases = [line for line in out.splitlines() if re.search(r"event=(reminded|escalated)\b", line)]
    assert {re.search(r"event=(\w+)", line)[1] for line in chases} == {"reminded", "escalated"}, out
    for line in chases:
        assert re.search(r" to=[^\s\"]+@probolinggokab\.example( \w+=[^\s\"]+)* message_id=<", line), line
        assert re.search(r" overdue_days=\d+ ", line), line
