"""The example regency (rules/regency) against the real servers: one mailbox per office."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

from mailflow.demo import dkim
from mailflow.office.regency import Regency, load_regency
from tests.support import REPO
from tests.support.letters import gmail_forward, pdf_letter

TREE = REPO / "rules" / "regency"
EXAMPLE: Regency = load_regency(TREE)


def addresses(regency: Regency = EXAMPLE) -> list[str]:
    """Every address of the tree: the servers need a mailbox for each."""
    found = []
    for rules in regency.offices.values():
        found += [a for p in rules.people.values() for a in p.addresses]
        found += [c.email for c in rules.clerks]
        found += [u.mailbox for u in rules.units.values() if u.mailbox]
        found += [rules.admin] if rules.admin else []
    return sorted(set(found))


def mailbox_of(code: str) -> str:
    rules = EXAMPLE.office(code)
    return next(u.mailbox for u in rules.units.values() if u.mailbox)


def clerk_of(code: str) -> str:
    return EXAMPLE.office(code).clerks[0].email


def letter_for(code: str, subject: str = "Pembentukan Cabang Dinas dan UPTD", **kw) -> EmailMessage:
    """A clerk of office `code` forwards a letter (with its PDF) to the office's own mailbox."""
    msg = gmail_forward(sender=clerk_of(code), original_subject=subject, pdf=pdf_letter(hal=subject), **kw)
    msg.replace_header("To", mailbox_of(code))
    return msg


def config_text(
    dir: Path, database_url: str, smtp_port: int, imap_port: int, interval: float = 1, tree: Path = TREE
) -> str:
    """A regency's config: the rules tree and one [[mailboxes]] per office (found by its unit)."""
    boxes = "".join(
        f"""
[[mailboxes]]
name = "{code.lower()}"
host = "127.0.0.1"
port = {imap_port}
security = "none"
username = "{mailbox_of(code)}"
password_env = "MAILFLOW_TEST_IMAP_PASSWORD"
address = "{mailbox_of(code)}"
"""
        for code in EXAMPLE.offices
    )
    return f"""\
database_url = "{database_url}"
storage_dir = "{dir}/storage"
rules_dir = "{tree}"
poll_interval = {interval}
outbox_interval = {interval}
lease_seconds = 2
rules_check_seconds = 0
admin_email = "admin@probolinggokab.example"

[dkim_keys]
"{dkim.RECORD_NAME}" = "{dkim.RECORD}"

[smtp]
host = "127.0.0.1"
port = {smtp_port}
security = "none"
from_address = "{mailbox_of("SETDA")}"
claim_seconds = 3
{boxes}"""
