"""Attacks on "one reading": a staff member whose mail the office's server signs, or an outsider
holding one signed mail of the head, tries to make Mailflow act as the head or the clerk.

Tests named `test_hole_*` assert what Mailflow SHOULD do and fail on the change under review
(each is a hole: the report gives input, outcome, expected outcome and a suggested fix). The
others are attacks the change defeats, kept as regression tests. Pure: the demo office's key
signs as the office's server would (dkimpy signs what it reads, as OpenDKIM does), no DNS.
"""

from __future__ import annotations

import base64
import email
from email.message import EmailMessage

import dkim as dkimpy
import pytest

from mailflow.config import MailboxSettings
from mailflow.demo import dkim
from mailflow.domain import ReplyMatch
from mailflow.errors import MessageError
from mailflow.inbound.authenticity import check_sender, from_results
from mailflow.inbound.triage import Action, Inbound, Verdict, triage
from mailflow.text.headers import single_address
from mailflow.text.message import ParsedMessage
from mailflow.text.parsing import header_part, parse_message
from tests.test_one_reading import (
    AR_BOX,
    BOX,
    KADIS,
    LOOKUP,
    MAILBOX,
    RULES,
    STAFF,
    D,
    b64,
    mail,
    raw_from,
    stamp,
)

CLERK = f"agenda@{D}"
TAG = "Re: [SM 001/2026] Undangan"
# The thread a subject tag finds (threads.match_reply's answer when the letter exists).
BY_SUBJECT = ReplyMatch(kind="disposition", letter_id=1, owners=(KADIS,), disposition_id=1, via="subject")
BY_MESSAGE_ID = ReplyMatch(kind="disposition", letter_id=1, owners=(KADIS,), disposition_id=1, via="message-id")
# What OpenDKIM signs by default when the headers are present (it oversigns From only).
OPENDKIM = [b"from", b"to", b"subject", b"date", b"message-id", b"mime-version", b"content-type"]


def signed_by_office(raw: bytes, headers: list[bytes] | None = None) -> bytes:
    """`raw` as the office's server sends it: signed over what the signer reads of it."""
    include = headers if headers is not None else dkim.SIGNED_HEADERS
    return dkimpy.sign(raw, dkim.SELECTOR.encode(), D.encode(), dkim.PRIVATE_KEY, include_headers=include) + raw


def decide(raw: bytes, box: MailboxSettings = BOX, reply: ReplyMatch | None = None) -> tuple[ParsedMessage, Verdict]:
    """What the pipeline does with `raw`: read once, sender checked, triaged."""
    message = parse_message(raw)
    sender = check_sender(raw, message, box, LOOKUP)
    return message, triage(Inbound(message=message, mailbox=box, rules=RULES, reply=reply, sender=sender))


def signed_from(raw: bytes) -> list[bytes]:
    """The From headers the DKIM verifier (dkimpy) reads: what the signature speaks of."""
    return [value.strip() for name, value in dkimpy.DKIM(raw).headers if name.lower() == b"from"]


def captured(sender: str, subject: str, body: str, headers: list[bytes] | None = None, **extra: str) -> bytes:
    """A genuine mail of `sender`, signed by the office's server, as its recipient holds it."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, STAFF, subject
    msg["Date"], msg["Message-ID"] = "Tue, 01 Dec 2026 09:00:00 +0700", f"<captured-1@{D}>"
    for name, value in extra.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return signed_by_office(msg.as_bytes().replace(b"\n", b"\r\n"), headers)


# == HOLE 1 (critical): a bare CR inside a header splits it for Mailflow, not for DKIM ============
#
# The stdlib parser ends a header line at a bare CR; dkimpy (and Postfix, which ends lines at LF
# only) do not. A line with no colon ends the stdlib's header block. So Mailflow reads headers
# that the signature sees as the inside of one unsigned X- header, and never sees the signed ones.


def staff_mail_hiding(hidden: str, below: str = "", subject: str = f"Subject: {TAG}\r\n") -> bytes:
    """Staff's own mail: From staff (the server checks it and signs it), with `hidden` inside an
    unsigned header, where a bare CR makes it a header block of its own for the stdlib parser."""
    return (
        f"To: {MAILBOX}\r\n{subject}Message-ID: <attack-1@{D}>\r\n"
        f"X-Catatan: -\r{hidden}\r\n"
        f"From: {STAFF}\r\n{below}\r\nSiap.\r\n"
    ).encode()


HIDDEN_HEAD = {
    "a line without colon ends the stdlib's header (a defect is recorded)": f"From: {KADIS}\rArsipkan",
    "a bare CR blank line ends it (no defect at all)": f"From: {KADIS}\r\rArsipkan",
}


@pytest.mark.parametrize("hidden", HIDDEN_HEAD.values(), ids=HIDDEN_HEAD.keys())
def test_hole_bare_cr_staff_disposes_a_letter_as_the_head(hidden: str) -> None:
    raw = signed_by_office(staff_mail_hiding(hidden))
    assert signed_from(raw) == [STAFF.encode()]  # the server signed staff's own From
    message, verdict = decide(raw, reply=BY_SUBJECT)
    # Mailflow today: From kadis, "verified", body "Arsipkan": REPLY, the head's letter archived.
    assert (verdict.action, verdict.check) == (Action.QUARANTINE, "one_reading"), (
        message.from_address,
        verdict,
        message.text[:20],
    )


def test_hole_bare_cr_staff_disposes_as_the_head_with_our_servers_verdict_too() -> None:
    """With authserv_id: our MX (Postfix ends lines at LF only) verifies staff's signature over
    From staff and truthfully stamps dkim=pass and dmarc=pass for the office's domain."""
    raw = stamp(
        f"mx.{D}; dkim=pass header.d={D} header.s=mailflow; dmarc=pass header.from={D}",
        signed_by_office(staff_mail_hiding(f"From: {KADIS}\rArsipkan")),
    )
    message, verdict = decide(raw, AR_BOX, BY_SUBJECT)
    assert verdict.action == Action.QUARANTINE, (message.from_address, verdict)  # today: REPLY


def test_hole_bare_cr_staff_files_a_letter_as_the_clerk() -> None:
    raw = signed_by_office(staff_mail_hiding(f"From: {CLERK}\rSurat palsu: mohon dicatat"))
    assert signed_from(raw) == [STAFF.encode()]
    message, verdict = decide(raw)
    assert verdict.action == Action.QUARANTINE, (message.from_address, verdict)  # today: FILE as agenda@


def test_hole_bare_cr_staff_asks_status_as_the_head() -> None:
    hidden = f"From: {KADIS}\rSubject: STATUS 001/SM/2026\rx"
    raw = signed_by_office(staff_mail_hiding(hidden, subject=""))  # one Subject: the hidden one
    message, verdict = decide(raw)
    assert verdict.action != Action.STATUS, (message.from_address, message.subject, verdict)


def test_hole_bare_cr_makes_any_captured_mail_of_the_head_say_anything() -> None:
    """An outsider (a citizen the head once wrote to) holds one signed mail of the head. A line
    on top, unsigned for DKIM, is a whole new header for Mailflow: subject tag, From, body."""
    genuine = captured(KADIS, "Terima kasih", "Terima kasih atas undangannya.\n")
    attack = f"X-Catatan: -\rFrom: {KADIS}\rSubject: {TAG}\rArsipkan\r\n".encode() + genuine
    assert dkimpy.verify(attack, dnsfunc=lambda name, timeout=5: dkim.RECORD.encode())
    message, verdict = decide(attack, reply=BY_SUBJECT)
    assert verdict.action != Action.REPLY, (message.subject, message.text[:12], verdict)


# == HOLE 2 (critical): text before the signed body, through the verifier's fast path =============
#
# authenticity._checker hands dkimpy the body after the first CRLFCRLF, checking only that the
# body from there on is all CRLF. A header ending in CRLF LF (a bare-LF blank line, which the
# stdlib and dkimpy both take as the end of the header) followed by attacker text and then a
# CRLFCRLF makes dkimpy hash the original body only, while Mailflow reads the attacker's text first.


def with_text_before_body(genuine: bytes, injected: bytes) -> bytes:
    head, _, body = genuine.partition(b"\r\n\r\n")
    return head + b"\r\n\n" + injected + b"\r\n\r\n" + body


def test_hole_text_before_a_captured_signed_body_is_verified() -> None:
    genuine = captured(KADIS, TAG, "Terima kasih.\n")
    attack = with_text_before_body(genuine, b"Arsipkan")
    assert not dkimpy.verify(attack, dnsfunc=lambda name, timeout=5: dkim.RECORD.encode())  # dkimpy alone refuses
    message, verdict = decide(attack, reply=BY_SUBJECT)
    assert message.text.startswith("Arsipkan")
    assert verdict.action != Action.REPLY, verdict  # today: the head's "Arsipkan" applied


def test_hole_an_attachment_slipped_before_a_captured_clerk_mail_is_filed() -> None:
    """A clerk's signed forward (Content-Type signed, as OpenDKIM does): a MIME part put before
    its first boundary is one more attachment for Mailflow, and invisible to the body hash."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = CLERK, STAFF, "Surat masuk"
    msg["Date"], msg["Message-ID"] = "Tue, 01 Dec 2026 09:00:00 +0700", f"<clerk-1@{D}>"
    msg.set_content("Terlampir.\n")
    msg.add_attachment(b"%PDF-1.4 genuine", maintype="application", subtype="pdf", filename="asli.pdf")
    genuine = signed_by_office(msg.as_bytes().replace(b"\n", b"\r\n"), OPENDKIM)
    boundary = msg.get_boundary().encode()
    forged = base64.b64encode(b"%PDF-1.4 forged letter").decode().encode()
    part = (
        b"--" + boundary + b"\nContent-Type: application/pdf\nContent-Transfer-Encoding: base64\n"
        b"Content-Disposition: attachment; filename=\"palsu.pdf\"\n\n" + forged
    )
    attack = with_text_before_body(genuine, part)
    message, verdict = decide(attack)
    assert "palsu.pdf" in [a.filename for a in message.attachments]
    assert verdict.action != Action.FILE, verdict  # today: filed as the clerk's, forged PDF included


# == HOLE 3 (high; documented as a limit): with authserv_id, any header counts as signed ==========


def test_hole_results_mode_aims_a_captured_mail_of_the_head_at_any_letter() -> None:
    """The head wrote "Arsipkan saja" to staff about something else; the signature (OpenDKIM's
    defaults) does not cover In-Reply-To, which that mail did not have. Staff adds one naming our
    request for another letter and sends it on: our server truthfully stamps dkim=pass."""
    genuine = captured(KADIS, "Undangan rapat", "Arsipkan saja.\n", OPENDKIM)
    attack = genuine.replace(b"\r\n\r\n", f"\r\nIn-Reply-To: <request-7@{D}>\r\n\r\n".encode(), 1)
    assert dkimpy.verify(attack, dnsfunc=lambda name, timeout=5: dkim.RECORD.encode())  # what our server sees
    attack = stamp(f"mx.{D}; dkim=pass header.d={D} header.s=mailflow", attack)
    _message, verdict = decide(attack, AR_BOX, BY_MESSAGE_ID)
    assert verdict.action == Action.REJECT, verdict  # today: REPLY, the other letter archived
    # The same mail checked by Mailflow itself is refused (unsigned_thread): only the mode differs.
    assert decide(attack, BOX, BY_MESSAGE_ID)[1].reason == "unsigned_thread"


# == HOLE 4 (medium): an authserv-id our server does not recognise, Mailflow reads as ours ========


@pytest.mark.parametrize("stamper", ["mx.probolinggo\x01kab.example", f"mx.{D}\x00", f"mx.{D}\x7f"])
def test_hole_a_control_character_in_a_forged_authserv_id_is_dropped_before_comparing(stamper: str) -> None:
    """RFC 8601 5: our server removes incoming Authentication-Results naming itself. This one does
    not name it (byte for byte), so it stays; Mailflow drops the control character and reads it
    as our server's. It counts whenever our server adds none of its own on top."""
    message = parse_message(stamp(f"{stamper}; dkim=pass header.d={D}", mail(sender=KADIS)))
    assert not from_results(message, AR_BOX).verified


# == HOLE 5 (medium): display names one decoder decodes and the other does not ==================

NAMES_THE_HEAD = {
    "RFC 2231 language in an encoded word": f"=?UTF-8*id?B?{base64.b64encode(KADIS.encode()).decode()}?= <{STAFF}>",
    "an unknown charset": f"=?x-unknown?Q?{KADIS.replace('@', '=40')}?= <{STAFF}>",
    "a fullwidth at sign": f"{KADIS.replace('@', chr(0xFF20))} <{STAFF}>",
    "a small commercial at": f"{KADIS.replace('@', chr(0xFE6B))} <{STAFF}>",
}


@pytest.mark.parametrize("value", NAMES_THE_HEAD.values(), ids=NAMES_THE_HEAD.keys())
def test_hole_a_display_name_that_reads_as_the_heads_address_is_held(value: str) -> None:
    message = parse_message(raw_from(value))
    # Today: from_address staff, from_name "kadis@probolinggokab.example" (or its lookalike),
    # shown as the sender wherever the letter is listed; README says such a From is held.
    assert message.header_problem is not None, (message.from_name, message.from_address)


# == HOLE 6 (low): Unicode case folding makes a lookalike the head ================================


FOLDS_TO_THE_HEAD = {
    "Kelvin sign for k": f"\u212aadis@{D}",
    "Kelvin sign in the domain": "Pak <kadis@probolinggo\u212aab.example>",
    "ideographic space after the address": f"<{KADIS}\u3000>",
    "NEL after the address": f"{KADIS}\x85",
    "line separator after the address": f"{KADIS}\u2028",
}


@pytest.mark.parametrize("value", FOLDS_TO_THE_HEAD.values(), ids=FOLDS_TO_THE_HEAD.keys())
def test_hole_an_address_that_only_folds_to_the_heads_is_not_the_head(value: str) -> None:
    """str.lower() turns U+212A KELVIN SIGN into ASCII "k" and str.strip() drops Unicode spaces:
    the org chart finds the head for a mailbox that is not the head's, byte for byte (a server
    comparing bytes, or NFC, lets whoever owns it send as it)."""
    assert single_address(value).address != KADIS


# == HOLE 7 (low): inputs that crash the reading or the check (internal_error, a traceback) ========


@pytest.mark.parametrize(
    "raw",
    [
        raw_from("(" * 400 + STAFF),
        raw_from(f"Budi <{STAFF}> " + "(" * 600),
        raw_from(STAFF).replace(b"To: ", b"Cc: " + b"(" * 2000 + b"\r\nTo: ", 1),
    ],
    ids=["From of nested comments", "From ending in nested comments", "Cc of nested comments"],
)
def test_hole_nested_comments_are_held_not_a_crash(raw: bytes) -> None:
    message = parse_message(raw)  # today: RecursionError, the message held as internal_error
    assert message.from_address in ("", STAFF)


SPOOFS_THAT_CRASH_THE_CHECK = {
    "a first header line that continues nothing": (
        f" x\r\nFrom: {KADIS}\r\nTo: {MAILBOX}\r\nSubject: {TAG}\r\n\r\nArsipkan\r\n".encode()
    ),
    "a signature whose i= is as long as d= and has no @": (
        signed_by_office(mail(sender=KADIS)).replace(f"i=@{D}".encode(), f"i={D}".encode(), 1)
    ),
}


@pytest.mark.parametrize("raw", SPOOFS_THAT_CRASH_THE_CHECK.values(), ids=SPOOFS_THAT_CRASH_THE_CHECK.keys())
def test_hole_a_spoof_that_dkimpy_cannot_parse_is_unverified_not_a_crash(raw: bytes) -> None:
    """dkimpy raises IndexError, which from_dkim does not catch: held as internal_error with a
    traceback, and the head is not warned that someone wrote as them."""
    message = parse_message(raw)
    assert message.from_address == KADIS
    assert not check_sender(raw, message, BOX, LOOKUP).verified


def test_hole_a_charset_with_a_nul_is_read_not_a_crash() -> None:
    raw = mail().replace(b'charset="utf-8"', b'charset="utf\x00-8"')
    assert parse_message(raw).text.startswith("Siap")  # today: ValueError from bytes.decode


# == Attacks the change defeats (regression) ========================================================

DEFEATED_FROM = {
    "encoded word inside quotes": f'"{b64(KADIS)}" <{STAFF}>',
    "quoted-printable word inside quotes": f'"=?UTF-8?Q?kadis=40{D}?=" <{STAFF}>',
    "nested comment naming the head": f"{STAFF} (a (b {KADIS}) c)",
    "comment before naming the head": f"(x ({KADIS})) <{STAFF}>",
    "route through staff to the head": f"<@{STAFF}:{KADIS}>",
    "staff with spaces around @ and the head in angles": f"staff @ {D} <{KADIS}>",
    "quoted staff local part before the head": f'"staff"@{D} <{KADIS}>',
    "NUL between display name and address": f"{KADIS}\x00 <{STAFF}>",
    "backslash-escaped at": f"kadis\\@{D} <{STAFF}>",
    "two encoded words making the address": f"{b64('kadis')} {b64('@' + D)} <{STAFF}>",
    "adjacent encoded words": f"{b64('kadis')}{b64('@' + D)} <{STAFF}>",
    "encoded local part": f"{b64('kadis')}@{D} <{STAFF}>",
    "half an address encoded": f"{b64('kadis@')}{D} <{STAFF}>",
    "ISO-8859-1 encoded": f"=?iso-8859-1?q?kadis=40{D}?= <{STAFF}>",
    "UTF-7 encoded": f"=?utf-7?q?kadis+AEA-{D}?= <{STAFF}>",
    "HTML entity": f"kadis&#64;{D} <{STAFF}>",
    "IP literal": f"kadis@[{D}]",
    "trailing dot": f"kadis@{D}.",
    "quoted local part": f'"kadis"@{D}',
    "a group of the head": f"Pimpinan: {KADIS};",
    "a trailing semicolon": f"{KADIS};",
}


@pytest.mark.parametrize("value", DEFEATED_FROM.values(), ids=DEFEATED_FROM.keys())
def test_a_from_hiding_the_head_never_reads_as_the_head(value: str) -> None:
    reading = single_address(value)
    assert reading.address in ("", STAFF)
    assert "@" not in reading.name or reading.name == reading.address


LOOKALIKES = {
    "zero-width space": f"ka\u200bdis@{D}",
    "dotless i": f"kad\u0131s@{D}",
    "e acute": f"kad\u00e9s@{D}",
    "percent hack": f"kadis%{D}@{D}",
    "bang path": f"{D}!kadis@{D}",
    "punycode lookalike": "kadis@xn--probolinggokab-xyz.example",
}


@pytest.mark.parametrize("value", LOOKALIKES.values(), ids=LOOKALIKES.keys())
def test_a_lookalike_address_is_nobody_in_the_org_chart(value: str) -> None:
    address = single_address(value).address
    assert address != KADIS
    assert RULES.person_by_address(address) is None and RULES.clerk(address) is None


def staff_mail(above: str = "", below: str = "") -> bytes:
    """Staff's own plain mail, extra header lines above and below its From."""
    return (
        f"To: {MAILBOX}\r\nSubject: {TAG}\r\nMessage-ID: <attack-1@{D}>\r\n{above}"
        f"From: {STAFF}\r\n{below}\r\nSiap.\r\n"
    ).encode()


@pytest.mark.parametrize("line", [f"From : {KADIS}", f"From {KADIS} Tue Dec  1 09:00:00 2026"])
def test_header_lines_both_parsers_skip_do_not_lend_the_head_their_from(line: str) -> None:
    """"From :" (space before the colon) and an mbox "From " line are skipped by the stdlib and by
    dkimpy alike (a server that reads "From :" as From sees two and should refuse)."""
    for raw in (staff_mail(above=line + "\r\n"), staff_mail(below=line + "\r\n")):
        message, verdict = decide(signed_by_office(raw), reply=BY_SUBJECT)
        assert message.from_address == STAFF and verdict.reason in ("not_recipient", "ambiguous_header")


def test_a_header_name_with_8_bit_bytes_ends_the_header_and_breaks_the_signature() -> None:
    signed = signed_by_office(staff_mail())
    raw = signed.replace(f"From: {STAFF}".encode(), f"Fr\u00f6m: {KADIS}\r\nFrom: {STAFF}".encode(), 1)
    message, verdict = decide(raw, reply=BY_SUBJECT)
    assert message.from_address == "" and verdict.action == Action.QUARANTINE


def test_resent_from_and_sender_never_stand_for_from() -> None:
    raw = signed_by_office(staff_mail(below=f"Resent-From: {KADIS}\r\nSender: {KADIS}\r\n"))
    message, verdict = decide(raw, reply=BY_SUBJECT)
    assert message.from_address == STAFF and verdict.reason == "not_recipient"


@pytest.mark.parametrize("extra", [f"FROM: {KADIS}", f"from:{KADIS}", f"From:\r\n {KADIS}"])
def test_a_second_from_in_other_case_or_folded_is_held(extra: str) -> None:
    signed = signed_by_office(staff_mail())
    for raw in (signed.replace(b"\r\n\r\n", f"\r\n{extra}\r\n\r\n".encode(), 1), f"{extra}\r\n".encode() + signed):
        assert decide(raw, reply=BY_SUBJECT)[1].reason == "duplicate_header"


def test_a_from_in_an_attached_message_is_not_the_senders() -> None:
    inner = raw_from(KADIS)
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = STAFF, MAILBOX, TAG
    msg.set_content("Lihat lampiran.\n")
    msg.add_attachment(email.message_from_bytes(inner))
    message, verdict = decide(signed_by_office(msg.as_bytes().replace(b"\n", b"\r\n")), reply=BY_SUBJECT)
    assert message.from_address == STAFF and message.embedded[0].from_address == KADIS
    assert verdict.reason == "not_recipient"


def test_a_from_cut_by_the_64_kb_header_read_is_decided_on_the_whole() -> None:
    """reading.read checks the sender on the first 64 KB; a From cut there reads differently and
    is checked again on the whole message (reading.py), never acted on as the cut one."""
    filler = b"".join(f"X-Isi-{n:03}: {'a' * 70}\r\n".encode() for n in range(780))
    start = f"From: {KADIS}".encode()
    pad = 65536 - len(filler) - len(start) - len(b"X-P: \r\n")
    raw = filler + b"X-P: " + b"b" * pad + b"\r\n" + start + b".evil.example\r\nTo: " + MAILBOX.encode()
    raw += b"\r\n\r\nArsipkan\r\n"
    assert raw.index(start) + len(start) == 65536
    head, whole = parse_message(header_part(raw)), parse_message(raw)
    assert (head.from_address, whole.from_address) == (KADIS, f"{KADIS}.evil.example")
    # reading.read sees them differ and checks the whole message; triage acts on the whole one.


def test_a_signature_of_the_office_in_other_case_or_with_a_trailing_dot_is_the_office() -> None:
    for domain in (D.upper(), D + "."):
        raw = dkimpy.sign(mail(), dkim.SELECTOR.encode(), domain.encode(), dkim.PRIVATE_KEY) + mail()
        assert check_sender(raw, parse_message(raw), BOX, LOOKUP).verified


def test_an_i_tag_naming_the_head_does_not_make_staff_the_head() -> None:
    raw = dkimpy.sign(
        mail(), dkim.SELECTOR.encode(), D.encode(), dkim.PRIVATE_KEY, identity=KADIS.encode()
    ) + mail()
    message, verdict = decide(raw, reply=BY_SUBJECT)
    assert message.from_address == STAFF and verdict.reason == "not_recipient"


def test_an_oversigned_from_with_a_second_from_added_is_held() -> None:
    raw = signed_by_office(mail(), [b"from", b"from", b"subject"])
    added = raw.replace(b"\r\n\r\n", f"\r\nFrom: {KADIS}\r\n\r\n".encode(), 1)
    assert decide(added)[1].reason == "duplicate_header"


RESULTS_ATTACKS = {
    "our name in capitals is ours (correct), but for the From domain only": (
        f"MX.{D.upper()}; dkim=pass header.d=smpn1.{D}",
        False,
    ),
    "a comment before the authserv-id": (f"(ours) mx.{D}; dkim=pass header.d={D}", False),
    "our name folded onto the next line": (f"\r\n mx.{D}; dkim=pass header.d={D}", True),
    "an encoded word as the authserv-id": (f"{b64(f'mx.{D}')}; dkim=pass header.d={D}", False),
    "dkim=pass for another signature, dmarc=fail for the From": (
        f"mx.{D}; dkim=pass header.d=evil.example; dmarc=fail header.from={D}",
        False,
    ),
}


@pytest.mark.parametrize(("value", "vouches"), RESULTS_ATTACKS.values(), ids=RESULTS_ATTACKS.keys())
def test_forged_results_are_read_as_rfc_8601_says(value: str, vouches: bool) -> None:
    assert from_results(parse_message(stamp(value, mail(sender=KADIS))), AR_BOX).verified is vouches


def test_many_results_headers_only_the_topmost_of_ours_counts() -> None:
    forged = b"".join(f"Authentication-Results: mx.{D}; dkim=pass header.d={D}\r\n".encode() for _ in range(5000))
    ours = stamp(f"mx.{D}; dkim=fail header.d={D}", forged + mail(sender=KADIS))
    assert not from_results(parse_message(ours), AR_BOX).verified


# == The generalised hole: line-ending edits, checked against what dkimpy itself verified ==========

# Line endings only: an edit to an unsigned header's value (Content-Type) may change the reading
# legitimately, a line ending must not.
_EDITS = [b"\r", b"\n", b"\r\n", b"\r\n\r\n", b"\n\n", f"\rFrom: {KADIS}\r".encode()]


def dkimpy_reading(raw: bytes) -> tuple[str, str, str] | None:
    """(From address, Subject, body) of the first signature dkimpy verifies on its own, or None."""
    checker = dkimpy.DKIM(raw, minkey=1024)
    try:
        if not checker.verify(dnsfunc=lambda name, timeout=5: dkim.RECORD.encode()):
            return None
    except (dkimpy.DKIMException, ValueError, IndexError):
        return None
    seen: dict[str, str] = {}
    for name, value in checker.signed_headers:
        seen.setdefault(name.decode().lower(), value.decode("utf-8", "replace"))
    address = single_address(seen.get("from", "")).address
    return address, " ".join(seen.get("subject", "").split()), " ".join(checker.body.decode("utf-8", "replace").split())


def test_hole_property_a_verified_message_reads_as_dkimpy_verified_it() -> None:
    """Random CR, LF and whitespace edits to the header of a signed mail: whenever Mailflow calls
    it verified and sees one reading, dkimpy alone verifies it and its signed From, Subject and
    body are what Mailflow acts on. Today: bare CRs (hole 1) and bare-LF ends (hole 2) break it."""
    import random

    rng = random.Random(20261202)
    genuine = signed_by_office(mail(sender=KADIS, body="Terima kasih.\n"))
    end = genuine.index(b"\r\n\r\n") + 4
    unsigned = genuine.index(b"Content-Type:")  # Content-Type and below: not in h=, edits keep it verifying
    misread: list[bytes] = []
    verified = 0
    for _ in range(1500):
        raw = bytearray(genuine)
        for _ in range(rng.randrange(1, 4)):
            at = rng.randrange(unsigned, end) if rng.random() < 0.8 else rng.randrange(end)
            raw[at:at] = rng.choice(_EDITS)
        raw = bytes(raw)
        try:
            message = parse_message(raw)
        except MessageError:
            continue  # held as malformed: nothing acts
        try:
            found = check_sender(raw, message, BOX, LOOKUP)
        except IndexError:
            continue  # hole 7: held as internal_error, nothing acts
        if message.header_problem is not None or not found.verified:
            continue
        verified += 1
        ours = (message.from_address, " ".join(message.subject.split()), " ".join(message.text.split()))
        if dkimpy_reading(raw) != ours:
            misread.append(raw)
    assert verified > 0, verified  # most edits are now held as ambiguous_header: those that act are read right
    assert not misread, f"{len(misread)} of {verified} verified messages read otherwise, e.g. {misread[0][:400]!r}"
