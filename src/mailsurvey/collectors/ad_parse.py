"""Pure functions that turn LDAP entries (raw attribute values) into model records.

Security descriptors are parsed with winacl; binary values (objectGUID, objectSid) are
decoded or dropped, never allowed to crash a scan.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta

from winacl.dtyp.ace import ADS_ACCESS_MASK
from winacl.dtyp.security_descriptor import SECURITY_DESCRIPTOR
from winacl.dtyp.sid import SID

from ..model import Device, ExchangeServer, Identity, Server

Raw = Mapping[str, Sequence[bytes]]  # attribute name (lower case) -> raw values

SELF_SID = "S-1-5-10"
SEND_AS = uuid.UUID("ab721a54-1e2f-11d0-9819-00aa0040529b")  # Send-As extended right
MAILBOX_FULL_ACCESS = 0x1  # msExchMailboxSecurityDescriptor: ACCESS_MASK bit "FullAccess"
ACCOUNT_DISABLE = 0x2  # userAccountControl

# msExchRecipientTypeDetails values (Microsoft: "Recipient type values"); the ones a
# migration plan treats differently get their own word, the rest keep their number.
RECIPIENT_TYPES: dict[int, str] = {
    1: "user",
    2: "linked",
    4: "shared",
    8: "legacy",
    16: "room",
    32: "equipment",
    64: "contact",
    128: "mail_user",
    256: "group",  # mail-enabled universal distribution group
    512: "group",  # mail-enabled universal security group
    1024: "group",  # mail-enabled non-universal group
    2048: "group",  # room list
    8388608: "system",
    536870912: "discovery",
    2147483648: "remote_user",
    8589934592: "remote_room",
    17179869184: "remote_equipment",
    34359738368: "remote_shared",
    549755813888: "team",  # Microsoft 365 group
}


def text(raw: Raw, name: str) -> str | None:
    values = raw.get(name.lower()) or ()
    return values[0].decode("utf-8", "replace") if values else None


def texts(raw: Raw, name: str) -> tuple[str, ...]:
    return tuple(v.decode("utf-8", "replace") for v in raw.get(name.lower()) or ())


def integer(raw: Raw, name: str) -> int | None:
    value = text(raw, name)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def boolean(raw: Raw, name: str) -> bool | None:
    value = text(raw, name)
    return None if value is None else value.upper() == "TRUE"


def filetime(value: int | None) -> datetime | None:
    """A Windows FILETIME (100 ns since 1601) as UTC; 0 and 'never' as None."""
    if value is None or value <= 0 or value >= 0x7FFFFFFFFFFFFFFF:
        return None
    return datetime(1601, 1, 1, tzinfo=UTC) + timedelta(microseconds=value // 10)


_GENERALIZED = re.compile(r"^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)")


def generalized_time(value: str | None) -> datetime | None:
    """LDAP GeneralizedTime ``20240131120000.0Z`` as UTC."""
    m = _GENERALIZED.match(value or "")
    if not m:
        return None
    year, month, day, hour, minute, second = (int(g) for g in m.groups())
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def guid(raw: Raw, name: str = "objectGUID") -> str | None:
    values = raw.get(name.lower()) or ()
    if not values or len(values[0]) != 16:
        return None
    return str(uuid.UUID(bytes_le=bytes(values[0])))


def sid(raw: Raw, name: str = "objectSid") -> str | None:
    values = raw.get(name.lower()) or ()
    data = bytes(values[0]) if values else b""
    # revision 1, then the count of sub-authorities that the length must match (MS-DTYP)
    if len(data) < 8 or data[0] != 1 or len(data) != 8 + 4 * data[1]:
        return None
    try:
        return str(SID.from_bytes(data).to_sddl())
    except Exception:  # a malformed SID is dropped, not fatal
        return None


def object_class(raw: Raw) -> str:
    classes = {c.lower() for c in texts(raw, "objectClass")}
    for name in ("group", "contact", "user"):
        if name in classes:
            return name
    return "other"


def identity(source: str, dn: str, raw: Raw) -> Identity:
    details = integer(raw, "msExchRecipientTypeDetails")
    uac = integer(raw, "userAccountControl")
    kind = object_class(raw)
    forwarding = text(raw, "altRecipient") or text(raw, "msExchGenericForwardingAddress")
    return Identity(
        source=source,
        dn=dn,
        object_class=kind,
        object_guid=guid(raw),
        sid=sid(raw),
        sam_account_name=text(raw, "sAMAccountName"),
        upn=text(raw, "userPrincipalName"),
        display_name=text(raw, "displayName"),
        mail=text(raw, "mail"),
        mail_nickname=text(raw, "mailNickname"),
        proxy_addresses=texts(raw, "proxyAddresses"),
        recipient_type=RECIPIENT_TYPES.get(details, str(details)) if details else None,
        recipient_type_details=details,
        enabled=None if uac is None else not uac & ACCOUNT_DISABLE,
        last_logon=filetime(integer(raw, "lastLogonTimestamp")),
        when_created=generalized_time(text(raw, "whenCreated")),
        hidden_from_gal=boolean(raw, "msExchHideFromAddressLists"),
        forwarding_to=forwarding,
        deliver_and_redirect=boolean(raw, "deliverAndRedirect"),
        home_mdb=text(raw, "homeMDB"),
    )


def full_access_sids(descriptor: bytes | None) -> list[str]:
    """Trustees granted FullAccess by a msExchMailboxSecurityDescriptor (SELF excluded,
    inherited ACEs included: Exchange shows both)."""
    return [s for s, mask, _ in _allowed(descriptor) if mask & MAILBOX_FULL_ACCESS]


def send_as_sids(descriptor: bytes | None) -> list[str]:
    """Trustees of an allow ACE for the Send-As extended right in nTSecurityDescriptor.
    The default ACE for SELF is how a mailbox sends as itself: not a grant."""
    return [
        s
        for s, mask, object_type in _allowed(descriptor)
        if object_type == SEND_AS and mask & ADS_ACCESS_MASK.CONTROL_ACCESS
    ]


def _allowed(descriptor: bytes | None) -> Iterable[tuple[str, int, uuid.UUID | None]]:
    if not descriptor:
        return []
    data = bytes(descriptor)
    # winacl reads truncated bytes leniently (as "no DACL"): check the self-relative
    # header first (MS-DTYP 2.4.6), so garbage is reported, not taken for "no grants"
    dacl_offset = int.from_bytes(data[16:20], "little") if len(data) >= 20 else -1
    if len(data) < 20 or data[0] != 1 or dacl_offset >= len(data):
        raise ValueError(f"not a self-relative security descriptor ({len(data)} bytes)")
    sd = SECURITY_DESCRIPTOR.from_bytes(data)
    out = []
    for ace in sd.Dacl.aces if sd.Dacl else ():
        if "ALLOWED" not in ace.AceType.name:
            continue
        trustee = str(ace.Sid.to_sddl())
        if trustee == SELF_SID:
            continue
        object_type = getattr(ace, "ObjectType", None)
        out.append((trustee, int(ace.Mask), uuid.UUID(str(object_type)) if object_type else None))
    return out


def device(source: str, dn: str, raw: Raw) -> Device:
    """An msExchActiveSyncDevice; its owner is the user two levels up the DN
    (CN=<device>,CN=ExchangeActiveSyncDevices,<user DN>)."""
    return Device(
        source=source,
        owner_dn=parent_dn(parent_dn(dn)),
        device_id=text(raw, "msExchDeviceID") or dn,
        device_type=text(raw, "msExchDeviceType"),
        model=text(raw, "msExchDeviceModel"),
        os=text(raw, "msExchDeviceOS"),
        user_agent=text(raw, "msExchDeviceUserAgent"),
        first_sync=generalized_time(text(raw, "msExchFirstSyncTime")),
        last_sync=generalized_time(text(raw, "msExchLastUpdateTime")),
        access_state=_ACCESS_STATES.get(integer(raw, "msExchDeviceAccessState") or -1),
    )


_ACCESS_STATES = {0: "unknown", 1: "allowed", 2: "blocked", 3: "quarantined", 4: "device_discovery"}


def parent_dn(dn: str) -> str:
    """The DN without its first RDN; escaped commas (``CN=Vries\\, Jan``) stay inside."""
    i = 0
    while i < len(dn):
        if dn[i] == "\\":
            i += 2
            continue
        if dn[i] == ",":
            return dn[i + 1 :]
        i += 1
    return ""


# msDS-Behavior-Version values (MS-ADTS 6.1.4.2)
FUNCTIONAL_LEVELS = {
    0: "Windows 2000",
    1: "Windows Server 2003 interim",
    2: "Windows Server 2003",
    3: "Windows Server 2008",
    4: "Windows Server 2008 R2",
    5: "Windows Server 2012",
    6: "Windows Server 2012 R2",
    7: "Windows Server 2016",
    10: "Windows Server 2025",
}


def directory_server(
    source: str, host: str, port: int, security: str, verified: bool, root: Raw
) -> Server:
    """The domain controller as the RootDSE describes it: vendor and functional levels."""
    vendor = text(root, "vendorName") or ""
    levels = {
        kind: FUNCTIONAL_LEVELS.get(level, str(level))
        for kind, level in (
            ("forest", integer(root, "forestFunctionality")),
            ("domain", integer(root, "domainFunctionality")),
            ("domain controller", integer(root, "domainControllerFunctionality")),
        )
        if level is not None
    }
    return Server(
        source=source,
        host=text(root, "dnsHostName") or host,
        port=port,
        software="Samba" if "samba" in vendor.lower() else "Active Directory",
        version=f"domain controller level {levels['domain controller']}"
        if "domain controller" in levels
        else None,
        greeting=None,
        capabilities=tuple(f"{kind} functional level: {name}" for kind, name in levels.items()),
        security=security,
        tls_verified=verified,
    )


_EXCHANGE_BUILDS = (
    ((15, 2), "Exchange Server 2019"),
    ((15, 1), "Exchange Server 2016"),
    ((15, 0), "Exchange Server 2013"),
    ((14, 0), "Exchange Server 2010"),
    ((8, 0), "Exchange Server 2007"),
)
_VERSION = re.compile(r"Version (\d+)\.(\d+) \(Build (\d+)\.(\d+)\)")


def exchange_server(source: str, dn: str, raw: Raw) -> ExchangeServer:
    version = next((v for v in texts(raw, "serialNumber") if "Version" in v), None)
    product = None
    m = _VERSION.search(version or "")
    if m:
        major_minor = (int(m.group(1)), int(m.group(2)))
        product = next((name for mm, name in _EXCHANGE_BUILDS if major_minor == mm), None)
        if major_minor == (15, 2) and int(m.group(3)) >= 2562:
            product = "Exchange Server SE"  # SE RTM is build 15.2.2562
    return ExchangeServer(
        source=source, name=text(raw, "name") or dn, dn=dn, version=version, product=product
    )
