"""Folder names with a character the target refuses, and folder paths longer than it
takes. The name is each part of the path between the source's hierarchy delimiters."""

from __future__ import annotations

from ...store import Inventory
from ..findings import CheckMeta, Finding, Severity
from ..targets import TargetProfile
from ._util import finding, not_known, unlisted

META = CheckMeta(
    id="folder_names_refused",
    title="Folder names or paths the target refuses",
    severity=Severity.BLOCKER,
    targets=(),
    fix="Rename the folders (or shorten the path) before the move; otherwise they are dropped"
    " with their items.",
)


def run(inv: Inventory, target: TargetProfile) -> list[Finding]:
    refused, longest = target.refused_folder_chars, target.max_path_chars
    if not refused and longest is None:
        return []
    missing = unlisted(inv)
    out = [
        not_known(META, target, k, why, "the folder names") for k, why in sorted(missing.items())
    ]
    for f in sorted(inv.folders, key=lambda f: (f.source, f.mailbox, f.area, f.path)):
        key = (f.source, f.mailbox)
        names = f.path.split(f.delimiter) if f.delimiter else [f.path]
        bad = sorted({c for name in names for c in name if c in refused})
        if bad:
            shown = " ".join(repr(c) for c in bad)
            out.append(
                finding(
                    META,
                    target,
                    key,
                    "name_refused",
                    f"the name holds {shown}",
                    folder=f.path,
                    value=f.messages,
                )
            )
        if longest is not None and len(f.path) > longest:
            detail = f"the path is {len(f.path)} characters, the target takes {longest}"
            out.append(
                finding(
                    META,
                    target,
                    key,
                    "path_too_long",
                    detail,
                    folder=f.path,
                    value=len(f.path),
                    limit=longest,
                )
            )
    return out
