"""config.toml -> frozen, validated settings.

Every problem is reported with the file, the key and what was expected, because the person who
reads it is an admin with an editor open, not a Python programmer. Secrets are held as
`SecretStr` so that no repr, log line or error message can show them.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from mailflow.errors import ConfigError
from mailflow.resources import EXAMPLE_RULES, TEMPLATES

Security = Literal["none", "starttls", "tls"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Credentials(_Strict):
    """A login whose password comes from the file itself, a file, or an environment variable."""

    username: str = ""
    password: SecretStr | None = None
    password_file: Path | None = None
    password_env: str | None = None

    def secret(self) -> str:
        """The password, read at the moment of use so a rotated file is picked up."""
        if self.password is not None:
            return self.password.get_secret_value()
        if self.password_file is not None:
            try:
                return self.password_file.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ConfigError(f"password_file {self.password_file}: {exc.strerror}") from exc
        if self.password_env is not None:
            value = os.environ.get(self.password_env)
            if value is None:
                raise ConfigError(f"password_env: environment variable {self.password_env} is unset")
            return value
        return ""


class ServerSettings(Credentials):
    """What the IMAP and SMTP edges have in common; each adds its own port and security default."""

    host: str = "127.0.0.1"
    tls_verify: bool = True
    timeout: float = Field(default=30.0, gt=0)


class SmtpSettings(ServerSettings):
    port: int = Field(default=25, ge=1, le=65535)
    security: Security = "starttls"
    from_address: str = ""
    from_name: str = "Mailflow"
    daily_cap_per_address: int = Field(default=40, ge=1)
    # How long a worker's claim on outbox rows lasts; a dead worker's rows are sent after it.
    claim_seconds: float = Field(default=120.0, gt=0)


class MailboxSettings(ServerSettings):
    name: str
    port: int = Field(default=993, ge=1, le=65535)
    security: Security = "tls"
    folder: str = "INBOX"
    address: str
    unit: str = ""
    direct_letters: Literal["quarantine", "register"] = "quarantine"
    after_processing: Literal["move", "keyword"] = "move"
    processed_folder: str = "Mailflow/Processed"
    quarantine_folder: str = "Mailflow/Quarantine"
    fetch_batch: int = Field(default=50, ge=1, le=1000)
    # Who is really the sender (README "Trust"): clerk letters, corrections, STATUS requests and
    # replies without their reply code act only for a verified sender. "auto": our receiving
    # server's Authentication-Results when authserv_id is set, else DKIM checked by Mailflow.
    verify_senders: Literal["auto", "dkim", "authentication-results", "off"] = "auto"
    authserv_id: str = ""
    # Stronger still: even a reply with its code must be verified as above.
    require_dkim: bool = False
    # IMAP IDLE push (polling stays as the fallback); renewed well inside RFC 2177's 29 minutes.
    idle: bool = True
    idle_renew_seconds: float = Field(default=540.0, gt=0, le=1740)

    @field_validator("address")
    @classmethod
    def _address_has_at(cls, value: str) -> str:
        if "@" not in value:
            raise ValueError("expected an email address such as surat@example.go.id")
        return value.lower()


class Settings(_Strict):
    """Everything Mailflow reads from config.toml, with paths made absolute."""

    config_path: Path | None = None
    database_url: str = "sqlite:///mailflow.db"
    storage_dir: Path = Path("storage")
    rules_dir: Path = EXAMPLE_RULES
    templates_dir: Path = TEMPLATES
    timezone: str = "Asia/Jakarta"
    poll_interval: float = Field(default=60.0, gt=0)
    # How long a worker's hold on a mailbox lasts without renewal (several workers share the load).
    lease_seconds: float = Field(default=30.0, gt=0)
    outbox_interval: float = Field(default=15.0, gt=0)
    agenda_template: str = "{seq:03d}/SM/{year}"
    admin_email: str = ""
    max_message_bytes: int = Field(default=40_000_000, gt=0)
    # Held-mail notices to one outside domain per day at most: a spammer forging addresses at a
    # domain cannot make Mailflow mail that domain (backscatter).
    held_notices_per_domain: int = Field(default=10, ge=0)
    # A single decoded attachment larger than this is not stored; the message is quarantined.
    max_attachment_bytes: int = Field(default=30_000_000, gt=0)
    log_format: Literal["kv", "json"] = "kv"
    # Follow-up, in working days of rules/calendar.toml: a reminder this many days before a
    # deadline, then every `remind_overdue_every_days` once it has passed; the disposer is told
    # when an instruction is `escalate_after_days` overdue, and the disposer's superior at twice.
    remind_before_days: int = Field(default=1, ge=0)
    remind_overdue_every_days: int = Field(default=1, ge=1)
    escalate_after_days: int = Field(default=2, ge=1)
    # Local hour after which the morning digests go out; the weekly summary of the week before
    # goes on the first working day of each week.
    digest_hour: int = Field(default=7, ge=0, le=23)
    # The admin is emailed when a mailbox has failed for longer than this (seconds).
    mailbox_alert_after: float = Field(default=1800, ge=0)
    # How many mailboxes one worker handles at the same moment (IDLE pushes and the scheduled
    # poll share these); the process keeps this many database connections plus 3.
    parallel_polls: int = Field(default=8, ge=1)
    # On SIGTERM, how long the work in hand may take to finish before the process exits anyway
    # (seconds). Exiting mid-transaction is safe: the database rolls it back, and the message
    # stays on the server to be handled again.
    stop_timeout: float = Field(default=20.0, gt=0)
    # The key that signs reply tokens: one of these, else a random key kept in storage_dir/keys.
    token_secret: SecretStr | None = None
    token_secret_file: Path | None = None
    token_secret_env: str | None = None
    token_days: int = Field(default=120, ge=1)
    # Scans larger than this are not attached to disposition requests (a note says so instead).
    attach_max_bytes: int = Field(default=10_000_000, ge=0)
    # DKIM keys pinned by name ("SELECTOR._domainkey.DOMAIN" = "v=DKIM1; k=rsa; p=..."), for a mail
    # domain whose DNS Mailflow cannot reach; a domain named here is never looked up in DNS.
    dkim_keys: dict[str, str] = Field(default_factory=dict)
    smtp: SmtpSettings = SmtpSettings()
    mailboxes: tuple[MailboxSettings, ...] = ()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}; expected e.g. Asia/Jakarta") from exc
        return value

    @field_validator("agenda_template")
    @classmethod
    def _template_formats(cls, value: str) -> str:
        try:
            value.format(seq=1, year=2026, month=1, roman_month="I", unit="U")
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(
                "expected a template using {seq}, {year}, {month}, {roman_month} or {unit}, "
                f"e.g. '{{seq:03d}}/SM/{{year}}' ({exc})"
            ) from exc
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def mailbox(self, name: str) -> MailboxSettings:
        for box in self.mailboxes:
            if box.name == name:
                return box
        raise ConfigError(f"no mailbox named {name!r} in the config")


def exposed_secret(settings: Settings) -> str | None:
    """Why the config file may leak a password written into it, or None: it is readable by other
    users of the machine (password_file and password_env keep secrets out of it altogether)."""
    path = settings.config_path
    inline = settings.token_secret is not None or any(
        part.password is not None for part in (settings.smtp, *settings.mailboxes)
    )
    if path is None or not inline or not path.exists():
        return None
    mode = path.stat().st_mode & 0o777
    if mode & 0o044 == 0:
        return None
    return f"{path} holds a password and is readable by others (mode {mode:o}): chmod 600 {path}"


def _resolve(data: dict, base: Path) -> dict:
    """Make relative paths relative to the config file, not to wherever mailflow was started."""
    for key in ("storage_dir", "rules_dir", "templates_dir", "token_secret_file"):
        if key in data and not Path(data[key]).is_absolute():
            data[key] = str(base / data[key])
    url = data.get("database_url", "sqlite:///mailflow.db")
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url[len(prefix) :].startswith("/") and url != "sqlite://":
        data["database_url"] = prefix + str(base / url[len(prefix) :])
    data.setdefault("database_url", prefix + str(base / "mailflow.db"))
    data.setdefault("storage_dir", str(base / "storage"))
    for section in [data.get("smtp", {}), *data.get("mailboxes", [])]:
        if isinstance(section, dict) and section.get("password_file"):
            pf = Path(section["password_file"])
            section["password_file"] = str(pf if pf.is_absolute() else base / pf)
    return data


def _describe(exc: ValidationError, path: Path) -> str:
    lines = [f"{path}: invalid configuration"]
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"]) or "(top level)"
        msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
        lines.append(f"  {key}: {msg}")
    return "\n".join(lines)


def settings_from_dict(data: dict, path: Path) -> Settings:
    """Validate an already-parsed TOML table; `path` names it in errors."""
    try:
        return Settings.model_validate({**_resolve(dict(data), path.parent), "config_path": path})
    except ValidationError as exc:
        raise ConfigError(_describe(exc, path)) from exc


def load_settings(path: Path | None = None) -> Settings:
    """Read the config from `path`, $MAILFLOW_CONFIG, or ./config.toml, in that order."""
    path = path or Path(os.environ.get("MAILFLOW_CONFIG", "config.toml"))
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file ({exc.strerror})") from exc
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    return settings_from_dict(data, path.resolve())
