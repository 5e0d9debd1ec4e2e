"""The IMAP edge: a thin wrapper over imapclient whose errors become MailboxError.

Facts it relies on, measured against Dovecot on loopback: imapclient's imaplib debug level makes
fetches ~6x slower, so it is set to 0; a bare `UID SEARCH` can miss a just-delivered message
for seconds, so a NOOP goes first; `IMAPClient` defaults to implicit TLS, so the security mode
is always passed explicitly.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass

from imapclient import IMAPClient, SocketTimeout
from imapclient.exceptions import IMAPClientError

from mailflow.config import MailboxSettings
from mailflow.errors import MailboxError
from mailflow.tls import tls_context

log = logging.getLogger(__name__)

_NETWORK_ERRORS = (IMAPClientError, imaplib.IMAP4.error, OSError, ssl.SSLError, socket.timeout)


@dataclass(frozen=True)
class FetchedMessage:
    uid: int
    raw: bytes


class Mailbox:
    """One logged-in, selected IMAP folder. Use as a context manager."""

    def __init__(self, settings: MailboxSettings, client: IMAPClient) -> None:
        self.settings = settings
        self.client = client
        self.uidvalidity = 0
        self._folders_made: set[str] = set()

    @classmethod
    def connect(cls, settings: MailboxSettings) -> Mailbox:
        what = f"{settings.name}@{settings.host}:{settings.port}"
        try:
            context = tls_context(settings.tls_verify, what)
            client = IMAPClient(
                settings.host,
                port=settings.port,
                ssl=settings.security == "tls",
                ssl_context=context if settings.security == "tls" else None,
                timeout=SocketTimeout(connect=settings.timeout, read=settings.timeout),
            )
            client._imap.debug = 0  # see module docstring: 6x faster fetches
            _no_delay(client)
            if settings.security == "starttls":
                client.starttls(context)
            _login(client, settings.username, settings.secret(), what)
        except _NETWORK_ERRORS as exc:
            raise MailboxError(f"{what}: cannot log in: {_describe(exc)}") from exc
        box = cls(settings, client)
        box.select()
        return box

    def select(self) -> None:
        try:
            info = self.client.select_folder(self.settings.folder)
        except _NETWORK_ERRORS as exc:
            raise MailboxError(
                f"{self.settings.name}: cannot select {self.settings.folder}: {_describe(exc)}"
            ) from exc
        self.uidvalidity = int(info[b"UIDVALIDITY"])

    def __enter__(self) -> Mailbox:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.client.logout()
        except _NETWORK_ERRORS:
            with contextlib.suppress(*_NETWORK_ERRORS):
                self.client.shutdown()

    def uids_after(self, last_uid: int) -> list[int]:
        """UIDs greater than `last_uid`, ascending."""
        try:
            self.client.noop()
            uids = self.client.search(["UID", f"{last_uid + 1}:*"])
        except _NETWORK_ERRORS as exc:
            raise MailboxError(f"{self.settings.name}: search failed: {_describe(exc)}") from exc
        return sorted(u for u in uids if u > last_uid)

    def sizes(self, uids: list[int]) -> dict[int, int]:
        if not uids:
            return {}
        try:
            data = self.client.fetch(uids, ["RFC822.SIZE"])
        except _NETWORK_ERRORS as exc:
            raise MailboxError(f"{self.settings.name}: fetch failed: {_describe(exc)}") from exc
        return {uid: int(item[b"RFC822.SIZE"]) for uid, item in data.items()}

    def fetch(self, uids: list[int], max_batch_bytes: int = 16_000_000) -> Iterator[FetchedMessage]:
        """Raw messages in UID order, fetched in batches without setting \\Seen."""
        sizes = self.sizes(uids)
        batch: list[int] = []
        total = 0
        for uid in [u for u in uids if u in sizes]:
            if batch and (len(batch) >= self.settings.fetch_batch or total + sizes[uid] > max_batch_bytes):
                yield from self._fetch_batch(batch)
                batch, total = [], 0
            batch.append(uid)
            total += sizes[uid]
        if batch:
            yield from self._fetch_batch(batch)

    def _fetch_batch(self, uids: list[int]) -> Iterator[FetchedMessage]:
        try:
            data = self.client.fetch(uids, ["BODY.PEEK[]"])
        except _NETWORK_ERRORS as exc:
            raise MailboxError(f"{self.settings.name}: fetch failed: {_describe(exc)}") from exc
        for uid in uids:
            item = data.pop(uid, None)
            if item is not None and b"BODY[]" in item:
                yield FetchedMessage(uid, bytes(item[b"BODY[]"]))

    def _ensure_folder(self, folder: str) -> None:
        if folder in self._folders_made:
            return
        if not self.client.folder_exists(folder):
            try:
                self.client.create_folder(folder)
            except IMAPClientError:
                if not self.client.folder_exists(folder):  # another worker may have made it
                    raise
        self._folders_made.add(folder)

    def settle(self, uids: list[int], folder: str, keyword: str) -> None:
        """After commit: move the messages to `folder`, or tag them with `keyword`."""
        try:
            if self.settings.after_processing == "keyword":
                self.client.add_flags(uids, [keyword.encode()], silent=True)
                return
            self._ensure_folder(folder)
            if self.client.has_capability("MOVE"):
                self.client.move(uids, folder)
            else:
                self.client.copy(uids, folder)
                self.client.add_flags(uids, [b"\\Deleted"], silent=True)
                if self.client.has_capability("UIDPLUS"):
                    self.client.uid_expunge(uids)
                else:
                    self.client.add_flags(uids, [keyword.encode()], silent=True)
        except _NETWORK_ERRORS as exc:
            raise MailboxError(
                f"{self.settings.name}: cannot move UIDs {uids[:5]}: {_describe(exc)}"
            ) from exc


def _login(client: IMAPClient, username: str, password: str, what: str) -> None:
    """LOGIN for ASCII credentials; others go as UTF-8 through AUTHENTICATE PLAIN (RFC 4616), which
    LOGIN cannot carry. The error never shows the password or a character of it."""
    if username.isascii() and password.isascii():
        client.login(username, password)
        return
    if b"AUTH=PLAIN" not in client.capabilities():
        raise MailboxError(
            f"{what}: the username or password has non-ASCII characters, which IMAP LOGIN cannot send, "
            "and the server offers no AUTHENTICATE PLAIN; use an ASCII password or enable PLAIN"
        )
    client.plain_login(username, password)


def _no_delay(client: IMAPClient) -> None:
    sock = getattr(client._imap, "sock", None)
    if sock is not None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:300]
