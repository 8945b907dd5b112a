"""Inventories built by hand for the readiness checks' tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from mailsurvey.assess.targets import GIB, MIB, TargetProfile
from mailsurvey.model import Folder, Identity, Mailbox, ScanInfo, Status, Unit, UnitKind
from mailsurvey.store import Inventory

SRC = "imap"
TARGET = TargetProfile(
    id="t",
    title="a target",
    method="mbsync",
    max_item_bytes=35 * MIB,
    max_items_per_mailbox=1000,
    max_items_per_folder=100,
    max_subfolders=3,
    max_depth=2,
    max_path_chars=20,
    refused_folder_chars="/",
    mailbox_quota_bytes=1 * GIB,
    shared_free_bytes=500 * MIB,
    archive_quota_bytes=2 * GIB,
    recoverable_quota_bytes=100 * MIB,
    carries=frozenset({"mail"}),
    max_mailboxes=3,
    recommended_max_mailboxes=2,
)


def target(**kw: Any) -> TargetProfile:
    return replace(TARGET, **kw)


def folder(address: str, path: str = "INBOX", **kw: Any) -> Folder:
    kw.setdefault("messages", 10)
    kw.setdefault("bytes", 10 * MIB)
    kw.setdefault("largest", 2 * MIB)
    kw.setdefault("depth", path.count("/"))
    kw.setdefault("delimiter", "/")
    return Folder(kw.pop("source", SRC), address, path, **kw)


def inventory(
    *folders: Folder,
    partial: tuple[str, ...] = (),
    failed: tuple[str, ...] = (),
    mailboxes: tuple[Mailbox, ...] = (),
) -> Inventory:
    """One ok account per mailbox address in the folders (and ``mailboxes``); the
    addresses in ``partial`` end partial, those in ``failed`` failed without folders."""
    inv = Inventory(info=None)
    boxes = {(m.source, m.address): m for m in mailboxes}
    for f in folders:
        boxes.setdefault((f.source, f.mailbox), Mailbox(f.source, f.mailbox))
    for (source, address), box in boxes.items():
        status = Status.PARTIAL if address in partial else Status.OK
        inv.units.append(Unit(source, UnitKind.ACCOUNT, address, status))
        inv.mailboxes.append(box)
    for address in failed:
        inv.units.append(Unit(SRC, UnitKind.ACCOUNT, address, Status.FAILED))
    inv.folders.extend(folders)
    return inv


NOW = datetime(2026, 11, 22, tzinfo=UTC)


def person(name: str, kind: str = "user", **kw: Any) -> Identity:
    """A directory user with a mailbox at name@x, active, logged on 3 days ago."""
    defaults: dict[str, Any] = {
        "proxy_addresses": (f"SMTP:{name}@x",),
        "recipient_type": kind,
        "enabled": True,
        "last_logon": NOW - timedelta(days=3),
    }
    defaults.update(kw)
    return Identity("dc", f"CN={name},DC=x", "user", **defaults)


def with_directory(inv: Inventory, *people: Identity, broken: bool = False) -> Inventory:
    """The inventory with a scanned directory (its partition units, one failed if
    ``broken``) holding ``people``; the scan started at NOW."""
    inv.info = ScanInfo("p", "c", "en", NOW, "test")
    inv.identities = list(people)
    second = Status.FAILED if broken else Status.OK
    inv.units += [
        Unit("dc", UnitKind.PARTITION, "domain", Status.OK),
        Unit("dc", UnitKind.PARTITION, "configuration", second),
    ]
    return inv
