"""Seed the lab's DC with ``ad_org``'s directory and write ``ad_ground_truth.json``.

Seeding is offline: the DC is stopped, the unseeded domain put back from its pristine
copy, the objects added with one ``ldbadd`` run (through Samba's whole dsdb module stack,
so SIDs, default security descriptors and back links are made as they would be over
LDAP), then the changes that need SIDs or the whole tree applied with ``ldbmodify``; a DC
that ran before is started again. ``lastLogonTimestamp`` cannot be written over LDAP, but
offline as the system it is stored like any other attribute.

Security descriptors are written as SDDL and turned into binary NT security descriptors
by Samba's own SDDL parser when ldb stores them (the attribute syntax 2.5.5.15 handler).
"""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import ad_daemon, ad_exchange, ad_org, ad_truth, samba
from .ad_lab import ad_paths
from .ad_ldif import Value, entry, modify, parse
from .ad_org import AdObject, Directory
from .base import LabError

PROFILES = ("standard", "bulk")
SEND_AS = "ab721a54-1e2f-11d0-9819-00aa0040529b"  # the Send-As extended right
DEFAULT_MAILBOX_SD = "O:PSG:PSD:(A;CI;CCRC;;;PS)"  # FullAccess + read for SELF, as Exchange
_EPOCH_DIFF = 11_644_473_600  # seconds between 1601-01-01 and 1970-01-01


def ad_seed(lab_dir: Path, profile: str = "standard", **kw: Any) -> Path:
    """Seed the lab's domain with ``profile``; return ``ad_ground_truth.json``.

    ``bulk`` takes ``users`` and ``devices`` (on top of the standard organisation).
    The DC is stopped while seeding and started again if it was running.
    """
    if profile not in PROFILES:
        raise LabError(f"unknown AD profile {profile!r}; expected one of {PROFILES}")
    paths = ad_paths(lab_dir)
    state = samba.read_state(paths)
    if not state.get("provisioned"):
        raise LabError(f"the lab's domain in {paths.root} is not provisioned: run ad_up() first")
    started = time.monotonic()
    now = datetime.now(UTC).replace(microsecond=0)
    unknown = set(kw) - ({"users", "devices"} if profile == "bulk" else set())
    if unknown:
        raise LabError(f"profile {profile!r} takes no {', '.join(sorted(unknown))}")
    if profile == "standard":
        d = ad_org.standard(now)
    else:
        d = ad_org.bulk(now, int(kw.get("users", 10_000)), int(kw.get("devices", 3_000)))
    was_running = ad_daemon.running_pid(paths) is not None
    ad_daemon.stop(paths)
    samba.restore(paths)
    samba.ldif_apply(paths, "seed-1-objects", _adds(d), batch=True)
    sids = _sids(paths, d)
    samba.ldif_apply(paths, "seed-2-links", _links(d, paths, sids), batch=True)
    truth = ad_truth.build(d, sids, _domain_counts(paths))
    seconds = round(time.monotonic() - started, 2)
    truth["seed_seconds"] = seconds
    tmp = paths.ground_truth.with_suffix(".tmp")
    tmp.write_text(json.dumps(truth, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(paths.ground_truth)
    samba.write_state(paths, seeded={"profile": profile, "seconds": seconds, **kw})
    if was_running and state.get("host"):
        host = str(state["host"])
        ad_daemon.start(paths, host, paths.lab_dir / "certs" / "ca.pem")
    return paths.ground_truth


def filetime(t: datetime) -> str:
    return str((int(t.timestamp()) + _EPOCH_DIFF) * 10_000_000)


def gentime(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y%m%d%H%M%S.0Z")


def _adds(d: Directory) -> str:
    out = [entry(ad_org.OU, [("objectClass", "organizationalUnit")])]
    out += [entry(ad_org.ou(n), [("objectClass", "organizationalUnit")]) for n in ad_org.OUS]
    out.append(_exchange(d))
    out += [entry(o.dn, _attrs(o)) for o in d.objects.values()]
    containers: set[str] = set()
    for dev in d.devices:
        parent = _parent(dev.dn)
        if parent not in containers:
            containers.add(parent)
            out.append(entry(parent, [("objectClass", "msExchActiveSyncDevices")]))
        out.append(
            entry(
                dev.dn,
                [
                    ("objectClass", "msExchActiveSyncDevice"),
                    ("msExchDeviceID", dev.device_id),
                    ("msExchDeviceType", dev.device_type),
                    ("msExchDeviceModel", dev.model),
                    ("msExchDeviceOS", dev.os),
                    ("msExchDeviceUserAgent", dev.user_agent),
                    ("msExchDeviceFriendlyName", dev.friendly_name),
                    ("msExchFirstSyncTime", gentime(dev.first_sync)),
                    ("msExchLastUpdateTime", gentime(dev.last_sync)),
                    ("msExchDeviceAccessState", str(dev.access_state)),
                    ("msExchDeviceAccessStateReason", str(dev.access_reason)),
                    ("msExchVersion", ad_org.MSEXCH_VERSION),
                ],
            )
        )
    return "".join(out)


def _parent(dn: str) -> str:
    """The DN without its first RDN (which may hold escaped commas)."""
    return re.split(r"(?<!\\),", dn, maxsplit=1)[1]


def _attrs(o: AdObject) -> list[tuple[str, Value]]:
    a: list[tuple[str, Value]] = [("objectClass", o.kind)]
    if o.kind == "user":
        uac = 512 if o.enabled else 514
        a.append(("userAccountControl", str(uac)))
    if o.kind == "group" and o.group_type is not None:
        a.append(("groupType", str(o.group_type)))
    for attr, value in (
        ("sAMAccountName", o.sam),
        ("userPrincipalName", o.upn),
        ("mail", o.mail),
        ("mailNickname", o.nickname),
        ("displayName", o.display),
        ("homeMDB", o.home_mdb),
        ("targetAddress", o.target_address),
        ("altRecipient", o.alt_recipient),
        ("msExchGenericForwardingAddress", o.generic_forward),
    ):
        if value is not None:
            a.append((attr, value))
    a += [("proxyAddresses", p) for p in o.proxies]
    if o.last_logon is not None:
        a.append(("lastLogonTimestamp", filetime(o.last_logon)))
    if o.deliver_and_redirect is not None:
        a.append(("deliverAndRedirect", "TRUE" if o.deliver_and_redirect else "FALSE"))
    if o.hidden:
        a.append(("msExchHideFromAddressLists", "TRUE"))
    if o.recipient:
        a.append(("msExchRecipientTypeDetails", str(ad_org.RTD[o.recipient])))
        a.append(("msExchRecipientDisplayType", str(ad_org.DISPLAY_TYPE[o.recipient])))
        a.append(("msExchVersion", ad_org.MSEXCH_VERSION))
    if o.home_mdb is not None:  # every mailbox has one; grants are added once SIDs exist
        a.append(("msExchMailboxSecurityDescriptor", DEFAULT_MAILBOX_SD))
    return a


def _exchange(d: Directory) -> str:
    container = [("objectClass", "container")]
    out = [
        entry(ad_exchange.EXCHANGE, [("objectClass", "msExchConfigurationContainer")]),
        entry(
            ad_exchange.ORG_DN,
            [
                ("objectClass", "msExchOrganizationContainer"),
                ("msExchVersion", ad_org.MSEXCH_VERSION),
            ],
        ),
        entry(f"CN=Administrative Groups,{ad_exchange.ORG_DN}", container),
        entry(ad_exchange.ADMIN_GROUP, container),
        entry(f"CN=Servers,{ad_exchange.ADMIN_GROUP}", container),
        entry(f"CN=Databases,{ad_exchange.ADMIN_GROUP}", container),
        entry(f"CN=Transport Settings,{ad_exchange.ORG_DN}", container),
        entry(f"CN=Accepted Domains,CN=Transport Settings,{ad_exchange.ORG_DN}", container),
    ]
    for s in d.servers:
        out.append(
            entry(
                s["dn"],
                [
                    ("objectClass", "msExchExchangeServer"),
                    ("serialNumber", s["version"]),
                    ("versionNumber", str(ad_exchange.version_number(s["version"]))),
                    ("msExchVersion", ad_org.MSEXCH_VERSION),
                ],
            )
        )
    for db in d.databases:
        out.append(
            entry(
                db["dn"],
                [("objectClass", "msExchPrivateMDB"), ("msExchOwningServer", db["server_dn"])],
            )
        )
    for dom in d.domains:
        out.append(
            entry(
                str(dom["dn"]),
                [
                    ("objectClass", "msExchAcceptedDomain"),
                    ("msExchAcceptedDomainName", str(dom["name"])),
                    ("msExchAcceptedDomainFlags", str(dom["flags"])),
                ],
            )
        )
    return "".join(out)


def _sids(paths: samba.AdPaths, d: Directory) -> dict[str, dict[str, str]]:
    """objectSid of every seeded user and group by lower-case DN, and the SDDL
    nTSecurityDescriptor of the mailboxes that get a Send As grant."""
    text = samba.run_tool(
        paths, "ldbsearch", "-b", ad_org.OU, "(|(objectClass=user)(objectClass=group))", "objectSid"
    )
    out = {r["dn"][0].lower(): {"sid": r["objectSid"][0]} for r in parse(text) if "objectSid" in r}
    boxes = {p["mailbox_dn"] for p in d.permissions if p["source"] == "nTSecurityDescriptor"}
    sams = "".join(f"(sAMAccountName={d.objects[dn].sam})" for dn in sorted(boxes))
    if sams:
        text = samba.run_tool(
            paths, "ldbsearch", "-b", ad_org.OU, f"(|{sams})", "nTSecurityDescriptor"
        )
        for r in parse(text):
            out[r["dn"][0].lower()]["sd"] = r["nTSecurityDescriptor"][0]
    return out


def _links(d: Directory, paths: samba.AdPaths, sids: dict[str, dict[str, str]]) -> str:
    """Group members, delegates and the security descriptors that name other SIDs."""
    out: list[str] = []
    for o in d.objects.values():
        if o.kind == "group" and o.members:
            out.append(modify(o.dn, [("add", "member", list(o.members))]))
    by_box: dict[tuple[str, str], list[str]] = {}
    for p in d.permissions:
        by_box.setdefault((p["mailbox_dn"], p["source"]), []).append(p["grantee_dn"])
    for (box, source), grantees in by_box.items():
        if source in ("msExchDelegateListLink", "publicDelegates"):
            out.append(modify(box, [("add", source, grantees)]))
        elif source == "msExchMailboxSecurityDescriptor":
            aces = "".join(f"(A;CI;CCRC;;;{_sid(sids, g)})" for g in grantees)
            out.append(modify(box, [("replace", source, [DEFAULT_MAILBOX_SD + aces])]))
        else:
            aces = "".join(f"(OA;;CR;{SEND_AS};;{_sid(sids, g)})" for g in grantees)
            out.append(
                modify(
                    box,
                    [
                        (
                            "replace",
                            "nTSecurityDescriptor",
                            [_with_aces(sids[box.lower()]["sd"], aces)],
                        )
                    ],
                )
            )
    return "".join(out)


def _sid(sids: dict[str, dict[str, str]], dn: str) -> str:
    try:
        return sids[dn.lower()]["sid"]
    except KeyError:
        raise LabError(f"seeded object {dn} has no objectSid after the add") from None


def _with_aces(sddl: str, aces: str) -> str:
    """Put explicit ACEs first in the DACL of ``sddl`` (canonical order)."""
    m = re.match(r"(O:.*?G:.*?D:[A-Z]*)(\(.*)", sddl)
    if m is None:
        raise LabError(f"unexpected nTSecurityDescriptor SDDL: {sddl[:80]}")
    return m.group(1) + aces + m.group(2)


def _domain_counts(paths: samba.AdPaths) -> dict[str, int]:
    filters = {
        "users": "(&(objectCategory=person)(objectClass=user))",
        "groups": "(objectClass=group)",
        "contacts": "(objectClass=contact)",
    }
    counts = {}
    for name, flt in filters.items():
        text = samba.run_tool(paths, "ldbsearch", "-b", samba.BASE_DN, flt, "dn")
        counts[name] = sum(1 for row in text.splitlines() if row.startswith("dn: "))
    return counts
