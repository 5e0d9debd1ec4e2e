"""The first clerk letter of an office whose mail server does not sign, as the admin meets it:
`rules test` says it will be held, the poll holds it, the admin releases it, and the release is
in the letter's log while its mail goes out through the service's outbox."""

from __future__ import annotations

from click.testing import CliRunner

from mailflow.cli import cli
from tests.support.letters import gmail_forward, original_letter, pdf_letter
from tests.support.mail import signed

D = "@probolinggokab.example"
CLERK, KADIS, MAILBOX = f"agenda{D}", f"kadis{D}", f"surat{D}"


def run(office, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--config", str(office.config_path), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_rules_test_shows_the_verification_verdict_beside_the_routing(office, tmp_path):
    letter = gmail_forward(pdf=pdf_letter())
    unsigned, dkim_signed = tmp_path / "unsigned.eml", tmp_path / "signed.eml"
    unsigned.write_bytes(letter.as_bytes())
    dkim_signed.write_bytes(signed(letter))
    said = run(office, "rules", "test", str(unsigned))
    assert "verifikasi: tidak bertanda tangan DKIM -> suratnya akan ditahan (sender_unverified)" in said
    assert "bila admin melepaskannya dari karantina" in said and "rule:" in said
    said = run(office, "rules", "test", str(dkim_signed))
    assert "verifikasi: terverifikasi (DKIM signature of probolinggokab.example verified) -> suratnya dicatat" in said
    assert "melepaskannya" not in said
    # with the mailbox's own policy
    office.reconfigure(box_extra='verify_senders = "off"')
    assert 'tidak diperiksa (verify_senders = "off") -> suratnya dicatat' in run(
        office, "rules", "test", str(unsigned)
    )
    outside = tmp_path / "outside.eml"
    outside.write_bytes(original_letter().as_bytes())
    said = run(office, "rules", "test", str(outside))
    assert "tidak diperiksa: pengirim luar -> surat langsung ditahan untuk petugas agenda" in said
    # ... and what it foretold is what the poll does
    office.reconfigure()
    office.mail.send(letter, sign=False)
    assert office.poll().outcomes == {"quarantined": 1}
