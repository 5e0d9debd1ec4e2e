"""The one exception tree of Mailflow.

    MailflowError
    ├── ConfigError          config.toml unusable: names the file, the key and what is expected
    ├── SchemaError          the database is at an older schema: `mailflow db upgrade` first
    ├── RulesError           rules/*.toml unusable: carries every problem with file and line
    ├── MailboxError         an IMAP server could not be reached or refused us (retried next run)
    │   └── SignInError      OAuth2: no token, or the refresh token refused (`mailflow auth login`)
    └── MessageError         one message cannot be handled; it goes to quarantine with `reason`

Library errors (imaplib, ssl, socket, pydantic, tomllib) are translated into these at the edge
that calls the library, so callers catch only ours. Sending is the exception: a failed SMTP
delivery is not an error of the caller but a state of its outbox row (retried with backoff).
"""

from __future__ import annotations

from dataclasses import dataclass


class MailflowError(Exception):
    """Base of every error Mailflow raises on purpose."""


class ConfigError(MailflowError):
    """The configuration file is missing, not TOML, or has unknown keys or bad values. `said`,
    when given, is the same in the admin's words: a domain.Said, or a tuple of them (one per
    line), in `language` (the config's admin_language when its text could be read, else the
    default, Indonesian)."""

    def __init__(self, message: str, said: object = None, language: str = "id") -> None:
        super().__init__(message)
        self.said = said
        self.language = language


class SchemaError(MailflowError):
    """The database was made by another version of Mailflow; upgrading it is an explicit step.
    `behind` names the revisions (the database's, the code's) when an upgrade is the answer: the
    command line then says so in the admin's words, in `language`."""

    def __init__(self, message: str, behind: tuple[str, str] | None = None, language: str = "id") -> None:
        super().__init__(message)
        self.behind = behind
        self.language = language


@dataclass(frozen=True)
class RuleProblem:
    """One problem found in the rules folder, located for the admin who must fix it; `key`, when
    given, is the message catalogue's entry saying `message` in the admin's language."""

    file: str
    line: int | None
    message: str
    key: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


class RulesError(MailflowError):
    """The rules folder cannot be loaded; `problems` lists every finding."""

    def __init__(self, problems: list[RuleProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class MailboxError(MailflowError):
    """An IMAP mailbox is unreachable or misbehaving; the poll of that mailbox stops. `said`, when
    given, is the same in the admin's words: a domain.Said the catalogue renders for doctor, logs
    and status (typed `object`: this tree stands below the domain types)."""

    def __init__(self, message: str, said: object = None) -> None:
        super().__init__(message)
        self.said = said


class SignInError(MailboxError):
    """An IMAP or SMTP sign-in cannot be made: no token yet, or the token endpoint refused the
    refresh token. Retrying does not help; an admin must run `mailflow auth login`."""


class MessageError(MailflowError):
    """A single message cannot be processed; `reason` is the quarantine reason code."""

    def __init__(self, reason: str, detail: str) -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}")

    def __reduce__(self) -> tuple[type[MessageError], tuple[str, str]]:
        """Pickled as its two fields: a reading process sends it back (inbound.reading_apart)."""
        return type(self), (self.reason, self.detail)
