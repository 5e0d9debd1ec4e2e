"""What test users do with their real mailboxes: send, read, wait, over SMTP and IMAP."""

from __future__ import annotations

import email
import email.policy
import email.utils
import smtplib
import time
from collections.abc import Callable
from email.message import EmailMessage, Message

from dkim import DKIMException
from imapclient import IMAPClient

from mailflow.demo import dkim
from tests.support.imapserver import PASSWORD, ImapServer


def _raw(msg: EmailMessage | bytes) -> bytes:
    return msg if isinstance(msg, bytes) else msg.as_bytes(policy=email.policy.SMTP)


def signed(msg: EmailMessage | bytes) -> bytes:
    """The message as the office's mail server sends it: DKIM-signed when it is from the office."""
    raw = _raw(msg)
    sender = email.utils.parseaddr(str(email.message_from_bytes(raw)["From"] or ""))[1]
    if not sender.lower().endswith("@" + dkim.DOMAIN):
        return raw
    try:
        return dkim.sign(raw)
    except DKIMException:  # too broken to sign: a real server would not have signed it either
        return raw


class Mail:
    """Folder names are written as in Mailflow's config ("Mailflow/Processed") and spelled the
    server's way by the server's own table (ImapServer.folder), not by Mailflow's code."""

    def __init__(self, server: ImapServer, smtp_port: int) -> None:
        self.server = server
        self.imap_port = server.imap_port
        self.smtp_port = smtp_port

    def _client(self, user: str) -> IMAPClient:
        client = IMAPClient("127.0.0.1", port=self.imap_port, ssl=False, timeout=10)
        client._imap.debug = 0
        client.login(user, PASSWORD)
        return client

    def send(
        self, msg: EmailMessage | bytes, to: str | None = None, sender: str | None = None, sign: bool = True
    ) -> None:
        """Send through the SMTP relay, the way an official's phone would; mail from the office's
        domain is DKIM-signed as its mail server would (`sign=False`: a spoofer's mail)."""
        raw = signed(msg) if sign else _raw(msg)
        if to is None or sender is None:
            parsed = email.message_from_bytes(raw)
            to = to or email.utils.parseaddr(parsed["To"])[1]
            sender = sender or email.utils.parseaddr(parsed["From"])[1]
        with smtplib.SMTP("127.0.0.1", self.smtp_port, timeout=10) as smtp:
            smtp.sendmail(sender, [to], raw)

    def append(self, user: str, msg: EmailMessage | bytes, folder: str = "INBOX", sign: bool = True) -> None:
        raw = signed(msg) if sign else _raw(msg)
        folder = self.server.folder(folder)
        with self._client(user) as client:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            client.append(folder, raw)

    def messages(self, user: str, folder: str = "INBOX") -> list[Message]:
        return [email.message_from_bytes(raw, policy=email.policy.default) for raw in self.raw_messages(user, folder)]

    def raw_messages(self, user: str, folder: str = "INBOX") -> list[bytes]:
        """The messages as the server serves them whole, in UID order."""
        folder = self.server.folder(folder)
        with self._client(user) as client:
            if not client.folder_exists(folder):
                return []
            client.select_folder(folder, readonly=True)
            uids = client.search("ALL")
            data = client.fetch(uids, ["BODY.PEEK[]"]) if uids else {}
        return [data[u][b"BODY[]"] for u in sorted(data)]

    def count(self, user: str, folder: str = "INBOX") -> int:
        folder = self.server.folder(folder)
        with self._client(user) as client:
            if not client.folder_exists(folder):
                return 0
            return client.folder_status(folder, ["MESSAGES"])[b"MESSAGES"]

    def wait_for(
        self,
        user: str,
        predicate: Callable[[Message], bool] = lambda m: True,
        timeout: float = 10.0,
        folder: str = "INBOX",
    ) -> Message:
        deadline = time.monotonic() + timeout
        seen: list[Message] = []
        while time.monotonic() < deadline:
            seen = self.messages(user, folder)
            for msg in seen:
                if predicate(msg):
                    return msg
            time.sleep(0.1)
        subjects = [str(m["Subject"]) for m in seen]
        raise AssertionError(f"no matching message for {user} in {timeout}s; saw {subjects}")

    def recreate_folder(self, user: str, folder: str) -> int:
        """Delete `folder` and put its messages back: the server gives a new UIDVALIDITY."""
        folder = self.server.folder(folder)
        with self._client(user) as client:
            client.select_folder(folder)
            uids = client.search("ALL")
            raws = [client.fetch([u], ["BODY.PEEK[]"])[u][b"BODY[]"] for u in uids]
            client.close_folder()
            client.delete_folder(folder)
            client.create_folder(folder)
            for raw in raws:
                client.append(folder, raw)
            return int(client.select_folder(folder)[b"UIDVALIDITY"])


def text_of(msg: Message) -> str:
    part = msg.get_body(preferencelist=("plain",)) if hasattr(msg, "get_body") else None
    return part.get_content() if part is not None else ""
