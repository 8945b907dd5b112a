"""Active Directory collector (ldap3): identities, groups, permissions, devices, and the
Exchange organisation, read with one read-only bind.

LDAPS or StartTLS with certificate verification (ldap3 does not verify unless told),
paged searches, no referral chasing, ranged retrieval of large multi-valued attributes
(ldap3's auto_range), and the SD flags control asking for the DACL only. Each partition
(domain, configuration) is one unit, committed with its records at once.
"""

from __future__ import annotations

import math
import ssl
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

import ldap3
from ldap3.core.exceptions import LDAPBindError, LDAPException, LDAPInvalidCredentialsResult
from ldap3.protocol.microsoft import security_descriptor_control

from ..config import ActiveDirectorySource
from ..model import (
    AcceptedDomain,
    GroupMember,
    Identity,
    MailboxDatabase,
    Observation,
    Permission,
    Reason,
    Server,
    Status,
    Unit,
    UnitKind,
)
from ..secrets import Secret
from . import ad_parse as ap

IDENTITY_ATTRIBUTES = [
    "objectClass",
    "objectGUID",
    "objectSid",
    "sAMAccountName",
    "userPrincipalName",
    "displayName",
    "mail",
    "mailNickname",
    "proxyAddresses",
    "msExchRecipientTypeDetails",
    "userAccountControl",
    "lastLogonTimestamp",
    "whenCreated",
    "msExchHideFromAddressLists",
    "altRecipient",
    "deliverAndRedirect",
    "msExchGenericForwardingAddress",
    "homeMDB",
    "publicDelegates",
    "msExchDelegateListLink",
    "msExchMailboxSecurityDescriptor",
    "nTSecurityDescriptor",
    "member",
]
IDENTITY_FILTER = (
    "(&(|(objectClass=user)(objectClass=group)(objectClass=contact))(!(objectClass=computer)))"
)
DEVICE_ATTRIBUTES = [
    "msExchDeviceID",
    "msExchDeviceType",
    "msExchDeviceModel",
    "msExchDeviceOS",
    "msExchDeviceUserAgent",
    "msExchFirstSyncTime",
    "msExchLastUpdateTime",
    "msExchDeviceAccessState",
]
DACL_ONLY = security_descriptor_control(sdflags=0x04)  # a list holding the one control


PARTITIONS = ("domain", "configuration")


class PartitionSink(Protocol):
    def write_server(self, server: Server) -> None: ...

    def finish_partition(
        self, unit: Unit, records: Iterable[object], permissions: Iterable[Permission] = ()
    ) -> None: ...


class BindRejected(Exception):
    """The directory refused the bind credential."""


@dataclass
class Directory:
    """The protocol calls, in one place: bind once, then searches only."""

    conn: ldap3.Connection

    @classmethod
    def connect(cls, src: ActiveDirectorySource, password: Secret) -> Directory:
        tls = ldap3.Tls(
            validate=ssl.CERT_NONE if src.allow_insecure else ssl.CERT_REQUIRED,
            ca_certs_file=str(src.ca_file) if src.ca_file else None,
            version=ssl.PROTOCOL_TLS_CLIENT,
        )
        server = ldap3.Server(
            src.host,
            port=src.effective_port,
            use_ssl=src.security == "tls",
            tls=tls,
            get_info=ldap3.NONE,
            connect_timeout=src.connect_timeout,
        )
        conn = ldap3.Connection(
            server,
            user=src.bind_user,
            password=password.reveal(),
            authentication=ldap3.NTLM if src.bind_method == "ntlm" else ldap3.SIMPLE,
            read_only=True,
            auto_referrals=False,
            auto_range=True,
            raise_exceptions=True,
            receive_timeout=math.ceil(src.read_timeout),  # ldap3 packs it as an integer
        )
        try:
            conn.open()
            if src.security == "starttls":
                conn.start_tls()
            conn.bind()
        except (LDAPBindError, LDAPInvalidCredentialsResult) as exc:
            conn.unbind()
            raise BindRejected(f"bind as {src.bind_user} refused: {_ldap_text(exc)}") from None
        return cls(conn)

    def root_dse(self) -> dict[str, list[bytes]]:
        self.conn.search("", "(objectClass=*)", ldap3.BASE, attributes=["*"])
        return _raw(self.conn.response[0]) if self.conn.response else {}

    def search(
        self, base: str, filter_: str, attributes: list[str], page_size: int, dacl: bool = False
    ) -> Iterator[tuple[str, dict[str, list[bytes]]]]:
        entries = self.conn.extend.standard.paged_search(
            base,
            filter_,
            ldap3.SUBTREE,
            attributes=attributes,
            paged_size=page_size,
            controls=DACL_ONLY if dacl else None,
            generator=True,
        )
        for entry in entries:
            if entry.get("type") == "searchResEntry":
                yield entry["dn"], _raw(entry)

    def close(self) -> None:
        self.conn.unbind()


def _raw(entry: dict[str, object]) -> dict[str, list[bytes]]:
    """Raw values by lower-case name; ranged names (``member;range=0-*``) folded."""
    out: dict[str, list[bytes]] = {}
    raw: Mapping[str, list[bytes]] = entry.get("raw_attributes") or {}  # type: ignore[assignment]
    for name, values in raw.items():
        out.setdefault(str(name).split(";", 1)[0].lower(), []).extend(values)
    return out


def first(raw: ap.Raw, name: str) -> bytes | None:
    values = raw.get(name.lower()) or ()
    return bytes(values[0]) if values else None


def _ldap_text(exc: BaseException) -> str:
    return str(getattr(exc, "description", None) or getattr(exc, "message", None) or exc)


def scan_directory(
    src: ActiveDirectorySource,
    password: Secret,
    sink: PartitionSink,
    classify: Callable[[BaseException], tuple[Reason, str]],
) -> list[Unit]:
    """Read the domain partition and the Exchange organisation; every outcome a Unit."""
    started = datetime.now(UTC)

    def failed(key: str, exc: BaseException) -> Unit:
        reason, message = classify(exc)
        unit = Unit(
            src.name,
            UnitKind.PARTITION,
            key,
            Status.FAILED,
            reason,
            message,
            started,
            datetime.now(UTC),
        )
        sink.finish_partition(unit, [], [])
        return unit

    try:
        directory = Directory.connect(src, password)
        root = directory.root_dse()
    except Exception as exc:
        return [failed(key, exc) for key in PARTITIONS]
    try:
        sink.write_server(
            ap.directory_server(
                src.name, src.host, src.effective_port, src.security, not src.allow_insecure, root
            )
        )
        config_nc = ap.text(root, "configurationNamingContext")
        readers: dict[str, Callable[[], tuple[list[object], list[Permission]]]] = {
            "domain": lambda: _domain(directory, src),
            "configuration": lambda: _configuration(directory, src, config_nc),
        }
        units = []
        for key in PARTITIONS:
            begun = datetime.now(UTC)
            try:
                records, permissions = readers[key]()
            except Exception as exc:
                units.append(failed(key, exc))
                continue
            unit = Unit(
                src.name,
                UnitKind.PARTITION,
                key,
                Status.OK,
                started=begun,
                finished=datetime.now(UTC),
            )
            sink.finish_partition(unit, records, permissions)
            units.append(unit)
        return units
    finally:
        directory.close()


def _domain(
    directory: Directory, src: ActiveDirectorySource
) -> tuple[list[object], list[Permission]]:
    identities: list[Identity] = []
    members: dict[str, list[str]] = {}
    delegates: list[tuple[str, str, str, str]] = []  # mailbox dn, grantee (dn|sid), right, origin
    observations: list[Observation] = []
    for dn, raw in directory.search(
        src.base_dn, IDENTITY_FILTER, IDENTITY_ATTRIBUTES, src.page_size, dacl=True
    ):
        ident = ap.identity(src.name, dn, raw)
        identities.append(ident)
        if ident.object_class == "group":
            members[dn] = list(ap.texts(raw, "member"))
        if not ident.recipient_type_details:
            continue
        try:
            full = ap.full_access_sids(first(raw, "msExchMailboxSecurityDescriptor"))
            send_as = ap.send_as_sids(first(raw, "nTSecurityDescriptor"))
        except Exception as exc:  # one unreadable descriptor must not lose the partition
            observations.append(
                Observation(
                    src.name,
                    dn,
                    None,
                    "unreadable_security_descriptor",
                    f"Full Access and Send As of this mailbox unknown: {exc}",
                )
            )
            full, send_as = [], []
        delegates += [(dn, trustee, "FullAccess", "ad_full_access") for trustee in full]
        delegates += [(dn, trustee, "SendAs", "ad_send_as") for trustee in send_as]
        for other in ap.texts(raw, "msExchDelegateListLink"):
            delegates.append((dn, other, "FullAccess", "ad_automapping"))
        for other in ap.texts(raw, "publicDelegates"):
            delegates.append((dn, other, "SendOnBehalf", "ad_send_on_behalf"))
    devices = [
        ap.device(src.name, dn, raw)
        for dn, raw in directory.search(
            src.base_dn, "(objectClass=msExchActiveSyncDevice)", DEVICE_ATTRIBUTES, src.page_size
        )
    ]
    records: list[object] = [*identities, *_expand(src.name, members), *devices, *observations]
    return records, _permissions(src.name, identities, delegates)


def _expand(source: str, members: dict[str, list[str]]) -> list[GroupMember]:
    """Direct and transitive members of every group (cycles tolerated; a group reached
    again through a cycle is not its own member)."""
    out = []
    for group, direct in members.items():
        seen: set[str] = {group.lower()}
        stack = [(m, True) for m in direct]
        while stack:
            dn, is_direct = stack.pop()
            key = dn.lower()
            if key in seen:
                continue
            seen.add(key)
            out.append(GroupMember(source, group, dn, is_direct))
            stack.extend((m, False) for m in members.get(dn, ()))
    return out


def _permissions(
    source: str, identities: list[Identity], delegates: list[tuple[str, str, str, str]]
) -> list[Permission]:
    """Grants with SIDs and DNs resolved to the addresses (or DNs) a report can show."""
    by_sid = {i.sid: i for i in identities if i.sid}
    by_dn = {i.dn.lower(): i for i in identities}

    def name(ref: str) -> str:
        ident = by_sid.get(ref) or by_dn.get(ref.lower())
        if ident is None:
            return ref  # a SID or DN outside the scanned base: shown as it is
        return ident.mail or ident.upn or ident.sam_account_name or ident.dn

    return [
        Permission(source, name(mailbox), None, name(grantee), right, origin)
        for mailbox, grantee, right, origin in delegates
    ]


def _configuration(
    directory: Directory, src: ActiveDirectorySource, config_nc: str | None
) -> tuple[list[object], list[Permission]]:
    if not config_nc:
        raise LDAPException("the RootDSE names no configurationNamingContext")
    base = f"CN=Microsoft Exchange,CN=Services,{config_nc}"
    exchange = directory.search(config_nc, "(cn=Microsoft Exchange)", ["cn"], src.page_size)
    if not any(True for _ in exchange):
        return [], []  # no Exchange organisation in this forest: nothing to read, not a failure
    records: list[object] = []
    for dn, raw in directory.search(
        base, "(objectClass=msExchExchangeServer)", ["name", "serialNumber"], src.page_size
    ):
        records.append(ap.exchange_server(src.name, dn, raw))
    for dn, raw in directory.search(
        base, "(objectClass=msExchMDB)", ["name", "msExchOwningServer"], src.page_size
    ):
        records.append(
            MailboxDatabase(
                src.name, ap.text(raw, "name") or dn, dn, ap.text(raw, "msExchOwningServer")
            )
        )
    for dn, raw in directory.search(
        base,
        "(objectClass=msExchAcceptedDomain)",
        ["msExchAcceptedDomainName", "msExchAcceptedDomainFlags"],
        src.page_size,
    ):
        flags = ap.integer(raw, "msExchAcceptedDomainFlags") or 0
        records.append(
            AcceptedDomain(
                src.name,
                ap.text(raw, "msExchAcceptedDomainName") or dn,
                ("authoritative", "external_relay", "internal_relay")[flags & 0x3]
                if flags & 0x3 < 3
                else "authoritative",
                default=bool(flags & 0x4),
            )
        )
    return records, []
