"""Helpers the checks share: what is known of each mailbox, and making findings."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from ...model import Folder, Mailbox, Status, UnitKind
from ...store import Inventory
from ..findings import CheckMeta, Finding, Severity
from ..join import Joined, join
from ..targets import TargetProfile

Key = tuple[str, str]  # (source, mailbox address)
MB = 1024 * 1024
GB = 1024 * MB
NOT_KNOWN = "not_known"  # the reason of a finding that says the figures are not known


def size(n: float) -> str:
    """Bytes as MB below 1 GB, else GB, one decimal."""
    return f"{n / GB:.1f} GB" if n >= GB else f"{n / MB:.1f} MB"


def mailbox_keys(inv: Inventory) -> set[Key]:
    """Every mailbox the inventory knows: scanned, or with an account unit (even failed)."""
    keys = {(m.source, m.address) for m in inv.mailboxes}
    keys |= {(u.source, u.key) for u in inv.units if u.kind is UnitKind.ACCOUNT}
    return keys


def incomplete(inv: Inventory) -> dict[Key, str]:
    """Mailboxes not read completely -> why: the account unit is not ok (or missing), or a
    folder unit is not ok."""
    out: dict[Key, str] = {}
    accounts = {(u.source, u.key): u for u in inv.units if u.kind is UnitKind.ACCOUNT}
    for key in mailbox_keys(inv):
        unit = accounts.get(key)
        if unit is None:
            out[key] = "no account unit recorded"
        elif unit.status is not Status.OK:
            out[key] = f"account {unit.status.value}" + (
                f" ({unit.reason.value})" if unit.reason.value != "none" else ""
            )
    for u in inv.units:
        if u.kind is UnitKind.FOLDER and "\x00" in u.key and u.status is not Status.OK:
            address, path = u.key.split("\x00", 1)
            out.setdefault((u.source, address), f"folder {path!r} {u.status.value}")
    return out


def directory_state(inv: Inventory) -> tuple[bool, str | None]:
    """(a directory was scanned, why it is incomplete or None): from the partition units."""
    units = [u for u in inv.units if u.kind is UnitKind.PARTITION]
    if not units and not inv.identities:
        return False, None
    bad = [f"{u.source}/{u.key} {u.status.value}" for u in units if u.status is not Status.OK]
    return True, ", ".join(bad) or None


def by_mailbox(folders: Iterable[Folder]) -> dict[Key, list[Folder]]:
    out: dict[Key, list[Folder]] = defaultdict(list)
    for f in folders:
        out[(f.source, f.mailbox)].append(f)
    return out


def finding(
    meta: CheckMeta,
    target: TargetProfile,
    key: Key | None,
    reason: str,
    detail: str,
    *,
    folder: str | None = None,
    value: float | None = None,
    limit: float | None = None,
    partial: bool = False,
    severity: Severity | None = None,
) -> Finding:
    """A finding of ``meta``'s check (its severity unless one is given)."""
    return Finding(
        check=meta.id,
        target=target.id,
        severity=severity or meta.severity,
        source=key[0] if key else None,
        mailbox=key[1] if key else None,
        folder=folder,
        reason=reason,
        detail=detail,
        value=value,
        limit=limit,
        partial=partial,
    )


def not_known(meta: CheckMeta, target: TargetProfile, key: Key, why: str, what: str) -> Finding:
    """A partial finding: ``what`` cannot be told for this mailbox, and ``why``."""
    return finding(meta, target, key, NOT_KNOWN, f"{what} not known: {why}", partial=True)


def unlisted(inv: Inventory) -> dict[Key, str]:
    """Mailboxes whose folders were not listed (the account unit failed, was skipped or is
    missing) -> why. A partial account was listed; only some of its folders were not read."""
    listed = (Status.OK, Status.PARTIAL)
    out: dict[Key, str] = {}
    accounts = {(u.source, u.key): u for u in inv.units if u.kind is UnitKind.ACCOUNT}
    for key in mailbox_keys(inv):
        unit = accounts.get(key)
        if unit is None or unit.status not in listed:
            state = unit.status.value if unit else "not recorded"
            out[key] = f"folders not listed (account {state})"
    return out


def exchange_sources(inv: Inventory) -> set[str]:
    """Sources scanned over EWS (the only ones that know folder classes and archives)."""
    found = {s.source for s in inv.servers if any(c.startswith("EWS ") for c in s.capabilities)}
    return found | {f.source for f in inv.folders if f.method == "ews"}


def joined(inv: Inventory) -> list[Joined]:
    """Mailboxes (a failed account too) joined to directory identities, inactivity as of
    the scan's start (the check stays a pure function of the inventory)."""
    boxes = {(m.source, m.address): m for m in inv.mailboxes}
    for key in mailbox_keys(inv):
        boxes.setdefault(key, Mailbox(*key))
    now = inv.info.started if inv.info else None
    return join([boxes[k] for k in sorted(boxes)], inv.identities, now=now)


def directory_not_known(meta: CheckMeta, target: TargetProfile, why: str, what: str) -> Finding:
    """A partial finding on the whole directory: a partition was not read."""
    return finding(meta, target, None, NOT_KNOWN, f"{what} not known: {why}", partial=True)
