"""Mailboxes (and their archive and Recoverable Items) larger than the target's quota.

The size is the sum of the folders of the area when the mailbox was read whole; else the
server's quota usage (IMAP QUOTA, a complete figure); else what was read, as "at least".
"""

from __future__ import annotations

from ...model import Folder, Mailbox
from ...store import Inventory
from ..findings import CheckMeta, Finding, Severity
from ..targets import TargetProfile
from ._util import Key, by_mailbox, finding, incomplete, not_known, size

META = CheckMeta(
    id="mailbox_over_quota",
    title="Mailboxes over the target's quota",
    severity=Severity.BLOCKER,
    targets=(),
    fix="Archive or clean up before the move, or plan a larger licence or an online archive.",
)
AREAS = {
    "mailbox": ("mailbox_quota_bytes", "mailbox_over_quota"),
    "archive": ("archive_quota_bytes", "archive_over_quota"),
    "recoverable": ("recoverable_quota_bytes", "recoverable_over_quota"),
}


def area_bytes(
    folders: list[Folder], area: str, box: Mailbox | None, whole: bool
) -> tuple[int, bool]:
    """(bytes, complete) of one area of a mailbox (see the module's docstring)."""
    mine = [f for f in folders if f.area == area and not f.noselect]
    known = sum(f.bytes for f in mine if f.bytes is not None)
    if whole and all(f.bytes is not None for f in mine):
        return known, True
    if area == "mailbox" and box is not None and box.quota_used_bytes is not None:
        return box.quota_used_bytes, True
    return known, False


def run(inv: Inventory, target: TargetProfile) -> list[Finding]:
    unsure = incomplete(inv)
    boxes: dict[Key, Mailbox] = {(m.source, m.address): m for m in inv.mailboxes}
    folders = by_mailbox(inv.folders)
    out: list[Finding] = []
    for key in sorted(set(folders) | set(unsure) | set(boxes)):
        for area, (field, reason) in AREAS.items():
            quota = getattr(target, field)
            if quota is None:
                continue
            used, whole = area_bytes(folders.get(key, []), area, boxes.get(key), key not in unsure)
            if used > quota:
                least = "" if whole else "at least "
                detail = f"{least}{size(used)} in the {area}, the target's quota {size(quota)}"
                out.append(
                    finding(
                        META,
                        target,
                        key,
                        reason,
                        detail,
                        value=used,
                        limit=quota,
                        partial=not whole,
                    )
                )
            elif not whole and (area == "mailbox" or used):
                why = unsure.get(key, "a folder's size is unknown")
                out.append(not_known(META, target, key, why, f"the {area}'s size"))
    return out
