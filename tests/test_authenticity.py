"""Sender verification as pure functions: DKIM against a pinned key, alignment, and which
Authentication-Results count."""

from __future__ import annotations

from email.message import EmailMessage

from mailflow.config import MailboxSettings
from mailflow.demo import dkim
from mailflow.inbound.authenticity import check_sender, from_results, signer_accepted
from mailflow.net.dkim_keys import pinned
from mailflow.text.parsing import parse_message

BOX = MailboxSettings(name="surat", address="surat@probolinggokab.example")
AR_BOX = BOX.model_copy(update={"authserv_id": "mx.probolinggokab.example"})


def _mail(sender: str = "agenda@probolinggokab.example", **headers: str) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, BOX.address, "Surat"
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content("Terlampir.")
    return msg.as_bytes()


def _never(name: str) -> str | None:
    raise AssertionError(f"DNS asked for {name}")


LOOKUP = pinned({dkim.RECORD_NAME: dkim.RECORD}, _never)


def test_a_signature_of_the_office_verifies_against_the_pinned_key() -> None:
    raw = dkim.sign(_mail())
    found = check_sender(raw, parse_message(raw), BOX, LOOKUP)
    assert found.verified and found.how == "dkim"


def test_unsigned_altered_and_unaligned_mail_is_not_verified() -> None:
    unsigned = _mail()
    assert not check_sender(unsigned, parse_message(unsigned), BOX, LOOKUP).verified
    altered = dkim.sign(_mail()).replace(b"Terlampir.", b"Diubah.")
    tampered = check_sender(altered, parse_message(altered), BOX, LOOKUP)
    assert not tampered.verified and "body hash mismatch" in tampered.detail
    other = dkim.sign(_mail(sender="kadis@elsewhere.example"))  # signed by the office, From elsewhere
    assert "not aligned" in check_sender(other, parse_message(other), BOX, LOOKUP).detail


def test_mail_as_imap_delivers_it_crlf_verifies_the_same_without_copying_its_body() -> None:
    """CRLF line ends take the path that hands dkimpy the body as one slice (large scans)."""
    signed = dkim.sign(_mail().replace(b"\n", b"\r\n"))
    assert b"\n" not in signed.replace(b"\r\n", b"")
    assert check_sender(signed, parse_message(signed), BOX, LOOKUP).verified
    altered = signed.replace(b"Terlampir.", b"Diubah.")
    tampered = check_sender(altered, parse_message(altered), BOX, LOOKUP)
    assert not tampered.verified and "body hash mismatch" in tampered.detail
    padded = signed.replace(b"Terlampir.\r\n", b"Terlampir.\r\n\r\n\r\n")  # trailing lines ignored
    assert check_sender(padded, parse_message(padded), BOX, LOOKUP).verified


def test_a_pinned_domain_is_never_asked_of_dns_and_others_are() -> None:
    asked: list[str] = []
    lookup = pinned({dkim.RECORD_NAME: dkim.RECORD}, lambda name: asked.append(name) or None)
    assert lookup("other._domainkey.probolinggokab.example.") is None
    assert lookup("s1._domainkey.kemendagri.example") is None
    assert asked == ["s1._domainkey.kemendagri.example"]


def test_alignment_is_strict_unless_the_mailbox_lists_a_signer() -> None:
    assert signer_accepted("Probolinggokab.example.", "probolinggokab.example", BOX)
    assert not signer_accepted("smpn1.probolinggokab.example", "probolinggokab.example", BOX)
    assert not signer_accepted("probolinggokab.example", "dinas.probolinggokab.example", BOX)
    assert not signer_accepted("evil.example", "probolinggokab.example", BOX)
    listed = BOX.model_copy(update={"signing_domains": {"probolinggokab.example": ["mail.probolinggokab.example"]}})
    assert signer_accepted("mail.probolinggokab.example", "probolinggokab.example", listed)
    assert not signer_accepted("mail.probolinggokab.example", "other.example", listed)


def test_a_public_suffix_never_signs_even_when_listed() -> None:
    listed = BOX.model_copy(update={"signing_domains": {"dinas.go.id": ["go.id"], "go.id": ["go.id"]}})
    assert not signer_accepted("go.id", "dinas.go.id", listed)
    assert not signer_accepted("go.id", "go.id", listed)
    assert not signer_accepted("example", "example", listed)


def test_only_our_own_server_is_believed() -> None:
    theirs = parse_message(
        _mail(Authentication_Results="evil.example; dkim=pass header.d=probolinggokab.example")
    )
    assert not from_results(theirs, AR_BOX).verified
    ours = parse_message(
        _mail(
            Authentication_Results="mx.probolinggokab.example; dmarc=pass header.from=probolinggokab.example"
        )
    )
    assert from_results(ours, AR_BOX).verified
    failed = parse_message(_mail(Authentication_Results="mx.probolinggokab.example; dkim=fail header.d=x"))
    assert not from_results(failed, AR_BOX).verified


def test_policy_off_verifies_nobody() -> None:
    raw = dkim.sign(_mail())
    off = BOX.model_copy(update={"verify_senders": "off"})
    assert not check_sender(raw, parse_message(raw), off, LOOKUP).verified


def test_a_signature_with_broken_base64_is_no_signature() -> None:
    """Found by bench/fuzz.py: dkimpy raised binascii.Error from a mangled bh= tag."""
    raw = dkim.sign(_mail())
    start = raw.index(b" bh=") + 4  # the body hash
    broken = raw[:start] + b"A=B" + raw[start + 3 :]
    found = check_sender(broken, parse_message(broken), BOX, LOOKUP)
    assert not found.verified
