"""The DKIM body hash computed in chunks (text/dkim_body.py) against dkimpy's own, and the
sender check built on it against dkimpy's whole-message verification: on generated bodies, on
the mail of the phone and desktop clients the tests imitate, signed in every canonicalisation,
and on bench/fuzz.py's mutations of them."""

from __future__ import annotations

import base64
import hashlib
import random
import re
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import dkim as dkimpy
import pytest
from dkim.canonicalization import CanonicalizationPolicy, InvalidCanonicalizationPolicyError, Relaxed, Simple
from dkim.util import InvalidTagValueList, parse_tag_value

from bench.fuzz import mutate, seeds
from mailflow.config import MailboxSettings
from mailflow.demo import dkim
from mailflow.inbound.authenticity import _Checker, check_sender
from mailflow.net.dkim_keys import pinned
from mailflow.raw import RawMessage
from mailflow.text.dkim_body import body_hash, body_start
from mailflow.text.parsing import parse_message
from tests.support import clients
from tests.support.letters import gmail_forward, pdf_letter

BOX = MailboxSettings(name="surat", address="surat@probolinggokab.example")
LOOKUP = pinned({dkim.RECORD_NAME: dkim.RECORD}, lambda name: None)
CANONICALISATIONS = [b"simple/simple", b"relaxed/relaxed", b"relaxed/simple", b"simple/relaxed"]


def _dkimpy_body(raw: bytes) -> bytes:
    """The body as dkimpy's verifier holds it (its rfc822_parse: lines joined again by CRLF)."""
    return dkimpy.rfc822_parse(raw)[1]


def _pieces(data: bytes, rng: random.Random) -> Iterator[bytes]:
    at = 0
    while at < len(data):
        step = rng.choice((1, 2, 3, 7, 64, 4096))
        yield data[at : at + step]
        at += step


# Bytes that canonicalisation treats specially, and a little content around them.
_ALPHABET = [b"\r", b"\n", b"\r\n", b" ", b"\t", b"  \t", b"a", b"b c", b"\x00", b"\xff", b"\x0b", b"\r\r"]


@pytest.mark.parametrize("relaxed", [False, True], ids=["simple", "relaxed"])
def test_generated_bodies_hash_as_dkimpy_canonicalises_them_in_any_chunking(relaxed: bool) -> None:
    """Trailing empty lines, blank runs, CRLF against LF and lone CRs, binary, empty: 3,000 bodies,
    each cut at random places (a CR at the end of one chunk and its LF in the next)."""
    rng = random.Random(25)
    algorithm = Relaxed if relaxed else Simple
    for _ in range(3000):
        body = b"".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, 40)))
        body += rng.choice([b"", b"\r\n", b"\n\n", b"\r\n\r\n \r\n", b" \t", b"\r"])
        canonical = algorithm.canonicalize_body(b"\r\n".join(re.split(b"\r?\n", body)))
        limit = rng.choice([None, None, 0, len(canonical) // 2, len(canonical) + 5])
        ours = body_hash(_pieces(body, rng), relaxed=relaxed, algorithm=b"rsa-sha256", limit=limit)
        assert ours.length == len(canonical), body
        assert ours.digest == hashlib.sha256(canonical[:limit]).digest(), body


def test_long_runs_of_empty_lines_and_blanks_cost_chunk_sized_memory() -> None:
    """8 MB of empty lines, or of blanks, in 64 KB chunks: the pending CRLFs are a count, a blank
    run one space. (dkimpy's own pattern for blanks before a line end is quadratic on the second:
    the canonical forms are written out here.)"""
    run = 4 << 20
    cases = [
        (b"\r\n" * run + b"x\r\n", b"\r\n" * run + b"x\r\n", b"\r\n" * run + b"x\r\n"),
        (b" \t" * run + b"x", b" \t" * run + b"x\r\n", b" x\r\n"),
        (b"x" + b"\r\n" * run, b"x\r\n", b"x\r\n"),
        (b"x" + b" \t" * run + b"\r\n", b"x" + b" \t" * run + b"\r\n", b"x\r\n"),
    ]
    for body, simple, relaxed in cases:
        for is_relaxed, canonical in ((False, simple), (True, relaxed)):
            chunks = (body[at : at + 65536] for at in range(0, len(body), 65536))
            tracemalloc.start()
            got = body_hash(chunks, relaxed=is_relaxed, algorithm=b"rsa-sha256")
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            assert got.digest == hashlib.sha256(canonical).digest() and got.length == len(canonical)
            assert peak < 1 << 20, peak


def test_the_body_starts_where_dkimpy_ends_the_header() -> None:
    for raw in (b"A: b\r\n\r\nbody", b"A: b\n\nbody", b"A: b\r\n\nbody", b"\r\nbody", b"A: b\r\n", b"A: b"):
        start = body_start(raw)
        assert _dkimpy_body(raw) == (b"\r\n".join(re.split(b"\r?\n", raw[start:])) if start else b"")


def _client_mail() -> list[bytes]:
    """What the phone and desktop clients of tests/support/clients.py send, and forwarded letters."""
    request = gmail_forward(pdf=pdf_letter())
    request["Reply-To"] = "surat+d1.abc.aaaaaaaaaaaaaaaa@probolinggokab.example"
    made = [gmail_forward(pdf=pdf_letter()).as_bytes()]
    for name in dir(clients):
        client = getattr(clients, name)
        if callable(client) and not name.startswith("_") and name.endswith(("_id", "_en", "_bottom", "_flowed")):
            text = "Sekretaris: pelajari   dan laksanakan \t\nbatas 3 hari  \n\n\n"
            made.append(client(request, "kadis@probolinggokab.example", text).as_bytes())
    return made


def _signed(raw: bytes, canonicalize: bytes, length: bool = False) -> bytes:
    header, body = canonicalize.split(b"/")
    signature = dkimpy.sign(
        raw, dkim.SELECTOR.encode(), dkim.DOMAIN.encode(), dkim.PRIVATE_KEY,
        canonicalize=(header, body), include_headers=dkim.SIGNED_HEADERS, length=length,
    )  # fmt: skip
    return signature + raw


def _stated_bh(raw: bytes, index: int = 0) -> tuple[dict[bytes, bytes], bytes] | None:
    checker = dkimpy.DKIM(raw)
    values = [v for n, v in checker.headers if n.lower() == b"dkim-signature"]
    try:
        tags = parse_tag_value(values[index])
    except (InvalidTagValueList, IndexError):
        return None
    return tags, checker.body


def _body_policy(tags: dict[bytes, bytes]):
    """dkimpy's body canonicalisation for c= (simple when c= names the header's alone)."""
    return CanonicalizationPolicy.from_c_value(tags.get(b"c", b"simple/simple")).body_algorithm


def _ours(raw: RawMessage, tags: dict[bytes, bytes]):
    relaxed = _body_policy(tags) is Relaxed
    limit = int(tags[b"l"]) if b"l" in tags else None
    return _Checker(raw).body_hash(relaxed, tags[b"a"], limit)


def test_client_mail_signed_every_way_hashes_as_the_signer_did_and_verifies_alike(tmp_path: Path) -> None:
    """Each client's message, with CRLF (as IMAP delivers) and LF line ends, signed in each
    canonicalisation with and without l=: our hash of it as a spool file is the bh= dkimpy wrote,
    and the sender check verifies it (l= covering the whole body counts)."""
    count = 0
    for n, plain in enumerate(_client_mail()):
        crlf = plain.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        for raw, ways in ((crlf, CANONICALISATIONS), (plain, CANONICALISATIONS[:2])):
            for canonicalize in ways:
                for length in (False, True):
                    signed = _signed(raw, canonicalize, length)
                    spooled = tmp_path / f"{n}.eml"
                    spooled.write_bytes(signed)
                    file = RawMessage(len(signed), "", path=spooled)
                    tags, _ = _stated_bh(signed) or ({}, b"")
                    assert _ours(file, tags).digest == base64.b64decode(tags[b"bh"])
                    found = check_sender(file, parse_message(signed), BOX, LOOKUP)
                    assert found.verified, (canonicalize, length, found.detail)
                    count += 1
    assert count >= 15 * 6 * 2


def test_a_body_grown_past_l_or_changed_does_not_count() -> None:
    raw = clients.gmail_android_id(gmail_forward(), "kadis@probolinggokab.example", "Siap").as_bytes()
    for canonicalize in CANONICALISATIONS:
        signed = _signed(raw, canonicalize, length=True)
        appended = signed + b"\r\nSekretaris: batalkan\r\n"
        found = check_sender(appended, parse_message(appended), BOX, LOOKUP)
        assert not found.verified and "signs only the first" in found.detail
        changed = signed.replace(b"Siap", b"Siaq")
        found = check_sender(changed, parse_message(changed), BOX, LOOKUP)
        assert not found.verified and "body hash mismatch" in found.detail


def _dkimpy_outcome(raw: bytes, index: int) -> str:
    """dkimpy verifying the whole message itself, as the sender check did before."""
    try:
        checker = dkimpy.DKIM(raw, minkey=1024)
        ok = checker.verify(idx=index, dnsfunc=_dns)
    except (dkimpy.DKIMException, ValueError, IndexError) as exc:
        return "body hash mismatch" if "body hash mismatch" in str(exc) else "error"
    return "pass" if ok else "fail"


def _our_outcome(raw: bytes, index: int) -> str:
    try:
        ok = _Checker(RawMessage.of(raw)).verify(idx=index, dnsfunc=_dns)
    except (dkimpy.DKIMException, ValueError, IndexError) as exc:
        return "body hash mismatch" if "body hash mismatch" in str(exc) else "error"
    return "pass" if ok else "fail"


def _dns(name: bytes, timeout: float = 5) -> bytes | None:
    record = LOOKUP(name.decode("ascii", "replace").rstrip("."))
    return record.encode() if record is not None else None


def test_fuzzed_mail_hashes_and_verifies_as_dkimpy_does() -> None:
    """bench/fuzz.py's mutations of signed mail (bit flips, splices, cuts, an attacker's header
    edits): where dkimpy computes a body hash ours is the same, and every signature verifies,
    fails or errs in both alike."""
    rng = random.Random(2512)
    pool = [raw for raw in seeds() if b"DKIM-Signature" in raw]
    pool += [_signed(raw, c) for raw in _client_mail()[:4] for c in CANONICALISATIONS]
    compared = verified = 0
    for _ in range(600):
        raw = mutate(rng.choice(pool), rng)
        for index in range(raw.count(b"DKIM-Signature")):
            stated = _stated_bh(raw, index) if _parses(raw) else None
            if stated is None:
                continue
            tags, body = stated
            try:
                policy = _body_policy(tags)
                limit = int(tags[b"l"]) if b"l" in tags else None
                want = dkimpy.HASH_ALGORITHMS[tags[b"a"]](policy.canonicalize_body(body)[:limit]).digest()
            except (KeyError, ValueError, InvalidCanonicalizationPolicyError):
                continue  # dkimpy computes no body hash for such a signature either
            ours = _ours(RawMessage.of(raw), tags)
            assert ours.digest == want, raw[:200]
            outcome = _our_outcome(raw, index)
            assert outcome == _dkimpy_outcome(raw, index), raw[:200]
            compared += 1
            verified += outcome == "pass"
    assert compared > 300 and verified > 20, (compared, verified)


def _parses(raw: bytes) -> bool:
    try:
        dkimpy.DKIM(raw)
    except dkimpy.DKIMException:
        return False
    return True


def test_a_large_signed_scan_is_verified_from_its_spool_file_in_chunk_sized_memory(tmp_path: Path) -> None:
    """A 14 MB message with its scan in a spool file: verified, a few chunks in memory at once."""
    big = gmail_forward()
    big.add_attachment(random.Random(7).randbytes(10 << 20), maintype="application", subtype="pdf")
    signed = dkim.sign(big.as_bytes().replace(b"\n", b"\r\n"))
    path = tmp_path / "scan.eml"
    path.write_bytes(signed)
    head = parse_message(signed[: signed.index(b"\r\n\r\n") + 4])
    file = RawMessage(len(signed), "", path=path)
    del signed, big
    tracemalloc.start()
    found = check_sender(file, head, BOX, LOOKUP)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert found.verified, found.detail
    assert peak < 6 << 20, peak  # dkimpy alone held the message three times over
