"""The config's sources: IMAP, Active Directory, Exchange (EWS), DNS, exports, files."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    Field,
    field_validator,
    model_validator,
)

from .config_base import SecretFields, _reject_literal_secrets, _Strict
from .config_settings import PlanSettings
from .secrets import SecretRef


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
        if "@" in self.url.split("/")[2]:  # here, not in _url: its error would echo the URL
            raise ValueError(
                "url: holds a user or password (user:password@host); refused, the config is "
                "stored and shown in the reports. Give the URL without it "
                "(https://mail.acme.nl/EWS/Exchange.asmx) and the account in auth"
            )
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
