"""Folder trees nested deeper, or with more subfolders under one folder, than the target
takes. A top-level folder is at level 1; subfolders are counted per parent and area."""

from __future__ import annotations

from collections import Counter

from ...store import Inventory
from ..findings import CheckMeta, Finding, Severity
from ..targets import TargetProfile
from ._util import by_mailbox, finding, not_known, unlisted

META = CheckMeta(
    id="folder_hierarchy",
    title="Folder hierarchy too deep or too wide",
    severity=Severity.BLOCKER,
    targets=(),
    fix="Flatten the deepest folders, or spread the subfolders over a few parent folders.",
)


def run(inv: Inventory, target: TargetProfile) -> list[Finding]:
    depth_limit, width_limit = target.max_depth, target.max_subfolders
    if depth_limit is None and width_limit is None:
        return []
    missing = unlisted(inv)
    out = [not_known(META, target, k, why, "the folder tree") for k, why in sorted(missing.items())]
    for key, folders in sorted(by_mailbox(inv.folders).items()):
        if depth_limit is not None:
            deep = [f for f in folders if f.depth + 1 > depth_limit]
            if deep:
                worst = max(deep, key=lambda f: f.depth)
                detail = (
                    f"{len(deep)} folder(s) deeper than {depth_limit} levels"
                    f" (deepest: {worst.depth + 1} levels)"
                )
                out.append(
                    finding(
                        META,
                        target,
                        key,
                        "too_deep",
                        detail,
                        folder=worst.path,
                        value=worst.depth + 1,
                        limit=depth_limit,
                    )
                )
        if width_limit is not None:
            parents = Counter(
                (f.area, f.path.rsplit(f.delimiter, 1)[0])
                for f in folders
                if f.delimiter and f.delimiter in f.path
            )
            for (_, parent), n in sorted(parents.items()):
                if n > width_limit:
                    detail = f"{n} subfolders under one folder, the target takes {width_limit}"
                    out.append(
                        finding(
                            META,
                            target,
                            key,
                            "too_wide",
                            detail,
                            folder=parent,
                            value=n,
                            limit=width_limit,
                        )
                    )
    return out
