"""The seeded directory, as data: the IMAP lab's organisation (``org.py``) as AD objects.

Nothing here touches the DC; ``ad_seed`` writes what this describes and derives the
ground truth from it. Choices are fixed (no randomness) except logon times, which are
relative to the seed moment ``now`` so that "recent" stays recent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from . import org
from .ad_exchange import Device, devices, exchange, whole
from .ad_ldif import rdn_escape
from .base import DOMAIN
from .samba import BASE_DN

OU = f"OU=Acme,{BASE_DN}"
OUS = ("Users", "Shared", "Resources", "Groups", "Contacts", "Bulk")
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
    exchange(d)
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
    devices(d, now)
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
    d.odd_values.append(
        {
            "dn": lukasz.dn,
            "attribute": "displayName",
            "value": lukasz.display or "",
            "why": "non-ASCII, no IMAP mailbox",
        }
    )


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
    consultant = _mailbox(
        d,
        "consultant",
        "Externe Consultant",
        "Externe Consultant",
        "Users",
        "MailUser",
        target_address="SMTP:consultant@partner",
    )
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
    automap = {
        "info": ["jan.devries", "sanne.bakker"],
        "sales": ["jan.devries", "piotr.nowak"],
        "boekhouding": ["katarzyna.wisniewska"],
    }
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
        AdObject(
            dn=f"CN={rdn_escape(name)},{ou('Groups')}",
            kind="group",
            name=name,
            sam=name.replace(" ", "-")[:20],
            mail=mail,
            proxies=[f"SMTP:{mail}"] if mail else [],
            nickname=local,
            display=name,
            recipient=kind,
            group_type=gtype,
            members=members,
        )
    )


def _groups(d: Directory, extra_users: int) -> None:
    users = [o for o in d.objects.values() if o.recipient == "UserMailbox"]
    dutch = [u.dn for u in users if u.sam in {f"{a}.{b}" for a, b, _ in org.DUTCH}]
    polish = [u.dn for u in users if u.dn not in dutch]
    nl = _group(d, "Team NL", "team.nl", dutch[:15], UNIVERSAL_DISTRIBUTION)
    pl = _group(d, "Team PL", "team.pl", polish, UNIVERSAL_DISTRIBUTION)
    sales_team = _group(
        d,
        "Sales Team",
        "sales.team",
        [d.by_sam("pieter.jansen").dn, d.by_sam("lotte.mulder").dn, pl.dn],
        UNIVERSAL_SECURITY,
    )
    klanten = d.objects[f"CN=Klant Example,{ou('Contacts')}"].dn
    _group(
        d,
        "Alle medewerkers",
        "iedereen",
        [nl.dn, sales_team.dn, *dutch[15:], klanten],
        UNIVERSAL_DISTRIBUTION,
    )
    _group(d, "Afdeling Finance", None, [d.by_sam("katarzyna.wisniewska").dn], GLOBAL_SECURITY)
    ring1 = f"CN=Ring 1,{ou('Groups')}"
    ring2 = _group(d, "Ring 2", None, [ring1, d.by_sam("bram.hendriks").dn], GLOBAL_SECURITY)
    _group(d, "Ring 1", None, [ring2.dn, d.by_sam("koen.willems").dn], GLOBAL_SECURITY)
    bulk = [
        d.add(
            AdObject(
                dn=f"CN=Lid {n:05d},{ou('Bulk')}",
                kind="user",
                name=f"Lid {n:05d}",
                sam=f"lid{n:05d}",
                upn=f"lid{n:05d}@acme.local",
                display=f"Lid {n:05d}",
                enabled=n % 10 != 0,
            )
        ).dn
        for n in range(1, extra_users + 1)
    ]
    _group(d, "Nieuwsbrief", "nieuwsbrief", [*bulk, *dutch[:5]], UNIVERSAL_DISTRIBUTION)
    d.objects[f"CN=Team PL,{ou('Groups')}"].hidden = True


def bulk(now: datetime, users: int = 10_000, device_count: int = 3_000) -> Directory:
    """The standard organisation plus ``users`` mailbox users and ``device_count`` devices."""
    d = standard(now)
    d.profile = "bulk"
    dbs = [x["dn"] for x in d.databases]
    made: list[AdObject] = []
    for n in range(1, users + 1):
        local = f"bulk.user.{n:05d}"
        made.append(
            _mailbox(
                d,
                local,
                f"Bulk User {n:05d}",
                f"Bulk User {n:05d}",
                "Bulk",
                "UserMailbox",
                home_mdb=dbs[n % 2],
                enabled=n % 13 != 0,
                last_logon=whole(now - timedelta(days=n % 200, minutes=n)),
            )
        )
    for n in range(device_count):
        user = made[n % len(made)]
        d.devices.append(
            Device(
                user.dn,
                "iPhone",
                f"Appl{n:010d}",
                "iPhone14,5",
                "iOS 17.4",
                "Apple-iPhone14C5/2104.236",
                f"Bulk {n}",
                whole(now - timedelta(days=300)),
                whole(now - timedelta(days=n % 60)),
                1,
                1,
            )
        )
    return d
