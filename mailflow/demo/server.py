"""A small in-memory IMAP + SMTP server on loopback, for `mailflow demo` and for trying Mailflow.

Why our own rather than pymap: pymap needs a single demo user or an admin API to add users,
hashes passwords slowly, and writes responses in fragments that break imapclient's IDLE
(measured on loopback). This one serves what Mailflow and desktop mail clients use:
LOGIN, ID, NAMESPACE, LIST/LSUB, CREATE/RENAME, SELECT/EXAMINE, STATUS, APPEND, SEARCH (search.py),
FETCH of every item a client reads (fetch.py), STORE/MOVE/COPY, EXPUNGE, IDLE; the SMTP side
(aiosmtpd) delivers `user+tag@domain` to `user@domain`, as Dovecot does. It is never a
production server: it binds 127.0.0.1 only and keeps mail in memory.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from aiosmtpd.smtp import SMTP, Envelope, Session

from mailflow.demo import fetch, search

CAPABILITIES = "IMAP4rev1 LITERAL+ MOVE UIDPLUS IDLE NAMESPACE ID UNSELECT CHILDREN"
_LITERAL = re.compile(rb"\{(\d+)(\+?)\}\r?\n?$")
_SECTION = re.compile(r"^BODY(?P<peek>\.PEEK)?\[(?P<section>[^\]]*)\](?P<partial><[\d.]+>)?$", re.I)
_ATTRIBUTES = ("UID", "FLAGS", "RFC822.SIZE", "INTERNALDATE")  # answered without parsing
_MACROS = {
    "ALL": ["FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE"],
    "FAST": ["FLAGS", "INTERNALDATE", "RFC822.SIZE"],
    "FULL": ["FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODY"],
}
_RFC822 = {
    "RFC822": ("", "RFC822"),
    "RFC822.HEADER": ("HEADER", "RFC822.HEADER"),
    "RFC822.TEXT": ("TEXT", "RFC822.TEXT"),
}


@dataclass
class StoredMessage:
    uid: int
    raw: bytes
    flags: set[str] = field(default_factory=set)
    internal: float = field(default_factory=time.time)


@dataclass
class Folder:
    name: str
    uidvalidity: int
    uidnext: int = 1
    messages: list[StoredMessage] = field(default_factory=list)

    def add(self, raw: bytes, flags: set[str] | None = None) -> int:
        uid = self.uidnext
        self.uidnext += 1
        self.messages.append(StoredMessage(uid, raw, set(flags or ())))
        return uid


class MailStore:
    """Users' folders in memory; every change wakes the sessions that IDLE."""

    def __init__(self) -> None:
        self.users: dict[str, dict[str, Folder]] = {}
        self.changed = asyncio.Condition()
        self._validity = int(time.time())

    def folders(self, user: str) -> dict[str, Folder]:
        if user not in self.users:
            self.users[user] = {}
            self.create(user, "INBOX")
        return self.users[user]

    def create(self, user: str, name: str) -> Folder:
        self._validity += 1
        folder = Folder(name, self._validity)
        self.users.setdefault(user, {})[name] = folder
        return folder

    async def deliver(self, user: str, raw: bytes) -> None:
        self.folders(user)["INBOX"].add(raw)
        async with self.changed:
            self.changed.notify_all()

    def messages(self, user: str, folder: str = "INBOX") -> list[bytes]:
        box = self.folders(user).get(folder)
        return [m.raw for m in box.messages] if box else []


def _tokens(data: bytes) -> Iterator[bytes | list]:
    """IMAP arguments: atoms, "quoted" strings, (lists) and literals (already spliced in)."""
    i = 0
    while i < len(data):
        c = data[i : i + 1]
        if c == b" ":
            i += 1
        elif c == b'"':
            j, out = i + 1, bytearray()
            while j < len(data) and data[j : j + 1] != b'"':
                if data[j : j + 1] == b"\\":
                    j += 1
                out += data[j : j + 1]
                j += 1
            yield bytes(out)
            i = j + 1
        elif c == b"(":
            depth, j = 1, i + 1
            while j < len(data) and depth:
                depth += {b"(": 1, b")": -1}.get(data[j : j + 1], 0)
                j += 1
            yield list(_tokens(data[i + 1 : j - 1]))
            i = j
        elif c == b"\x00":  # a spliced literal: \x00<len>\x00<bytes>
            end = data.index(b"\x00", i + 1)
            size = int(data[i + 1 : end])
            yield data[end + 1 : end + 1 + size]
            i = end + 1 + size
        else:
            j = i
            depth = 0
            while j < len(data) and (data[j : j + 1] != b" " or depth):
                depth += {b"[": 1, b"]": -1}.get(data[j : j + 1], 0)
                j += 1
            yield data[i:j]
            i = j


def _uid_set(spec: str, folder: Folder, by_uid: bool) -> list[StoredMessage]:
    msgs = folder.messages
    top = (msgs[-1].uid if by_uid else len(msgs)) if msgs else 0
    wanted: set[int] = set()
    for part in spec.split(","):
        lo, _, hi = part.partition(":")
        a = top if lo == "*" else int(lo)
        b = a if not hi else (top if hi == "*" else int(hi))
        a, b = min(a, b), max(a, b)
        if by_uid:
            wanted.update(m.uid for m in msgs if a <= m.uid <= b)
        else:
            wanted.update(msgs[n - 1].uid for n in range(max(a, 1), min(b, len(msgs)) + 1))
    return [m for m in msgs if m.uid in wanted]


class ImapSession:
    def __init__(self, store: MailStore, password: str, reader, writer) -> None:
        self.store, self.password = store, password
        self.reader, self.writer = reader, writer
        self.user: str | None = None
        self.folder: Folder | None = None
        self.readonly = False
        self.reported = 0

    def send(self, line: str | bytes) -> None:
        self.writer.write((line.encode() if isinstance(line, str) else line) + b"\r\n")

    async def read_command(self) -> bytes | None:
        data = bytearray()
        while True:
            line = await self.reader.readline()
            if not line:
                return None
            m = _LITERAL.search(line)
            if not m:
                data += line.rstrip(b"\r\n")
                return bytes(data)
            size = int(m[1])
            if not m[2]:
                self.send("+ go ahead")
                await self.writer.drain()
            data += line[: m.start()] + b"\x00%d\x00" % size + await self.reader.readexactly(size)

    async def serve(self) -> None:
        self.send(f"* OK [CAPABILITY {CAPABILITIES}] Mailflow demo IMAP ready")
        await self.writer.drain()
        while (data := await self.read_command()) is not None:
            raw_tag, _, rest = data.partition(b" ")
            tag = raw_tag.decode(errors="replace")  # TLS spoken to this plain port: bytes, not a tag
            command, _, args = rest.partition(b" ")
            name = command.decode(errors="replace").upper()
            uid = name == "UID"
            if uid:
                command, _, args = args.partition(b" ")
                name = command.decode(errors="replace").upper()
            handler = getattr(self, f"cmd_{name.lower()}", None)
            try:
                if handler is None or (
                    name not in ("LOGIN", "CAPABILITY", "LOGOUT", "NOOP", "ID") and not self.user
                ):
                    raise ValueError("command unknown or not allowed now")
                result = await handler(tag, list(_tokens(args)), uid)
            except (ValueError, KeyError, IndexError) as exc:
                self.send(f"{tag} BAD {exc}")
            else:
                if result is False:
                    break
                self.send(f"{tag} OK {name} completed" if result is None else result)
            await self.writer.drain()
        self.writer.close()

    async def cmd_capability(self, tag, args, uid):
        self.send(f"* CAPABILITY {CAPABILITIES}")

    async def cmd_noop(self, tag, args, uid):
        self._report()

    async def cmd_logout(self, tag, args, uid):
        self.send("* BYE logging out")
        self.send(f"{tag} OK LOGOUT completed")
        await self.writer.drain()
        return False

    async def cmd_login(self, tag, args, uid):
        user, password = (a.decode() for a in args[:2])
        if password != self.password:
            return f"{tag} NO [AUTHENTICATIONFAILED] wrong password"
        self.user = user.lower()
        self.store.folders(self.user)
        return f"{tag} OK [CAPABILITY {CAPABILITIES}] LOGIN completed"

    def _folder(self, name: bytes) -> Folder:
        key = name.decode()
        key = "INBOX" if key.upper() == "INBOX" else key
        return self.store.folders(self.user or "")[key]

    async def cmd_select(self, tag, args, uid, readonly=False):
        folder = self._folder(args[0])
        self.folder, self.readonly, self.reported = folder, readonly, len(folder.messages)
        self.send(r"* FLAGS (\Answered \Flagged \Deleted \Seen \Draft)")
        self.send(f"* {len(folder.messages)} EXISTS")
        self.send("* 0 RECENT")
        self.send(f"* OK [UIDVALIDITY {folder.uidvalidity}] UIDs valid")
        self.send(f"* OK [UIDNEXT {folder.uidnext}] next UID")
        self.send(r"* OK [PERMANENTFLAGS (\Answered \Flagged \Deleted \Seen \Draft \*)] flags")
        return f"{tag} OK [{'READ-ONLY' if readonly else 'READ-WRITE'}] SELECT completed"

    async def cmd_examine(self, tag, args, uid):
        return await self.cmd_select(tag, args, uid, readonly=True)

    async def cmd_close(self, tag, args, uid):
        self.folder = None

    async def cmd_unselect(self, tag, args, uid):
        self.folder = None

    async def cmd_list(self, tag, args, uid, kind="LIST"):
        pattern = args[1].decode()
        if not pattern:  # the client asks for the hierarchy delimiter
            self.send(f'* {kind} (\\Noselect) "/" ""')
            return
        regex = re.compile("^" + re.escape(pattern).replace(r"\*", ".*").replace("%", "[^/]*") + "$")
        for name in self.store.folders(self.user):
            if regex.match(name):
                self.send(f'* {kind} (\\HasNoChildren) "/" "{name}"')

    async def cmd_lsub(self, tag, args, uid):
        await self.cmd_list(tag, args, uid, kind="LSUB")

    async def cmd_namespace(self, tag, args, uid):
        self.send('* NAMESPACE (("" "/")) NIL NIL')

    async def cmd_id(self, tag, args, uid):
        self.send('* ID ("name" "Mailflow demo")')

    async def cmd_subscribe(self, tag, args, uid):
        self._folder(args[0])

    cmd_unsubscribe = cmd_subscribe
    cmd_check = cmd_noop

    async def cmd_rename(self, tag, args, uid):
        folders = self.store.folders(self.user)
        folder = folders.pop(args[0].decode())
        folder.name = args[1].decode()
        folders[folder.name] = folder

    async def cmd_create(self, tag, args, uid):
        name = args[0].decode()
        if name in self.store.folders(self.user):
            return f"{tag} NO [ALREADYEXISTS] mailbox exists"
        self.store.create(self.user, name)

    async def cmd_delete(self, tag, args, uid):
        del self.store.folders(self.user)[args[0].decode()]

    async def cmd_status(self, tag, args, uid):
        folder = self._folder(args[0])
        values = {
            "MESSAGES": len(folder.messages),
            "RECENT": 0,
            "UIDNEXT": folder.uidnext,
            "UIDVALIDITY": folder.uidvalidity,
            "UNSEEN": sum("\\Seen" not in m.flags for m in folder.messages),
        }
        wanted = [item.decode().upper() for item in args[1]]
        self.send(f'* STATUS "{folder.name}" (' + " ".join(f"{w} {values[w]}" for w in wanted) + ")")

    async def cmd_append(self, tag, args, uid):
        folder = self._folder(args[0])
        flags = {f.decode() for f in args[1]} if len(args) > 2 and isinstance(args[1], list) else set()
        new_uid = folder.add(args[-1], flags)
        async with self.store.changed:
            self.store.changed.notify_all()
        return f"{tag} OK [APPENDUID {folder.uidvalidity} {new_uid}] APPEND completed"

    def _selected(self) -> Folder:
        if self.folder is None:
            raise ValueError("no mailbox selected")
        return self.folder

    async def cmd_search(self, tag, args, uid):
        folder = self._selected()

        def resolve(spec: str, by_uid: bool) -> set[int]:
            return {m.uid for m in _uid_set(spec, folder, by_uid)}

        wanted = search.compile_search(args, resolve, uid)
        numbers = [m.uid if uid else seq for seq, m in enumerate(folder.messages, start=1) if wanted(m)]
        self.send("* SEARCH" + "".join(f" {n}" for n in numbers))

    async def cmd_fetch(self, tag, args, uid):
        folder = self._selected()
        items = args[1] if isinstance(args[1], list) else [args[1]]
        names = [i.decode() for i in items]
        names = [n for name in names for n in _MACROS.get(name.upper(), [name])]
        for msg in _uid_set(args[0].decode(), folder, uid):
            seq = folder.messages.index(msg) + 1
            seen_before = "\\Seen" in msg.flags
            parts = [b"UID %d" % msg.uid] if uid else []
            # Parsed once per message, and only when an item needs its parts (not for FLAGS of 1:*).
            needs_parts = any(n.upper() not in _ATTRIBUTES for n in names)
            entity = fetch.parse(msg.raw) if needs_parts else None
            parts += [
                self._fetch_item(msg, entity, name) for name in names if not (uid and name.upper() == "UID")
            ]
            if not seen_before and "\\Seen" in msg.flags and "FLAGS" not in (n.upper() for n in names):
                parts.append(b"FLAGS (" + " ".join(sorted(msg.flags)).encode() + b")")
            self.writer.write(b"* %d FETCH (" % seq + b" ".join(parts) + b")\r\n")

    def _fetch_item(self, msg: StoredMessage, entity: fetch.Entity | None, name: str) -> bytes:
        upper = name.upper()
        if upper in _ATTRIBUTES or entity is None:
            return self._fetch_attribute(msg, upper)
        if upper in ("ENVELOPE", "BODYSTRUCTURE", "BODY"):
            if upper == "ENVELOPE":
                return b"ENVELOPE " + fetch.envelope(entity)
            return upper.encode() + b" " + fetch.bodystructure(entity, extensible=upper != "BODY")
        if upper in _RFC822:
            spec, key = _RFC822[upper]
            return self._fetch_section(msg, entity, spec, "", key.encode(), peek=upper == "RFC822.HEADER")
        match = _SECTION.match(name)
        if not match:
            raise ValueError(f"fetch item {name} not supported")
        key = f"BODY[{match['section'].upper()}]"
        return self._fetch_section(
            msg, entity, match["section"], match["partial"] or "", key.encode(), bool(match["peek"])
        )

    def _fetch_attribute(self, msg: StoredMessage, name: str) -> bytes:
        if name == "UID":
            return b"UID %d" % msg.uid
        if name == "FLAGS":
            return f"FLAGS ({' '.join(sorted(msg.flags))})".encode()
        if name == "RFC822.SIZE":
            return b"RFC822.SIZE %d" % len(msg.raw)
        stamp = time.strftime("%d-%b-%Y %H:%M:%S +0000", time.gmtime(msg.internal))
        return f'INTERNALDATE "{stamp}"'.encode()

    def _fetch_section(
        self, msg: StoredMessage, entity: fetch.Entity, spec: str, suffix: str, key: bytes, peek: bool
    ) -> bytes:
        try:
            data = fetch.section(entity, spec)
        except fetch.FetchError:
            data = b""  # as Dovecot does: a section that does not exist is empty
        data, origin = fetch.partial(data.replace(b"\x00", b"\x80"), suffix)  # NUL, as Dovecot
        if not peek and not self.readonly:
            msg.flags.add("\\Seen")
        return key + origin.encode() + b" {%d}\r\n" % len(data) + data

    async def cmd_store(self, tag, args, uid):
        folder = self._selected()
        mode = args[1].decode().upper()
        flags = {f.decode() for f in (args[2] if isinstance(args[2], list) else [args[2]])}
        for msg in _uid_set(args[0].decode(), folder, uid):
            if mode.startswith("+"):
                msg.flags |= flags
            elif mode.startswith("-"):
                msg.flags -= flags
            else:
                msg.flags = set(flags)
            if not mode.endswith(".SILENT"):
                seq = folder.messages.index(msg) + 1
                self.send(f"* {seq} FETCH (UID {msg.uid} FLAGS ({' '.join(sorted(msg.flags))}))")

    async def cmd_copy(self, tag, args, uid, move=False):
        folder = self._selected()
        target = self._folder(args[1])
        chosen = _uid_set(args[0].decode(), folder, uid)
        pairs = [(m.uid, target.add(m.raw, m.flags - {"\\Deleted"})) for m in chosen]
        if move:
            self._expunge(folder, {m.uid for m in chosen})
        if not pairs:
            return None
        src = ",".join(str(a) for a, _ in pairs)
        dst = ",".join(str(b) for _, b in pairs)
        return f"{tag} OK [COPYUID {target.uidvalidity} {src} {dst}] done"

    async def cmd_move(self, tag, args, uid):
        return await self.cmd_copy(tag, args, uid, move=True)

    def _expunge(self, folder: Folder, uids: set[int]) -> None:
        for seq in range(len(folder.messages), 0, -1):
            if folder.messages[seq - 1].uid in uids:
                del folder.messages[seq - 1]
                self.send(f"* {seq} EXPUNGE")
        self.reported = len(folder.messages)

    async def cmd_expunge(self, tag, args, uid):
        folder = self._selected()
        deleted = {m.uid for m in folder.messages if "\\Deleted" in m.flags}
        if uid:
            deleted &= {m.uid for m in _uid_set(args[0].decode(), folder, True)}
        self._expunge(folder, deleted)

    def _report(self) -> None:
        if self.folder is not None and len(self.folder.messages) != self.reported:
            self.reported = len(self.folder.messages)
            self.send(f"* {self.reported} EXISTS")

    def _unreported(self) -> bool:
        return self.folder is not None and len(self.folder.messages) != self.reported

    async def _news(self) -> None:
        """Until the selected folder holds messages the client was not told of."""
        async with self.store.changed:
            await self.store.changed.wait_for(self._unreported)

    async def cmd_idle(self, tag, args, uid):
        self.send("+ idling")
        await self.writer.drain()
        done = asyncio.ensure_future(self.reader.readline())
        while not done.done():
            # The condition is waited on in a task of its own that holds (and on cancelling,
            # takes back) its lock itself: cancelling a bare wait() here, inside `async with`,
            # released a lock the waiter had let go ("Lock is not acquired") and the client's
            # DONE was never answered.
            news = asyncio.ensure_future(self._news())
            await asyncio.wait({done, news}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
            news.cancel()
            await asyncio.wait({news})
            self._report()
            await self.writer.drain()
        return f"{tag} OK IDLE terminated"


class Delivery:
    """aiosmtpd handler: accepts every recipient and files the message in its INBOX."""

    def __init__(self, store: MailStore) -> None:
        self.store = store

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        data = envelope.original_content or b""
        for rcpt in envelope.rcpt_tos:
            local, _, domain = rcpt.lower().partition("@")
            user = f"{local.split('+', 1)[0]}@{domain}"
            await self.store.deliver(user, b"Delivered-To: " + rcpt.encode() + b"\r\n" + data)
        return "250 Message accepted for delivery"


class DevMailServer:
    """IMAP and SMTP on 127.0.0.1, served from one background thread's event loop."""

    def __init__(self, password: str = "demo", imap_port: int = 0, smtp_port: int = 0) -> None:
        self.password = password
        self.imap_port, self.smtp_port = imap_port, smtp_port
        self.store: MailStore | None = None
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="devmail", daemon=True)
        self._servers: list[asyncio.base_events.Server] = []

    async def _start(self) -> None:
        self.store = MailStore()

        async def imap(reader, writer):
            await ImapSession(self.store, self.password, reader, writer).serve()

        imap_server = await asyncio.start_server(imap, "127.0.0.1", self.imap_port)
        handler = Delivery(self.store)
        smtp_server = await self.loop.create_server(
            lambda: SMTP(handler, hostname="mailflow-demo"), "127.0.0.1", self.smtp_port
        )
        self._servers = [imap_server, smtp_server]
        self.imap_port = imap_server.sockets[0].getsockname()[1]
        self.smtp_port = smtp_server.sockets[0].getsockname()[1]

    def start(self) -> DevMailServer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(timeout=10)
        return self

    def stop(self) -> None:
        async def _close() -> None:
            for server in self._servers:
                server.close()

        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(_close(), self.loop).result(timeout=10)
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout=10)

    def messages(self, user: str, folder: str = "INBOX") -> list[bytes]:
        store = self.store
        if store is None:
            raise RuntimeError("the demo mail server has not been started")

        async def _read() -> list[bytes]:
            return store.messages(user, folder)

        return asyncio.run_coroutine_threadsafe(_read(), self.loop).result(timeout=10)
