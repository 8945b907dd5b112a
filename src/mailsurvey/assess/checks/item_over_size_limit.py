"""Items larger than the target accepts: from each folder's size histogram (its bounds are
the targets' limits), else the EWS scan's large-item observations, else the folder's
largest item or its size (a folder no bigger than the limit holds no item over it)."""

from __future__ import annotations

import re
from collections import defaultdict

from ...addressing import area_path
from ...model import SIZE_BUCKETS, Folder
from ...store import Inventory
from ..findings import CheckMeta, Finding, Severity
from ..targets import TargetProfile
from ._util import MB, Key, finding, incomplete, not_known, size

META = CheckMeta(
    id="item_over_size_limit",
    title="Items over the target's size limit",
    severity=Severity.BLOCKER,
    targets=(),
    fix="Save the large attachments elsewhere (or move them to cloud storage) before the move;"
    " the migration skips these items.",
)
EWS_SEARCHED = 35 * MB  # the EWS collector lists every item over this (item_over_35mb)
_SIZE = re.compile(r"([\d.]+) MB|size not given")


def _observed(inv: Inventory) -> dict[tuple[str, str, str | None], list[int | None]]:
    """EWS: the sizes of the items over 35 MB per (source, mailbox, area path)."""
    out: dict[tuple[str, str, str | None], list[int | None]] = defaultdict(list)
    for o in inv.observations:
        if o.code == "item_over_35mb" and o.mailbox:
            listed = o.message.split(":", 1)[1] if ":" in o.message else ""
            for m in _SIZE.finditer(listed):
                out[(o.source, o.mailbox, o.folder)].append(int(float(m[1]) * MB) if m[1] else None)
    return out


def histogram_over(hist: tuple[int, ...], limit: int) -> tuple[int, int]:
    """(items surely over ``limit``, items in the bucket that straddles it)."""
    over = maybe = 0
    for i, n in enumerate(hist):
        low = SIZE_BUCKETS[i - 1] if i else 0
        high = SIZE_BUCKETS[i] if i < len(SIZE_BUCKETS) else None
        if low >= limit:
            over += n
        elif high is None or high > limit:
            maybe += n
    return over, maybe


def _folder(f: Folder, limit: int, seen: list[int | None] | None) -> tuple[int, bool, str] | None:
    """(items over, partial, how) for one folder; None: nothing over it."""
    if f.largest is not None and f.largest <= limit:
        return None
    if f.histogram is not None:
        over, maybe = histogram_over(f.histogram, limit)
        if maybe:
            return over, True, f"{over} item(s) over {size(limit)}, up to {maybe} more"
        return (over, False, f"{over} item(s) over {size(limit)}") if over else None
    if seen is not None:  # an EWS folder: the items over 35 MB are listed with their sizes
        listed = [s for s in seen if s is None or s > limit]
        unsure = any(s is None for s in listed) or (
            limit < EWS_SEARCHED and (f.bytes is None or f.bytes > limit)
        )
        if listed or unsure:
            least = "at least " if unsure else ""
            return len(listed), unsure, f"{least}{len(listed)} item(s) over {size(limit)}"
        return None
    if f.largest is not None:
        return (1, True, f"at least 1 item over {size(limit)}") if f.largest > limit else None
    if f.messages == 0 or (f.bytes is not None and f.bytes <= limit):
        return None
    return 0, True, "item sizes not known"


def run(inv: Inventory, target: TargetProfile) -> list[Finding]:
    limit = target.max_item_bytes
    if limit is None:
        return []
    observed = _observed(inv)
    ews = {(f.source, f.mailbox) for f in inv.folders if f.method == "ews"}
    out = [
        not_known(META, target, key, why, "items over the limit")
        for key, why in sorted(incomplete(inv).items())
    ]
    for f in inv.folders:
        if f.noselect:
            continue
        key: Key = (f.source, f.mailbox)
        place = area_path(f.area, f.path)
        seen = observed.get((*key, place), []) if key in ews else None
        found = _folder(f, limit, seen)
        if found is None:
            continue
        count, partial, detail = found
        if f.largest is not None and count:
            detail += f" (largest {size(f.largest)})"
        out.append(
            finding(
                META,
                target,
                key,
                "item_over_limit" if count else "not_known",
                detail,
                folder=place,
                value=count,
                limit=limit,
                partial=partial,
            )
        )
    return out
