"""Folder names the server's way: the config says "Mailflow/Processed" (or a list of parts), and the
server is told `Mailflow.Processed` (Dovecot Maildir++), `INBOX.Mailflow.Processed` (Courier,
Cyrus) or `Mailflow/Processed` (Gmail, Dovecot with "/").

The personal namespace gives the prefix and the hierarchy delimiter (RFC 2342); a server without
NAMESPACE answers LIST "" "" with its delimiter. A name written as a SPECIAL-USE attribute
(`\\Archive`, `\\All`, `\\Junk`, RFC 6154) is the folder the server marks so, e.g. Gmail's
`[Gmail]/All Mail`. Pure functions: the IMAP edge feeds them what the server said.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from mailflow.errors import MailboxError

INBOX = "INBOX"


@dataclass(frozen=True)
class Namespace:
    """The personal namespace: `prefix` goes before every folder, `delimiter` between parts
    (None on a server whose folders cannot nest)."""

    prefix: str = ""
    delimiter: str | None = "/"


def parts_of(logical: str) -> tuple[str, ...]:
    """A config folder name split into its parts; "/" separates them whatever the server uses."""
    return tuple(part for part in logical.split("/") if part)


def namespace_from(personal: Iterable | None, listing: Iterable) -> Namespace:
    """The personal namespace from NAMESPACE's first personal entry, else from LIST "" ""."""
    for prefix, delimiter in personal or ():
        return Namespace(_text(prefix), _text(delimiter) if delimiter else None)
    for _flags, delimiter, _name in listing:
        return Namespace("", _text(delimiter) if delimiter else None)
    return Namespace()


def special_use(attribute: str, listing: Iterable) -> str | None:
    """The folder that LIST marks with a SPECIAL-USE `attribute` such as "\\Archive"."""
    wanted = attribute.lower().encode()
    for flags, _delimiter, name in listing:
        if any(bytes(flag).lower() == wanted for flag in flags):
            return _text(name)
    return None


def server_name(logical: str, namespace: Namespace) -> str:
    """The name to send for a config folder name; INBOX is INBOX on every server."""
    parts = parts_of(logical)
    if not parts:
        raise MailboxError(f"folder name {logical!r} is empty")
    if len(parts) == 1 and parts[0].upper() == INBOX:
        return INBOX
    prefix = namespace.prefix
    if prefix and len(parts) == 1 and logical.upper().startswith(prefix.upper()):
        return logical  # written the server's own way already, e.g. "INBOX.Surat" on Courier
    delimiter = namespace.delimiter
    if delimiter is None:
        if len(parts) > 1:
            raise MailboxError(
                f"folder {logical!r} has parts, but this server's folders cannot nest: "
                f"name it without '/', e.g. {'-'.join(parts)!r}"
            )
        delimiter = "/"
    for part in parts:
        if delimiter in part:
            raise MailboxError(
                f"folder {logical!r}: the part {part!r} contains {delimiter!r}, which separates "
                "folders on this server; choose a name without it"
            )
    name = delimiter.join(parts)
    if not prefix or name.upper().startswith(prefix.upper()) or parts[0].upper() == INBOX:
        return _inbox_upper(name, parts, delimiter)
    return prefix + name


def _inbox_upper(name: str, parts: tuple[str, ...], delimiter: str) -> str:
    """INBOX is case-insensitive (RFC 3501 5.1): spell it the one way every server accepts."""
    if parts[0].upper() == INBOX:
        return delimiter.join((INBOX, *parts[1:]))
    return name


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value
