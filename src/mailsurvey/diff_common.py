"""What both kinds of scan diff share: a scan's folders with what is known of them, and
figures that stay unknown (``None``) as soon as one part of them is unknown."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace

from .model import Folder, Status, UnitKind
from .report.aggregate import MailboxTotals
from .store import Inventory

LISTED = (Status.OK, Status.PARTIAL)  # the account's folders were listed


@dataclass(frozen=True)
class Figures:
    """Messages and bytes; ``None`` is unknown, never 0."""

    messages: int | None
    bytes: int | None

    @property
    def known(self) -> bool:
        return self.messages is not None and self.bytes is not None

    def minus(self, other: Figures) -> Figures:
        return Figures(_sub(self.messages, other.messages), _sub(self.bytes, other.bytes))

    def positive(self) -> Figures:
        """Each figure when positive, else 0 (unknown stays unknown)."""
        return Figures(_pos(self.messages), _pos(self.bytes))


UNKNOWN = Figures(None, None)
ZERO = Figures(0, 0)


def _sub(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else a - b


def _pos(a: int | None) -> int | None:
    return None if a is None else max(a, 0)


def total(parts: Iterable[Figures]) -> Figures:
    """The sum; unknown as soon as one part is unknown."""
    messages: int | None = 0
    size: int | None = 0
    for p in parts:
        messages = None if messages is None or p.messages is None else messages + p.messages
        size = None if size is None or p.bytes is None else size + p.bytes
    return Figures(messages, size)


def known_sum(parts: Iterable[Figures]) -> tuple[Figures, bool]:
    """The sum of the known parts, and whether every part was known (else a lower bound)."""
    items = list(parts)
    known = [p for p in items if p.known]
    return total(known), len(known) == len(items)


def mailbox_figures(m: MailboxTotals | None) -> Figures:
    if m is None or not m.complete:
        return UNKNOWN
    return Figures(m.messages, m.bytes)


@dataclass(frozen=True)
class ScannedFolder:
    folder: Folder
    known: bool  # the folder unit ended ok and its figures are there

    @property
    def figures(self) -> Figures:
        if not self.known:
            return UNKNOWN
        return Figures(self.folder.messages, self.folder.bytes)


def scanned_folders(inv: Inventory) -> dict[tuple[str, str], list[ScannedFolder]]:
    """(source, address lower-cased) -> its selectable folders, each with whether its
    figures are known. A folder unit that ended without a record (failed) is there too,
    with unknown figures: a failed folder is never a folder that is not there."""
    status = {
        (u.source, *u.key.split("\x00", 1)): u.status
        for u in inv.units
        if u.kind is UnitKind.FOLDER and "\x00" in u.key
    }
    delimiters = {(m.source, m.address): m.delimiter for m in inv.mailboxes}
    result: dict[tuple[str, str], list[ScannedFolder]] = defaultdict(list)
    seen: set[tuple[str, str, str]] = set()
    for f in inv.folders:
        seen.add((f.source, f.mailbox, f.path))
        if f.noselect:
            continue
        ok = status.get((f.source, f.mailbox, f.path), Status.OK) is Status.OK
        known = ok and f.messages is not None and f.bytes is not None
        result[(f.source, f.mailbox.lower())].append(ScannedFolder(f, known))
    for (source, address, path), st in status.items():
        if (source, address, path) in seen or st is Status.OK:
            continue
        delimiter = delimiters.get((source, address))
        folder = Folder(source=source, mailbox=address, path=path, delimiter=delimiter)
        result[(source, address.lower())].append(ScannedFolder(folder, False))
    return result


def lower_address(m: MailboxTotals) -> MailboxTotals:
    return replace(m, address=m.address.lower())
