"""The seeded directory, as data: the IMAP lab's organisation (``org.py``) as AD objects.

Nothing here touches the DC; ``ad_seed`` writes what this describes and derives the
ground truth from it. Choices are fixed (no randomness) except logon times, which are
relative to the seed moment ``now`` so that "recent" stays recent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from . import org
from .ad_ldif import rdn_escape
from .base import DOMAIN
from .samba import BASE_DN, CONFIG_DN

OU = f"OU=Acme,{BASE_DN}"
OUS = ("Users", "Shared", "Resources", "Groups", "Contacts", "Bulk")
EXCHANGE = f"CN=Microsoft Exchange,CN=Services,{CONFIG_DN}"
ORG_DN = f"CN=ACME,{EXCHANGE}"
ADMIN_GROUP = f"CN=Exchange Administrative Group (FYDIBOHF23SPDLT),CN=Administrative Groups,{ORG_DN}"
MSEXCH_VERSION = "88218628259840"  # the msExchVersion Exchange 2013 and later stamp

# msExchRecipientTypeDetails and msExchRecipientDisplayType as Exchange writes them
RTD = {
    "UserMailbox": 1, "SharedMailbox": 4, "RoomMailbox": 16, "EquipmentMailbox": 32,
    "MailContact": 64, "MailUser": 128, "MailUniversalDistributionGroup": 256,
    "MailUniversalSecurityGroup": 1024,
}  # fmt: skip
DISPLAY_TYPE = {
    "UserMailbox": 1073741824, "SharedMailbox": 0, "RoomMailbox": 7, "EquipmentMailbox": 8,
    "MailContact": 6, "MailUser": 6, "MailUniversalDistributionGroup": 1,
    "MailUniversalSecurityGroup": 1073741833,
}  # fmt: skip
UNIVERSAL_DISTRIBUTION = 8
UNIVERSAL_SECURITY = -2147483640
GLOBAL_SECURITY = -2147483646


@dataclass
class AdObject:
    dn: str
    kind: str  # user | group | contact
    name: str  # the RDN value (cn)
    sam: str | None = None
    upn: str | None = None
    mail: str | None = None
    proxies: list[str] = field(default_factory=list)
    nickname: str | None = None
    display: str | None = None
    recipient: str | None = None  # a key of RTD, None: not mail-enabled
    enabled: bool | None = None
    hidden: bool = False
    last_logon: datetime | None = None
    alt_recipient: str | None = None
    deliver_and_redirect: bool | None = None
    generic_forward: str | None = None
    home_mdb: str | None = None
    target_address: str | None = None
    group_type: int | None = None
    members: list[str] = field(default_factory=list)


@dataclass
class Device:
    user_dn: str
    device_type: str
    device_id: str
    model: str
    os: str
    user_agent: str
    friendly_name: str
    first_sync: datetime
    last_sync: datetime
    access_state: int  # 1 Allowed, 2 Blocked, 3 Quarantined, 4 DeviceDiscovery
    access_reason: int  # 1 Global, 2 Individual, 3 DeviceRule, 4 Upgrade, 5 Policy

    @property
    def dn(self) -> str:
        rdn = rdn_escape(f"{self.device_type}§{self.device_id}")
        return f"CN={rdn},CN=ExchangeActiveSyncDevices,{self.user_dn}"


@dataclass
class Directory:
    profile: str
    now: datetime
    objects: dict[str, AdObject] = field(default_factory=dict)
    permissions: list[dict[str, str]] = field(default_factory=list)
    devices: list[Device] = field(default_factory=list)
    servers: list[dict[str, str]] = field(default_factory=list)
    databases: list[dict[str, str]] = field(default_factory=list)
    domains: list[dict[str, object]] = field(default_factory=list)
    problems: list[dict[str, str]] = field(default_factory=list)
    odd_values: list[dict[str, str]] = field(default_factory=list)

    def add(self, obj: AdObject) -> AdObject:
        self.objects[obj.dn] = obj
        return obj

    def by_sam(self, sam: str) -> AdObject:
        return next(o for o in self.objects.values() if o.sam == sam[:20])

    def grant(self, mailbox: AdObject, grantee: AdObject, right: str, source: str) -> None:
        self.permissions.append(
            {"mailbox_dn": mailbox.dn, "grantee_dn": grantee.dn, "right": right, "source": source}
        )


def ou(name: str) -> str:
    return f"OU={name},{OU}"


def _mailbox(
    d: Directory, local: str, display: str, cn: str, where: str, recipient: str, **kw: object
) -> AdObject:
    addr = f"{local}@{DOMAIN}"
    obj = AdObject(
        dn=f"CN={rdn_escape(cn)},{ou(where)}",
        kind="user",
        name=cn,
        sam=local[:20],
        upn=addr,
        mail=addr,
        proxies=[f"SMTP:{addr}", f"smtp:{local}@acme.be"],
        nickname=local,
        display=display,
        recipient=recipient,
        enabled=recipient in ("UserMailbox", "MailUser"),
        home_mdb=None,
    )
    for key, value in kw.items():
        setattr(obj, key, value)
    return d.add(obj)


def standard(now: datetime) -> Directory:
    """The organisation of the IMAP lab, in AD, with the odd values a collector meets."""
    d = Directory("standard", now)
    _exchange(d)
    db1, db2 = d.databases[0]["dn"], d.databases[1]["dn"]
    people = org.DUTCH + org.POLISH + [("lukasz", "zolc", "Łukasz Żółć")]
    for i, (first, last, name) in enumerate(people):
        cn = "Vries, Jan de" if (first, last) == ("jan", "devries") else name
        box = _mailbox(d, f"{first}.{last}", name, cn, "Users", "UserMailbox")
        box.home_mdb = db1 if i % 2 == 0 else db2
        box.last_logon = now - timedelta(days=1 + i % 20, hours=i, minutes=7 * i)
        if i % 3 == 0:
            box.proxies.append(f"smtp:{first}@{DOMAIN}")
        if i % 7 == 3:
            box.upn = f"{first}.{last}@acme.local"  # a non-routable UPN suffix
            d.problems.append(_problem(box, "userPrincipalName", box.upn, "topleveldomain"))
    for local, name in org.FUNCTIONAL:
        kind = "UserMailbox" if local == "stagiair" else "SharedMailbox"
        box = _mailbox(d, local, name, name, "Shared", kind, home_mdb=db2)
        box.last_logon = None
    d.by_sam("stagiair").last_logon = now - timedelta(days=400)
    for local, name, kind in (
        ("vergaderzaal.amsterdam", "Vergaderzaal Amsterdam", "RoomMailbox"),
        ("sala.krakow", "Sala Kraków", "RoomMailbox"),
        ("beamer1", "Beamer 1", "EquipmentMailbox"),
    ):
        _mailbox(d, local, name, name, "Resources", kind, home_mdb=db1)
    _special_people(d, now)
    _contacts_and_mail_users(d)
    _forwarding_and_permissions(d)
    _groups(d, extra_users=1_600)
    _devices(d, now)
    return d


def _problem(obj: AdObject, attribute: str, value: str, rule: str) -> dict[str, str]:
    return {"dn": obj.dn, "attribute": attribute, "value": value, "rule": rule}


def _special_people(d: Directory, now: datetime) -> None:
    for sam in ("daan.meijer", "marcin.jankowski", "stijn.kuipers"):
        user = d.by_sam(sam)
        user.enabled = False
        user.last_logon = now - timedelta(days=200 + len(sam))
    d.by_sam("niels.prins").last_logon = now - timedelta(days=95)  # enabled, inactive
    d.by_sam("maud.huisman").last_logon = None  # never logged on
    sanne = d.by_sam("sanne.bakker")
    sanne.nickname = "sanne bakker"
    d.problems.append(_problem(sanne, "mailNickname", "sanne bakker", "character"))
    for sam in ("pieter.jansen", "lotte.mulder"):
        user = d.by_sam(sam)
        user.proxies.append(f"smtp:verkoop@{DOMAIN}")
        d.problems.append(_problem(user, "proxyAddresses", f"smtp:verkoop@{DOMAIN}", "duplicate"))
    tim = d.by_sam("tim.vanleeuwen")
    tim.upn = f"tim.van leeuwen@{DOMAIN}"
    d.problems.append(_problem(tim, "userPrincipalName", tim.upn, "character"))
    femke = d.by_sam("femke.bos")
    femke.mail = None
    d.problems.append(_problem(femke, "mail", "", "blank"))
    jan = d.by_sam("jan.devries")
    d.odd_values.append({"dn": jan.dn, "attribute": "dn", "value": jan.dn, "why": "escaped comma"})
    lukasz = d.by_sam("lukasz.zolc")
    d.odd_values.append({"dn": lukasz.dn, "attribute": "displayName", "value": lukasz.display or "",
                         "why": "non-ASCII, no IMAP mailbox"})  # fmt: skip


def _contacts_and_mail_users(d: Directory) -> None:
    contacts = [
        ("Klant Example", "klant@example.com", None),
        ("Jan de Vries (privé)", "jan.devries@privemail.example", None),
        ('=HYPERLINK("http://evil.example","x")', "formula@partner.example", "formula"),
        ("<script>alert(1)</script>", "html@partner.example", "html"),
        ("Leverancier Verborgen", "leverancier@example.org", None),
    ]
    for name, addr, odd in contacts:
        c = d.add(
            AdObject(
                dn=f"CN={rdn_escape(name)},{ou('Contacts')}",
                kind="contact",
                name=name,
                mail=addr,
                proxies=[f"SMTP:{addr}"],
                nickname=addr.split("@")[0].replace(".", "_"),
                display=name,
                recipient="MailContact",
                target_address=f"SMTP:{addr}",
                hidden=name == "Leverancier Verborgen",
            )
        )
        if odd:
            d.odd_values.append({"dn": c.dn, "attribute": "displayName", "value": name, "why": odd})
    consultant = _mailbox(d, "consultant", "Externe Consultant", "Externe Consultant", "Users",
                          "MailUser", target_address="SMTP:consultant@partner")  # fmt: skip
    consultant.mail = "consultant@partner"
    consultant.proxies = ["SMTP:consultant@partner"]
    consultant.upn = f"consultant@{DOMAIN}"
    d.problems.append(_problem(consultant, "mail", "consultant@partner", "topleveldomain"))


def _forwarding_and_permissions(d: Directory) -> None:
    sophie, hr, lotte = d.by_sam("sophie.deboer"), d.by_sam("hr"), d.by_sam("lotte.mulder")
    private = d.objects[f"CN={rdn_escape('Jan de Vries (privé)')},{ou('Contacts')}"]
    sophie.alt_recipient, sophie.deliver_and_redirect = private.dn, True
    hr.alt_recipient, hr.deliver_and_redirect = d.by_sam("directie").dn, False
    lotte.generic_forward = "smtp:lotte.mulder@gmail.example"
    d.by_sam("monitoring").hidden = True
    d.by_sam("beamer1").hidden = True
    full = {  # mailbox -> grantees with Full Access (from the IMAP lab's shared ACLs)
        "info": ["jan.devries", "agnieszka.kowalska", "sanne.bakker"],
        "sales": ["jan.devries", "piotr.nowak"],
        "boekhouding": ["katarzyna.wisniewska", "jan.devries"],
        "jan.devries": ["sophie.deboer"],
        "vergaderzaal.amsterdam": ["lieke.vandijk"],
    }
    automap = {"info": ["jan.devries", "sanne.bakker"], "sales": ["jan.devries", "piotr.nowak"],
               "boekhouding": ["katarzyna.wisniewska"]}  # fmt: skip
    send_as = {"info": ["sanne.bakker"], "sales": ["piotr.nowak"], "directie": ["jan.devries"]}
    on_behalf = {"jan.devries": ["sophie.deboer"], "directie": ["pieter.jansen", "emma.visser"]}
    for table, right, source in (
        (full, "FullAccess", "msExchMailboxSecurityDescriptor"),
        (automap, "FullAccess", "msExchDelegateListLink"),
        (send_as, "SendAs", "nTSecurityDescriptor"),
        (on_behalf, "SendOnBehalf", "publicDelegates"),
    ):
        for box, grantees in table.items():
            for grantee in grantees:
                d.grant(d.by_sam(box), d.by_sam(grantee), right, source)


def _group(d: Directory, name: str, local: str | None, members: list[str], gtype: int) -> AdObject:
    mail = f"{local}@{DOMAIN}" if local else None
    kind = None
    if local:
        kind = "MailUniversalSecurityGroup" if gtype < 0 else "MailUniversalDistributionGroup"
    return d.add(
        AdObject(dn=f"CN={rdn_escape(name)},{ou('Groups')}", kind="group", name=name,
                 sam=name.replace(" ", "-")[:20], mail=mail,
                 proxies=[f"SMTP:{mail}"] if mail else [], nickname=local, display=name,
                 recipient=kind, group_type=gtype, members=members)  # fmt: skip
    )


def _groups(d: Directory, extra_users: int) -> None:
    users = [o for o in d.objects.values() if o.recipient == "UserMailbox"]
    dutch = [u.dn for u in users if u.sam in {f"{a}.{b}" for a, b, _ in org.DUTCH}]
    polish = [u.dn for u in users if u.dn not in dutch]
    nl = _group(d, "Team NL", "team.nl", dutch[:15], UNIVERSAL_DISTRIBUTION)
    pl = _group(d, "Team PL", "team.pl", polish, UNIVERSAL_DISTRIBUTION)
    sales_team = _group(d, "Sales Team", "sales.team",
                        [d.by_sam("pieter.jansen").dn, d.by_sam("lotte.mulder").dn, pl.dn],
                        UNIVERSAL_SECURITY)  # fmt: skip
    klanten = d.objects[f"CN=Klant Example,{ou('Contacts')}"].dn
    _group(d, "Alle medewerkers", "iedereen", [nl.dn, sales_team.dn, *dutch[15:], klanten],
           UNIVERSAL_DISTRIBUTION)  # fmt: skip
    _group(d, "Afdeling Finance", None, [d.by_sam("katarzyna.wisniewska").dn], GLOBAL_SECURITY)
    ring1 = f"CN=Ring 1,{ou('Groups')}"
    ring2 = _group(d, "Ring 2", None, [ring1, d.by_sam("bram.hendriks").dn], GLOBAL_SECURITY)
    _group(d, "Ring 1", None, [ring2.dn, d.by_sam("koen.willems").dn], GLOBAL_SECURITY)
    bulk = [
        d.add(AdObject(dn=f"CN=Lid {n:05d},{ou('Bulk')}", kind="user", name=f"Lid {n:05d}",
                       sam=f"lid{n:05d}", upn=f"lid{n:05d}@acme.local", display=f"Lid {n:05d}",
                       enabled=n % 10 != 0)).dn  # fmt: skip
        for n in range(1, extra_users + 1)
    ]
    _group(d, "Nieuwsbrief", "nieuwsbrief", [*bulk, *dutch[:5]], UNIVERSAL_DISTRIBUTION)
    d.objects[f"CN=Team PL,{ou('Groups')}"].hidden = True


def _devices(d: Directory, now: datetime) -> None:
    spec = [
        ("jan.devries", "iPhone", "ApplF17XK2Q1N7", "iPhone15,2", "iOS 17.4.1 21E236",
         "Apple-iPhone15C2/2104.236", 300, 0, 1, 1),
        ("jan.devries", "Outlook", "0C8E4B2A9F1D4E7B", "Outlook for iOS and Android",
         "iOS 17.4", "Outlook-iOS/2.0", 120, 1, 1, 1),
        ("jan.devries", "iPad", "ApplDMPZ8H2LQ0", "iPad13,1", "iOS 16.7.2 20H115",
         "Apple-iPad13C1/2008.115", 700, 160, 1, 2),
        ("piotr.nowak", "Android", "androidc1a2b3c4d5", "SM-S911B", "Android 14",
         "Android-SAMSUNG-SM-S911B/100.1400", 60, 2, 1, 1),
        ("piotr.nowak", "Outlook", "7A1F0E3D5C9B8A62", "Outlook for iOS and Android",
         "Android 14", "Outlook-Android/2.0", 45, 0, 3, 3),
        ("agnieszka.kowalska", "Android", "androidf00dbabe42", "Pixel 8", "Android 14",
         "Android/14-EAS-2.0", 90, 3, 1, 1),
        ("agnieszka.kowalska", "iPhone", "ApplC39LM0ZK2P", "iPhone12,1", "iOS 15.8 19H370",
         "Apple-iPhone12C1/1908.370", 900, 400, 2, 2),
        ("sanne.bakker", "iPhone", "ApplH7QW3ER5TY", "iPhone16,1", "iOS 17.5 21F79",
         "Apple-iPhone16C1/2106.79", 30, 0, 1, 1),
        ("daan.meijer", "WindowsMail", "5B2D8E0F1A3C4E6D", "WindowsMail", "Windows 10",
         "MSFT-WIN-3/10.0.19045", 1200, 380, 1, 1),
    ]  # fmt: skip
    for sam, dtype, dev_id, model, os_, agent, first, last, state, reason in spec:
        user = d.by_sam(sam)
        d.devices.append(
            Device(user.dn, dtype, dev_id, model, os_, agent, f"{user.display} {dtype}",
                   _whole(now - timedelta(days=first)), _whole(now - timedelta(days=last, hours=3)),
                   state, reason)  # fmt: skip
        )


def _whole(t: datetime) -> datetime:
    return t.replace(microsecond=0)


def _exchange(d: Directory) -> None:
    servers = (("EX2016", "Version 15.1 (Build 2507.6)", "Exchange Server 2016 CU23"),
               ("EX2019", "Version 15.2 (Build 1544.4)", "Exchange Server 2019 CU14"))  # fmt: skip
    for name, version, product in servers:
        d.servers.append({"dn": f"CN={name},CN=Servers,{ADMIN_GROUP}", "name": name,
                          "version": version, "product": product})  # fmt: skip
    for i, name in enumerate(("DB01", "DB02")):
        d.databases.append({"dn": f"CN={name},CN=Databases,{ADMIN_GROUP}", "name": name,
                            "server_dn": d.servers[i]["dn"]})  # fmt: skip
    for name, kind, default, flags in (
        ("acme.nl", "Authoritative", True, 4),
        ("acme.be", "Authoritative", False, 0),
        ("acme-legacy.nl", "InternalRelay", False, 2),
        ("partner-relay.example", "ExternalRelay", False, 1),
    ):
        d.domains.append({"dn": f"CN={name},CN=Accepted Domains,CN=Transport Settings,{ORG_DN}",
                          "name": name, "type": kind, "default": default, "flags": flags})  # fmt: skip


def version_number(version: str) -> int:
    """versionNumber as Exchange servers carry it: flags, major, minor and build bits."""
    major_minor, build = version.removeprefix("Version ").rstrip(")").split(" (Build ")
    major, minor = (int(x) for x in major_minor.split("."))
    return 0x70000000 | major << 22 | minor << 16 | 0x8000 | int(build.split(".")[0])


def bulk(now: datetime, users: int = 10_000, devices: int = 3_000) -> Directory:
    """The standard organisation plus ``users`` mailbox users and ``devices`` devices."""
    d = standard(now)
    d.profile = "bulk"
    dbs = [x["dn"] for x in d.databases]
    made: list[AdObject] = []
    for n in range(1, users + 1):
        local = f"bulk.user.{n:05d}"
        made.append(_mailbox(d, local, f"Bulk User {n:05d}", f"Bulk User {n:05d}", "Bulk",
                             "UserMailbox", home_mdb=dbs[n % 2], enabled=n % 13 != 0,
                             last_logon=_whole(now - timedelta(days=n % 200, minutes=n))))  # fmt: skip
    for n in range(devices):
        user = made[n % len(made)]
        d.devices.append(Device(user.dn, "iPhone", f"Appl{n:010d}", "iPhone14,5",
                                "iOS 17.4", "Apple-iPhone14C5/2104.236", f"Bulk {n}",
                                _whole(now - timedelta(days=300)),
                                _whole(now - timedelta(days=n % 60)), 1, 1))  # fmt: skip
    return d
