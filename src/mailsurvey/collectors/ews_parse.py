"""Turning EWS folders (as exchangelib parses them) into the model's Folder records.

A deep FindFolder answers a flat list: each folder names its parent. The paths are
rebuilt here from the parents, up to the root each area starts from (the top of the
information store, the archive's, Recoverable Items).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..model import Folder

# exchangelib's class for a well-known folder -> the IMAP special-use flag it matches
SPECIAL_USE = {
    "Inbox": "\\Inbox",
    "SentItems": "\\Sent",
    "DeletedItems": "\\Trash",
    "Drafts": "\\Drafts",
    "JunkEmail": "\\Junk",
    "Archive": "\\Archive",
}
AREAS = ("mailbox", "recoverable", "archive", "archive_recoverable")
SEPARATOR = "/"


@dataclass(frozen=True)
class RawFolder:
    """What an EWS answer says of one folder (None: the server did not say)."""

    id: str
    parent_id: str | None
    name: str
    kind: str  # exchangelib's class name: Inbox, Calendar, Folder, ...
    folder_class: str | None
    total_count: int | None
    size: int | None
    child_folder_count: int | None


def folders(
    source: str, mailbox: str, roots: Mapping[str, str], found: Iterable[RawFolder]
) -> list[Folder]:
    """``roots``: root folder id -> area. Folders whose chain of parents does not reach a
    root (an answer cut short) keep the part of their path that is known, at depth 0."""
    by_id = {f.id: f for f in found}
    out = []
    for f in by_id.values():
        names, area, seen = [f.name], "mailbox", {f.id}
        parent = f.parent_id
        while parent is not None and parent not in roots and parent in by_id:
            if parent in seen:  # a cycle in a broken answer: stop climbing
                break
            seen.add(parent)
            names.append(by_id[parent].name)
            parent = by_id[parent].parent_id
        if parent is not None and parent in roots:
            area = roots[parent]
        out.append(
            Folder(
                source=source,
                mailbox=mailbox,
                path=SEPARATOR.join(reversed(names)),
                delimiter=SEPARATOR,
                depth=len(names) - 1,
                special_use=SPECIAL_USE.get(f.kind) if area == "mailbox" else None,
                messages=f.total_count,
                bytes=f.size,
                method="ews",
                area=area,
                folder_class=f.folder_class,
            )
        )
    return sorted(out, key=lambda x: (AREAS.index(x.area), x.path))
