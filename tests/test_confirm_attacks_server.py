"""Attacks on the confirm-a-proposal loop through the real pipeline, by mail only: machines that
answer a proposal, yeses by other routes, and a yes after the letter moved on. Every official reads
and answers from their own mailbox over IMAP (Dovecot), through the SMTP relay."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from mailflow.disposition import kept_proposals
from mailflow.office.load import load_rules
from mailflow.storage.models import Letter
from mailflow.text.parsing import parse_message
from tests.support import REPO, clients
from tests.support.letters import gmail_forward, pdf_letter
from tests.support.mail import text_of
from tests.test_disposition_server import KADIS, KASUBBAG, PAUD, SEKRETARIS
from tests.test_proposals_server import CLOSE, MAILBOX, _disposed, _proposal, _proposed


def _answering(asked, sender: str, subject: str = "") -> EmailMessage:
    """A message that answers the proposal `asked` by its headers, to its reply address."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = str(asked["Reply-To"])
    msg["Subject"] = subject or "Re: " + " ".join(str(asked["Subject"]).split())
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
    msg["In-Reply-To"] = asked["Message-ID"].strip()
    msg["References"] = asked["Message-ID"].strip()
    return msg


def _requests_to(office, who: str) -> list:
    return [m for m in office.mail.messages(who) if "Disposisi dari" in str(m["Subject"])]


def test_a_yes_in_javanese_confirms_through_the_pipeline(office, inbox, request_to_kadis):
    asked = _proposed(office, inbox, request_to_kadis)
    inbox.answer(clients.samsung_id, asked, KADIS, "Nggih pak")
    inbox.next(SEKRETARIS, "Disposisi dari Kepala Dinas Pendidikan")
    assert [e["targets"] for e in _disposed(office)] == [[SEKRETARIS]]
    assert _proposal(office).state == "applied"


def test_a_yes_in_html_only_confirms(office, inbox, request_to_kadis):
    asked = _proposed(office, inbox, request_to_kadis)
    inbox.answer(clients.outlook_html_only, asked, KADIS, "Ok")
    inbox.next(SEKRETARIS, "Disposisi dari Kepala Dinas Pendidikan")
    assert _proposal(office).state == "applied"


def test_machines_saying_yes_to_a_proposal_never_confirm_it(office, inbox, request_to_kadis):
    """A vacation responder ("Ya, saya cuti"; "OK"), a read receipt that says "OK" and a bounce
    that says "1", each answering the proposal with the official's own reply code: none acts, none
    is answered, and the proposal still waits for the official's own yes."""
    asked = _proposed(office, inbox, request_to_kadis)
    before = len(office.mail.messages(KADIS))
    vacation = _answering(asked, KADIS, "Balasan otomatis: Re: Mohon konfirmasi")
    vacation["Auto-Submitted"] = "auto-replied"
    vacation.set_content("OK")
    responder = _answering(asked, KADIS)
    responder["Auto-Submitted"] = "auto-replied"
    responder.set_content("Ya, saya cuti sampai Jumat.")
    receipt = _answering(asked, KADIS, "Dibaca: Mohon konfirmasi")
    receipt.set_content("OK")
    receipt.add_attachment(
        f"Final-Recipient: rfc822;{KADIS}\nDisposition: automatic-action/MDN-sent-automatically; displayed\n",
        subtype="disposition-notification",
    )
    receipt.replace_header("Content-Type", 'multipart/report; report-type=disposition-notification; boundary="b1"')
    receipt.set_boundary("b1")
    bounce = _answering(asked, f"MAILER-DAEMON@{KADIS.rpartition('@')[2]}", "Undelivered Mail Returned to Sender")
    bounce.set_content("1")
    for msg, outcome in ((vacation, "ignored"), (responder, "ignored"), (receipt, "ignored"), (bounce, "bounce")):
        office.mail.send(msg)
        assert office.poll().outcomes == {outcome: 1}, msg["Subject"]
    assert office.mail.messages(KADIS)[before:] == []  # nothing answered: no mail loop
    assert _disposed(office) == [] and _requests_to(office, SEKRETARIS) == []
    assert _proposal(office).state == "pending"
    inbox.answer(clients.iphone_id, asked, KADIS, "Ya")  # the official's own yes still acts
    inbox.next(SEKRETARIS, "Disposisi dari Kepala Dinas Pendidikan")
    assert [e["targets"] for e in _disposed(office)] == [[SEKRETARIS]]


def test_a_yes_aimed_by_delivered_to_from_another_official_acts_never(office, inbox, request_to_kadis):
    """The Sekretaris writes "Ya" to the plain mailbox, answering Kadis's proposal, with Kadis's
    reply address put in Delivered-To and X-Original-To: the code is Kadis's, the sender is not."""
    asked = _proposed(office, inbox, request_to_kadis)
    msg = _answering(asked, SEKRETARIS)
    msg.replace_header("To", MAILBOX)
    msg["Delivered-To"] = str(asked["Reply-To"])
    msg["X-Original-To"] = str(asked["Reply-To"])
    msg.set_content("Ya")
    office.mail.send(msg)
    assert office.poll().outcomes == {"quarantined": 1}
    assert _disposed(office) == [] and _proposal(office).state == "pending"


def test_a_yes_with_a_rewrite_in_the_same_message_is_a_new_reply(office, inbox, request_to_kadis):
    """ "Ya" above a rewritten line: the two routes never both act; the rewrite is the reply, and
    the proposal is replaced by it."""
    asked = _proposed(office, inbox, request_to_kadis)
    inbox.answer(clients.iphone_id, asked, KADIS, "Ya\nYa\nSekretaris: siapkan bahan rapat")
    assert "siapkan bahan rapat" in text_of(inbox.next(SEKRETARIS, "Disposisi dari"))
    assert [e["instruction"] for e in _disposed(office)] == ["siapkan bahan rapat"]
    assert _proposal(office).state == "replaced"
    inbox.answer(clients.iphone_id, asked, KADIS, "Ok")
    assert len(_requests_to(office, SEKRETARIS)) == 1


def test_a_yes_after_the_letter_was_closed_acts_never_and_says_so(office, inbox, request_to_kadis):
    """Kadis disposes to the Kabid PAUD and is asked about the Sekretaris; the Kabid PAUD finishes,
    which closes Kadis's branch. A yes then must not reopen a closed letter behind everyone's back."""
    asked = _proposed(office, inbox, request_to_kadis, f"Kabid PAUD: 4\n{CLOSE}", "Dicatat, mohon konfirmasi")
    to_paud = inbox.next(PAUD, "Disposition from")
    inbox.answer(clients.gmail_android_id, to_paud, PAUD, "Done")
    inbox.answer(clients.iphone_id, asked, KADIS, "Ya")
    answer = inbox.next(KADIS, "Belum ada yang dicatat")
    assert "selesai" in text_of(answer).lower()
    assert [e["targets"] for e in _disposed(office)] == [[PAUD]]
    assert _requests_to(office, SEKRETARIS) == [] and _proposal(office).state == "failed"


def test_two_yeses_processed_at_once_cannot_both_find_the_proposal_pending(office, inbox, request_to_kadis):
    """Two yeses to one proposal handled by two transactions at once (two mailboxes' loops each
    holding their own lease, a `poll` run beside the service): the first to find the proposal holds
    it until it commits, so the second finds it applied, never pending. Without that lock both read
    "pending" and the reading acted twice."""
    if office.app.engine.dialect.name == "sqlite":
        pytest.skip("SQLite takes one writer at a time: no two transactions can apply at once")
    asked = _proposed(office, inbox, request_to_kadis)
    yes = parse_message(bytes(clients.iphone_id(asked, KADIS, "Ya")))
    with Session(office.app.engine) as first, Session(office.app.engine) as second:
        assert kept_proposals.answered(first, yes) is not None
        second.exec(text("SET LOCAL lock_timeout = '50ms'"))  # rather than wait for `first`
        with pytest.raises(OperationalError, match="lock"):
            kept_proposals.answered(second, yes)


def _live_rules(office, tmp_path) -> Path:
    """The office's rules as a folder the test may edit; the service reads edits at its next poll."""
    rules = tmp_path / "rules-live"
    shutil.copytree(REPO / "rules", rules)
    office.rules_dir = rules
    office.reconfigure()
    return rules / "organisation.toml"


def test_a_yes_after_the_target_left_the_officials_branch_acts_never(office, inbox, request_to_kadis, tmp_path):
    """Between the proposal and the yes the organisation chart moves the Sekretaris under a Kabid:
    Kadis may no longer name that position, so nothing of the proposal acts, and the answer says so."""
    org = _live_rules(office, tmp_path)
    asked = _proposed(office, inbox, request_to_kadis)
    text_before = org.read_text()
    org.write_text(text_before.replace('id = "sekretaris"\ntitle = "Sekretaris Dinas Pendidikan"\nunit = "disdik"\n'
                                       'reports_to = "kadis"', 'id = "sekretaris"\ntitle = "Sekretaris Dinas '
                                       'Pendidikan"\nunit = "disdik"\nreports_to = "kabid_dikdas"'))  # fmt: skip
    assert org.read_text() != text_before
    inbox.answer(clients.iphone_id, asked, KADIS, "Ya")
    answer = text_of(inbox.next(KADIS, "Belum ada yang dicatat"))
    assert "Sekretaris Dinas Pendidikan" in answer
    assert _disposed(office) == [] and _requests_to(office, SEKRETARIS) == []
    assert _proposal(office).state == "failed"


def test_a_yes_after_an_acting_official_took_the_target_goes_to_the_acting_one(
    office, inbox, request_to_kadis, tmp_path
):
    """The proposal names a position ("Sekretaris Dinas Pendidikan"), never a person: when a Plt.
    takes the position before the yes, the disposition goes to the Plt., and the confirmation names
    them, with the deadline that was shown."""
    org = _live_rules(office, tmp_path)
    asked = _proposed(office, inbox, request_to_kadis)
    shown = json.loads(_proposal(office).statements)[0]["deadline"]
    today = dt.date.today()
    org.write_text(
        org.read_text() + f'\n[[acting]]\nposition = "sekretaris"\nperson = "hendra"\nkind = "Plt"\n'
        f"from = {today - dt.timedelta(days=1)}\nuntil = {today + dt.timedelta(days=30)}\n"
    )
    inbox.answer(clients.iphone_id, asked, KADIS, "Ya")
    confirmation = text_of(inbox.next(KADIS, "Dicatat"))
    assert "Plt. Sekretaris Dinas Pendidikan" in confirmation
    [event] = _disposed(office)
    assert event["targets"] == [KASUBBAG] and event["deadline"] == shown
    assert _requests_to(office, SEKRETARIS) == []


def test_a_yes_under_the_reply_code_of_another_letter_acts_never(office, inbox, request_to_kadis):
    """Kadis answers the proposal about letter 1, but through the reply address of letter 2's
    request (its References point at the proposal): the yes is about letter 2's disposition, so
    the proposal of letter 1 does not act through it, and letter 2 gets nothing it was not told."""
    asked = _proposed(office, inbox, request_to_kadis)
    office.mail.send(gmail_forward(original_subject="Undangan rapat koordinasi", pdf=pdf_letter(hal="Undangan")))
    office.poll()
    second = inbox.next(KADIS, "Mohon disposisi")
    office.mail.send(clients.iphone_id(asked, KADIS, "Ya", to=str(second["Reply-To"])))
    assert office.poll().outcomes == {"reply": 1}
    assert _disposed(office) == [] and _requests_to(office, SEKRETARIS) == []
    assert _proposal(office).state == "pending"
    inbox.answer(clients.iphone_id, asked, KADIS, "Ya")  # through its own reply address, it acts
    inbox.next(SEKRETARIS, "Disposisi dari Kepala Dinas Pendidikan")
    assert [e["targets"] for e in _disposed(office)] == [[SEKRETARIS]]


def test_the_deadline_shown_is_the_one_applied_when_the_calendar_changed_meanwhile(
    office, inbox, request_to_kadis, tmp_path
):
    """A proposal without a deadline shows the default of its day; before the yes, the office adds
    holidays (cuti bersama) that would move today's default. The yes applies the date shown."""
    _live_rules(office, tmp_path)
    asked = _proposed(office, inbox, request_to_kadis, "Sekertaris: pelajari dan siapkan jawaban")
    shown = dt.date.fromisoformat(json.loads(_proposal(office).statements)[0]["deadline"])
    assert f"batas **{shown.day} " in text_of(asked)
    calendar = office.rules_dir / "calendar.toml"
    calendar.write_text(_with_holidays(calendar.read_text(), dt.date.today(), shown))
    with Session(office.app.engine) as session:
        urgency = session.exec(select(Letter)).one().urgency
    assert load_rules(office.rules_dir).calendar.default_deadline(dt.date.today(), urgency) > shown
    inbox.answer(clients.iphone_id, asked, KADIS, "Ya")
    inbox.next(SEKRETARIS, "Disposisi dari Kepala Dinas Pendidikan")
    [event] = _disposed(office)
    assert dt.date.fromisoformat(event["deadline"]) == shown


def _with_holidays(calendar: str, first: dt.date, last: dt.date) -> str:
    """The calendar with every day from `first` to `last` a holiday (each in its year's list)."""
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    for year in sorted({d.year for d in days}):
        listed = ", ".join(str(d) for d in days if d.year == year)
        if f"\n{year} = [" in calendar:
            calendar = calendar.replace(f"\n{year} = [", f"\n{year} = [{listed}, ", 1)
        else:
            calendar = calendar.replace("[holidays]\n", f"[holidays]\n{year} = [{listed}]\n", 1)
    return calendar


def test_a_yes_naming_seventy_thousand_parents_is_one_reply_in_bounded_work(office, inbox, request_to_kadis):
    """In-Reply-To and References stuffed with 70,000 Message-IDs (about 1.5 MB of header): each
    is looked up in one SQL IN list, past PostgreSQL's 65,535 parameters. The yes must still be
    read as one reply to its proposal, and the mailbox keep flowing."""
    asked = _proposed(office, inbox, request_to_kadis)
    yes = clients.iphone_id(asked, KADIS, "Ya")
    proposal = asked["Message-ID"].strip()
    del yes["In-Reply-To"], yes["References"]
    junk = "\r\n ".join(f"<{n}.junk@probolinggokab.example>" for n in range(70_000))  # folded by
    stuffed = f"In-Reply-To: {proposal}\r\n {junk}\r\nReferences: {junk}\r\n {proposal}\r\n"  # hand
    head, _, body = bytes(yes).replace(b"\n", b"\r\n").replace(b"\r\r\n", b"\r\n").partition(b"\r\n\r\n")
    office.mail.send(head + b"\r\n" + stuffed.encode() + b"\r\n" + body)
    assert office.poll().outcomes == {"reply": 1}
    inbox.next(SEKRETARIS, "Disposisi dari Kepala Dinas Pendidikan")
    assert [e["targets"] for e in _disposed(office)] == [[SEKRETARIS]]


def test_a_bare_yes_in_a_new_message_never_drops_the_proposal_in_silence(office, inbox, request_to_kadis):
    asked = _proposed(office, inbox, request_to_kadis)
    msg = EmailMessage()
    msg["From"] = KADIS
    msg["To"] = MAILBOX
    msg["Subject"] = str(asked["Subject"]).replace("Mohon konfirmasi", "").strip()
    msg["Message-ID"] = make_msgid(domain="probolinggokab.example")
    msg.set_content("Ya")
    office.mail.send(msg)  # signed by the office's mail server: a verified sender
    assert office.poll().outcomes == {"reply": 1}
    assert _proposal(office).state == "pending"
    answer = text_of(inbox.next(KADIS, "Belum ada yang dicatat"))
    assert "tidak menjawab email usulan" in " ".join(answer.split())
    assert not _disposed(office)  # nothing acted on a yes that names no reading
    inbox.answer(clients.iphone_id, asked, KADIS, "Ya")  # the yes to the proposal's email acts
    inbox.next(SEKRETARIS, "Disposisi dari Kepala Dinas Pendidikan")
    assert _proposal(office).state == "applied"
