"""Compare two scans (``mailsurvey diff OLD NEW``).

Two questions, two modes:

- **growth** (two scans of the same source): per mailbox the messages and bytes before
  and after, the change and the change per day (from the two scans' start times), new
  and vanished mailboxes and folders. What a delta copy carries is the growth of the
  folders that grew (a moved message arrives again in its new folder), per day.
- **migration** (a source scan and a scan of the target after the migration): per folder
  the messages and bytes that did not arrive (see ``diff_migration``).

Without ``mode`` the mode follows from the scans: the same mail sources (names and
hosts) is growth, anything else a migration check. Figures a partial or failed unit
left unknown stay unknown: such a row is "not comparable", never 0.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from .diff_common import (
    LISTED,
    UNKNOWN,
    ZERO,
    Figures,
    ScannedFolder,
    known_sum,
    mailbox_figures,
    scanned_folders,
    total,
)
from .diff_migration import MigrationDiff, compare_migration
from .model import UnitKind
from .report.aggregate import MailboxTotals, mailbox_totals
from .store import Inventory, Store, StoreError

DAY = 86_400.0


class DiffError(Exception):
    """Bad input: a store that cannot be read, scans that cannot be compared."""


class Mode(enum.StrEnum):
    GROWTH = "growth"
    MIGRATION = "migration"


class State(enum.StrEnum):
    COMPARED = "compared"
    NEW = "new"  # only in the new scan
    VANISHED = "vanished"  # only in the old scan
    NOT_COMPARABLE = "not_comparable"  # a side's figures are unknown
    CHANGED = "changed"  # a folder whose figures changed


@dataclass(frozen=True)
class Side:
    """One of the two scans."""

    path: Path
    started: datetime | None  # aware
    client: str
    project: str
    language: str
    sources: tuple[tuple[str, str | None], ...]  # (mail source name, host), sorted


@dataclass(frozen=True)
class MailboxGrowth:
    source: str
    address: str
    state: State
    before: Figures
    after: Figures
    change: Figures  # after - before; unknown unless compared
    delta: Figures  # what grew, folder by folder (new folders whole): a delta copy's load
    messages_per_day: float | None
    bytes_per_day: float | None
    new_folders: int | None
    vanished_folders: int | None


@dataclass(frozen=True)
class FolderChange:
    source: str
    mailbox: str
    area: str
    path: str
    state: State  # new | vanished | changed | not_comparable
    before: Figures
    after: Figures
    change: Figures


@dataclass(frozen=True)
class GrowthDiff:
    days: float | None  # between the two scans' starts; None when not known
    mailboxes: tuple[MailboxGrowth, ...]
    folders: tuple[FolderChange, ...]  # the folders that are new, vanished, changed or unknown
    before: Figures  # over the compared mailboxes
    after: Figures
    change: Figures
    delta: Figures
    messages_per_day: float | None
    bytes_per_day: float | None
    delta_bytes_per_day: float | None
    new_mailboxes: Figures  # their size now (a lower bound when some are unknown)
    new_complete: bool

    def count(self, state: State) -> int:
        return sum(1 for m in self.mailboxes if m.state is state)


@dataclass(frozen=True)
class ScanDiff:
    mode: Mode
    chosen: bool  # the mode was chosen from the scans (not given)
    same_sources: bool
    old: Side
    new: Side
    growth: GrowthDiff | None = None
    migration: MigrationDiff | None = None

    @property
    def missing_found(self) -> bool:
        """The migration check found messages that did not arrive."""
        return self.migration is not None and self.migration.missing_found


# -- reading ----------------------------------------------------------------------------


def load_scan(path: Path) -> Inventory:
    """The inventory of a stored scan; DiffError names the file and what was expected."""
    try:
        with Store.open_existing(path) as store:
            inv = store.inventory()
    except StoreError as exc:
        raise DiffError(str(exc)) from None
    if inv.info is None:
        raise DiffError(f"{path}: holds no scan (expected the scan.sqlite of a mailsurvey scan)")
    return inv


def side(inv: Inventory, path: Path) -> Side:
    info = inv.info
    mail = {m.source for m in inv.mailboxes} | {
        u.source for u in inv.units if u.kind is UnitKind.ACCOUNT
    }
    hosts: dict[str, str | None] = {s.source: s.host for s in inv.servers}
    configured = info.config_summary.get("sources") if info else None
    for src in configured if isinstance(configured, list) else []:
        if isinstance(src, dict) and src.get("name") in mail:
            host = src.get("host") or urlsplit(str(src.get("url") or "")).hostname
            hosts[str(src["name"])] = str(host).lower() if host else None
    return Side(
        path=path,
        started=info.started if info else None,
        client=info.client if info else "",
        project=info.project if info else "",
        language=info.language if info else "en",
        sources=tuple(sorted((name, hosts.get(name)) for name in mail)),
    )


# -- the comparison ---------------------------------------------------------------------


def compare(
    old: Inventory,
    new: Inventory,
    mode: Mode | None = None,
    mapping: Mapping[str, str] | None = None,
    paths: tuple[Path, Path] = (Path("OLD"), Path("NEW")),
) -> ScanDiff:
    """Compare two scans. ``mapping``: old address -> new address (migration mode)."""
    a, b = side(old, paths[0]), side(new, paths[1])
    same = a.sources == b.sources
    chosen = mode is None
    mode = mode or (Mode.GROWTH if same else Mode.MIGRATION)
    if mode is Mode.GROWTH:
        return ScanDiff(mode, chosen, same, a, b, growth=compare_growth(old, new, a, b))
    return ScanDiff(mode, chosen, same, a, b, migration=compare_migration(old, new, mapping or {}))


def _days(a: Side, b: Side) -> float | None:
    if a.started is None or b.started is None:
        return None
    seconds = (_aware(b.started) - _aware(a.started)).total_seconds()
    if seconds < 0:
        raise DiffError(
            f"{b.path} (started {b.started.isoformat()}) is older than {a.path} "
            f"(started {a.started.isoformat()}): expected the older scan first"
        )
    return seconds / DAY if seconds > 0 else None


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _per_day(value: int | None, days: float | None) -> float | None:
    return None if value is None or days is None else value / days


def compare_growth(old: Inventory, new: Inventory, a: Side, b: Side) -> GrowthDiff:
    days = _days(a, b)
    before = {(m.source, m.address.lower()): m for m in mailbox_totals(old)}
    after = {(m.source, m.address.lower()): m for m in mailbox_totals(new)}
    folders_before, folders_after = scanned_folders(old), scanned_folders(new)
    rows: list[MailboxGrowth] = []
    changes: list[FolderChange] = []
    for key in sorted(set(before) | set(after)):
        m0, m1 = before.get(key), after.get(key)
        f0 = folders_before.get(key, []) if _listed(m0) else None
        f1 = folders_after.get(key, []) if _listed(m1) else None
        folder_rows = _folder_changes(key, f0, f1)
        changes += [c for c in folder_rows if c.state is not State.COMPARED]
        rows.append(_mailbox_growth(key, m0, m1, folder_rows, days))
    compared = [r for r in rows if r.state is State.COMPARED]
    news = [r.after for r in rows if r.state is State.NEW]
    new_size, new_complete = known_sum(news)
    change = total(r.change for r in compared)
    delta = total(r.delta for r in compared)
    return GrowthDiff(
        days=days,
        mailboxes=tuple(rows),
        folders=tuple(changes),
        before=total(r.before for r in compared),
        after=total(r.after for r in compared),
        change=change,
        delta=delta,
        messages_per_day=_per_day(change.messages, days),
        bytes_per_day=_per_day(change.bytes, days),
        delta_bytes_per_day=_per_day(delta.bytes, days),
        new_mailboxes=new_size,
        new_complete=new_complete,
    )


def _listed(m: MailboxTotals | None) -> bool:
    return m is not None and m.status in LISTED


def _mailbox_growth(
    key: tuple[str, str],
    m0: MailboxTotals | None,
    m1: MailboxTotals | None,
    folders: list[FolderChange],
    days: float | None,
) -> MailboxGrowth:
    before, after = mailbox_figures(m0), mailbox_figures(m1)
    known = m1 or m0
    address = known.address if known else key[1]
    if m0 is None or m1 is None:
        state = State.NEW if m0 is None else State.VANISHED
    else:
        state = State.COMPARED if before.known and after.known else State.NOT_COMPARABLE
    change = after.minus(before) if state is State.COMPARED else UNKNOWN
    delta = UNKNOWN
    if state is State.COMPARED:
        delta = total(c.change.positive() if c.state is not State.NEW else c.after for c in folders)
    both = m0 is not None and m1 is not None and _listed(m0) and _listed(m1)
    return MailboxGrowth(
        source=key[0],
        address=address,
        state=state,
        before=before,
        after=after,
        change=change,
        delta=delta,
        messages_per_day=_per_day(change.messages, days),
        bytes_per_day=_per_day(change.bytes, days),
        new_folders=sum(1 for c in folders if c.state is State.NEW) if both else None,
        vanished_folders=sum(1 for c in folders if c.state is State.VANISHED) if both else None,
    )


def _folder_changes(
    key: tuple[str, str],
    before: list[ScannedFolder] | None,
    after: list[ScannedFolder] | None,
) -> list[FolderChange]:
    """Every folder of a mailbox listed on both sides: compared, changed, new, vanished
    or not comparable. A side that was not listed gives no folder rows."""
    if before is None or after is None:
        return []
    old = {(s.folder.area, s.folder.path): s for s in before}
    new = {(s.folder.area, s.folder.path): s for s in after}
    rows = []
    for area, path in sorted(set(old) | set(new)):
        s0, s1 = old.get((area, path)), new.get((area, path))
        f0 = s0.figures if s0 else ZERO
        f1 = s1.figures if s1 else ZERO
        if s0 is None:
            state = State.NEW
        elif s1 is None:
            state = State.VANISHED
        elif not (f0.known and f1.known):
            state = State.NOT_COMPARABLE
        else:
            state = State.CHANGED if f0 != f1 else State.COMPARED
        change = f1.minus(f0) if state is not State.NOT_COMPARABLE else UNKNOWN
        either = s1 or s0
        mailbox = either.folder.mailbox if either else key[1]
        rows.append(FolderChange(key[0], mailbox, area, path, state, f0, f1, change))
    return rows
