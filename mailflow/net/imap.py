"""The IMAP edge: a thin wrapper over imapclient whose errors become MailboxError.

Facts it relies on, measured against Dovecot on loopback: imapclient's imaplib debug level makes
fetches ~6x slower, so it is set to 0; a bare `UID SEARCH` can miss a just-delivered message
for seconds, so a NOOP goes first; `IMAPClient` defaults to implicit TLS, so the security mode
is always passed explicitly.

Servers differ (README "Mail servers"): folder names follow the personal namespace (folders.py),
MOVE falls back to COPY + UID EXPUNGE (UIDPLUS) or COPY + \\Deleted + keyword, and Gmail and
Microsoft 365 sign in with an OAuth2 bearer token (XOAUTH2 or OAUTHBEARER) instead of a password.

A message larger than SECTION is fetched alone, in sections (`BODY.PEEK[]<offset.length>`, RFC
3501 6.4.5), into a spool file (storage/spool.py): imaplib reads a literal whole and imapclient
copies it, so one 60 MB FETCH costs several times its size. The bytes read are compared with
RFC822.SIZE: a message the server changed while it was read, or whose size it misstates, is kept
and held (inbound.reading), never filed as a truncated letter.
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
from mailflow.domain import Said
from mailflow.errors import MailboxError
from mailflow.net.folders import Namespace, namespace_from, server_name, special_use
from mailflow.net.misdial import misdial
from mailflow.net.tls import tls_context
from mailflow.oauth.tokens import TokenBroker
from mailflow.raw import RawMessage
from mailflow.storage.spool import Spool

log = logging.getLogger(__name__)

_NETWORK_ERRORS = (IMAPClientError, imaplib.IMAP4.error, OSError, ssl.SSLError, socket.timeout)
_MESSAGE_ID_FIELD = "BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"
# Larger messages are fetched in sections of this size into a spool file; smaller ones in batches.
SECTION = 2 << 20


@dataclass(frozen=True)
class FetchedMessage:
    uid: int
    raw: RawMessage
    # RFC822.SIZE as announced before a fetch in sections, which must end there; None for a
    # message read whole in one literal (no section can be missing; some servers, Exchange among
    # them, are reported to announce an estimate, and one literal cannot be cut short).
    declared: int | None = None

    @property
    def intact(self) -> bool:
        """Not fetched in sections, or the sections add up to the size the server announced."""
        return self.declared is None or self.raw.size == self.declared


class Mailbox:
    """One logged-in, selected IMAP folder. Use as a context manager."""

    def __init__(self, settings: MailboxSettings, client: IMAPClient, namespace: Namespace) -> None:
        self.settings = settings
        self.client = client
        self.namespace = namespace
        self.uidvalidity = 0
        self._folders_made: set[str] = set()
        self._listing: list | None = None

    @classmethod
    def connect(cls, settings: MailboxSettings, tokens: TokenBroker | None = None) -> Mailbox:
        """Log in (password, or an OAuth2 token from `tokens`), learn the namespace, select."""
        what = f"{settings.name}@{settings.host}:{settings.port}"
        try:
            context = tls_context(settings.tls_verify, what, settings.tls_ca_file)
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
            if settings.auth == "password":
                _login(client, settings.username, settings.secret(), what)
            else:
                token = (tokens or TokenBroker()).access_token(settings.name, settings.oauth)
                _bearer_login(client, settings.auth, settings.username, token, what)
            namespace = _namespace(client)
        except _NETWORK_ERRORS as exc:
            why = misdial(exc, "imap", settings.port, settings.security) or _describe(exc)
            said = Said.of("connect.failed", where=what, why=why)
            raise MailboxError(f"{what}: cannot log in: {why}", said) from exc
        box = cls(settings, client, namespace)
        box.select()
        return box

    @property
    def append_limit(self) -> int | None:
        """The largest message the server takes (RFC 7889 APPENDLIMIT=N), None if it says none."""
        for capability in self.client.capabilities():
            name, _, value = capability.partition(b"=")
            if name.upper() == b"APPENDLIMIT" and value.isdigit():
                return int(value) or None
        return None

    def folder_name(self, logical: str) -> str:
        """The server's name for a config folder name (see folders.py)."""
        if logical.startswith("\\"):
            found = special_use(logical, self.listing())
            if found is None:
                raise MailboxError(
                    f"{self.settings.name}: no folder on the server is marked {logical} (SPECIAL-USE); "
                    "name the folder instead"
                )
            return found
        return server_name(logical, self.namespace)

    def listing(self) -> list:
        """LIST "" "*", asked once per connection."""
        if self._listing is None:
            try:
                self._listing = list(self.client.list_folders())
            except _NETWORK_ERRORS as exc:
                raise MailboxError(f"{self.settings.name}: LIST failed: {_describe(exc)}") from exc
        return self._listing

    def select(self) -> None:
        folder = self.folder_name(self.settings.folder)
        try:
            info = self.client.select_folder(folder)
        except _NETWORK_ERRORS as exc:
            raise MailboxError(f"{self.settings.name}: cannot select {folder}: {_describe(exc)}") from exc
        self.uidvalidity = int(info[b"UIDVALIDITY"])

    def examine(self, logical: str) -> int | None:
        """Select a folder read-only (EXAMINE: nothing in it changes); its UIDVALIDITY, or None
        when the server has no such folder."""
        folder = self.folder_name(logical)
        try:
            if not self.client.folder_exists(folder):
                return None
            info = self.client.select_folder(folder, readonly=True)
        except _NETWORK_ERRORS as exc:
            raise MailboxError(f"{self.settings.name}: cannot examine {folder}: {_describe(exc)}") from exc
        return int(info[b"UIDVALIDITY"])

    def uids_with(self, keyword: str | None = None) -> list[int]:
        """The UIDs of the selected folder, all or those tagged with `keyword`, ascending."""
        try:
            uids = self.client.search(["KEYWORD", keyword] if keyword else ["ALL"])
        except _NETWORK_ERRORS as exc:
            raise MailboxError(f"{self.settings.name}: search failed: {_describe(exc)}") from exc
        return sorted(uids)

    def message_ids(self, uids: list[int], batch: int = 500) -> dict[int, bytes]:
        """The Message-ID header of each message, a few bytes where the whole is megabytes."""
        found: dict[int, bytes] = {}
        for start in range(0, len(uids), batch):
            try:
                data = self.client.fetch(uids[start : start + batch], [_MESSAGE_ID_FIELD])
            except _NETWORK_ERRORS as exc:
                raise MailboxError(f"{self.settings.name}: fetch failed: {_describe(exc)}") from exc
            for uid, item in data.items():  # the key's spelling varies by server: take the header part
                found[uid] = next((bytes(v) for k, v in item.items() if k.startswith(b"BODY[HEADER")), b"")
        return found

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

    def fetch(
        self, uids: list[int], spool: Spool | None = None, max_batch_bytes: int = 16_000_000
    ) -> Iterator[FetchedMessage]:
        """Raw messages in UID order, fetched without setting \\Seen: small ones in batches, each
        larger than SECTION alone into a `spool` file (without a spool, as doctor reads a few
        messages, in memory). The caller discards each message's spool file when done with it."""
        sizes = self.sizes(uids)
        batch: list[int] = []
        total = 0
        for uid in [u for u in uids if u in sizes]:
            large = spool is not None and sizes[uid] > SECTION
            if batch and (
                large or len(batch) >= self.settings.fetch_batch or total + sizes[uid] > max_batch_bytes
            ):
                yield from self._fetch_batch(batch)
                batch, total = [], 0
            if spool is not None and large:
                if (fetched := self.fetch_sections(uid, sizes[uid], spool)) is not None:
                    yield fetched
                continue
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
                yield FetchedMessage(uid, RawMessage.of(bytes(item[b"BODY[]"])))

    def fetch_sections(self, uid: int, declared: int, spool: Spool) -> FetchedMessage | None:
        """One message, SECTION bytes per FETCH, into a spool file; None if it is gone (expunged
        by another client meanwhile). Reading stops at the first short section, or one section
        past the declared size: a server that keeps sending costs no more than that."""
        with spool.file() as out:
            while True:
                offset = out.size
                try:
                    data = self.client.fetch([uid], [f"BODY.PEEK[]<{offset}.{SECTION}>"])
                except _NETWORK_ERRORS as exc:
                    raise MailboxError(f"{self.settings.name}: fetch failed: {_describe(exc)}") from exc
                item = data.get(uid, {})
                keys = [k for k in item if k.startswith(b"BODY[]")]
                if not keys:
                    log.info("event=message_gone mailbox=%s uid=%s", self.settings.name, uid)
                    out.path.unlink(missing_ok=True)
                    return None
                section = bytes(item[keys[0]] or b"")  # past the end: an empty string (or NIL)
                out.write(section)
                if len(section) < SECTION or out.size > declared:
                    return FetchedMessage(uid, out.finish(), declared)

    def latest(self, logical_folder: str, count: int, max_bytes: int) -> list[FetchedMessage]:
        """The newest `count` messages of a folder, read-only: EXAMINE and BODY.PEEK set no flag
        and move nothing ([] if the folder is not there yet). Messages over `max_bytes` are left
        out. The connection stays on that folder, read-only: `select()` before writing again."""
        folder = self.folder_name(logical_folder)
        try:
            if not self.client.folder_exists(folder):
                return []
            self.client.select_folder(folder, readonly=True)
            uids = sorted(self.client.search(["ALL"]))[-count:]
        except _NETWORK_ERRORS as exc:
            raise MailboxError(f"{self.settings.name}: cannot read {folder}: {_describe(exc)}") from exc
        sizes = self.sizes(uids)
        return list(self.fetch([u for u in uids if sizes.get(u, max_bytes + 1) <= max_bytes]))

    def _ensure_folder(self, folder: str) -> None:
        """Create `folder` (a server name); servers make its parents too (RFC 3501 6.3.3)."""
        if folder in self._folders_made:
            return
        if not self.client.folder_exists(folder):
            try:
                self.client.create_folder(folder)
            except IMAPClientError:
                if not self.client.folder_exists(folder):  # another worker may have made it
                    raise
        self._folders_made.add(folder)

    def settle(self, uids: list[int], logical_folder: str, keyword: str) -> None:
        """After commit: move the messages to the folder, or tag them with `keyword`."""
        try:
            if self.settings.after_processing == "keyword":
                self.client.add_flags(uids, [keyword.encode()], silent=True)
                return
            folder = self.folder_name(logical_folder)
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


def _bearer_login(client: IMAPClient, mechanism: str, username: str, token: str, what: str) -> None:
    """SASL XOAUTH2 (Gmail, Microsoft 365) or OAUTHBEARER (RFC 7628), as the config says."""
    wanted = b"AUTH=" + mechanism.upper().encode()
    if wanted not in client.capabilities():
        offered = " ".join(c.decode() for c in client.capabilities() if c.startswith(b"AUTH=")) or "none"
        raise MailboxError(
            f"{what}: auth = {mechanism!r} but the server offers {offered}; "
            "check the provider preset or set auth to one of these"
        )
    if mechanism == "xoauth2":
        client.oauth2_login(username, token)
    else:
        client.oauthbearer_login(username, token)


def _namespace(client: IMAPClient) -> Namespace:
    if client.has_capability("NAMESPACE"):
        return namespace_from(client.namespace().personal, [])
    return namespace_from(None, client.list_folders("", ""))


def _no_delay(client: IMAPClient) -> None:
    sock = getattr(client._imap, "sock", None)
    if sock is not None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:300]
