"""Trust in the field: a spoofer who knows the head's and the clerk's addresses, and the subject
tag, but not the reply code nor the office's DKIM key, changes nothing. Through the real Dovecot,
relay and poll; the office's own mail is DKIM-signed as its server would sign it."""

from __future__ import annotations

import base64
import datetime as dt
import email.policy
import json
from email.message import EmailMessage

import dkim as dkimpy
from click.testing import CliRunner
from sqlmodel import Session, select

from mailflow.cli import cli
from mailflow.demo import dkim
from mailflow.storage.models import OutboxMessage
from tests.support import clients
from tests.support.letters import gmail_forward, pdf_letter
from tests.support.mail import text_of

D = "@probolinggokab.example"
KADIS, CLERK, MAILBOX, SEKRETARIS = f"kadis{D}", f"agenda{D}", f"surat{D}", f"sekretaris{D}"


def show(office) -> dict:
    out = CliRunner().invoke(cli, ["--config", str(office.config_path), "letter", "show", "1", "--json"])
    assert out.exit_code == 0, out.output
    return json.loads(out.output)


def filed(office):
    office.mail.send(gmail_forward(pdf=pdf_letter()))
    office.poll()
    return office.mail.wait_for(KADIS, lambda m: "Mohon disposisi" in str(m["Subject"]))


def plain_mail(sender: str, subject: str, text: str, **headers: str) -> EmailMessage:
    """A new email typed from scratch: no reply code, no quote."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, MAILBOX, subject
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(text)
    return msg


def test_spoofed_head_with_the_subject_tag_changes_nothing_and_the_real_head_is_told(office):
    filed(office)
    tag = show(office)["agenda_number"].replace("/SM/", " ").split()
    spoof = plain_mail(KADIS, f"Re: [SM {tag[0]}/{tag[1]}] surat", "Arsipkan")
    office.mail.send(spoof, sign=False)
    assert office.poll().outcomes == {"quarantined": 1}
    letter = show(office)
    assert letter["status"] == "awaiting"
    assert [e for e in letter["log"] if e["action"] == "rejected" and e["facts"]["reason"] == "no_reply_code"]
    warning = office.mail.wait_for(KADIS, lambda m: "tanpa kode balasan" in str(m["Subject"]))
    assert "tombol Balas" in text_of(warning)


def test_spoofed_in_reply_to_our_message_id_changes_nothing(office):
    request = filed(office)
    spoof = plain_mail(KADIS, "Re: surat", "Sekretaris: pelajari", In_Reply_To=request["Message-ID"])
    office.mail.send(spoof, sign=False)
    assert office.poll().outcomes == {"quarantined": 1}
    assert not [e for e in show(office)["log"] if e["action"] == "disposed"]


def test_a_verified_head_without_the_code_still_acts(office):
    request = filed(office)
    genuine = plain_mail(KADIS, "Re: surat", "Arsipkan", In_Reply_To=request["Message-ID"])
    office.mail.send(genuine)  # signed by the office's server
    assert office.poll().outcomes == {"reply": 1}
    assert show(office)["status"] == "archived"


def test_a_signature_that_does_not_verify_is_no_signature(office):
    request = filed(office)
    raw = dkim.sign(plain_mail(KADIS, "Re: surat", "Arsipkan", In_Reply_To=request["Message-ID"]).as_bytes())
    office.mail.send(raw.replace(b"Arsipkan", b"Sekretaris: hadiri"), sign=False)  # altered in transit
    assert office.poll().outcomes == {"quarantined": 1}
    assert show(office)["status"] == "awaiting"


def test_warnings_to_one_official_are_at_most_one_an_hour(office):
    request = filed(office)
    for text in ("Arsipkan", "Batal", "Sekretaris: hadiri"):
        spoof = plain_mail(KADIS, "Re: surat", text, In_Reply_To=request["Message-ID"])
        office.mail.send(spoof, sign=False)
    assert office.poll().outcomes == {"quarantined": 3}
    office.poll()
    warnings = [m for m in office.mail.messages(KADIS) if "tanpa kode balasan" in str(m["Subject"])]
    assert len(warnings) == 1
    from mailflow.ops import service

    soon = dt.datetime.now(office.app.settings.zone) + dt.timedelta(minutes=20)
    assert service.followups(office.app, soon).warnings == []  # still within the hour
    later = soon + dt.timedelta(minutes=45)
    assert service.followups(office.app, later).warnings == [KADIS]
    service.flush(office.app)
    digest = office.mail.wait_for(KADIS, lambda m: "2 balasan atas nama Anda" in str(m["Subject"]))
    assert text_of(digest).count("surat 001/SM/2026") == 2
    assert service.followups(office.app, later).warnings == []  # told once


def test_a_spoofed_clerk_files_nothing_and_the_real_clerk_is_told(office):
    office.mail.send(gmail_forward(pdf=pdf_letter()), sign=False)
    assert office.poll().outcomes == {"quarantined": 1}
    items = json.loads(
        CliRunner().invoke(cli, ["--config", str(office.config_path), "quarantine", "list", "--json"]).output
    )
    assert [i["reason"] for i in items] == ["sender_unverified"]
    told = office.mail.wait_for(CLERK, lambda m: "Belum diproses" in str(m["Subject"]))
    assert "DKIM" in text_of(told)
    assert not [m for m in office.mail.messages(KADIS) if "Mohon disposisi" in str(m["Subject"])]


def test_a_spoofed_clerk_correction_changes_no_field(office):
    filed(office)
    original = show(office)
    receipt = office.mail.wait_for(CLERK, lambda m: "Tanda terima" in str(m["Subject"]))
    forged = clients.gmail_android_id(receipt, CLERK, "Sifat: Biasa\nPerihal: Tidak penting")
    office.mail.send(forged, sign=False)
    assert office.poll().outcomes == {"quarantined": 1}
    before = show(office)
    assert (before["subject"], before["urgency"]) == (original["subject"], original["urgency"])
    assert not [e for e in before["log"] if e["action"] == "corrected"]


def test_a_spoofed_status_request_is_not_answered(office):
    filed(office)
    ask = plain_mail(SEKRETARIS, f"STATUS {show(office)['agenda_number']}", "")
    office.mail.send(ask, sign=False)
    assert office.poll().outcomes == {"quarantined": 1}
    office.poll()
    assert not [m for m in office.mail.messages(SEKRETARIS) if str(m["Subject"]).startswith("Status")]


# -- one reading: act on the header that was verified (issue "Act on exactly what was verified") --

STAFF = f"staff{D}"  # a member of staff: their server signs their mail, as it signs the head's


def with_from(msg: EmailMessage | bytes, value: str) -> bytes:
    """`msg` with its From header replaced by exactly `value`, bytes as an attacker writes them."""
    raw = msg if isinstance(msg, bytes) else msg.as_bytes(policy=email.policy.SMTP)
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = [ln for ln in head.split(b"\r\n") if not ln.lower().startswith(b"from:")]
    return b"\r\n".join([f"From: {value}".encode(), *lines]) + b"\r\n\r\n" + body


def encoded_head(real: str, shown: str) -> str:
    """The critical From: an encoded display name that decodes to another address, then `real`."""
    return "=?UTF-8?B?" + base64.b64encode(f"{shown} (é".encode()).decode() + f"?= <{real}>"


def mailed_to(office, address: str) -> list[str]:
    with Session(office.app.engine) as session:
        rows = session.exec(select(OutboxMessage).where(OutboxMessage.recipient == address)).all()
    return [row.kind for row in rows]


def held_reasons(office) -> list[str]:
    out = CliRunner().invoke(cli, ["--config", str(office.config_path), "quarantine", "list", "--json"])
    return [item["reason"] for item in json.loads(out.output)]


def test_a_staff_member_cannot_dispose_as_the_head_with_an_encoded_display_name(office):
    request = filed(office)
    reply = plain_mail(KADIS, "Re: surat", "Arsipkan", In_Reply_To=request["Message-ID"])
    office.mail.send(with_from(reply, encoded_head(STAFF, KADIS)))  # signed by the office's server
    assert office.poll().outcomes == {"quarantined": 1}
    assert show(office)["status"] == "awaiting"
    assert held_reasons(office) == ["ambiguous_from"]
    assert mailed_to(office, STAFF) == []  # nobody is answered


def test_a_staff_member_cannot_file_as_the_clerk_or_ask_a_status(office):
    office.mail.send(with_from(gmail_forward(pdf=pdf_letter()), encoded_head(STAFF, CLERK)))
    assert office.poll().outcomes == {"quarantined": 1}
    filed(office)
    ask = plain_mail(SEKRETARIS, f"STATUS {show(office)['agenda_number']}", "")
    office.mail.send(with_from(ask, encoded_head(STAFF, SEKRETARIS)))
    assert office.poll().outcomes == {"quarantined": 1}
    office.poll()
    assert held_reasons(office) == ["ambiguous_from", "ambiguous_from"]
    assert mailed_to(office, STAFF) == []
    assert not [m for m in office.mail.messages(SEKRETARIS) if str(m["Subject"]).startswith("Status")]


def test_our_servers_verdict_for_the_real_sender_does_not_make_the_display_name_act(office):
    office.reconfigure(box_extra='authserv_id = "mx.probolinggokab.example"')
    request = filed_stamped(office)
    reply = plain_mail(KADIS, "Re: surat", "Arsipkan", In_Reply_To=request["Message-ID"])
    stamped = b"Authentication-Results: mx.probolinggokab.example; dkim=pass header.d=probolinggokab.example\r\n"
    office.mail.send(stamped + with_from(reply, encoded_head(STAFF, KADIS)), sign=False)
    assert office.poll().outcomes == {"quarantined": 1}
    assert show(office)["status"] == "awaiting"


def filed_stamped(office):
    """A clerk's letter that our server (authserv_id) vouched for."""
    letter = gmail_forward(pdf=pdf_letter())
    letter["Authentication-Results"] = "mx.probolinggokab.example; dmarc=pass header.from=probolinggokab.example"
    office.mail.send(letter)
    office.poll()
    return office.mail.wait_for(KADIS, lambda m: "Mohon disposisi" in str(m["Subject"]))


def test_a_captured_signed_reply_cannot_be_aimed_at_another_letter(office):
    first = filed(office)
    second_pdf = pdf_letter(number="062/1/OTDA", hal="Undangan Rapat")  # another letter, not a copy
    office.mail.send(gmail_forward(pdf=second_pdf, original_subject="Undangan Rapat"))
    office.poll()
    second = office.mail.wait_for(KADIS, lambda m: "Undangan Rapat" in str(m["Subject"]))
    captured = dkim.sign(
        plain_mail(KADIS, str(first["Subject"]).replace("Mohon disposisi", "Re:"), "Arsipkan",
                   In_Reply_To=first["Message-ID"]).as_bytes()
    )  # fmt: skip
    aimed = (
        f"Subject: Re: {second['Subject']}\nIn-Reply-To: {second['Message-ID']}\n"
        f"Message-ID: <aimed-1{D}>\n"
    ).encode() + captured
    office.mail.send(aimed, sign=False)  # DKIM still verifies: it covers the last instances
    assert office.poll().outcomes == {"quarantined": 1}
    assert held_reasons(office) == ["duplicate_header"]
    assert {letter["status"] for letter in letters(office)} == {"awaiting"}
    office.mail.send(captured, sign=False)  # the capture itself was genuine: it acts where it was aimed
    assert office.poll().outcomes == {"reply": 1}
    assert sorted(letter["status"] for letter in letters(office)) == ["archived", "awaiting"]


def letters(office) -> list[dict]:
    out = CliRunner().invoke(cli, ["--config", str(office.config_path), "letters", "--json"])
    return json.loads(out.output)


def test_a_signature_over_part_of_the_body_cannot_carry_an_appended_line(office):
    request = filed(office)
    raw = plain_mail(KADIS, "Re: surat", "Terima kasih.", In_Reply_To=request["Message-ID"]).as_bytes()
    signed = dkimpy.sign(raw, b"mailflow", dkim.DOMAIN.encode(), dkim.PRIVATE_KEY, length=True) + raw
    office.mail.send(signed + b"Arsipkan\n", sign=False)
    assert office.poll().outcomes == {"quarantined": 1}
    assert show(office)["status"] == "awaiting"
    rejected = [e for e in show(office)["log"] if e["action"] == "rejected"]
    assert rejected and "first" in rejected[0]["facts"]["detail"]


def test_a_subdomains_key_does_not_speak_for_the_head(office):
    pinned = f'[dkim_keys]\n"mailflow._domainkey.smpn1.probolinggokab.example" = "{dkim.RECORD}"\n'
    office.config_path.write_text(office.config_path.read_text().replace("[dkim_keys]\n", pinned))
    request = filed(office)
    raw = plain_mail(KADIS, "Re: surat", "Arsipkan", In_Reply_To=request["Message-ID"]).as_bytes()
    office.mail.send(dkim.sign(raw, domain="smpn1.probolinggokab.example"), sign=False)
    assert office.poll().outcomes == {"quarantined": 1}
    assert show(office)["status"] == "awaiting"


def test_a_pass_inside_an_envelope_sender_is_no_verdict(office):
    office.reconfigure(box_extra='authserv_id = "mx.probolinggokab.example"')
    forged = gmail_forward(pdf=pdf_letter())
    forged["Authentication-Results"] = (
        "mx.probolinggokab.example; spf=pass "
        "smtp.mailfrom=dkim=pass.header.d=probolinggokab.example@evil.example; dkim=none"
    )
    office.mail.send(forged, sign=False)
    assert office.poll().outcomes == {"quarantined": 1}
    assert held_reasons(office) == ["sender_unverified"]
