"""The records collectors yield and the store keeps.

Every figure that may be unknown is ``None`` (never 0): a report shows it as unknown.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

# Upper bounds (exclusive) of the size histogram buckets, in bytes. The last bucket is
# ">= 150 MB". The bounds are the limits migration targets publish (35 MB EXO IMAP,
# 150 MB EXO hybrid move, 25 MB Google).
MB = 1024 * 1024
SIZE_BUCKETS: tuple[int, ...] = (100 * 1024, 1 * MB, 10 * MB, 25 * MB, 35 * MB, 150 * MB)
SIZE_BUCKET_LABELS: tuple[str, ...] = (
    "<100 KB",
    "<1 MB",
    "<10 MB",
    "<25 MB",
    "<35 MB",
    "<150 MB",
    ">=150 MB",
)


class Status(enum.StrEnum):
    OK = "ok"
    PARTIAL = "partial"
    FAILED = "failed"
    SKIPPED = "skipped"


class Reason(enum.StrEnum):
    """Why a unit did not end ok. One place (``scan_common.classify``) maps exceptions to these."""

    NONE = "none"
    AUTH = "auth"  # credential rejected
    CREDENTIAL_MISSING = "credential_missing"
    TLS = "tls"  # certificate or handshake refused
    CONNECT = "connect"  # refused, unreachable, DNS
    TIMEOUT = "timeout"
    DISCONNECTED = "disconnected"  # BYE, connection reset mid-session
    PROTOCOL = "protocol"  # NO/BAD answers, unparsable responses
    VANISHED = "vanished"  # folder or mailbox disappeared during the scan
    PERMISSION = "permission"
    UNSUPPORTED = "unsupported"
    INTERRUPTED = "interrupted"  # the scan was stopped before the unit ended
    BUDGET = "budget"  # the unit's time or volume budget ran out (the probe)
    THROTTLED = "throttled"  # the server kept asking to back off beyond the wait allowed
    UNAVAILABLE = "unavailable"  # the mailbox cannot be read now (a move in progress, ...)
    INTERNAL = "internal"  # a bug in mailsurvey: the message says what


class UnitKind(enum.StrEnum):
    ACCOUNT = "account"
    FOLDER = "folder"
    PARTITION = "partition"  # a directory partition: domain, configuration
    PROBE = "probe"  # the throughput probe of one source (key: the source's name)
    DOMAIN = "domain"  # the DNS records of one mail domain (key: the domain)
    FILE = "file"  # one file of an export (key: the file's name)


@dataclass(frozen=True)
class Unit:
    """The outcome of one unit of work (an account, a folder)."""

    source: str
    kind: UnitKind
    key: str  # account address; for a folder: "address\x00folder path"
    status: Status
    reason: Reason = Reason.NONE
    message: str = ""
    started: datetime | None = None
    finished: datetime | None = None


@dataclass(frozen=True)
class Server:
    """What a source server says about itself."""

    source: str
    host: str
    port: int
    software: str | None  # from ID "name", else guessed from the greeting
    version: str | None
    greeting: str | None
    capabilities: tuple[str, ...] = ()
    security: str = "tls"  # tls | starttls | plain
    tls_verified: bool = True


@dataclass(frozen=True)
class Namespace:
    kind: str  # personal | other_users | shared
    prefix: str
    delimiter: str | None


@dataclass(frozen=True)
class Mailbox:
    source: str
    address: str
    display_name: str | None = None
    kind: str = "user"  # user | shared | unknown
    quota_root: str | None = None
    quota_used_bytes: int | None = None
    quota_limit_bytes: int | None = None
    quota_used_messages: int | None = None
    quota_limit_messages: int | None = None
    quota_unlimited: bool = False  # the server said there is no quota (known, not unknown)
    namespaces: tuple[Namespace, ...] = ()
    delimiter: str | None = None
    # Gmail (X-GM-EXT-1): a message with several labels is in several folders. Counted once
    # by X-GM-MSGID over every folder: the distinct messages and their bytes, and the extra
    # copies the folders hold. None: not Gmail, or not every folder was read in one pass.
    unique_messages: int | None = None
    unique_bytes: int | None = None
    duplicate_messages: int | None = None
    duplicate_bytes: int | None = None
    # The last logon the mail server recorded (Exchange's Get-MailboxStatistics
    # LastLogonTime, from an EMS export), aware; None: not known (or never).
    last_logon: datetime | None = None


@dataclass(frozen=True)
class Folder:
    source: str
    mailbox: str  # address of the owning mailbox
    path: str  # decoded (Unicode) full name, hierarchy delimiter as the server has it
    delimiter: str | None = None
    depth: int = 0  # 0 for a top-level folder
    flags: tuple[str, ...] = ()
    special_use: str | None = None  # \Sent, \Trash, ... ; "\Inbox" for INBOX
    noselect: bool = False
    messages: int | None = None
    bytes: int | None = None
    largest: int | None = None
    oldest: datetime | None = None
    newest: datetime | None = None
    histogram: tuple[int, ...] | None = None  # len(SIZE_BUCKETS) + 1 counts
    uidvalidity: int | None = None
    uidnext: int | None = None
    highestmodseq: int | None = None
    method: str | None = None  # how the figures were obtained: status+search | fetch
    # mailbox | recoverable (Exchange's Recoverable Items) | archive (the online archive) |
    # archive_recoverable (the archive's Recoverable Items)
    area: str = "mailbox"
    folder_class: str | None = None  # Exchange: IPF.Note, IPF.Appointment, ...; IMAP: None


@dataclass(frozen=True)
class Permission:
    """A right someone holds on a mailbox or folder."""

    source: str
    mailbox: str  # grantor
    folder: str | None  # None: the whole mailbox
    grantee: str
    rights: str  # as the source expresses them (IMAP ACL letters, "FullAccess", ...)
    origin: str  # imap_acl | imap_myrights | ad_full_access | ...


@dataclass(frozen=True)
class InboxRule:
    """A server-side inbox rule of a mailbox (Exchange). ``recipients``: whom it forwards,
    redirects or forwards as an attachment to; ``outside``: those of them outside the
    accepted domains (mail that leaves the organisation, and that a migration must keep
    or stop on purpose)."""

    source: str
    mailbox: str
    rule_id: str
    name: str
    enabled: bool
    in_error: bool
    actions: tuple[str, ...] = ()  # the names EWS gives them: ForwardToRecipients, Delete, ...
    recipients: tuple[str, ...] = ()
    outside: tuple[str, ...] = ()


@dataclass(frozen=True)
class Observation:
    """Something a collector noticed that an assessment should see (not a failure)."""

    source: str
    mailbox: str | None
    folder: str | None
    code: str  # e.g. count_mismatch
    message: str


@dataclass(frozen=True)
class ScanInfo:
    """Facts about the run itself, kept with the store."""

    project: str
    client: str
    language: str
    started: datetime
    mailsurvey_version: str
    config_summary: dict[str, object] = field(default_factory=dict)  # never holds a secret


# -- directory (Active Directory) -----------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    """A directory object that can hold or receive mail: user, group, contact."""

    source: str
    dn: str
    object_class: str  # user | group | contact
    object_guid: str | None = None
    sid: str | None = None
    sam_account_name: str | None = None
    upn: str | None = None
    display_name: str | None = None
    mail: str | None = None
    mail_nickname: str | None = None
    proxy_addresses: tuple[str, ...] = ()  # as stored: "SMTP:primary", "smtp:alias", "X500:..."
    recipient_type: str | None = None  # user | shared | room | equipment | group | contact | ...
    recipient_type_details: int | None = None  # msExchRecipientTypeDetails as stored
    enabled: bool | None = None
    last_logon: datetime | None = None  # lastLogonTimestamp (replicated, ~14 days precise)
    when_created: datetime | None = None
    hidden_from_gal: bool | None = None
    forwarding_to: str | None = None  # altRecipient (a DN) or msExchGenericForwardingAddress
    deliver_and_redirect: bool | None = None
    home_mdb: str | None = None


@dataclass(frozen=True)
class DirectoryFinding:
    """A directory-sync readiness problem on one value of one object (IdFix's rules)."""

    source: str
    dn: str
    attribute: str  # userPrincipalName, mail, mailNickname, proxyAddresses, ...
    value: str
    rule: str  # character | format | topleveldomain | domainpart | localpart | length |
    #            duplicate | blank
    fix: str | None  # the suggested value, None when only a person can decide
    message: str


@dataclass(frozen=True)
class GroupMember:
    """One member of a group; ``direct`` False when it is a member through nested groups."""

    source: str
    group_dn: str
    member_dn: str
    direct: bool


@dataclass(frozen=True)
class Device:
    """A phone or tablet that syncs a mailbox (Exchange ActiveSync)."""

    source: str
    owner_dn: str
    device_id: str
    device_type: str | None = None
    model: str | None = None
    os: str | None = None
    user_agent: str | None = None
    first_sync: datetime | None = None
    last_sync: datetime | None = None
    access_state: str | None = None  # allowed | blocked | quarantined | ...


@dataclass(frozen=True)
class ExchangeServer:
    source: str
    name: str
    dn: str
    version: str | None  # as Exchange writes it: "Version 15.2 (Build 1118.7)"
    product: str | None  # e.g. "Exchange Server 2019", from the version


@dataclass(frozen=True)
class MailboxDatabase:
    source: str
    name: str
    dn: str
    server: str | None


@dataclass(frozen=True)
class AcceptedDomain:
    source: str
    name: str
    domain_type: str  # authoritative | internal_relay | external_relay
    default: bool


@dataclass(frozen=True)
class ProbeSample:
    """One timed request of the throughput probe, with its conditions.

    kind: "rtt" (a NOOP), "login" (connect, TLS, login), "request" (EXAMINE, SEARCH),
    "single" (one whole message, the connection otherwise idle), "fetch" (``messages``
    whole messages, ``bytes`` octets, in one command, while every connection of the
    level fetches: the link and server under that concurrency). An Exchange source's
    probe (EWS): "login" (a mailbox's first request), "rtt" (a minimal GetFolder),
    "request" (FindFolder), "finditem" (a page of item sizes), "getitem_mime"
    (``messages`` items' MIME content, ``bytes`` octets, in one GetItem, as "fetch"),
    "backoff" (the server asked to wait ``seconds``: throttled).
    """

    source: str
    run: str  # the probe's start (ISO 8601): one run's samples belong together
    seq: int  # order within the run
    concurrency: int  # connections the probe had open at once while this was timed
    kind: str
    mailbox: str
    folder: str
    messages: int
    bytes: int
    seconds: float
    at: datetime
    server: str  # host:port as probed


@dataclass(frozen=True)
class DnsDomain:
    """What the DNS publishes for one mail domain: what a cutover must change.

    ``unknown`` names the parts whose lookup failed (mx, spf, dmarc, dkim, autodiscover):
    their fields are then unknown, not empty. ``problems`` and ``spf_problems`` are codes
    (see collectors/dns_parse.py); ``spf_detail`` is the SPF library's own message.
    """

    source: str
    domain: str
    exists: bool | None  # False: the name does not exist (NXDOMAIN)
    mx: tuple[str, ...] = ()  # "preference host", lowest preference first
    mx_ttl: int | None = None  # seconds, as the authoritative server gives it
    spf_records: tuple[str, ...] = ()  # every TXT record starting with v=spf1
    spf_lookups: int | None = None  # DNS lookups an evaluation needs (limit 10)
    spf_includes: tuple[str, ...] = ()  # include: targets of the record, as written
    spf_problems: tuple[str, ...] = ()
    spf_detail: str | None = None
    dmarc_record: str | None = None
    dmarc_policy: str | None = None  # p=: none | quarantine | reject
    dmarc_subdomain_policy: str | None = None  # sp=, else p=
    dmarc_pct: int | None = None  # pct= where written (RFC 7489; removed by RFC 9989)
    dmarc_rua: tuple[str, ...] = ()
    dkim_selectors: tuple[str, ...] = ()  # selectors with a key (TXT) or a CNAME
    dkim_checked: tuple[str, ...] = ()  # the selectors looked up
    autodiscover_cname: str | None = None
    autodiscover_srv: str | None = None  # "priority weight port target"
    problems: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
