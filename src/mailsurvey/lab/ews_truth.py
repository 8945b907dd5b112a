"""The EWS lab's ground truth: what a correct scan of the EWS server must find.

``ews_ground_truth.json`` sits beside the IMAP lab's ``ground_truth.json``; folders that
mirror an IMAP folder name it in ``imap_path`` and have the same message count and bytes.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from .base import DOMAIN
from .ews_extras import Rule
from .ews_items import realize
from .ews_org import EwsOrg, Folder, Mailbox

SERVER = {
    "product": "Microsoft Exchange Server 2019 CU14",
    "major_version": 15,
    "minor_version": 2,
    "major_build": 1544,
    "minor_build": 4,
    "version": "V2017_07_11",  # the Version attribute of ServerVersionInfo
    "exchangelib_api_version": "Exchange2016",
}
MB35 = 35 * 1024 * 1024
MB150 = 150 * 1024 * 1024
SERVICE_USER = "svc-ews"


def build(ews: EwsOrg) -> dict[str, Any]:
    """The ground truth of ``ews`` as JSON-ready data."""
    boxes = {a: _mailbox(m) for a, m in ews.mailboxes.items()}
    large = [{"mailbox": a, **item} for a, box in boxes.items() for item in box.pop("_large_items")]
    forwards = [
        {"mailbox": a, "rule": r["name"], "enabled": r["enabled"], "to": r["outside"]}
        for a, box in boxes.items()
        for r in box["rules"]
        if r["outside"]
    ]
    return {
        "domain": DOMAIN,
        "profile": ews.profile,
        "server": SERVER,
        "service_account": {"user": f"ACME\\{SERVICE_USER}", "upn": f"{SERVICE_USER}@{DOMAIN}"},
        "mailboxes": boxes,
        "over_35mb": [i for i in large if i["size"] > MB35],
        "over_150mb": [i for i in large if i["size"] > MB150],
        "outside_forwards": forwards,
        "places": ews.places,
    }


def write(ews: EwsOrg, path: Path) -> Path:
    tmp = path.with_suffix(".tmp")
    text = json.dumps(build(ews), indent=1, ensure_ascii=False)
    tmp.write_text(text + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def _mailbox(box: Mailbox) -> dict[str, Any]:
    stores: dict[str, dict[str, Any]] = {}
    large: list[dict[str, Any]] = []
    for f in box.folders:
        items = realize(f.items)
        children = sum(1 for c in box.folders if c.store == f.store and c.parent_path == f.path)
        store = stores.setdefault(f.store, {"folders": {}})
        store["folders"][f.path] = _folder(f, children)
        for i, size in enumerate(items.sizes):
            if size > MB35:
                row = {"store": f.store, "path": f.path, "size": size}
                large.append(row | {"subject": items.subject_of(i)})
    totals: dict[str, int] = {}
    for name, entry in stores.items():
        for path, folder in entry["folders"].items():
            part = "recoverable" if path.startswith("Recoverable Items") else "ipm"
            key = part if name == "primary" else f"archive_{part}"
            totals[f"{key}_items"] = totals.get(f"{key}_items", 0) + folder["total_count"]
            totals[f"{key}_bytes"] = totals.get(f"{key}_bytes", 0) + folder["size"]
    return {
        "name": box.name,
        "kind": box.kind,
        "sid": box.sid,
        "exchange_only": box.exchange_only,
        "has_archive": box.has_archive,
        "stores": stores,
        "totals": totals,
        "rules": [_rule(r) for r in box.rules],
        "delegates": [asdict(d) for d in box.delegates],
        "deliver_meeting_requests": box.deliver_meeting_requests if box.delegates else None,
        "_large_items": large,
    }


def _folder(f: Folder, children: int) -> dict[str, Any]:
    items = realize(f.items)
    return {
        "display_name": f.name,
        "folder_class": f.folder_class,
        "distinguished_id": f.distinguished,
        "element": f.element,
        "total_count": items.count,
        "size": items.bytes,
        "largest": items.largest,
        "unread_count": items.unread,
        "child_folder_count": children,
        "imap_path": f.imap_path,
        "permissions": [asdict(g) for g in f.grants],
    }


def _rule(rule: Rule) -> dict[str, Any]:
    targets = rule.forwards()
    return {
        "id": rule.id,
        "name": rule.name,
        "priority": rule.priority,
        "enabled": rule.enabled,
        "in_error": rule.in_error,
        "conditions": {k: v for k, v in rule.conditions},
        "actions": {k: v for k, v in rule.actions},
        "forwards_to": targets,
        "outside": [t for t in targets if not t.lower().endswith(f"@{DOMAIN}")],
    }
