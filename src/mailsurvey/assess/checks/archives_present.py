"""Mailboxes with an online archive (Exchange): the archive is a migration of its own."""

from __future__ import annotations

from ...store import Inventory
from ..findings import CheckMeta, Finding, Severity
from ..targets import TargetProfile
from ._util import by_mailbox, exchange_sources, finding, not_known, size, unlisted

META = CheckMeta(
    id="archives_present",
    title="Online archives to migrate",
    severity=Severity.WARNING,
    targets=(),
    fix="Quote the archives as extra work: a target archive (licence) and a migration of its own.",
)


def run(inv: Inventory, target: TargetProfile) -> list[Finding]:
    ews = exchange_sources(inv)
    out = [
        not_known(META, target, k, why, "whether there is an archive")
        for k, why in sorted(unlisted(inv).items())
        if k[0] in ews
    ]
    for key, folders in sorted(by_mailbox(inv.folders).items()):
        archive = [f for f in folders if f.area in ("archive", "archive_recoverable")]
        if not archive:
            continue
        sizes = [f.bytes for f in archive if not f.noselect]
        whole = None not in sizes
        used = sum(s for s in sizes if s is not None)
        items = sum(f.messages or 0 for f in archive)
        least = "" if whole else "at least "
        detail = f"an archive of {len(archive)} folder(s), {least}{items:,} items, {size(used)}"
        if target.archive_quota_bytes is None:
            detail += "; the target's archive size is not published"
        out.append(
            finding(
                META,
                target,
                key,
                "archive_present",
                detail,
                value=used,
                limit=target.archive_quota_bytes,
                partial=not whole,
            )
        )
    return out
