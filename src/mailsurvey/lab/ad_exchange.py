"""The Exchange side of the seeded directory: the organisation in the configuration
partition (servers, databases, accepted domains) and the users' ActiveSync devices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from .ad_ldif import rdn_escape
from .samba import CONFIG_DN

if TYPE_CHECKING:
    from .ad_org import Directory

EXCHANGE = f"CN=Microsoft Exchange,CN=Services,{CONFIG_DN}"
ORG_DN = f"CN=ACME,{EXCHANGE}"
ADMIN_GROUP = (
    f"CN=Exchange Administrative Group (FYDIBOHF23SPDLT),CN=Administrative Groups,{ORG_DN}"
)


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


def whole(t: datetime) -> datetime:
    return t.replace(microsecond=0)


def exchange(d: Directory) -> None:
    servers = (
        ("EX2016", "Version 15.1 (Build 2507.6)", "Exchange Server 2016 CU23"),
        ("EX2019", "Version 15.2 (Build 1544.4)", "Exchange Server 2019 CU14"),
    )
    for name, version, product in servers:
        d.servers.append(
            {
                "dn": f"CN={name},CN=Servers,{ADMIN_GROUP}",
                "name": name,
                "version": version,
                "product": product,
            }
        )
    for i, name in enumerate(("DB01", "DB02")):
        d.databases.append(
            {
                "dn": f"CN={name},CN=Databases,{ADMIN_GROUP}",
                "name": name,
                "server_dn": d.servers[i]["dn"],
            }
        )
    for name, kind, default, flags in (
        ("acme.nl", "Authoritative", True, 4),
        ("acme.be", "Authoritative", False, 0),
        ("acme-legacy.nl", "InternalRelay", False, 2),
        ("partner-relay.example", "ExternalRelay", False, 1),
    ):
        d.domains.append(
            {
                "dn": f"CN={name},CN=Accepted Domains,CN=Transport Settings,{ORG_DN}",
                "name": name,
                "type": kind,
                "default": default,
                "flags": flags,
            }
        )


def version_number(version: str) -> int:
    """versionNumber as Exchange servers carry it: flags, major, minor and build bits."""
    major_minor, build = version.removeprefix("Version ").rstrip(")").split(" (Build ")
    major, minor = (int(x) for x in major_minor.split("."))
    return 0x70000000 | major << 22 | minor << 16 | 0x8000 | int(build.split(".")[0])


def devices(d: Directory, now: datetime) -> None:
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
            Device(
                user.dn,
                dtype,
                dev_id,
                model,
                os_,
                agent,
                f"{user.display} {dtype}",
                whole(now - timedelta(days=first)),
                whole(now - timedelta(days=last, hours=3)),
                state,
                reason,
            )
        )
