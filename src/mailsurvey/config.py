"""The YAML config: pydantic models, and loading with one clear message per problem.

Every problem names the file, the key path, what was found and what was expected, and is
reported before any connection is made. Secrets are never values in the file: ``*_env``,
``*_file`` and ``*_keyring`` keys say where they live.
"""

from __future__ import annotations

import csv
import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from .secrets import SecretRef

LANGUAGES = ("en", "nl", "pl")
_SECRET_WORDS = ("password", "token", "secret")
_SECRET_SUFFIXES = ("_env", "_file", "_keyring")


class ConfigError(Exception):
    """The config cannot be used. ``problems`` holds one line per problem."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__("\n".join(f"{path}: {p}" for p in problems))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _reject_literal_secrets(data: Any) -> Any:
    """A secret value in the file is refused, with how to pass it instead."""
    if isinstance(data, dict):
        for key in data:
            k = str(key)
            if any(w in k.lower() for w in _SECRET_WORDS) and not k.endswith(_SECRET_SUFFIXES):
                raise ValueError(
                    f"'{k}' holds a secret in the file; refused. Use {k}_env (an environment "
                    f"variable), {k}_file (a file only you can read) or {k}_keyring "
                    "(service[:user] in the system keyring), or leave them all out to be asked"
                )
    return data


class SecretFields(_Strict):
    """password_env / password_file / password_keyring."""

    password_env: str | None = None
    password_file: Path | None = None
    password_keyring: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_literal(cls, data: Any) -> Any:
        return _reject_literal_secrets(data)

    @model_validator(mode="after")
    def _one_source(self) -> SecretFields:
        given = [
            k for k in ("password_env", "password_file", "password_keyring") if getattr(self, k)
        ]
        if len(given) > 1:
            raise ValueError(f"give one of {', '.join(given)}, not several")
        return self

    def secret_ref(self, what: str, user: str | None = None) -> SecretRef:
        return SecretRef(
            what=what,
            env=self.password_env,
            file=self.password_file,
            keyring=self.password_keyring,
            keyring_default_user=user,
        )


class ImapAuth(SecretFields):
    method: Literal["master", "per_user", "xoauth2"]
    user: str | None = Field(None, description="master user (method master)")
    separator: str | None = Field(
        "*", description="Dovecot master separator; null: SASL PLAIN with authzid"
    )
    token_env: str | None = None
    token_file: Path | None = None

    @model_validator(mode="after")
    def _fits_method(self) -> ImapAuth:
        if self.method == "master" and not self.user:
            raise ValueError("method master needs 'user' (the master/admin login)")
        if self.method != "master" and self.user:
            raise ValueError(f"'user' is for method master; with {self.method} leave it out")
        if self.method == "xoauth2" and (self.password_env or self.password_file):
            raise ValueError("method xoauth2 takes token_env/token_file, not a password")
        if self.token_env and self.token_file:
            raise ValueError("give token_env or token_file, not both")
        return self


class Account(_Strict):
    address: str
    kind: Literal["user", "shared", "room", "equipment"] = "user"
    password_env: str | None = None
    password_file: Path | None = None
    token_env: str | None = None
    token_file: Path | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_literal(cls, data: Any) -> Any:
        return _reject_literal_secrets(data)

    @field_validator("address")
    @classmethod
    def _address(cls, v: str) -> str:
        v = v.strip()
        if not v or any(c.isspace() for c in v):
            raise ValueError("an account address without spaces, e.g. jan@acme.nl")
        return v


def _address_list(v: Any) -> Any:
    """Accounts as a CSV file name, or a list of addresses (or of account mappings)."""
    if v == "from_ad":
        return v
    if isinstance(v, list):
        return [{"address": a} if isinstance(a, str) else a for a in v]
    if isinstance(v, str | Path):
        return Path(v)
    raise ValueError("a CSV file name or a list of addresses")


class ImapSource(_Strict):
    name: str
    type: Literal["imap"]
    host: str
    port: int | None = Field(None, ge=1, le=65535)
    security: Literal["tls", "starttls", "plain"] = "tls"
    ca_file: Path | None = None
    allow_insecure: bool = False
    connect_timeout: float = Field(15.0, gt=0)
    read_timeout: float = Field(120.0, gt=0)
    auth: ImapAuth
    accounts: Path | list[Account]
    concurrency: int = Field(4, ge=1, le=64)
    fetch_batch: int = Field(5000, ge=100, le=100_000)
    count_method: Literal["auto", "fetch"] = Field(
        "auto",
        description="auto: let the server count (STATUS=SIZE, ESEARCH, ESORT) where it can; "
        "fetch: read every message's size and date (to cross-check a server's own counts)",
    )

    @field_validator("accounts", mode="before")
    @classmethod
    def _plain_addresses(cls, v: Any) -> Any:
        return _address_list(v)

    @model_validator(mode="after")
    def _security(self) -> ImapSource:
        if self.security == "plain" and not self.allow_insecure:
            raise ValueError(
                "security: plain sends credentials unencrypted; set allow_insecure: true "
                "to accept that (the report will say so), or use tls/starttls"
            )
        return self

    @property
    def effective_port(self) -> int:
        return self.port or (993 if self.security == "tls" else 143)


class ActiveDirectorySource(SecretFields):
    """A domain controller read over LDAPS (or StartTLS) with a read-only account."""

    name: str
    type: Literal["active_directory"]
    host: str
    port: int | None = Field(None, ge=1, le=65535)
    security: Literal["tls", "starttls"] = "tls"
    ca_file: Path | None = None
    allow_insecure: bool = False
    bind_user: str = Field(description=r"DOMAIN\user, user@domain or a DN")
    bind_method: Literal["simple", "ntlm"] = Field(
        "simple",
        description="simple: inside the verified TLS connection (Windows AD and Samba); "
        "ntlm: Windows domain controllers only (Samba does not implement LDAP NTLM binds)",
    )
    base_dn: str
    connect_timeout: float = Field(15.0, gt=0)
    read_timeout: float = Field(120.0, gt=0)
    page_size: int = Field(1000, ge=1, le=1000)
    inactive_days: int = Field(90, ge=1, le=3650)

    @property
    def effective_port(self) -> int:
        return self.port or (636 if self.security == "tls" else 389)


class EwsAuth(SecretFields):
    """The service account: a password (ntlm, basic) or, with oauth2 (Hybrid Modern
    Authentication), an access token obtained beforehand (e.g. the client-credentials flow),
    sent as ``Authorization: Bearer``; it is never refreshed by mailsurvey."""

    method: Literal["ntlm", "basic", "oauth2"] = "ntlm"
    user: str = Field(description=r"DOMAIN\user or user@domain: the service account")
    token_env: str | None = None
    token_file: Path | None = None
    token_keyring: str | None = None

    @model_validator(mode="after")
    def _fits_method(self) -> EwsAuth:
        tokens = [k for k in ("token_env", "token_file", "token_keyring") if getattr(self, k)]
        passwords = [
            k for k in ("password_env", "password_file", "password_keyring") if getattr(self, k)
        ]
        if self.method != "oauth2":
            if tokens:
                raise ValueError(
                    f"{tokens[0]} is for method oauth2; method {self.method} takes "
                    "password_env, password_file or password_keyring"
                )
            return self
        if passwords:
            raise ValueError(
                f"method oauth2 sends an access token, not a password: replace {passwords[0]} "
                "by token_env, token_file or token_keyring"
            )
        if not tokens:
            raise ValueError(
                "method oauth2 needs token_env, token_file or token_keyring: where the access "
                "token is (obtained beforehand, e.g. with the client-credentials flow)"
            )
        if len(tokens) > 1:
            raise ValueError(f"give one of {', '.join(tokens)}, not several")
        return self

    def token_ref(self, what: str) -> SecretRef:
        """Where the access token of method oauth2 lives."""
        return SecretRef(
            what=what,
            env=self.token_env,
            file=self.token_file,
            keyring=self.token_keyring,
            keyring_default_user=self.user,
        )


class ExchangeSource(_Strict):
    """On-premises Exchange (2013-2019, SE) over EWS, with a service account that may
    impersonate the mailboxes (or has Full Access to them, for delegate access)."""

    name: str
    type: Literal["exchange"]
    url: str = Field(description="the EWS endpoint, https://mail.acme.nl/EWS/Exchange.asmx")
    auth: EwsAuth
    access: Literal["impersonation", "delegate"] = "impersonation"
    mailboxes: Literal["from_ad"] | Path | list[Account] = Field(
        description="from_ad: the mailboxes the directory source(s) of this config found"
    )
    ca_file: Path | None = None
    allow_insecure: bool = False
    connect_timeout: float = Field(15.0, gt=0)
    read_timeout: float = Field(120.0, gt=0)
    concurrency: int = Field(4, ge=1, le=64)
    max_wait: float = Field(
        300.0, gt=0, description="seconds a mailbox may spend waiting out throttling"
    )

    @field_validator("mailboxes", mode="before")
    @classmethod
    def _plain_addresses(cls, v: Any) -> Any:
        return _address_list(v)

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        if not re.match(r"^https?://[^/\s]+/.*", v):
            raise ValueError("an EWS URL such as https://mail.acme.nl/EWS/Exchange.asmx")
        return v

    @model_validator(mode="after")
    def _https(self) -> ExchangeSource:
        if self.url.startswith("http://") and self.auth.method == "oauth2":
            raise ValueError(
                "url: method oauth2 needs https:// (whoever sees a bearer token over http:// "
                "can use it; allow_insecure does not change that)"
            )
        if self.url.startswith("http://") and not self.allow_insecure:
            raise ValueError(
                "url: http:// sends the credential unencrypted; use https:// (or set "
                "allow_insecure: true to accept that, and the report will say so)"
            )
        return self

    @property
    def host(self) -> str:
        return self.url.split("/")[2].rsplit(":", 1)[0]

    @property
    def effective_port(self) -> int:
        netloc = self.url.split("/")[2]
        if ":" in netloc and netloc.rsplit(":", 1)[1].isdigit():
            return int(netloc.rsplit(":", 1)[1])
        return 443 if self.url.startswith("https") else 80


_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")


def _domain_name(v: str) -> str:
    name = v.strip().lower().rstrip(".")
    try:
        ascii_name = name.encode("idna").decode("ascii")
    except UnicodeError:
        ascii_name = ""
    labels = ascii_name.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise ValueError(f"a domain name such as acme.nl, not {v!r}")
    return ascii_name


def _nameserver(v: str) -> tuple[str, int]:
    """An IP address, optionally with a port ("127.0.0.1:5353", "[::1]:5353"; 53 unless
    given): a nameserver named by a host name would need a resolver to find it."""
    text = v.strip()
    host, port = text, "53"
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest.removeprefix(":") or "53"
    elif text.count(":") == 1:
        host, port = text.split(":")
    try:
        address = str(ipaddress.ip_address(host))
        number = int(port)
    except ValueError:
        number = 0
    if not 1 <= number <= 65535:
        raise ValueError(
            f"an IP address, optionally with :port (127.0.0.1:5353, [::1]:5353), not {v!r}"
        )
    return address, number


class DnsSource(_Strict):
    """The public DNS of the mail domains: MX, SPF, DMARC, DKIM and autodiscover records,
    read with a resolver (the system's, or the nameservers given)."""

    name: str
    type: Literal["dns"]
    domains: Literal["from_ad"] | list[Annotated[str, AfterValidator(_domain_name)]] = Field(
        description="the mail domains, or from_ad: the accepted domains the directory "
        "source(s) of this config found"
    )
    nameservers: list[str] | None = Field(
        None, description='"address" or "address:port"; default: the system resolver'
    )
    dkim_selectors: list[Annotated[str, AfterValidator(str.lower)]] = Field(
        default_factory=list, description="DKIM selectors in use, beside the common ones"
    )
    timeout: float = Field(5.0, gt=0, le=120, description="seconds per DNS question")

    @field_validator("domains")
    @classmethod
    def _some(cls, v: Any) -> Any:
        if isinstance(v, list) and not v:
            raise ValueError("at least one domain, or from_ad")
        return v

    @field_validator("nameservers")
    @classmethod
    def _addresses(cls, v: list[str] | None) -> list[str] | None:
        if v is not None:
            if not v:
                raise ValueError("at least one nameserver, or leave the key out")
            for item in v:
                _nameserver(item)
        return v

    @field_validator("dkim_selectors")
    @classmethod
    def _selectors(cls, v: list[str]) -> list[str]:
        for sel in v:
            if not all(_LABEL.match(label) for label in sel.split(".")):
                raise ValueError(f"a DKIM selector such as s2024 or selector1, not {sel!r}")
        return v

    @property
    def nameserver_addresses(self) -> list[tuple[str, int]] | None:
        return None if self.nameservers is None else [_nameserver(n) for n in self.nameservers]


class ExchangeExportFiles(_Strict):
    """The files of an export, as sample_configs/exchange-export.ps1 names them."""

    mailbox_statistics: str = "MailboxStatistics.csv"
    folder_statistics: str = "MailboxFolderStatistics.csv"
    devices: str = "MobileDeviceStatistics.csv"
    mailbox_permissions: str = "MailboxPermission.csv"
    recipient_permissions: str = "RecipientPermission.csv"
    servers: str = "ExchangeServer.csv"
    export_info: str = "ExportInfo.csv"  # the session's culture, when the script wrote it


class ExchangeExportSource(_Strict):
    """CSV files an admin exported in the Exchange Management Shell (where the consultant
    cannot connect): sample_configs/exchange-export.ps1 writes them."""

    name: str
    type: Literal["exchange_export"]
    path: Path = Field(description="the directory holding the exported CSV files")
    files: ExchangeExportFiles = Field(default_factory=ExchangeExportFiles)
    culture: str | None = Field(
        None,
        description="the admin's session culture, how its dates are written (default: as "
        "the script recorded it in ExportInfo.csv)",
    )
    date_format: str | None = Field(
        None, description="a strptime format for the dates, instead of the culture's"
    )
    timezone: str | None = Field(
        None, description="the admin's session time zone (default: plan.timezone)"
    )

    @model_validator(mode="after")
    def _culture(self) -> ExchangeExportSource:
        from .collectors.exchange_export_parse import CULTURES

        if self.culture and self.culture not in CULTURES and self.date_format is None:
            raise ValueError(
                f"culture: found {self.culture!r}; expected one of {', '.join(CULTURES)}, "
                "or date_format with the culture's date pattern"
            )
        return self

    @property
    def dates(self) -> str | None:
        """The strptime format of the export's dates; None: as the export says."""
        from .collectors.exchange_export_parse import CULTURES

        return self.date_format or CULTURES.get(self.culture or "")

    @field_validator("date_format")
    @classmethod
    def _format(cls, v: str | None) -> str | None:
        if v is not None and not re.search(r"%[dmY]", v):
            raise ValueError('a strptime format such as "%d-%m-%Y %H:%M:%S"')
        return v

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str | None) -> str | None:
        return None if v is None else PlanSettings._zone(v)


class MailFilesSource(_Strict):
    """Mail exports on disk, where nothing can be connected to: every entry of ``path``
    (a file or a directory) is one mailbox, its format recognised from what it is
    (.pst/.ost, a Maildir, a directory of mbox files, one mbox file)."""

    name: str
    type: Literal["mail_files"]
    path: Path = Field(description="a directory with one file or directory per mailbox")
    domain: str | None = Field(
        None, description="added to an entry named without @: jan.pst is jan@<domain>"
    )
    mailboxes: Path | None = Field(
        None,
        description="a CSV file with columns entry,address[,kind]: whose mailbox each entry "
        "of path is; only the entries it lists are read",
    )
    concurrency: int = Field(2, ge=1, le=16, description="mailboxes read at once")

    @field_validator("domain")
    @classmethod
    def _domain(cls, v: str | None) -> str | None:
        if v is not None and (not v or "@" in v or any(c.isspace() for c in v)):
            raise ValueError("a mail domain such as acme.nl")
        return v


Source = Annotated[
    ImapSource
    | ActiveDirectorySource
    | ExchangeSource
    | DnsSource
    | ExchangeExportSource
    | MailFilesSource,
    Field(discriminator="type"),
]
SOURCE_TYPES = ("imap", "active_directory", "exchange", "dns", "exchange_export", "mail_files")


class ProbeSettings(_Strict):
    """The throughput probe: a sample of whole messages downloaded (read-only) at growing
    concurrency, within a budget of time and volume."""

    enabled: bool = True
    seconds: float = Field(60.0, gt=0, le=3600, description="time budget per source")
    megabytes: float = Field(200.0, gt=0, le=100_000, description="volume budget per source")
    max_concurrency: int | None = Field(
        None,
        ge=1,
        le=64,
        description="highest concurrency tried; default: the plan's, else the source's concurrency",
    )


_HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-4]):[0-5][0-9]$"


class PlanSettings(_Strict):
    """When users switch, and how the copy is run: the forecast's and timeline's inputs."""

    cutover: datetime | None = Field(
        None, description="from this moment users work in the new environment (local time)"
    )
    timezone: str = "Europe/Amsterdam"
    country: str | None = Field(None, description="ISO country code for public holidays")
    working_hours: str = "08:00-18:00"
    strategy: Literal["cutover", "staged"] = "cutover"
    method: str = Field("mbsync", description="migration method profile (assess/methods.py)")
    concurrency: int | None = Field(None, ge=1, le=1000)
    uplink_mbit: float | None = Field(
        None, gt=0, description="the migrating host's link; measured by the probe when unset"
    )
    mx_ttl: int | None = Field(None, ge=0, description="current MX TTL in seconds, if known")
    not_before: datetime | None = Field(
        None, description="the earliest moment the copy may start (default: now)"
    )
    wave_window_hours: float = Field(
        48.0, gt=0, le=24 * 31, description="one migration window (a wave must fit it)"
    )
    set_aside_degree: int | None = Field(
        None,
        ge=2,
        description="an account sharing rights with this many mailboxes or more moves on its "
        "own (default: 10, or a tenth of the mailboxes when that is more)",
    )

    @field_validator("cutover", "not_before", mode="before")
    @classmethod
    def _moment(cls, v: Any) -> Any:
        if isinstance(v, str):
            try:
                return datetime.fromisoformat(v)
            except ValueError:
                raise ValueError("a local date and time such as 2027-01-11T07:00") from None
        return v

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                "an IANA time zone such as Europe/Amsterdam or Europe/Warsaw"
            ) from None
        return v

    @field_validator("working_hours")
    @classmethod
    def _hours(cls, v: str) -> str:
        if not re.fullmatch(_HHMM, v):
            raise ValueError("a time range HH:MM-HH:MM, such as 08:00-18:00")
        return v

    @field_validator("country")
    @classmethod
    def _country(cls, v: str | None) -> str | None:
        if v is None:
            return None
        import holidays  # a heavy import, only when a country is given

        code = v.strip().upper()
        if code not in holidays.list_supported_countries():
            raise ValueError("an ISO 3166 country code with public holidays (NL, PL, ...)")
        return code

    @field_validator("method")
    @classmethod
    def _method(cls, v: str) -> str:
        from .assess.methods import PROFILES

        if v not in PROFILES:
            raise ValueError(f"one of {', '.join(sorted(PROFILES))}")
        return v

    @property
    def hours(self) -> tuple[time, time]:
        start, end = self.working_hours.split("-")
        return time.fromisoformat(start), (time.max if end == "24:00" else time.fromisoformat(end))


Money = Annotated[Decimal, Field(ge=0, allow_inf_nan=False)]
Excludable = Literal["inactive", "empty", "duplicate"]
EXCLUDABLE: tuple[Excludable, ...] = ("inactive", "empty", "duplicate")


class PricingSettings(_Strict):
    """The quote's prices (assess/quote.py). Money is Decimal, never float; amounts are
    rounded half up to cents only where they are shown and in the totals."""

    currency: str = Field(description="ISO 4217 code, e.g. EUR or PLN")
    per_mailbox: Money
    per_gb: Money = Field(Decimal(0), description="per GiB of a mailbox's size")
    fixed: Money = Field(Decimal(0), description="once per project")
    per_shared_mailbox: Money | None = Field(
        None, description="shared, room and equipment mailboxes (default: per_mailbox)"
    )
    per_archive: Money | None = Field(
        None, description="an online archive, migrated as extra work (default: not priced)"
    )
    per_hour: Money | None = Field(
        None, description="per hour of the forecast bulk copy, P90 (default: not priced)"
    )
    exclude: list[Excludable] = Field(
        default_factory=lambda: list(EXCLUDABLE),
        description="mailboxes not billed: inactive, empty, duplicate (of another source's)",
    )

    @field_validator("currency")
    @classmethod
    def _currency(cls, v: str) -> str:
        from babel.numbers import is_currency

        code = v.strip().upper()
        if len(code) != 3 or not is_currency(code):
            raise ValueError("an ISO 4217 currency code such as EUR or PLN")
        return code

    @field_validator("exclude")
    @classmethod
    def _unique(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("each of inactive, empty, duplicate at most once")
        return v


def _target_id(v: str) -> str:
    from .assess.targets import PROFILES

    if v not in PROFILES:
        raise ValueError(f"a target profile: one of {', '.join(sorted(PROFILES))}")
    return v


class Config(_Strict):
    project: str
    client: str
    language: Literal["en", "nl", "pl"] = "en"
    output_dir: Path = Path("./reports")
    sources: list[Source] = Field(min_length=1)
    probe: ProbeSettings = Field(default_factory=ProbeSettings)
    plan: PlanSettings = Field(default_factory=PlanSettings)
    targets: list[Annotated[str, AfterValidator(_target_id)]] = Field(
        default_factory=list, description="target profiles to assess (assess/targets.py)"
    )
    pricing: PricingSettings | None = Field(
        None, description="prices for the quote (no quote without them)"
    )

    @field_validator("sources")
    @classmethod
    def _unique_names(cls, v: list[Source]) -> list[Source]:
        seen: set[str] = set()
        for s in v:
            if s.name in seen:
                raise ValueError(f"two sources are named {s.name!r}; names must be unique")
            seen.add(s.name)
        return v

    def summary(self) -> dict[str, object]:
        """The config as the report's About shows it: references to secrets, never values."""
        return self.model_dump(mode="json")


@dataclass(frozen=True)
class LoadedConfig:
    path: Path
    config: Config
    accounts: dict[str, list[Account]]  # source name -> accounts, CSVs already read


def load(path: Path) -> LoadedConfig:
    """Read, validate and resolve relative paths. Raises ConfigError with every problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(path, [f"cannot read the file ({exc.strerror})"]) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(path, [f"{where}not valid YAML ({problem})"]) from None
    if not isinstance(data, dict):
        raise ConfigError(path, ["expected a mapping of keys (project, client, sources, ...)"])
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(path, list(_describe(exc))) from None
    config = _resolve_paths(config, path.parent)
    problems: list[str] = []
    accounts: dict[str, list[Account]] = {}
    directories = [s for s in config.sources if isinstance(s, ActiveDirectorySource)]
    for i, src in enumerate(config.sources):
        if isinstance(src, ExchangeSource) and src.mailboxes == "from_ad":
            accounts[src.name] = []  # known once the directory is scanned
            if not directories:
                problems.append(
                    f"sources[{i}].mailboxes: from_ad needs an active_directory source in "
                    "this config; or list the mailboxes (a CSV file or a list)"
                )
        elif isinstance(src, ImapSource | ExchangeSource):
            accounts[src.name] = _accounts(src, i, problems)
        if isinstance(src, MailFilesSource):
            accounts[src.name] = _mail_files_accounts(src, i, problems)
            continue
        if isinstance(src, ExchangeExportSource):
            statistics = src.path / src.files.mailbox_statistics
            if not src.path.is_dir():
                problems.append(f"sources[{i}].path: {src.path} is not a directory")
            elif not statistics.is_file():
                problems.append(
                    f"sources[{i}].files.mailbox_statistics: {statistics} does not exist "
                    "(sample_configs/exchange-export.ps1 writes it)"
                )
            continue
        if isinstance(src, DnsSource):
            if src.domains == "from_ad" and not directories:
                problems.append(
                    f"sources[{i}].domains: from_ad needs an active_directory source in this "
                    "config; or list the domains"
                )
            continue
        if src.ca_file and not src.ca_file.is_file():
            problems.append(f"sources[{i}].ca_file: {src.ca_file} does not exist")
    if problems:
        raise ConfigError(path, problems)
    return LoadedConfig(path=path, config=config, accounts=accounts)


def _describe(exc: ValidationError) -> Iterator[str]:
    for err in exc.errors(include_url=False):
        branch = any(isinstance(p, str) and ("[" in p or "-" in p) for p in err["loc"])
        if branch and err["type"] in _BRANCH_MISMATCH:
            continue  # a union member the value was clearly not meant as (a list is no path)
        loc = _loc(err["loc"])
        msg = err["msg"].removeprefix("Value error, ").removeprefix("Input should be ")
        found = err.get("input")
        key = str(err["loc"][-1]) if err["loc"] else ""
        if err["type"] == "union_tag_invalid":
            tag = err.get("ctx", {}).get("tag")
            yield f"{loc}.type: found {tag!r}; expected one of: {', '.join(SOURCE_TYPES)}"
        elif err["type"] == "extra_forbidden":
            yield f"{loc}: unknown key (check the spelling; see sample_configs/)"
        elif err["type"] == "missing":
            yield f"{loc}: missing; this key is required"
        elif any(w in key.lower() for w in _SECRET_WORDS) or isinstance(found, dict):
            yield f"{loc}: {msg}"
        else:
            yield f"{loc}: found {found!r}; expected {msg[0].lower() + msg[1:]}"


_BRANCH_MISMATCH = {"path_type", "is_instance_of", "list_type", "string_type"}


def _loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in SOURCE_TYPES or "[" in part or "-" in part:
            continue  # discriminator tags and union members pydantic puts into the path
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _resolve_paths(config: Config, base: Path) -> Config:
    def fix(p: Path | None) -> Path | None:
        if p is None:
            return None
        p = p.expanduser()
        return p if p.is_absolute() else (base / p)

    def fix_list(p: Path | list[Account] | str) -> Path | list[Account] | str:
        return fix(p) or p if isinstance(p, Path) else p

    sources: list[
        ImapSource
        | ActiveDirectorySource
        | ExchangeSource
        | DnsSource
        | ExchangeExportSource
        | MailFilesSource
    ] = []
    for s in config.sources:
        if isinstance(s, MailFilesSource):
            sources.append(
                s.model_copy(update={"path": fix(s.path), "mailboxes": fix(s.mailboxes)})
            )
            continue
        if isinstance(s, ExchangeExportSource):
            sources.append(s.model_copy(update={"path": fix(s.path)}))
            continue
        if isinstance(s, DnsSource):  # no paths
            sources.append(s)
            continue
        if isinstance(s, ExchangeSource):
            auth_x = s.auth.model_copy(
                update={
                    "password_file": fix(s.auth.password_file),
                    "token_file": fix(s.auth.token_file),
                }
            )
            sources.append(
                s.model_copy(
                    update={
                        "ca_file": fix(s.ca_file),
                        "auth": auth_x,
                        "mailboxes": fix_list(s.mailboxes),
                    }
                )
            )
            continue
        if isinstance(s, ActiveDirectorySource):
            sources.append(
                s.model_copy(
                    update={"ca_file": fix(s.ca_file), "password_file": fix(s.password_file)}
                )
            )
            continue
        auth = s.auth.model_copy(
            update={
                "password_file": fix(s.auth.password_file),
                "token_file": fix(s.auth.token_file),
            }
        )
        accounts = s.accounts
        if isinstance(accounts, Path):
            accounts = accounts.expanduser()
            accounts = accounts if accounts.is_absolute() else base / accounts
        sources.append(
            s.model_copy(update={"ca_file": fix(s.ca_file), "auth": auth, "accounts": accounts})
        )
    return config.model_copy(update={"output_dir": fix(config.output_dir), "sources": sources})


def _mail_files_accounts(src: MailFilesSource, index: int, problems: list[str]) -> list[Account]:
    """The mailboxes the files of ``src`` hold, found before the scan starts."""
    from .collectors.mail_files import DiscoveryError, discover

    if not src.path.is_dir():
        what = "is not a directory" if src.path.exists() else "does not exist"
        problems.append(
            f"sources[{index}].path: {src.path} {what}; expected a directory with one file "
            "or directory per mailbox"
        )
        return []
    if src.mailboxes is not None and not src.mailboxes.is_file():
        problems.append(f"sources[{index}].mailboxes: {src.mailboxes} does not exist")
        return []
    try:
        boxes = discover(src)
    except DiscoveryError as exc:
        key = "mailboxes" if src.mailboxes is not None else "path"
        problems += [f"sources[{index}].{key}: {p}" for p in exc.problems]
        return []
    except OSError as exc:
        problems.append(f"sources[{index}].path: cannot read {exc.filename}: {exc.strerror}")
        return []
    return [Account.model_validate({"address": b.address, "kind": b.kind}) for b in boxes]


def _accounts(src: ImapSource | ExchangeSource, index: int, problems: list[str]) -> list[Account]:
    listed = src.accounts if isinstance(src, ImapSource) else src.mailboxes
    assert not isinstance(listed, str)  # from_ad is resolved at scan time
    key = f"sources[{index}].{'accounts' if isinstance(src, ImapSource) else 'mailboxes'}"
    if isinstance(listed, Path):
        try:
            items = list(_read_accounts_csv(listed))
        except (OSError, ValueError) as exc:
            problems.append(f"{key}: {listed}: {exc}")
            return []
    else:
        items = list(listed)
    base = listed.parent if isinstance(listed, Path) else None
    out: list[Account] = []
    seen: set[str] = set()
    for a in items:
        low = a.address.lower()
        if low in seen:
            problems.append(f"{key}: {a.address} is listed twice")
            continue
        seen.add(low)
        if base is not None and a.password_file and not a.password_file.is_absolute():
            a = a.model_copy(update={"password_file": base / a.password_file})
        if base is not None and a.token_file and not a.token_file.is_absolute():
            a = a.model_copy(update={"token_file": base / a.token_file})
        per_user = isinstance(src, ImapSource) and src.auth.method == "per_user"
        if per_user and not (a.password_env or a.password_file):
            problems.append(
                f"{key}: {a.address}: auth method per_user needs password_env or password_file "
                "for every account"
            )
        out.append(a)
    if not out and not problems:
        problems.append(f"{key}: no accounts listed")
    return out


_CSV_COLUMNS = {"address", "kind", "password_env", "password_file", "token_env", "token_file"}


def _read_accounts_csv(path: Path) -> Iterator[Account]:
    """address[,password_env|password_file|...] per line; a header row names the columns."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = [r for r in csv.reader(fh) if r and any(c.strip() for c in r)]
    if not rows:
        return
    header = [c.strip().lower() for c in rows[0]]
    if header[0] == "address":
        unknown = set(header) - _CSV_COLUMNS
        if unknown:
            raise ValueError(
                f"unknown column(s) {', '.join(sorted(unknown))}; expected "
                f"{', '.join(sorted(_CSV_COLUMNS))}"
            )
        body = rows[1:]
    else:
        header, body = ["address", "password_env"], rows
    for lineno, row in enumerate(body, start=2 if body is not rows else 1):
        values = {h: c.strip() for h, c in zip(header, row, strict=False) if c.strip()}
        if len(row) > len(header):
            raise ValueError(f"line {lineno}: {len(row)} columns, the header has {len(header)}")
        if any(k.startswith("password") and not k.endswith(_SECRET_SUFFIXES) for k in values):
            raise ValueError(f"line {lineno}: a password column is refused; use password_env")
        try:
            yield Account.model_validate(values)
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            raise ValueError(f"line {lineno}: {_loc(first['loc'])}: {first['msg']}") from None
