"""One reading: Mailflow acts on the header that was verified, read the way the verifier and the
mail server read it, or refuses the message. Pure: the demo office's key signs, no DNS."""

from __future__ import annotations

import base64
import random
import time
from email.message import EmailMessage
from email.utils import formataddr

import dkim as dkimpy
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from mailflow.config import MailboxSettings
from mailflow.demo import dkim
from mailflow.inbound.authenticity import MAX_SIGNATURES, check_sender, from_dkim, from_results
from mailflow.inbound.triage import Inbound, one_reading
from mailflow.net.dkim_keys import pinned
from mailflow.net.dns import CachedTxt
from mailflow.office.load import load_rules
from mailflow.text.headers import SINGLE, decoded, single_address
from mailflow.text.parsing import parse_message
from tests.support import REPO, clients
from tests.support.signed import header_mutation, misread

D = "probolinggokab.example"
KADIS, STAFF, MAILBOX = f"kadis@{D}", f"staff@{D}", f"surat@{D}"
BOX = MailboxSettings(name="surat", address=MAILBOX)
AR_BOX = BOX.model_copy(update={"authserv_id": f"mx.{D}", "verify_senders": "authentication-results"})
RULES = load_rules(REPO / "rules")
LOOKUP = pinned({dkim.RECORD_NAME: dkim.RECORD}, lambda name: None)


def b64(text: str) -> str:
    return f"=?UTF-8?B?{base64.b64encode(text.encode()).decode()}?="


def mail(sender: str = STAFF, body: str = "Siap.\n", **headers: str) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, MAILBOX, "Re: [SM 001/2026] Undangan"
    msg["Message-ID"] = f"<reply-1@{D}>"
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg.as_bytes().replace(b"\n", b"\r\n")


def raw_from(value: str, body: bytes = b"Siap.\r\n") -> bytes:
    """A message whose From header is exactly `value`, as an attacker writes it."""
    return (
        f"From: {value}\r\nTo: {MAILBOX}\r\nSubject: Re: [SM 001/2026] Undangan\r\n"
        f"Message-ID: <x-1@{D}>\r\n\r\n"
    ).encode("utf-8", "surrogateescape") + body


# -- From: split first, decode the display name after ------------------------------------------

HOSTILE_FROM = {
    "encoded display name naming the head (the critical one)": f"{b64(KADIS + ' (é')} <{STAFF}>",
    "quoted display name naming the head": f'"{KADIS}" <{STAFF}>',
    "comment naming the head": f"{STAFF} ({KADIS})",
    "encoded address part": f"<{b64('kadis')}@{D}>",
    "a whole encoded address": b64(KADIS),
    "two addresses": f"{KADIS}, {STAFF}",
    "a group": f"Pimpinan: {KADIS};",
    "an empty group before the address": f"undisclosed-recipients:; <{STAFF}>",
    "CVE-2023-27043 shape": f"{KADIS})<{STAFF}>",
    "escaped quote hiding an address": f'"Budi\\" <{KADIS}>" <{STAFF}>',
    "two angle addresses": f"Kadis <{KADIS}> <{STAFF}>",
    "encoded quoted-printable @": f"=?UTF-8?Q?kadis=40{D}?= <{STAFF}>",
    "a header of 5000 characters": "A" * 5000 + f" <{STAFF}>",
}


@pytest.mark.parametrize("value", HOSTILE_FROM.values(), ids=HOSTILE_FROM.keys())
def test_a_from_that_reads_two_ways_has_no_address_and_is_held(value: str) -> None:
    message = parse_message(raw_from(value))
    assert message.from_address == ""
    assert message.header_problem is not None and message.header_problem.reason == "ambiguous_from"
    verdict = one_reading_of(message)
    assert verdict is not None and verdict.reason == "ambiguous_from" and not verdict.notify_sender


PLAIN_FROM = {
    "Gmail": (f'"Drs. Budi Santoso, M.Si." <{STAFF}>', "Drs. Budi Santoso, M.Si."),
    "Outlook": (f'"Santoso, Budi" <{STAFF}>', "Santoso, Budi"),
    "Thunderbird, encoded": (f"=?UTF-8?Q?Bu_Sri_Wahyuni_=C3=A9?= <{STAFF}>", "Bu Sri Wahyuni é"),
    "iPhone": (f"Budi <{STAFF}>", "Budi"),
    "bare address": (STAFF, ""),
    "address in capitals": (f"Budi <{STAFF.upper()}>", "Budi"),
    "the same address in the display name": (f'"{STAFF}" <{STAFF}>', STAFF),
    "raw UTF-8 (RFC 6532)": (f"Bu Sri é <{STAFF}>", "Bu Sri é"),
    "folded": (f"=?UTF-8?Q?Budi?=\r\n <{STAFF}>", "Budi"),
}


@pytest.mark.parametrize(("value", "name"), PLAIN_FROM.values(), ids=PLAIN_FROM.keys())
def test_the_froms_real_clients_write_read_one_way(value: str, name: str) -> None:
    message = parse_message(raw_from(value))
    assert (message.from_address, message.from_name, message.header_problem) == (STAFF, name, None)


def one_reading_of(message):
    return one_reading(Inbound(message=message, mailbox=BOX, rules=RULES))


_TRICKY = st.lists(st.sampled_from([*'ab @.<>"(),;:\\=?é\r\n \t', "=?UTF-8?B?", "?="]), max_size=30).map("".join)


@settings(max_examples=400, deadline=None)
@given(before=_TRICKY, after=_TRICKY, encode=st.booleans())
@example(before="a=?UTF-8?B??", after="", encode=True)  # an empty encoded word ends where the head's starts
def test_property_a_from_that_mentions_the_head_anywhere_is_never_read_as_anyone(
    before: str, after: str, encode: bool
) -> None:
    """Whatever an attacker writes around the address their server lets them use, a header that
    also names the head (raw or encoded) yields no address at all: never the head, never staff."""
    head = b64(KADIS) if encode else KADIS
    reading = single_address(f"{before}{head}{after} <{STAFF}>")
    assert reading.address == ""


@settings(max_examples=300, deadline=None)
@given(name=st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=60))
def test_property_a_display_name_a_client_encodes_never_changes_the_address(name: str) -> None:
    """Any display name, encoded by a correct client, reads back as the client's address or is
    held: the address never comes out of the name."""
    header = formataddr((name, STAFF))
    reading = single_address(header)
    assert reading.address in (STAFF, "")
    if reading.address == "":
        assert "@" in decoded(header.rpartition("<")[0]) or reading.problem


# -- headers RFC 5322 allows once ----------------------------------------------------------------


@pytest.mark.parametrize("name", SINGLE)
def test_a_second_once_only_header_is_refused(name: str) -> None:
    raw = mail()
    extra = f"{name.title()}: <dup@{D}>\r\n".encode()
    above, below = 2 * extra + raw, raw.replace(b"\r\n\r\n", b"\r\n" + 2 * extra + b"\r\n", 1)
    for doubled in (above, below) if name in ("from", "to", "subject", "message-id") else (above,):
        message = parse_message(doubled)
        assert message.header_problem is not None and message.header_problem.reason == "duplicate_header"
        assert name in message.header_problem.detail


def stamp(value: str, raw: bytes | None = None) -> bytes:
    """`raw` with an Authentication-Results header exactly as given, on top."""
    return f"Authentication-Results: {value}\r\n".encode() + (raw if raw is not None else mail())


def test_trace_headers_are_kept_as_the_server_wrote_them() -> None:
    stamped = f"{b64(f'mx.{D}; dmarc=pass header.from={D}')}"
    message = parse_message(stamp(stamped))
    assert message.header("Authentication-Results") == stamped
    assert not from_results(message, AR_BOX).verified


# -- DKIM: strict alignment, whole body, bounded ----------------------------------------------------


def any_key(name: str) -> str:
    return dkim.RECORD  # the demo key at any name: only alignment can refuse


def sign(raw: bytes, domain: str = D, **options) -> bytes:
    header = dkimpy.sign(
        raw, dkim.SELECTOR.encode(), domain.encode(), dkim.PRIVATE_KEY, include_headers=dkim.SIGNED_HEADERS, **options
    )
    return header + raw


def verdict(raw: bytes, box: MailboxSettings = BOX, lookup=LOOKUP):
    return check_sender(raw, parse_message(raw), box, lookup)


def test_a_subdomain_or_a_parent_signature_does_not_vouch_for_the_office() -> None:
    assert verdict(sign(mail(), D), lookup=any_key).verified
    assert not verdict(sign(mail(), f"smpn1.{D}"), lookup=any_key).verified
    assert not verdict(sign(mail(sender=f"kadis@dinas.{D}"), D), lookup=any_key).verified
    listed = BOX.model_copy(update={"signing_domains": {D: [f"mail.{D}"]}})
    assert verdict(sign(mail(), f"mail.{D}"), listed, any_key).verified


def test_a_key_at_a_public_suffix_vouches_for_nobody() -> None:
    listed = BOX.model_copy(update={"signing_domains": {"dinas.go.id": ["go.id"]}})
    raw = sign(mail(sender="kadis@dinas.go.id"), "go.id")
    found = verdict(raw, listed, any_key)
    assert not found.verified and "not aligned" in found.detail


def test_a_signature_over_part_of_the_body_does_not_cover_an_appended_line() -> None:
    signed = sign(mail(body="Siap.\n"), length=True)
    assert verdict(signed).verified  # l= covering all of it is fine
    appended = signed + b"Arsipkan\r\n"
    found = verdict(appended)
    assert not found.verified and "first" in found.detail


def test_many_signatures_cost_a_few_lookups() -> None:
    asked: list[str] = []

    def counting(name: str) -> str | None:
        asked.append(name)
        return None

    raw = mail()
    for n in range(200):
        raw = sign(raw, D).replace(b"s=mailflow", f"s=k{n}".encode(), 1)
    found = check_sender(raw, parse_message(raw), BOX, counting)
    assert not found.verified
    assert len(asked) == MAX_SIGNATURES
    assert "more signatures not checked" in found.detail


def test_a_signature_that_passes_after_failing_ones_is_found_and_the_clock_bounds_the_rest() -> None:
    good = sign(mail())
    raw = good
    for n in range(2):
        raw = sign(raw, D).replace(b"s=mailflow", f"s=gone{n}".encode(), 1)
    assert verdict(raw).verified  # two dead keys first, then the good one: within the three
    ticks = iter([0.0, 0.0, 100.0, 100.0, 100.0])
    late = from_dkim(raw, parse_message(raw), BOX, LOOKUP, clock=lambda: next(ticks))
    assert not late.verified and "time for this message ran out" in late.detail


def test_the_verdict_names_what_the_signature_covered() -> None:
    found = verdict(sign(mail()))
    assert found.covered is not None and {"from", "subject", "in-reply-to"} <= found.covered
    narrow = dkimpy.sign(mail(), b"mailflow", D.encode(), dkim.PRIVATE_KEY, include_headers=[b"from", b"date"])
    partial = verdict(narrow + mail())
    assert partial.verified and partial.covered == {"from", "date"}


# -- Authentication-Results: parsed, our server's topmost only -------------------------------------

REAL_RESULTS = {
    "Gmail": (
        f"mx.{D}; dkim=pass header.i=@{D} header.s=20230601 header.b=AbCdEf; spf=pass (google.com: "
        f"domain of staff@{D} designates 1.2.3.4 as permitted sender) smtp.mailfrom=staff@{D}; "
        f"dmarc=pass (p=NONE sp=NONE dis=NONE) header.from={D}"
    ),
    "Postfix + OpenDKIM": (
        f"mx.{D}; dkim=pass (2048-bit key; unprotected) header.d={D} header.i=@{D} header.a=rsa-sha256 "
        f"header.s=mail header.b=AbCd"
    ),
    "Postfix + OpenDMARC": f"mx.{D}; dmarc=pass (p=none dis=none) header.from={D}",
    "rspamd": (
        f"mx.{D}; dkim=pass header.d={D} header.s=dkim header.b=AbCd; spf=pass (mx.{D}: domain of "
        f"staff@{D} designates 1.2.3.4 as permitted sender) smtp.mailfrom=staff@{D}; dmarc=pass "
        f"(policy=none) header.from={D}"
    ),
    "a version number": f"mx.{D} 1; dkim=pass header.d={D}",
}


@pytest.mark.parametrize("value", REAL_RESULTS.values(), ids=REAL_RESULTS.keys())
def test_our_servers_real_formats_vouch(value: str) -> None:
    assert from_results(parse_message(stamp(value)), AR_BOX).verified


HOSTILE_RESULTS = {
    "dkim=pass inside an SPF envelope sender (Gmail's format)": (
        f"mx.{D}; spf=pass smtp.mailfrom=dkim=pass.header.d={D}@evil.example; dkim=none"
    ),
    "dkim=pass inside a comment": f"mx.{D}; dkim=fail (dkim=pass header.d={D}) header.d={D}",
    "a subdomain's pass": f"mx.{D}; dkim=pass header.d=smpn1.{D}",
    "dmarc for a parent": f"mx.{D}; dmarc=pass header.from=example",
    "header.d given twice": f"mx.{D}; dkim=pass header.d=evil.example header.d={D}",
    "a reason naming a pass": f"mx.{D}; dkim=neutral reason=\"dkim=pass header.d={D}\"",
    "policy property naming the domain": f"mx.{D}; dkim=pass policy.d={D} header.d=evil.example",
    "another server's name with ours inside": f"mx.{D}.evil.example; dkim=pass header.d={D}",
    "nested comments 5000 deep": f"mx.{D}; dkim=pass header.d={D} " + "(" * 5000,
    "a header of 20 KB": f"mx.{D}; " + "spf=none smtp.mailfrom=x; " * 800 + f"dkim=pass header.d={D}",
    "Microsoft 365 (no authserv-id)": (
        f"spf=pass (sender IP is 1.2.3.4) smtp.mailfrom={D}; dkim=pass (signature was verified) "
        f"header.d={D};dmarc=pass action=none header.from={D};compauth=pass reason=100"
    ),
}


@pytest.mark.parametrize("value", HOSTILE_RESULTS.values(), ids=HOSTILE_RESULTS.keys())
def test_hostile_results_vouch_for_nobody(value: str) -> None:
    assert not from_results(parse_message(stamp(value)), AR_BOX).verified


def test_only_the_topmost_of_our_servers_stamps_is_read() -> None:
    forged_below = stamp(f"mx.{D}; dkim=pass header.d={D}")
    ours_on_top = stamp(f"mx.{D}; dkim=fail header.d={D}", forged_below)
    assert not from_results(parse_message(ours_on_top), AR_BOX).verified
    another_on_top = stamp("mx.google.com; dkim=fail", forged_below)
    assert from_results(parse_message(another_on_top), AR_BOX).verified


@settings(max_examples=300, deadline=None)
@given(value=st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=300))
def test_property_any_results_header_is_read_or_refused_in_time(value: str) -> None:
    start = time.perf_counter()
    message = parse_message(stamp(f"mx.{D}; {value}"))
    found = from_results(message, AR_BOX)
    assert found.how == "authentication-results"
    assert time.perf_counter() - start < 5


# -- the differential test: what Mailflow acts on is what the signature covered -------------------


def _clients() -> list[bytes]:
    """Replies shaped as real clients write them (tests/support/clients), signed by the office."""
    original = EmailMessage()
    original["From"], original["To"], original["Subject"] = MAILBOX, KADIS, "[SM 001/2026] Undangan"
    original["Message-ID"] = f"<req-1@{D}>"
    original.set_content("Mohon disposisi.\n\nKode balasan: abc\n")
    writers = [clients.gmail_android_id, clients.iphone_id, clients.outlook_html_only, clients.thunderbird_bottom]
    return [sign(w(original, f"Pak Kadis <{KADIS}>", "Siap").as_bytes().replace(b"\n", b"\r\n")) for w in writers]


def test_differential_what_is_acted_on_equals_what_the_signature_covered() -> None:
    rng = random.Random(20261202)
    acted = refused = unverified = 0
    for _ in range(2000):
        raw = header_mutation(rng, rng.choice(SIGNED))
        message = parse_message(raw)
        found = check_sender(raw, message, BOX, LOOKUP)
        if message.header_problem is not None:
            refused += 1
            continue
        if not found.verified:
            unverified += 1
            continue
        acted += 1
        assert misread(message, raw, LOOKUP) == ""
    assert acted > 200 and refused > 200 and unverified > 100, (acted, refused, unverified)


SIGNED = _clients()


def test_dns_answers_are_kept_for_their_ttl_and_no_longer() -> None:
    asked: list[str] = []
    now = [0.0]

    def resolve(name: str) -> tuple[str | None, float]:
        asked.append(name)
        return (dkim.RECORD if name.startswith("mailflow.") else None), 300.0

    lookup = CachedTxt(resolve, clock=lambda: now[0])
    for _ in range(200):
        assert lookup(f"Mailflow._domainkey.{D}.") == dkim.RECORD
        assert lookup(f"gone._domainkey.{D}") is None
    assert asked == [f"mailflow._domainkey.{D}", f"gone._domainkey.{D}"]
    now[0] = 301.0
    lookup(f"mailflow._domainkey.{D}")
    assert len(asked) == 3
