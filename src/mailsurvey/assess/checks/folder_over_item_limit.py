"""Folders (and mailboxes) holding more items than the target accepts."""

from __future__ import annotations

from ...store import Inventory
from ..findings import CheckMeta, Finding, Severity
from ..targets import TargetProfile
from ._util import by_mailbox, finding, incomplete, not_known

META = CheckMeta(
    id="folder_over_item_limit",
    title="Folders or mailboxes over the target's item limit",
    severity=Severity.BLOCKER,
    targets=(),
    fix="Split the folder into subfolders (by year, say) or archive old items before the move.",
)


def run(inv: Inventory, target: TargetProfile) -> list[Finding]:
    per_folder, per_mailbox = target.max_items_per_folder, target.max_items_per_mailbox
    if per_folder is None and per_mailbox is None:
        return []
    unsure = incomplete(inv)
    out = [not_known(META, target, k, why, "item counts") for k, why in sorted(unsure.items())]
    for key, folders in sorted(by_mailbox(inv.folders).items()):
        counted = [f for f in folders if not f.noselect]
        for f in counted:
            if per_folder is not None and f.messages is not None and f.messages > per_folder:
                out.append(
                    finding(
                        META,
                        target,
                        key,
                        "folder_over_item_limit",
                        f"{f.messages:,} items, the target takes {per_folder:,} per folder",
                        folder=f.path,
                        value=f.messages,
                        limit=per_folder,
                    )
                )
        known = [f.messages for f in counted if f.messages is not None]
        whole = len(known) == len(counted) and key not in unsure
        if per_mailbox is not None and sum(known) > per_mailbox:
            least = "" if whole else "at least "
            out.append(
                finding(
                    META,
                    target,
                    key,
                    "mailbox_over_item_limit",
                    f"{least}{sum(known):,} items, the target takes {per_mailbox:,} per mailbox",
                    value=sum(known),
                    limit=per_mailbox,
                    partial=not whole,
                )
            )
        elif not whole and key not in unsure:
            out.append(not_known(META, target, key, "a folder's count is unknown", "item count"))
    return out
