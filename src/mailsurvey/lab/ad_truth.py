"""``ad_ground_truth.json``: what a collector must find in the seeded directory, exactly.

Plain JSON. DNs are written as the seed wrote them (RFC 4514 escaping: ``\\,`` etc.);
compare them case-insensitively. Times are ISO 8601 in UTC. ``counts`` covers the
seeded OU (``OU=Acme``); ``domain_counts`` the whole domain as Samba holds it after
seeding (built-in accounts and groups included).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from . import ad_exchange, ad_org, ad_schema, samba
from .ad_org import AdObject, Directory


def _iso(t: datetime | None) -> str | None:
    return t.isoformat().replace("+00:00", "Z") if t is not None else None


def _object(o: AdObject, sid: str | None) -> dict[str, Any]:
    rtd = ad_org.RTD.get(o.recipient or "")
    return {
        "objectClass": o.kind,
        "sid": sid,
        "sAMAccountName": o.sam,
        "userPrincipalName": o.upn,
        "mail": o.mail,
        "proxyAddresses": list(o.proxies),
        "mailNickname": o.nickname,
        "displayName": o.display,
        "recipientTypeDetails": rtd,
        "recipientType": o.recipient,
        "recipientDisplayType": ad_org.DISPLAY_TYPE.get(o.recipient or ""),
        "enabled": o.enabled,
        "hidden": o.hidden,
        "lastLogon": _iso(o.last_logon),
        "homeMDB": o.home_mdb,
        "targetAddress": o.target_address,
        "forwarding": {
            "altRecipient": o.alt_recipient,
            "deliverAndRedirect": o.deliver_and_redirect,
            "genericForwardingAddress": o.generic_forward,
        },
    }


def _expand(d: Directory, group: AdObject) -> tuple[list[str], list[str]]:
    """Transitive (non-group members, nested groups) of ``group``; cycles end the walk."""
    members: set[str] = set()
    groups: set[str] = set()
    todo = list(group.members)
    while todo:
        dn = todo.pop()
        obj = d.objects.get(dn)
        if obj is not None and obj.kind == "group":
            if dn not in groups:
                groups.add(dn)
                todo.extend(obj.members)
        else:
            members.add(dn)
    groups.discard(group.dn)
    return sorted(members), sorted(groups)


def build(
    d: Directory, sids: dict[str, dict[str, str]], domain_counts: dict[str, int]
) -> dict[str, Any]:
    objects = {dn: _object(o, sids.get(dn.lower(), {}).get("sid")) for dn, o in d.objects.items()}
    groups: dict[str, Any] = {}
    for o in d.objects.values():
        if o.kind != "group":
            continue
        expanded, nested = _expand(d, o)
        groups[o.dn] = {
            "name": o.name,
            "mail": o.mail,
            "groupType": o.group_type,
            "members": sorted(o.members),
            "expanded_members": expanded,
            "nested_groups": nested,
        }
    devices: dict[str, list[dict[str, Any]]] = {}
    for dev in d.devices:
        devices.setdefault(dev.user_dn, []).append(
            {
                "dn": dev.dn,
                "deviceId": dev.device_id,
                "deviceType": dev.device_type,
                "model": dev.model,
                "os": dev.os,
                "userAgent": dev.user_agent,
                "friendlyName": dev.friendly_name,
                "firstSync": _iso(dev.first_sync),
                "lastSync": _iso(dev.last_sync),  # msExchLastUpdateTime
                "accessState": dev.access_state,
                "accessStateReason": dev.access_reason,
            }
        )
    kinds = [o.kind for o in d.objects.values()]
    return {
        "profile": d.profile,
        "seeded_at": _iso(d.now),
        "realm": samba.REALM,
        "base_dn": samba.BASE_DN,
        "config_dn": samba.CONFIG_DN,
        "seeded_ou": ad_org.OU,
        "service_account_dn": samba.SVC_DN,
        "counts": {
            "users": kinds.count("user"),
            "groups": kinds.count("group"),
            "contacts": kinds.count("contact"),
            "devices": len(d.devices),
            "mailboxes": sum(1 for o in d.objects.values() if o.home_mdb),
        },
        "domain_counts": domain_counts,
        "recipient_type_details": ad_org.RTD,
        "objects": objects,
        "groups": groups,
        "permissions": d.permissions,
        "devices": devices,
        "exchange": {
            "organization_dn": ad_exchange.ORG_DN,
            "servers": d.servers,
            "databases": d.databases,
            "accepted_domains": d.domains,
        },
        "problems": d.problems,
        "odd_values": d.odd_values,
        "schema": ad_schema.sources(),
    }
