"""Second round of attacks on "one reading" (see tests/test_attack_one_reading.py for the threat).

`test_hole_*` tests assert what Mailflow SHOULD do and fail today (each is reported with input,
outcome, expected outcome and a suggested fix); the others are attacks that are defeated, kept as
regression tests. Pure: the demo office's key signs as the office's server would, no DNS.
"""

from __future__ import annotations

import pytest

from mailflow.domain import ReplyMatch
from mailflow.inbound.triage import Action
from tests.test_attack_one_reading import BY_SUBJECT, captured, decide, signed_by_office, signed_from
from tests.test_one_reading import AR_BOX, KADIS, MAILBOX, STAFF, D, stamp

CLERK = f"agenda@{D}"
TAG = "Re: [SM 001/2026] Undangan"
ACTING = {Action.REPLY, Action.FILE, Action.CORRECT, Action.STATUS}
# What OpenDKIM signs of a mail without a Subject: the headers present (it oversigns From only).
PRESENT_ONLY = [b"from", b"to", b"date", b"message-id"]
VERDICT = f"mx.{D}; dkim=pass header.d={D} header.s=mailflow; dmarc=pass header.from={D}"


def captured_without_subject(sender: str = KADIS, headers: list[bytes] | None = PRESENT_ONLY) -> bytes:
    """A genuine signed mail of `sender` to a staff member, with no Subject (a quick "thanks")."""
    raw = (
        f"From: {sender}\r\nTo: {STAFF}\r\nDate: Tue, 01 Dec 2026 09:00:00 +0700\r\n"
        f"Message-ID: <captured-2@{D}>\r\n\r\nTerima kasih.\r\n"
    ).encode()
    return signed_by_office(raw, headers)


# == HOLE A: a Subject the evidence does not cover starts a STATUS request as the head ============
#
# status_request acts on the Subject ("STATUS 001/SM/2026") once From is verified, but never asks
# whether the verified signature covers Subject (our_thread does, for subject tags). A captured
# signed mail of the head that has no Subject (a signer signs the headers present; only From is
# oversigned by OpenDKIM's default) gets one prepended: the signature still verifies.


def test_hole_unsigned_subject_makes_a_status_request_as_the_head_dkim() -> None:
    forged = b"Subject: STATUS 001/SM/2026\r\n" + captured_without_subject()
    message, verdict = decide(forged)
    assert message.from_address == KADIS
    # Today: STATUS for kadis (the registry answers the head about any letter number the attacker picks).
    assert verdict.action not in ACTING, verdict


@pytest.mark.xfail(strict=True, reason="known, left: our server's verdict names no signed headers; refusing STATUS on it would refuse every STATUS in authentication-results mode (the answer goes to the head, not the attacker)")
def test_hole_unsigned_subject_makes_a_status_request_as_the_head_server_verdict() -> None:
    """Our server's verdict names no headers at all: its word cannot vouch for the Subject."""
    forged = stamp(VERDICT, b"Subject: STATUS 001/SM/2026\r\n" + captured_without_subject())
    message, verdict = decide(forged, box=AR_BOX)
    assert message.from_address == KADIS
    assert verdict.action not in ACTING, verdict


def test_status_with_a_signed_subject_still_acts() -> None:
    """The fix must keep the real thing working: the head's own signed STATUS request."""
    raw = (
        f"From: {KADIS}\r\nTo: {MAILBOX}\r\nSubject: STATUS 001/SM/2026\r\n"
        f"Date: Tue, 01 Dec 2026 09:00:00 +0700\r\nMessage-ID: <status-1@{D}>\r\n\r\n-\r\n"
    ).encode()
    _message, verdict = decide(signed_by_office(raw, [*PRESENT_ONLY, b"subject"]))
    assert verdict.action == Action.STATUS, verdict


def test_oversigned_absent_subject_cannot_be_added() -> None:
    """A signer that oversigns Subject (dkimpy lists every name given) defeats hole A."""
    forged = b"Subject: STATUS 001/SM/2026\r\n" + captured_without_subject(headers=None)
    _message, verdict = decide(forged)
    assert verdict.action not in ACTING, verdict


# == HOLE B: a signed mail of the clerk to someone else, redirected, is filed as a new letter =====
#
# clerk_letter files whatever a verified clerk sends; nothing asks whether the signed To/Cc names
# the mailbox at all. Anyone the clerk ever wrote to (a citizen, another office) can redirect that
# signed mail to the mailbox (RCPT TO only, nothing edited) and it is registered as a letter.


@pytest.mark.xfail(strict=True, reason="known, left: requiring the mailbox in the signed To/Cc would hold every letter a clerk sends to it by Bcc")
def test_hole_redirected_clerk_mail_to_someone_else_is_filed() -> None:
    captured = captured_without_subject(CLERK, headers=None)
    message, verdict = decide(captured)
    assert message.from_address == CLERK and MAILBOX not in message.to_addresses
    # Today: FILE (clerk_letter). Expected: held for an admin (or at least not filed).
    assert verdict.action != Action.FILE, verdict


# == HOLE C: with our server's verdict, an unsigned Subject aims a clerk's mail at a receipt =======
#
# our_thread lets a receipt found by its subject tag act on our server's verdict, which names no
# headers ("a receipt correction changes only registry fields"). So anyone holding one signed mail
# of the clerk that has no Subject prepends "Subject: Re: [SM 001/2026] ..." and the clerk's text is
# applied as a correction of that letter (dkim mode rejects the same mail: unsigned_thread).


@pytest.mark.xfail(strict=True, reason="known, left: refusing receipt threads on our server's verdict would refuse every clerk correction in authentication-results mode")
def test_hole_unsigned_subject_aims_a_clerk_mail_at_a_receipt_with_the_server_verdict() -> None:
    receipt = ReplyMatch(kind="receipt", letter_id=1, owners=(CLERK,), disposition_id=None, via="subject")
    raw = b"Subject: Re: [SM 001/2026] Tanda terima\r\n" + captured_without_subject(CLERK)
    _message, verdict = decide(stamp(VERDICT, raw), box=AR_BOX, reply=receipt)
    # Today: CORRECT. Expected: REJECT unsigned_thread, as in dkim mode.
    assert verdict.action != Action.CORRECT, verdict
    _message, verdict = decide(raw, reply=receipt)
    assert (verdict.action, verdict.reason) == (Action.REJECT, "unsigned_thread"), verdict


# == HOLE D: an mbox "From " line ending the header is unsigned text at the top of the body ========
#
# The stdlib pushes a "From ..." line that is the last line of the header back into the body, with
# no defect; dkimpy skips any "From " line of the header (an mbox envelope line) and verifies. So
# anyone holding one signed mail of the head writes their own first line above the head's words.


def test_hole_mbox_from_line_puts_unsigned_text_above_the_heads_signed_reply() -> None:
    genuine = captured(KADIS, TAG, "Setuju.\n")
    end = genuine.find(b"\r\n\r\n") + 2
    forged = genuine[:end] + b"From Tolak, arsipkan saja\r\n" + genuine[end:]
    message, verdict = decide(forged, reply=BY_SUBJECT)
    assert message.from_address == KADIS and "Tolak" in message.text  # what Mailflow reads today
    # Today: REPLY (verified, subject covered) on text the signature does not cover.
    assert (verdict.action, verdict.check) == (Action.QUARANTINE, "one_reading"), verdict


def test_mbox_from_line_first_is_an_envelope_for_both_readers() -> None:
    """On the first line both readers skip it: Mailflow's text is the signed body."""
    message, verdict = decide(b"From Tolak\r\n" + captured(KADIS, TAG, "Setuju.\n"), reply=BY_SUBJECT)
    assert "Tolak" not in message.text and verdict.action == Action.REPLY


# == Defeated: header-block splits and From variants =============================================


def staff_mail(middle: str, body: str = "Arsipkan") -> bytes:
    """Staff's own signed mail with `middle` written among its headers."""
    raw = f"To: {MAILBOX}\r\nSubject: {TAG}\r\nMessage-ID: <attack2-1@{D}>\r\n{middle}\r\n{body}\r\n"
    return signed_by_office(raw.encode())


SPLITS = {
    "vertical tab": f"X-C: -\x0bFrom: {KADIS}\r\nFrom: {STAFF}\r\n",
    "form feed": f"X-C: -\x0cFrom: {KADIS}\r\nFrom: {STAFF}\r\n",
    "file separator": f"X-C: -\x1cFrom: {KADIS}\r\nFrom: {STAFF}\r\n",
    "record separator": f"X-C: -\x1eFrom: {KADIS}\r\nFrom: {STAFF}\r\n",
    "NUL": f"X-C: -\x00From: {KADIS}\r\nFrom: {STAFF}\r\n",
    "whitespace-only line": f"X-C: -\r\n \t \r\nFrom: {STAFF}\r\n",
    "line past 998 characters": f"X-L: {'x' * 2000}\r\nFrom: {STAFF}\r\n",
    "LF CRLF blank line": f"X-C: -\n\r\nFrom: {KADIS}\r\n\r\nFrom: {STAFF}\r\n",
    "top-level message/rfc822": f"From: {STAFF}\r\nContent-Type: message/rfc822\r\n\r\nFrom: {KADIS}\r\n",
}


@pytest.mark.parametrize("middle", SPLITS.values(), ids=SPLITS.keys())
def test_staff_cannot_split_the_header_block(middle: str) -> None:
    raw = staff_mail(middle)
    message, verdict = decide(raw, reply=BY_SUBJECT)
    assert message.from_address in (STAFF, "")
    assert verdict.action not in ACTING, verdict


GROUPS = [f"undisclosed-recipients:; {KADIS}", f":; {KADIS}", f"{KADIS}, :;", f"{STAFF}, :;"]


@pytest.mark.parametrize("value", GROUPS)
def test_from_with_an_empty_group_has_no_single_reading(value: str) -> None:
    raw = staff_mail(f"From: {value}\r\n")
    assert signed_from(raw) == [value.encode()]
    _message, verdict = decide(raw, reply=BY_SUBJECT)
    assert (verdict.action, verdict.check) == (Action.QUARANTINE, "one_reading"), verdict


def test_large_message_read_in_chunks_keeps_the_signed_from() -> None:
    """A large base64 body is decoded in chunks: the header read is still the raw one."""
    lines = "\r\n".join(["QUFB" * 19] * 4000)
    raw = staff_mail(f"From: {STAFF}\r\nContent-Transfer-Encoding: base64\r\n", body=lines)
    message, verdict = decide(raw, reply=BY_SUBJECT)
    assert message.from_address == STAFF
    assert verdict.action not in ACTING, verdict
