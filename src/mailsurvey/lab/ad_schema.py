"""The Exchange schema extension the collector reads, loaded offline into the lab's DC.

Definitions follow what Microsoft publishes where we could find it (``source``): the
Exchange 2003/2007 SDK attribute pages on learn.microsoft.com, and for attributes added
later a dump of a real Exchange 2016+ forest's schema (lDAPDisplayName, attributeID,
attributeSyntax). Where no published attributeID was found the attribute gets an OID in
the lab's own arc made the way Microsoft's oidgen does for unregistered extensions
(``1.2.840.113556.1.8000.2554`` + a GUID split into small numbers), with
the lDAPDisplayName and syntax Exchange uses; ``source`` then says ``lab``. A collector
reads attributes by name, so only names and syntaxes matter to it.

Samba specifics: schema objects are added with ``dsdb:schema update allowed=true``, one
class per ldbmodify run (each run reloads the schema, so a class can name the classes
and attributes added before it); forward links get an even linkID, their back links the
next odd one. The msExch* recipient attributes are added to ``mailRecipient``'s
mayContain -- the auxiliary class ``user``, ``group`` and ``contact`` already carry, which
is also where Exchange's own schema update puts them.
"""

from __future__ import annotations

from dataclasses import dataclass

from .ad_ldif import Raw, Value, entry, guid_value, modify
from .samba import SCHEMA_DN, AdPaths, ldif_apply

# oidgen-style arc from GUID d278300f-eb8f-447d-a387-8c3e84914e7d (Samba refuses 2.25.<uuid>)
LAB_ARC = "1.2.840.113556.1.8000.2554.53880.12303.60303.17533.41863.9191044.9522813"
DS_DN = Raw("KwwCh3McAIVK")  # oMObjectClass of DN syntax: 1.3.12.2.1011.28.0.714
# what container has: admins and SYSTEM everything, Authenticated Users read and list
DEFAULT_SD = (
    "D:(A;;RPWPCRCCDCLCLORCWOWDSDDTSW;;;DA)(A;;RPWPCRCCDCLCLORCWOWDSDDTSW;;;SY)(A;;RPLCLORC;;;AU)"
)
PUBLIC_INFORMATION = "e48d0154-bcf8-11d1-8702-00c04fb96050"  # property set AU may read

SDK2003 = "learn.microsoft.com Exchange Server 2003 SDK attribute page"
SDK2007 = "learn.microsoft.com Exchange Server 2007 SDK attribute page"
DUMP = "schema dump of an Exchange 2016+ forest (public repository)"
LAB = "lab (no published attributeID found)"

# syntax name -> (attributeSyntax, oMSyntax)
SYNTAX: dict[str, tuple[str, str]] = {
    "dn": ("2.5.5.1", "127"),
    "bool": ("2.5.5.8", "1"),
    "int": ("2.5.5.9", "2"),
    "time": ("2.5.5.11", "24"),
    "str": ("2.5.5.12", "64"),
    "sd": ("2.5.5.15", "66"),
    "large": ("2.5.5.16", "65"),
}


@dataclass(frozen=True)
class Attr:
    cn: str
    ldap: str
    oid: str
    syntax: str
    single: bool = True
    link_id: int | None = None
    guid: str | None = None
    security_guid: str | None = None
    source: str = LAB


@dataclass(frozen=True)
class Cls:
    cn: str
    ldap: str
    governs: str
    sub_class: str = "top"
    poss_superiors: tuple[str, ...] = ()
    may: tuple[str, ...] = ()
    guid: str | None = None
    source: str = LAB


def _lab(n: int) -> str:
    return f"{LAB_ARC}.{n}"


_EX = "1.2.840.113556.1.4.7000.102"
ATTRIBUTES: tuple[Attr, ...] = (
    Attr("ms-Exch-Recipient-Type-Details", "msExchRecipientTypeDetails", f"{_EX}.50855",
         "large", guid="069ba1f8-540a-42a9-bf26-a7dd35475346", source=SDK2007),
    Attr("ms-Exch-Recipient-Display-Type", "msExchRecipientDisplayType", f"{_EX}.50730",
         "int", guid="b893abb0-767e-4f20-915f-3857bbc96afe", source=SDK2007),
    Attr("ms-Exch-Mailbox-Security-Descriptor", "msExchMailboxSecurityDescriptor",
         f"{_EX}.80", "sd", guid="934de926-b09e-11d2-aa06-00c04f8eedd8",
         security_guid=PUBLIC_INFORMATION, source=SDK2003),
    Attr("ms-Exch-Hide-From-Address-Lists", "msExchHideFromAddressLists", f"{_EX}.73",
         "bool", guid="a21c0b96-b093-11d2-aa06-00c04f8eedd8",
         security_guid=PUBLIC_INFORMATION, source=SDK2007),
    Attr("ms-Exch-Generic-Forwarding-Address", "msExchGenericForwardingAddress",
         f"{_EX}.51620", "str", source=DUMP),
    Attr("ms-Exch-Delegate-List-Link", "msExchDelegateListLink", _lab(1), "dn",
         single=False, link_id=21_000),
    Attr("ms-Exch-Delegate-List-BL", "msExchDelegateListBL", f"{_EX}.51538", "dn",
         single=False, link_id=21_001, source=DUMP),
    Attr("ms-Exch-Public-Delegates", "publicDelegates", "1.2.840.113556.1.2.238", "dn",
         single=False, link_id=14, guid="f0f8ff9a-1191-11d0-a060-00aa006c33ed",
         security_guid=PUBLIC_INFORMATION, source=SDK2003),
    Attr("ms-Exch-Public-Delegates-BL", "publicDelegatesBL", "1.2.840.113556.1.2.295", "dn",
         single=False, link_id=15, guid="bf967a08-0de6-11d0-a285-00aa003049e2",
         source=SDK2007),
    Attr("ms-Exch-Alt-Recipient", "altRecipient", "1.2.840.113556.1.2.126", "dn",
         source=DUMP),
    Attr("ms-Exch-Deliver-And-Redirect", "deliverAndRedirect", "1.2.840.113556.1.2.190",
         "bool", source=DUMP),
    Attr("ms-Exch-Mail-Nickname", "mailNickname", "1.2.840.113556.1.2.447", "str",
         source=DUMP),
    Attr("ms-Exch-Target-Address", "targetAddress", "1.2.840.113556.1.2.352", "str",
         source=DUMP),
    Attr("ms-Exch-Home-MDB", "homeMDB", _lab(2), "dn"),
    Attr("ms-Exch-Version", "msExchVersion", _lab(3), "large"),
    Attr("ms-Exch-Owning-Server", "msExchOwningServer", _lab(4), "dn"),
    Attr("ms-Exch-Device-ID", "msExchDeviceID", _lab(10), "str"),
    Attr("ms-Exch-Device-Type", "msExchDeviceType", _lab(11), "str"),
    Attr("ms-Exch-Device-Model", "msExchDeviceModel", _lab(12), "str"),
    Attr("ms-Exch-Device-OS", "msExchDeviceOS", _lab(13), "str"),
    Attr("ms-Exch-Device-User-Agent", "msExchDeviceUserAgent", _lab(14), "str"),
    Attr("ms-Exch-Device-Friendly-Name", "msExchDeviceFriendlyName", _lab(15), "str"),
    Attr("ms-Exch-First-Sync-Time", "msExchFirstSyncTime", _lab(16), "time"),
    Attr("ms-Exch-Last-Update-Time", "msExchLastUpdateTime", _lab(17), "time"),
    Attr("ms-Exch-Device-Access-State", "msExchDeviceAccessState", _lab(18), "int"),
    Attr("ms-Exch-Device-Access-State-Reason", "msExchDeviceAccessStateReason", _lab(19),
         "int"),
    Attr("ms-Exch-Accepted-Domain-Name", "msExchAcceptedDomainName", _lab(20), "str",
         guid="9a895c75-f88c-4fd0-a0da-91ff20affa2c"),
    Attr("ms-Exch-Accepted-Domain-Flags", "msExchAcceptedDomainFlags", _lab(21), "int",
         guid="c7b9a038-99d2-48da-b22c-8a5412cf7a81"),
)  # fmt: skip

RECIPIENT_ATTRS = (
    "msExchRecipientTypeDetails", "msExchRecipientDisplayType",
    "msExchMailboxSecurityDescriptor", "msExchHideFromAddressLists",
    "msExchGenericForwardingAddress", "msExchDelegateListLink", "msExchDelegateListBL",
    "publicDelegates", "publicDelegatesBL", "altRecipient", "deliverAndRedirect",
    "mailNickname", "targetAddress", "homeMDB", "msExchVersion",
)  # fmt: skip
DEVICE_ATTRS = tuple(a.ldap for a in ATTRIBUTES if a.ldap.startswith(("msExchDevice", "msExchF")))

CLASSES: tuple[Cls, ...] = (
    Cls("ms-Exch-Active-Sync-Devices", "msExchActiveSyncDevices", _lab(100),
        poss_superiors=("user",), guid="c975c901-6cea-4b6f-8319-d67f45449506"),
    Cls("ms-Exch-Active-Sync-Device", "msExchActiveSyncDevice", _lab(101),
        poss_superiors=("msExchActiveSyncDevices",),
        may=(*DEVICE_ATTRS, "msExchLastUpdateTime", "msExchVersion")),
    Cls("ms-Exch-Organization-Container", "msExchOrganizationContainer", _lab(102),
        sub_class="container", poss_superiors=("msExchConfigurationContainer",),
        may=("msExchVersion",)),
    Cls("ms-Exch-Exchange-Server", "msExchExchangeServer", _lab(103),
        poss_superiors=("container",), may=("serialNumber", "versionNumber", "msExchVersion")),
    Cls("ms-Exch-MDB", "msExchMDB", _lab(104), poss_superiors=("container",),
        may=("msExchOwningServer", "msExchVersion")),
    Cls("ms-Exch-Private-MDB", "msExchPrivateMDB", _lab(105), sub_class="msExchMDB",
        poss_superiors=("container",)),
    Cls("ms-Exch-Accepted-Domain", "msExchAcceptedDomain", _lab(106),
        poss_superiors=("container",),
        may=("msExchAcceptedDomainName", "msExchAcceptedDomainFlags"),
        guid="9d71afc6-2c40-4c23-8cd7-e55b7d3129bd"),
)  # fmt: skip


def _attr_ldif(a: Attr) -> str:
    syntax, om = SYNTAX[a.syntax]
    attrs: list[tuple[str, Value]] = [
        ("objectClass", "attributeSchema"),
        ("cn", a.cn),
        ("attributeID", a.oid),
        ("attributeSyntax", syntax),
        ("oMSyntax", om),
        ("isSingleValued", "TRUE" if a.single else "FALSE"),
        ("lDAPDisplayName", a.ldap),
        ("adminDisplayName", a.cn),
        ("adminDescription", a.cn),
        ("searchFlags", "1" if a.ldap in ("mailNickname", "msExchDeviceID") else "0"),
        ("showInAdvancedViewOnly", "TRUE"),
    ]
    if a.syntax == "dn":
        attrs.append(("oMObjectClass", DS_DN))
    if a.link_id is not None:
        attrs.append(("linkID", str(a.link_id)))
    if a.guid:
        attrs.append(("schemaIDGUID", guid_value(a.guid)))
    if a.security_guid:
        attrs.append(("attributeSecurityGUID", guid_value(a.security_guid)))
    return entry(f"CN={a.cn},{SCHEMA_DN}", attrs)


def _class_ldif(c: Cls) -> str:
    attrs: list[tuple[str, Value]] = [
        ("objectClass", "classSchema"),
        ("cn", c.cn),
        ("governsID", c.governs),
        ("lDAPDisplayName", c.ldap),
        ("subClassOf", c.sub_class),
        ("objectClassCategory", "1"),
        ("rDNAttID", "cn"),
        ("adminDisplayName", c.cn),
        ("adminDescription", c.cn),
        ("defaultHidingValue", "TRUE"),
        ("showInAdvancedViewOnly", "TRUE"),
        ("defaultObjectCategory", f"CN={c.cn},{SCHEMA_DN}"),
        ("defaultSecurityDescriptor", DEFAULT_SD),
    ]
    attrs += [("possSuperiors", s) for s in c.poss_superiors]
    attrs += [("mayContain", m) for m in c.may]
    if c.guid:
        attrs.append(("schemaIDGUID", guid_value(c.guid)))
    return entry(f"CN={c.cn},{SCHEMA_DN}", attrs)


def extend(paths: AdPaths) -> None:
    """Load the extension into the stopped DC's sam.ldb (offline)."""
    forward = [a for a in ATTRIBUTES if a.link_id is None or a.link_id % 2 == 0]
    back = [a for a in ATTRIBUTES if a.link_id is not None and a.link_id % 2 == 1]
    ldif_apply(paths, "schema-10-attributes", "".join(map(_attr_ldif, forward)), schema=True)
    ldif_apply(paths, "schema-11-backlinks", "".join(map(_attr_ldif, back)), schema=True)
    for i, cls in enumerate(CLASSES):
        ldif_apply(paths, f"schema-2{i}-{cls.ldap}", _class_ldif(cls), schema=True)
    mail_recipient = modify(
        f"CN=Mail-Recipient,{SCHEMA_DN}", [("add", "mayContain", list(RECIPIENT_ATTRS))]
    )
    ldif_apply(paths, "schema-30-mail-recipient", mail_recipient, schema=True)


def sources() -> list[dict[str, str]]:
    """What was defined, with its OID and where the definition came from (for the report)."""
    rows = [
        {"name": a.ldap, "oid": a.oid, "syntax": SYNTAX[a.syntax][0], "source": a.source}
        for a in ATTRIBUTES
    ]
    rows += [
        {"name": c.ldap, "oid": c.governs, "syntax": "class", "source": c.source} for c in CLASSES
    ]
    return rows
