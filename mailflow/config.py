"""config.toml -> frozen, validated settings.

Every problem is reported with the file, the key and what was expected, because the person who
reads it is an admin with an editor open, not a Python programmer. Secrets are held as
`SecretStr` so that no repr, log line or error message can show them.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
import typing
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from mailflow.clock import DEFAULT_ZONE
from mailflow.domain import Said
from mailflow.errors import ConfigError
from mailflow.providers import with_preset
from mailflow.resources import EXAMPLE_RULES, TEMPLATES

Security = Literal["none", "starttls", "tls"]
# How Mailflow signs in: a password (LOGIN, AUTH PLAIN/LOGIN), or an OAuth2 bearer token.
Auth = Literal["password", "xoauth2", "oauthbearer"]


# Waktu Indonesia Barat, Tengah, Timur: the names an Indonesian admin writes.
INDONESIAN_ZONES = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}


# The message limit when the config sets none and the office's servers announce none: the
# largest message bench/run.py measures (60 MB scans, README "Benchmarks").
UNANNOUNCED_LIMIT = 60_000_000
# What a disposition request holds besides its scans: headers, text and HTML (Settings.attach_limit).
REQUEST_HEADROOM = 256 * 1024


class Refused(ValueError):
    """A validator's refusal: in English as its text (logs, tests), and as `said` in the admin's
    language when the config error is printed."""

    def __init__(self, message: str, said: Said) -> None:
        super().__init__(message)
        self.said = said


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
        return _secret_from(self.password, self.password_file, self.password_env, "password")


def _secret_from(value: SecretStr | None, file: Path | None, env: str | None, what: str) -> str:
    """A secret written inline, in a file, or in an environment variable; read when used."""
    if value is not None:
        return value.get_secret_value()
    if file is not None:
        try:
            return file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"{what}_file {file}: {exc.strerror}") from exc
    if env is not None:
        found = os.environ.get(env)
        if found is None:
            raise ConfigError(f"{what}_env: environment variable {env} is unset")
        return found
    return ""


class OAuthSettings(_Strict):
    """The OAuth2 app and endpoints for one account (README "Mail servers"); a provider preset
    fills the endpoints and scopes. The refresh token lives in `token_file` (0600), written by
    `mailflow auth login`."""

    client_id: str
    client_secret: SecretStr | None = None
    client_secret_file: Path | None = None
    client_secret_env: str | None = None
    tenant: str = "organizations"
    flow: Literal["device", "browser"] = "device"
    token_url: str
    authorize_url: str = ""
    device_authorization_url: str = ""
    scopes: tuple[str, ...] = ()
    token_file: Path | None = None
    # A token is refreshed when it has less than this left (seconds), so no login meets an expired one.
    refresh_margin: float = Field(default=300.0, ge=0)

    def secret(self) -> str:
        return _secret_from(
            self.client_secret, self.client_secret_file, self.client_secret_env, "client_secret"
        )


class ServerSettings(Credentials):
    """What the IMAP and SMTP edges have in common; each adds its own port and security default."""

    provider: Literal["gmail", "m365"] | None = None
    host: str = "127.0.0.1"
    tls_verify: bool = True
    tls_ca_file: Path | None = None
    timeout: float = Field(default=30.0, gt=0)
    auth: Auth = "password"
    oauth: OAuthSettings | None = None


class SmtpSettings(ServerSettings):
    port: int = Field(default=25, ge=1, le=65535)
    security: Security = "starttls"
    from_address: str = ""
    from_name: str = "Mailflow"
    daily_cap_per_address: int = Field(default=40, ge=1)
    # How long a worker's claim on outbox rows lasts; a dead worker's rows are sent after it.
    claim_seconds: float = Field(default=120.0, gt=0)
    # OAuth2 for SMTP: the token of this mailbox (the same account), unless [smtp.oauth] is given.
    oauth_mailbox: str = ""

    @model_validator(mode="before")
    @classmethod
    def _preset(cls, data: object) -> object:
        return with_preset(data, "smtp") if isinstance(data, dict) else data


class MailboxSettings(ServerSettings):
    name: str
    port: int = Field(default=993, ge=1, le=65535)
    security: Security = "tls"
    folder: str = "INBOX"
    address: str
    unit: str = ""
    office: str = ""  # the office code it serves in a regency (else found from the organisation)
    direct_letters: Literal["quarantine", "register"] = "quarantine"
    after_processing: Literal["move", "keyword"] = "move"
    # Folder names: "Parent/Child" or ["Parent", "Child"], made into the server's own names
    # (README "Mail servers"); "\\Archive" or "\\All" is the folder the server marks so.
    processed_folder: str = "Mailflow/Processed"
    quarantine_folder: str = "Mailflow/Quarantine"
    fetch_batch: int = Field(default=50, ge=1, le=1000)
    # Group commit: up to this many messages of one fetch are decided in one transaction (README
    # "Letters in"); 1 commits each message alone.
    commit_batch: int = Field(default=20, ge=1, le=200)
    # Who is really the sender (README "Trust"): clerk letters, corrections, STATUS requests and
    # replies without their reply code act only for a verified sender. "auto": our receiving
    # server's Authentication-Results when authserv_id is set, else DKIM checked by Mailflow.
    verify_senders: Literal["auto", "dkim", "authentication-results", "off"] = "auto"
    authserv_id: str = ""
    # Stronger still: even a reply with its code must be verified as above.
    require_dkim: bool = False
    # A signature counts only when its domain is the From domain itself; a From domain whose mail
    # is signed by another of the office's domains lists them here ({"kab.go.id" = ["mail.kab.go.id"]}).
    signing_domains: dict[str, list[str]] = Field(default_factory=dict)
    # IMAP IDLE push (polling stays as the fallback); renewed well inside RFC 2177's 29 minutes.
    idle: bool = True
    idle_renew_seconds: float = Field(default=540.0, gt=0, le=1740)

    @model_validator(mode="before")
    @classmethod
    def _preset(cls, data: object) -> object:
        return with_preset(data, "imap") if isinstance(data, dict) else data

    @model_validator(mode="after")
    def _oauth_present(self) -> MailboxSettings:
        if self.auth != "password" and self.oauth is None:
            raise Refused(
                f"auth = {self.auth!r} needs an [mailboxes.oauth] table, or a provider",
                Said.of("config.oauth_needed", auth=repr(self.auth)),
            )
        return self

    @field_validator("folder", "processed_folder", "quarantine_folder", mode="before")
    @classmethod
    def _folder_parts(cls, value: object) -> object:
        """A list of parts is the same name written with "/" (the form stored in the ledger)."""
        if isinstance(value, list):
            if not value or any(not isinstance(p, str) or not p or "/" in p for p in value):
                expected = 'expected folder parts without "/", e.g. ["Mailflow", "Processed"]'
                raise Refused(expected, Said.of("config.folder_parts"))
            return "/".join(value)
        return value

    @field_validator("address")
    @classmethod
    def _address_has_at(cls, value: str) -> str:
        if "@" not in value:
            expected = "expected an email address such as surat@example.go.id"
            raise Refused(expected, Said.of("config.not_an_address"))
        return value.lower()


YEAR_MINUTES = 366 * 24 * 60
# Pydantic's refusals of a number out of its range, by the bound each names: said in the catalogue.
RANGE = {"greater_than_equal": "ge", "greater_than": "gt", "less_than_equal": "le", "less_than": "lt"}


class WebSettings(_Strict):
    """`[web]`: the pages (mailflow/web), behind the office's reverse proxy. The secret key signs
    sign-in links and session cookies; it is read from a file or the environment (or written
    inline, SecretStr), never logged."""

    bind: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    public_url: str  # how officials reach it, e.g. https://surat.probolinggokab.go.id
    secret_key: SecretStr | None = None
    secret_key_file: Path | None = None
    secret_key_env: str | None = None
    # At most a year (a day for a sign-in link): a moment past year 9999 would fail every page.
    link_minutes: int = Field(default=60 * 24 * 3, ge=1, le=YEAR_MINUTES)  # a letter's link in an email
    sign_in_minutes: int = Field(default=20, ge=1, le=24 * 60)  # a link the sign-in page sends
    session_hours: int = Field(default=12, ge=1, le=YEAR_MINUTES // 60)
    session_idle_minutes: int = Field(default=120, ge=1, le=YEAR_MINUTES)  # a session unused this long ends
    # Sign-in links one address, and one client, may ask for per hour.
    sign_in_per_address: int = Field(default=5, ge=1)
    sign_in_per_client: int = Field(default=20, ge=1)
    secure_cookie: bool = True  # False only for plain-HTTP tests on loopback
    forwarded_allow_ips: str = "127.0.0.1"  # the reverse proxy, whose X-Forwarded-For is believed

    @field_validator("public_url")
    @classmethod
    def _absolute_url(cls, value: str) -> str:
        if not re.fullmatch(r"https?://[^/\s]+(/[^\s]*)?", value):
            raise Refused(
                f"expected an absolute http(s) URL such as https://letters.example.go.id, not {value!r}",
                Said.of("config.web_url", url=repr(value)),
            )
        return value.rstrip("/")

    def secret(self) -> str:
        """The key, read at the moment of use; ConfigError when none is configured."""
        found = _secret_from(self.secret_key, self.secret_key_file, self.secret_key_env, "secret_key")
        if len(found) < 32:
            raise ConfigError("[web] secret_key (or _file, _env) must be at least 32 characters")
        return found


class Settings(_Strict):
    """Everything Mailflow reads from config.toml, with paths made absolute."""

    config_path: Path | None = None
    database_url: str = "sqlite:///mailflow.db"
    storage_dir: Path = Path("storage")
    rules_dir: Path = EXAMPLE_RULES
    # How often the service looks for an edited rules file (a regency's tree is 100+ files).
    rules_check_seconds: float = Field(default=2.0, ge=0)
    templates_dir: Path = TEMPLATES
    timezone: str = DEFAULT_ZONE
    # The office's language: mail to people the rules give no language.
    language: Literal["id", "en"] = "id"
    # The admin's language: every word the command line and the demo print (default: `language`).
    admin_language: Literal["id", "en"] = "id"
    poll_interval: float = Field(default=60.0, gt=0)
    # How long a worker's hold on a mailbox lasts without renewal (several workers share the load).
    lease_seconds: float = Field(default=30.0, gt=0)
    outbox_interval: float = Field(default=15.0, gt=0)
    agenda_template: str = "{seq:03d}/SM/{year}"
    admin_email: str = ""
    # None (the default): the largest message the office's server announces it takes (IMAP
    # APPENDLIMIT of the mailbox, else the SIZE of the SMTP relay's EHLO), else UNANNOUNCED_LIMIT.
    # A large message streams to disk (storage/spool.py), so memory no longer sets it. A number
    # set here overrides what the server says.
    max_message_bytes: int | None = Field(default=None, gt=0)
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
    # Scans (image-only PDFs, photos) are read by Tesseract after the letter is filed, in
    # `ocr_workers` processes (0: one per core). The receipt and the head's request wait for the
    # fields at most `fields_wait` seconds, then go with what is known ("fields completed" later).
    ocr: bool = True
    ocr_languages: str = "ind+eng"
    ocr_workers: int = Field(default=0, ge=0)
    fields_wait: float = Field(default=120.0, ge=0)
    # A reader's claim on a letter's scans; a reader killed mid-page leaves its claim to lapse
    # after this many seconds, and the scans are read again (pages take seconds, not minutes).
    ocr_lease: float = Field(default=600.0, gt=0)
    # DKIM keys pinned by name ("SELECTOR._domainkey.DOMAIN" = "v=DKIM1; k=rsa; p=..."), for a mail
    # domain whose DNS Mailflow cannot reach; a domain named here is never looked up in DNS.
    dkim_keys: dict[str, str] = Field(default_factory=dict)
    smtp: SmtpSettings = SmtpSettings()
    mailboxes: tuple[MailboxSettings, ...] = ()
    web: WebSettings | None = None

    @model_validator(mode="before")
    @classmethod
    def _admin_speaks_the_office_language(cls, data: object) -> object:
        """An office that set only `language` keeps one language on its command line too."""
        if isinstance(data, dict) and "admin_language" not in data and "language" in data:
            return {**data, "admin_language": data["language"]}
        return data

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        """An IANA name, or Indonesia's own abbreviations (WIB, WITA, WIT) for theirs."""
        value = INDONESIAN_ZONES.get(value.strip().upper(), value)
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise Refused(
                f"unknown time zone {value!r}; expected WIB, WITA, WIT or a name such as Asia/Jakarta",
                Said.of("config.unknown_zone", zone=repr(value)),
            ) from exc
        return value

    @field_validator("agenda_template")
    @classmethod
    def _template_formats(cls, value: str) -> str:
        try:
            value.format(seq=1, year=2026, month=1, roman_month="I", unit="U")
        except (KeyError, IndexError, ValueError) as exc:
            raise Refused(
                "expected a template using {seq}, {year}, {month}, {roman_month} or {unit}, "
                f"e.g. '{{seq:03d}}/SM/{{year}}' ({exc})",
                Said.of("config.agenda_template", error=exc),
            ) from exc
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @model_validator(mode="after")
    def _smtp_oauth(self) -> Settings:
        smtp = self.smtp
        if smtp.auth != "password" and smtp.oauth is None:
            names = [b.name for b in self.mailboxes if b.oauth is not None]
            if smtp.oauth_mailbox not in names:
                raise Refused(
                    f"smtp.auth = {smtp.auth!r} needs [smtp.oauth] or oauth_mailbox naming a mailbox "
                    f"with OAuth2 (have: {', '.join(names) or 'none'})",
                    Said.of("config.smtp_oauth", auth=repr(smtp.auth), names=", ".join(names) or "-"),
                )
        return self

    def message_limit(self, *announced: int | None) -> int:
        """The `max_message_bytes` in force: the config's, else the first size a server announced
        (None or 0 announce nothing; RFC 1870 SIZE 0 means no fixed limit), else UNANNOUNCED_LIMIT."""
        if self.max_message_bytes is not None:
            return self.max_message_bytes
        return next((size for size in announced if size), UNANNOUNCED_LIMIT)

    def attach_limit(self, relay_size: int | None) -> int:
        """The scans a disposition request carries at most: `attach_max_bytes`, less where the
        relay's SIZE (RFC 1870) would refuse the request (it would fail at every try, and the
        head never get it): base64 grows a file by 78/57 with its line ends (a last line short),
        and the request's text, headers and part headers take REQUEST_HEADROOM."""
        if not relay_size:
            return self.attach_max_bytes
        return max(0, min(self.attach_max_bytes, (relay_size - REQUEST_HEADROOM - 78) * 57 // 78))

    def mailbox(self, name: str) -> MailboxSettings:
        for box in self.mailboxes:
            if box.name == name:
                return box
        raise ConfigError(f"no mailbox named {name!r} in the config")

    def smtp_oauth(self) -> tuple[str, OAuthSettings] | None:
        """The OAuth2 account SMTP signs in with, and the name its token is kept under."""
        smtp = self.smtp
        if smtp.auth == "password":
            return None
        if smtp.oauth is not None:
            return "smtp", smtp.oauth
        oauth = self.mailbox(smtp.oauth_mailbox).oauth
        assert oauth is not None  # checked by _smtp_oauth
        return smtp.oauth_mailbox, oauth

    def oauth_accounts(self) -> dict[str, OAuthSettings]:
        """Every account that signs in with OAuth2, by the name `mailflow auth login` takes."""
        accounts = {b.name: b.oauth for b in self.mailboxes if b.oauth is not None}
        if self.smtp.oauth is not None:
            accounts["smtp"] = self.smtp.oauth
        return accounts


def exposed_mode(settings: Settings) -> int | None:
    """The config file's mode when it may leak a password written into it, else None: it is
    readable by other users of the machine (password_file and password_env keep secrets out of it
    altogether)."""
    path = settings.config_path
    web_key = settings.web is not None and settings.web.secret_key is not None
    inline = (
        settings.token_secret is not None
        or web_key
        or any(part.password is not None for part in (settings.smtp, *settings.mailboxes))
    )
    if path is None or not inline or not path.exists():
        return None
    mode = path.stat().st_mode & 0o777
    return None if mode & 0o044 == 0 else mode


def exposed_secret(settings: Settings) -> str | None:
    """Why the config file may leak a password (for the service's log), or None."""
    mode = exposed_mode(settings)
    if mode is None:
        return None
    path = settings.config_path
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
    storage = Path(data["storage_dir"])
    if isinstance(data.get("web"), dict):
        data["web"] = dict(data["web"])
        _absolute(data["web"], "secret_key_file", base)
    for section in [data.get("smtp", {}), *data.get("mailboxes", [])]:
        if not isinstance(section, dict):
            continue
        _absolute(section, "password_file", base)
        _absolute(section, "tls_ca_file", base)
        if isinstance(section.get("oauth"), dict):
            oauth = section["oauth"] = dict(section["oauth"])
            _absolute(oauth, "client_secret_file", base)
            _absolute(oauth, "token_file", base)
            oauth.setdefault("token_file", str(storage / "oauth" / f"{section.get('name', 'smtp')}.json"))
    return data


def _absolute(section: dict, key: str, base: Path) -> None:
    if section.get(key):
        path = Path(section[key])
        section[key] = str(path if path.is_absolute() else base / path)


def _describe(exc: ValidationError, path: Path, text: str = "") -> tuple[str, tuple[Said | str, ...]]:
    """Each problem with its line in the file and, for a misspelt key, the key meant: in English
    (for logs) and as catalogue lines for the admin (a validator's own words stay as they are)."""
    found: list[tuple[int, str, Said]] = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        key = ".".join(str(p) for p in loc) or "(top level)"
        line = line_of(text, loc)
        where = f"line {line}: " if line else ""
        problem: Said | str
        if err["type"] == "extra_forbidden":
            known = [f for f in _model_at(loc[:-1]).model_fields if f != "config_path"]
            meant = difflib.get_close_matches(str(loc[-1]), known, n=1)
            if meant:
                msg = f"unknown key; did you mean {meant[0]!r}?"
                problem = Said.of("config.unknown_key_meant", meant=repr(meant[0]))
            else:
                msg, problem = "unknown key", Said.of("config.unknown_key")
        elif err["type"] in RANGE:  # a number out of its range: the bound in the admin's words
            msg = err["msg"]
            problem = Said.of(f"config.{err['type']}", limit=err["ctx"][RANGE[err["type"]]])
        elif err["type"] == "value_error":  # our validators' own words, without pydantic's "Value error, "
            refusal = err["ctx"]["error"]
            msg = str(refusal)
            problem = refusal.said if isinstance(refusal, Refused) else msg
        else:
            msg = problem = err["msg"]
        said = Said.of(
            "config.problem",
            where=Said.of("config.line", line=line) if line else "",
            setting=key if loc else Said.of("config.top_level"),
            problem=problem,
        )
        found.append((line or 0, f"  {where}{key}: {msg}", said))
    found.sort(key=lambda f: f[0])
    english = "\n".join([f"{path}: invalid configuration", *(text for _, text, _ in found)])
    return english, (Said.of("config.invalid", path=path), *(said for _, _, said in found))


def _model_at(loc: tuple[str | int, ...]) -> type[BaseModel]:
    """The settings model that holds the keys at `loc` (("mailboxes", 0, "oauth") -> OAuthSettings)."""
    model: type[BaseModel] = Settings
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        types = _types_in(field.annotation) if field else []
        inner = [t for t in types if isinstance(t, type) and issubclass(t, BaseModel)]
        if not inner:
            break
        model = inner[0]
    return model


def _types_in(annotation: object) -> list[object]:
    """The types inside Optional[...], tuple[X, ...] and X | None."""
    args = typing.get_args(annotation)
    return [annotation] if not args else [t for a in args for t in _types_in(a)]


_TABLE = re.compile(r"^\s*(\[\[?)\s*([\w.\-]+)\s*\]")
_KEY = re.compile(r'^\s*"?([\w\-]+)"?\s*=')


def line_of(text: str, loc: tuple[str | int, ...]) -> int | None:
    """The line of the key at `loc` in the TOML `text` (tomllib keeps no positions): a scan of the
    table headers and `key =` lines. A key not written (a missing one) gives its table's header;
    None when that table is not written either."""
    lines: dict[tuple[str | int, ...], int] = {}
    counts: dict[str, int] = {}  # [[array]] tables seen so far, by dotted name
    table: tuple[str | int, ...] = ()
    for number, raw in enumerate(text.splitlines(), start=1):
        if header := _TABLE.match(raw):
            table = _table_path(header.group(2), header.group(1) == "[[", counts)
            lines.setdefault(table, number)
        elif key := _KEY.match(raw):
            lines.setdefault((*table, key.group(1)), number)
    for end in range(len(loc), 0, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def _table_path(dotted: str, array: bool, counts: dict[str, int]) -> tuple[str | int, ...]:
    """`[mailboxes.oauth]` after the second `[[mailboxes]]` is ("mailboxes", 1, "oauth")."""
    names = dotted.split(".")
    path: list[str | int] = []
    for i, name in enumerate(names):
        prefix = ".".join(names[: i + 1])
        if array and i == len(names) - 1:
            counts[prefix] = counts.get(prefix, -1) + 1
        path.append(name)
        if prefix in counts:
            path.append(counts[prefix])
    return tuple(path)


def settings_from_dict(data: dict, path: Path, text: str = "") -> Settings:
    """Validate an already-parsed TOML table; `path` names it in errors, `text` (the file) gives
    their lines."""
    try:
        return Settings.model_validate({**_resolve(dict(data), path.parent), "config_path": path})
    except ValidationError as exc:
        english, said = _describe(exc, path, text)
        raise ConfigError(english, said, _language_of(data)) from exc


ADMIN_LANGUAGES = typing.get_args(Settings.model_fields["admin_language"].annotation)
_TOP_LANGUAGE = re.compile(r"""^\s*(admin_language|language)\s*=\s*["']([a-z]+)["']""")


def _language_of(data: dict) -> str:
    """The admin's language as far as a config that does not load tells it (else Indonesian)."""
    for key in ("admin_language", "language"):
        if data.get(key) in ADMIN_LANGUAGES:
            return str(data[key])
    return "id"


def _language_in(text: str) -> str:
    """`_language_of` for a text that is not valid TOML: its top-level lines, read one by one."""
    found: dict[str, str] = {}
    for raw in text.splitlines():
        if raw.lstrip().startswith("["):
            break
        if match := _TOP_LANGUAGE.match(raw):
            found.setdefault(match.group(1), match.group(2))
    return _language_of(found)


def load_settings(path: Path | None = None) -> Settings:
    """Read the config from `path`, $MAILFLOW_CONFIG, or ./config.toml, in that order."""
    named = path is not None or "MAILFLOW_CONFIG" in os.environ
    path = path or Path(os.environ.get("MAILFLOW_CONFIG", "config.toml"))
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        if named:  # the admin named this file: "here" would send them looking in the wrong place
            raise ConfigError(
                f"{path}: the config file named (--config or MAILFLOW_CONFIG) does not exist. Check its "
                "path, or create one with `mailflow init`",
                Said.of("config.missing_named", path=path),
            ) from exc
        raise ConfigError(
            f"{path}: no config file here. Create one with `mailflow init`, or name yours with "
            "--config FILE or MAILFLOW_CONFIG",
            Said.of("config.missing_here", path=path),
        ) from exc
    except OSError as exc:
        raise ConfigError(
            f"{path}: cannot read the config file ({exc.strerror})",
            Said.of("config.unreadable", path=path, error=exc.strerror),
        ) from exc
    text = raw.decode("utf-8", errors="replace")
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"{path}: not valid TOML: {exc}",
            Said.of("config.not_toml", path=path, error=exc),
            _language_in(text),
        ) from exc
    return settings_from_dict(data, path.resolve(), text)


def configured_token_key(settings: Settings) -> bytes | None:
    """The reply-token key as configured or already kept in storage_dir/keys; None before the
    service made one. Reads only: `reply explain` checks reply codes without making a key."""
    if settings.token_secret is not None:
        return settings.token_secret.get_secret_value().encode()
    if settings.token_secret_file is not None:
        try:
            return settings.token_secret_file.read_bytes().strip()
        except OSError as exc:
            raise ConfigError(f"token_secret_file {settings.token_secret_file}: {exc.strerror}") from exc
    if settings.token_secret_env is not None:
        value = os.environ.get(settings.token_secret_env)
        if not value:
            raise ConfigError(f"token_secret_env: environment variable {settings.token_secret_env} is unset")
        return value.encode()
    path = settings.storage_dir / "keys" / "token.key"
    return path.read_bytes().strip() if path.is_file() else None
