"""The migration check: a source scan against a scan of the target after the migration.

Mailboxes are matched by address (case-insensitive; a mapping renames source addresses),
folders by ``diff_match.folder_key``. Per folder: the messages and bytes that did not
arrive (source - target, when positive) and what the target holds more (shown, not
hidden). Sizes are measured differently by different servers (Exchange counts an item's
properties too), so a folder's state follows its messages; the bytes are shown as they are.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

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
from .diff_match import FolderKey, folder_key, not_expected, personal_prefix, top_roles
from .report.aggregate import MailboxTotals, mailbox_totals
from .store import Inventory


class Arrival(enum.StrEnum):
    ARRIVED = "arrived"
    MISSING = "missing"  # fewer messages on the target
    NOT_ON_TARGET = "not_on_target"  # the folder is not on the target, and held messages
    EMPTY_NOT_ON_TARGET = "empty_not_on_target"  # not on the target, and was empty
    MORE_ON_TARGET = "more_on_target"
    ONLY_ON_TARGET = "only_on_target"
    NOT_EXPECTED = "not_expected"  # a folder the target does not carry
    NOT_COMPARABLE = "not_comparable"  # a side's figures are unknown


MISSING_STATES = frozenset({Arrival.MISSING, Arrival.NOT_ON_TARGET})


class Match(enum.StrEnum):
    MATCHED = "matched"
    NOT_IN_TARGET_SCAN = "not_in_target_scan"  # the target scan did not read it
    ONLY_ON_TARGET = "only_on_target"
    SOURCE_NOT_READ = "source_not_read"  # the source account's folders were not listed
    TARGET_NOT_READ = "target_not_read"
    AMBIGUOUS = "ambiguous"  # the address is in several sources of one scan


@dataclass(frozen=True)
class FolderArrival:
    mailbox: str  # source address (as scanned)
    target_mailbox: str
    area: str
    key: str  # the matched path, roles as "@sent"
    source_paths: tuple[str, ...]
    target_paths: tuple[str, ...]
    state: Arrival
    source: Figures
    target: Figures
    missing: Figures  # did not arrive; unknown when not comparable
    extra: Figures  # more on the target


@dataclass(frozen=True)
class MailboxArrival:
    address: str
    target_address: str
    renamed: bool  # matched through the mapping
    match: Match
    source: Figures
    target: Figures
    missing: Figures  # over its comparable folders (a lower bound when some are not)
    missing_complete: bool
    folders_missing: int
    folders_not_comparable: int


@dataclass(frozen=True)
class MigrationDiff:
    mailboxes: tuple[MailboxArrival, ...]
    folders: tuple[FolderArrival, ...]
    missing: Figures  # over every comparable folder
    missing_complete: bool  # False: some folders or mailboxes were not comparable
    extra: Figures
    not_expected: Figures  # what the folders the target does not carry hold (lower bound)
    mapped: int  # mailboxes matched through the mapping

    @property
    def missing_found(self) -> bool:
        return any(f.state in MISSING_STATES for f in self.folders)

    def folders_in(self, *states: Arrival) -> int:
        return sum(1 for f in self.folders if f.state in states)

    def mailboxes_in(self, *matches: Match) -> int:
        return sum(1 for m in self.mailboxes if m.match in matches)


def _by_address(totals: tuple[MailboxTotals, ...]) -> dict[str, list[MailboxTotals]]:
    result: dict[str, list[MailboxTotals]] = defaultdict(list)
    for m in totals:
        result[m.address.lower()].append(m)
    return result


def compare_migration(
    source: Inventory, target: Inventory, mapping: Mapping[str, str]
) -> MigrationDiff:
    src, dst = _by_address(mailbox_totals(source)), _by_address(mailbox_totals(target))
    src_folders, dst_folders = scanned_folders(source), scanned_folders(target)
    mailboxes: list[MailboxArrival] = []
    folders: list[FolderArrival] = []
    for address in sorted(src):
        wanted = mapping.get(address, address)
        s, t = src[address], dst.get(wanted, [])
        match = _match(s, t)
        rows: list[FolderArrival] = []
        if match in (Match.MATCHED, Match.TARGET_NOT_READ, Match.NOT_IN_TARGET_SCAN):
            sf = src_folders.get((s[0].source, address), [])
            tf = dst_folders.get((t[0].source, wanted), []) if match is Match.MATCHED else None
            rows = _folders(s[0], t[0] if t else None, sf, tf)
        folders += rows
        mailboxes.append(_mailbox(s, t, wanted, wanted != address, match, rows))
    for address in sorted(set(dst) - {mapping.get(a, a) for a in src}):
        t = dst[address]
        mailboxes.append(
            MailboxArrival(
                address=t[0].address,
                target_address=t[0].address,
                renamed=False,
                match=Match.ONLY_ON_TARGET,
                source=UNKNOWN,
                target=mailbox_figures(t[0]) if len(t) == 1 else UNKNOWN,
                missing=ZERO,
                missing_complete=True,
                folders_missing=0,
                folders_not_comparable=0,
            )
        )
    comparable = [f for f in folders if f.state is not Arrival.NOT_EXPECTED]
    missing, complete = known_sum(f.missing for f in comparable)
    unread = any(m.match not in (Match.MATCHED, Match.ONLY_ON_TARGET) for m in mailboxes)
    extra, _ = known_sum(f.extra for f in comparable)
    not_carried, _ = known_sum(f.source for f in folders if f.state is Arrival.NOT_EXPECTED)
    return MigrationDiff(
        mailboxes=tuple(mailboxes),
        folders=tuple(folders),
        missing=missing,
        missing_complete=complete and not unread,
        extra=extra,
        not_expected=not_carried,
        mapped=sum(1 for m in mailboxes if m.renamed and m.match is Match.MATCHED),
    )


def _match(s: list[MailboxTotals], t: list[MailboxTotals]) -> Match:
    if len(s) > 1 or len(t) > 1:
        return Match.AMBIGUOUS
    if s[0].status not in LISTED:
        return Match.SOURCE_NOT_READ
    if not t:
        return Match.NOT_IN_TARGET_SCAN
    if t[0].status not in LISTED:
        return Match.TARGET_NOT_READ
    return Match.MATCHED


def _mailbox(
    s: list[MailboxTotals],
    t: list[MailboxTotals],
    wanted: str,
    renamed: bool,
    match: Match,
    rows: list[FolderArrival],
) -> MailboxArrival:
    comparable = [f for f in rows if f.state is not Arrival.NOT_EXPECTED]
    missing, complete = known_sum(f.missing for f in comparable)
    return MailboxArrival(
        address=s[0].address,
        target_address=t[0].address if len(t) == 1 else wanted,
        renamed=renamed,
        match=match,
        source=mailbox_figures(s[0]) if len(s) == 1 else UNKNOWN,
        target=mailbox_figures(t[0]) if len(t) == 1 else UNKNOWN,
        missing=missing if match is Match.MATCHED else UNKNOWN,
        missing_complete=complete and match is Match.MATCHED,
        folders_missing=sum(1 for f in rows if f.state in MISSING_STATES),
        folders_not_comparable=sum(1 for f in rows if f.state is Arrival.NOT_COMPARABLE),
    )


def _grouped(
    folders: list[ScannedFolder], mailbox: MailboxTotals | None
) -> dict[FolderKey, list[ScannedFolder]]:
    prefix = personal_prefix(mailbox.mailbox if mailbox else None)
    roles = top_roles([s.folder for s in folders], prefix)
    groups: dict[FolderKey, list[ScannedFolder]] = defaultdict(list)
    for s in folders:
        groups[folder_key(s.folder, prefix, roles)].append(s)
    return groups


def _figures(group: list[ScannedFolder]) -> Figures:
    return total(s.figures for s in group) if group else ZERO


def _folders(
    s: MailboxTotals,
    t: MailboxTotals | None,
    source: list[ScannedFolder],
    target: list[ScannedFolder] | None,
) -> list[FolderArrival]:
    """The folder rows of one source mailbox; ``target`` None: the target side was not
    read, so every row is not comparable (never "not on the target")."""
    src, dst = _grouped(source, s), _grouped(target or [], t)
    rows = []
    for key in sorted(set(src) | set(dst), key=lambda k: (k.area, k.parts)):
        a, b = src.get(key, []), dst.get(key, [])
        fa, fb = _figures(a), _figures(b)
        if any(not_expected(x.folder) for x in a + b):
            state = Arrival.NOT_EXPECTED
        elif target is None or not (fa.known and fb.known):
            state = Arrival.NOT_COMPARABLE
        elif not b:
            state = Arrival.NOT_ON_TARGET if fa.messages else Arrival.EMPTY_NOT_ON_TARGET
        elif not a:
            state = Arrival.ONLY_ON_TARGET
        else:
            diff = (fa.messages or 0) - (fb.messages or 0)
            state = (
                Arrival.MISSING if diff > 0 else Arrival.MORE_ON_TARGET if diff else Arrival.ARRIVED
            )
        comparable = state not in (Arrival.NOT_EXPECTED, Arrival.NOT_COMPARABLE)
        rows.append(
            FolderArrival(
                mailbox=s.address,
                target_mailbox=t.address if t else "",
                area=key.area,
                key=str(key),
                source_paths=tuple(sorted(x.folder.path for x in a)),
                target_paths=tuple(sorted(x.folder.path for x in b)),
                state=state,
                source=fa,
                target=fb if target is not None else UNKNOWN,
                missing=fa.minus(fb).positive() if comparable else UNKNOWN,
                extra=fb.minus(fa).positive() if comparable else UNKNOWN,
            )
        )
    return rows
