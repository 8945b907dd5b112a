"""Shared mailboxes larger than the target keeps without a licence."""

from __future__ import annotations

from ...store import Inventory
from ..findings import CheckMeta, Finding, Severity
from ..join import join
from ..targets import TargetProfile
from ._util import by_mailbox, finding, incomplete, not_known, size
from .mailbox_over_quota import area_bytes

META = CheckMeta(
    id="shared_mailbox_licence",
    title="Shared mailboxes that need a licence",
    severity=Severity.WARNING,
    targets=(),
    fix="Quote a licence for these shared mailboxes, or shrink them below the free size.",
)


def run(inv: Inventory, target: TargetProfile) -> list[Finding]:
    free = target.shared_free_bytes
    if free is None:
        return []
    shared_ids = {
        j.mailbox.address.lower()
        for j in join(inv.mailboxes, inv.identities)
        if j.mailbox and j.identity and j.identity.recipient_type == "shared"
    }
    unsure = incomplete(inv)
    folders = by_mailbox(inv.folders)
    out: list[Finding] = []
    for box in sorted(inv.mailboxes, key=lambda m: (m.source, m.address)):
        if box.kind != "shared" and box.address.lower() not in shared_ids:
            continue
        key = (box.source, box.address)
        used, whole = area_bytes(folders.get(key, []), "mailbox", box, key not in unsure)
        if used > free:
            least = "" if whole else "at least "
            detail = f"shared, {least}{size(used)}: over the {size(free)} kept without a licence"
            out.append(
                finding(
                    META,
                    target,
                    key,
                    "shared_needs_licence",
                    detail,
                    value=used,
                    limit=free,
                    partial=not whole,
                )
            )
        elif not whole:
            out.append(
                not_known(
                    META,
                    target,
                    key,
                    unsure.get(key, "a folder's size is unknown"),
                    "the shared mailbox's size",
                )
            )
    return out
