"""A scan diff as a ``views.Report``, so the workbook and HTML writers show it unchanged.

Changes of a size are shown in MB as signed numbers (a folder can shrink); sizes that
cannot be negative stay bytes. Unknown stays ``None``: a not comparable row shows unknown.
"""

from __future__ import annotations

from datetime import UTC, datetime

from ..diff import FolderChange, GrowthDiff, MailboxGrowth, Mode, ScanDiff, Side, State
from ..diff_common import Figures
from ..diff_migration import MISSING_STATES, Arrival, Match, MigrationDiff
from ..store import Inventory
from . import aggregate
from .aggregate import utc_naive
from .i18n import AREA_WORDS, AT_LEAST, COMPLETE, N_, Phrase, Word
from .views import (
    Block,
    Column,
    Fact,
    FactList,
    Kind,
    Report,
    Table,
    Value,
    coverage_table,
    error_rows,
)

TITLE = N_("Scan comparison")
MB = 2**20
MODE_WORDS = {
    Mode.GROWTH: Word("Growth between two scans of the same source"),
    Mode.MIGRATION: Word("Migration check: the source against the target"),
}
STATE_WORDS = {
    State.COMPARED: Word("Compared"),
    State.NEW: Word("New"),
    State.VANISHED: Word("Vanished"),
    State.NOT_COMPARABLE: Word("Not comparable"),
    State.CHANGED: Word("Changed"),
}
ARRIVAL_WORDS = {
    Arrival.ARRIVED: Word("Arrived"),
    Arrival.MISSING: Word("Messages missing"),
    Arrival.NOT_ON_TARGET: Word("Folder missing on the target"),
    Arrival.EMPTY_NOT_ON_TARGET: Word("Empty, not on the target"),
    Arrival.MORE_ON_TARGET: Word("More on the target"),
    Arrival.ONLY_ON_TARGET: Word("Only on the target"),
    Arrival.NOT_EXPECTED: Word("Not expected to arrive"),
    Arrival.NOT_COMPARABLE: Word("Not comparable"),
}
MATCH_WORDS = {
    Match.MATCHED: Word("Matched"),
    Match.NOT_IN_TARGET_SCAN: Word("Not in the target scan"),
    Match.ONLY_ON_TARGET: Word("Only on the target"),
    Match.SOURCE_NOT_READ: Word("Source mailbox not read"),
    Match.TARGET_NOT_READ: Word("Target mailbox not read"),
    Match.AMBIGUOUS: Word("Address in several sources of one scan"),
}
AT_LEAST_WORD = Word("At least")
OLD_SCAN, NEW_SCAN = Word("Old scan"), Word("New scan")
MATCHING_NOTE = Word(
    "Folders are matched by path, with the usual renames between systems (INBOX and Inbox, "
    "Sent and Sent Items, Gmail's [Gmail]/ prefix, the separators / and .). Folders the "
    "target does not carry (Recoverable Items, Gmail's All Mail) are not expected to arrive. "
    "Servers measure sizes differently: a folder's state follows its messages."
)
DELTA_NOTE = N_(
    "A delta copy carries what arrived since the bulk copy: at this rate about %(mb)s MB a "
    "day, %(week)s MB a week (the growth of the folders that grew)."
)
_ALERTS = frozenset(
    {ARRIVAL_WORDS[s] for s in (*MISSING_STATES, Arrival.NOT_COMPARABLE)}
    | {STATE_WORDS[State.NOT_COMPARABLE]}
    | {MATCH_WORDS[m] for m in Match if m not in (Match.MATCHED, Match.ONLY_ON_TARGET)}
)


def _mb(value: int | float | None) -> float | None:
    return None if value is None else value / MB


def _col(
    key: str,
    label: str,
    kind: Kind = Kind.INT,
    width: int = 12,
    alert: frozenset[object] = frozenset(),
) -> Column:
    return Column(key, label, kind, width, alert=alert)


def _change_mb(key: str, label: str) -> Column:
    return Column(key, label, Kind.FLOAT, 12, decimals=2, unit="MB")


_GROWTH_COLUMNS = (
    _col("messages_before", N_("Messages before")),
    _col("messages_after", N_("Messages after")),
    _col("messages_change", N_("Change in messages")),
    _col("bytes_before", N_("Size before"), Kind.BYTES),
    _col("bytes_after", N_("Size after"), Kind.BYTES),
    _change_mb("bytes_change", N_("Change in size")),
)


def _growth(x: MailboxGrowth | FolderChange) -> tuple[Value, ...]:
    """The values of ``_GROWTH_COLUMNS``: before, after and the change (its size in MB)."""
    before, after, change = x.before, x.after, x.change
    return (
        before.messages, after.messages, change.messages,
        before.bytes, after.bytes, _mb(change.bytes),
    )  # fmt: skip


# (key, messages label, size label) of one side of a migration check
_SOURCE = ("source", N_("Messages on the source"), N_("Size on the source"))
_TARGET = ("target", N_("Messages on the target"), N_("Size on the target"))
_MISSING = ("missing", N_("Messages that did not arrive"), N_("Size that did not arrive"))
_EXTRA = ("extra", N_("Messages more on the target"), N_("Size more on the target"))


def _sides_columns(*sides: tuple[str, str, str]) -> tuple[Column, ...]:
    """The messages of each side, then the size of each."""
    return (
        *(_col(f"messages_{key}", messages) for key, messages, _ in sides),
        *(_col(f"bytes_{key}", size, Kind.BYTES) for key, _, size in sides),
    )


def _sides(*figures: Figures) -> tuple[Value, ...]:
    """The values of ``_sides_columns``."""
    return (*(f.messages for f in figures), *(f.bytes for f in figures))


def _not_arrived(m: MigrationDiff, at_least: Word) -> tuple[Fact, Fact]:
    """What did not arrive; ``at_least`` when some folders were not comparable."""
    note = None if m.missing_complete else at_least
    return (
        Fact(
            N_("Messages that did not arrive"),
            m.missing.messages,
            Kind.INT,
            note,
            alert=bool(m.missing.messages),
        ),
        Fact(N_("Size that did not arrive"), m.missing.bytes, Kind.BYTES, note),
    )


# -- summary ----------------------------------------------------------------------------


def _sources(side: Side) -> str:
    return ", ".join(f"{name} ({host})" if host else name for name, host in side.sources)


def _scans(diff: ScanDiff) -> FactList:
    if not diff.chosen:
        how = Word("Given with --mode")
    elif diff.same_sources:
        how = Word("Chosen: both scans read the same sources (names and hosts)")
    else:
        how = Word("Chosen: the scans read different sources (names or hosts)")
    days = diff.growth.days if diff.growth else None
    return FactList(
        "comparison",
        N_("Comparison"),
        (
            Fact(N_("Mode"), MODE_WORDS[diff.mode]),
            Fact(N_("How the mode was chosen"), how),
            Fact(N_("Old scan"), str(diff.old.path)),
            Fact(N_("Old scan started (UTC)"), utc_naive(diff.old.started), Kind.DATETIME),
            Fact(N_("Old scan's sources"), _sources(diff.old)),
            Fact(N_("New scan"), str(diff.new.path)),
            Fact(N_("New scan started (UTC)"), utc_naive(diff.new.started), Kind.DATETIME),
            Fact(N_("New scan's sources"), _sources(diff.new)),
            *((Fact(N_("Days between the scans"), days, Kind.FLOAT),) if diff.growth else ()),
        ),
    )


def _growth_facts(g: GrowthDiff) -> FactList:
    def note(value: int | float | None) -> Word | None:
        return AT_LEAST if value is not None and g.count(State.NOT_COMPARABLE) else None

    return FactList(
        "growth_totals",
        N_("Growth"),
        (
            Fact(N_("Mailboxes compared"), g.count(State.COMPARED), Kind.INT),
            Fact(N_("New mailboxes"), g.count(State.NEW), Kind.INT),
            Fact(N_("Vanished mailboxes"), g.count(State.VANISHED), Kind.INT),
            Fact(
                N_("Mailboxes not comparable"),
                g.count(State.NOT_COMPARABLE),
                Kind.INT,
                alert=g.count(State.NOT_COMPARABLE) > 0,
            ),
            Fact(N_("Messages before"), g.before.messages, Kind.INT),
            Fact(N_("Messages after"), g.after.messages, Kind.INT),
            Fact(N_("Change in messages"), g.change.messages, Kind.INT, note(g.change.messages)),
            Fact(N_("Size before"), g.before.bytes, Kind.BYTES),
            Fact(N_("Size after"), g.after.bytes, Kind.BYTES),
            Fact(N_("Change in size (MB)"), _mb(g.change.bytes), Kind.FLOAT),
            Fact(N_("Messages per day"), g.messages_per_day, Kind.FLOAT),
            Fact(N_("Change in size per day (MB)"), _mb(g.bytes_per_day), Kind.FLOAT),
            Fact(N_("Delta copy per day (MB)"), _mb(g.delta_bytes_per_day), Kind.FLOAT),
            Fact(
                N_("Size of the new mailboxes"),
                g.new_mailboxes.bytes,
                Kind.BYTES,
                None if g.new_complete else AT_LEAST,
            ),
        ),
    )


def _migration_facts(m: MigrationDiff) -> FactList:
    not_read = m.mailboxes_in(
        Match.NOT_IN_TARGET_SCAN, Match.SOURCE_NOT_READ, Match.TARGET_NOT_READ, Match.AMBIGUOUS
    )
    unknown = m.folders_in(Arrival.NOT_COMPARABLE)
    return FactList(
        "migration_totals",
        N_("Migration check"),
        (
            Fact(N_("Mailboxes matched"), m.mailboxes_in(Match.MATCHED), Kind.INT),
            Fact(N_("Matched through the mapping"), m.mapped, Kind.INT),
            Fact(N_("Mailboxes not compared"), not_read, Kind.INT, alert=not_read > 0),
            Fact(
                N_("Mailboxes only on the target"), m.mailboxes_in(Match.ONLY_ON_TARGET), Kind.INT
            ),
            Fact(
                N_("Folders with messages missing"),
                m.folders_in(*MISSING_STATES),
                Kind.INT,
                alert=m.missing_found,
            ),
            Fact(N_("Folders not comparable"), unknown, Kind.INT, alert=unknown > 0),
            *_not_arrived(m, AT_LEAST),
            Fact(N_("Messages more on the target"), m.extra.messages, Kind.INT),
            Fact(N_("Messages not expected to arrive"), m.not_expected.messages, Kind.INT),
        ),
    )


def _cards(diff: ScanDiff) -> tuple[Fact, ...]:
    if diff.growth is not None:
        g = diff.growth
        return (
            Fact(N_("Mailboxes compared"), g.count(State.COMPARED), Kind.INT),
            Fact(N_("Change in messages"), g.change.messages, Kind.INT),
            Fact(N_("Change in size (MB)"), _mb(g.change.bytes), Kind.FLOAT),
            Fact(N_("Delta copy per day (MB)"), _mb(g.delta_bytes_per_day), Kind.FLOAT),
        )
    m = diff.migration
    assert m is not None
    return (
        Fact(N_("Mailboxes matched"), m.mailboxes_in(Match.MATCHED), Kind.INT),
        *_not_arrived(m, AT_LEAST_WORD),
        Fact(
            N_("Folders not comparable"),
            m.folders_in(Arrival.NOT_COMPARABLE),
            Kind.INT,
            alert=bool(m.folders_in(Arrival.NOT_COMPARABLE)),
        ),
    )


# -- sheets -----------------------------------------------------------------------------


def _growth_sheet(g: GrowthDiff) -> Table:
    def row(m: MailboxGrowth) -> tuple[Value, ...]:
        return (
            m.address,
            m.source,
            STATE_WORDS[m.state],
            *_growth(m),
            m.messages_per_day,
            _mb(m.bytes_per_day),
            _mb(m.delta.bytes),
            m.new_folders,
            m.vanished_folders,
        )

    columns = (
        _col("address", N_("Address"), Kind.TEXT, 32),
        _col("source", N_("Source"), Kind.TEXT, 14),
        _col("state", N_("Comparison"), Kind.TEXT, 14, alert=_ALERTS),
        *_GROWTH_COLUMNS,
        _col("messages_per_day", N_("Messages per day"), Kind.FLOAT),
        _change_mb("bytes_per_day", N_("Change in size per day")),
        _change_mb("delta", N_("Grown, folder by folder")),
        _col("new_folders", N_("New folders")),
        _col("vanished_folders", N_("Vanished folders")),
    )
    notes: tuple[Word | Phrase, ...] = ()
    if g.delta_bytes_per_day is not None:
        per_day = g.delta_bytes_per_day / MB
        notes = (Phrase(DELTA_NOTE, (("mb", per_day), ("week", per_day * 7))),)
    rows = tuple(row(m) for m in g.mailboxes)
    return Table("growth", N_("Growth per mailbox"), columns, rows, 1, notes)


def _folder_changes(folders: tuple[FolderChange, ...]) -> Table:
    rows = tuple(
        (
            f.mailbox,
            AREA_WORDS.get(f.area, f.area),
            f.path,
            STATE_WORDS[f.state],
            *_growth(f),
            f.source,
        )
        for f in folders
    )
    columns = (
        _col("mailbox", N_("Mailbox"), Kind.TEXT, 30),
        _col("area", N_("Part"), Kind.TEXT, 16),
        _col("path", N_("Folder"), Kind.TEXT, 36),
        _col("state", N_("Change"), Kind.TEXT, 14, alert=_ALERTS),
        *_GROWTH_COLUMNS,
        _col("source", N_("Source"), Kind.TEXT, 14),
    )
    return Table("folder_changes", N_("Folder changes"), columns, rows, 3)


def _figures_complete(complete: bool) -> Word:
    return COMPLETE if complete else AT_LEAST_WORD


def _arrival_mailboxes(m: MigrationDiff) -> Table:
    rows = tuple(
        (
            b.address,
            b.target_address,
            b.renamed,
            MATCH_WORDS[b.match],
            *_sides(b.source, b.target, b.missing),
            b.folders_missing,
            b.folders_not_comparable,
            _figures_complete(b.missing_complete) if b.match is Match.MATCHED else None,
        )
        for b in m.mailboxes
    )
    columns = (
        _col("address", N_("Source address"), Kind.TEXT, 32),
        _col("target_address", N_("Target address"), Kind.TEXT, 32),
        _col("renamed", N_("Renamed"), Kind.BOOL, 10),
        _col("match", N_("Comparison"), Kind.TEXT, 16, alert=_ALERTS),
        *_sides_columns(_SOURCE, _TARGET, _MISSING),
        _col("folders_missing", N_("Folders with messages missing")),
        _col("folders_not_comparable", N_("Folders not comparable")),
        _col("figures", N_("Figures"), Kind.TEXT, 12, alert=frozenset({AT_LEAST_WORD})),
    )
    return Table("arrival_mailboxes", N_("Arrival per mailbox"), columns, rows, 1)


def _paths(paths: tuple[str, ...]) -> str | None:
    return "\n".join(paths) if paths else None


def _arrival_folders(m: MigrationDiff) -> Table:
    rows = tuple(
        (
            f.mailbox,
            AREA_WORDS.get(f.area, f.area),
            _paths(f.source_paths),
            _paths(f.target_paths),
            ARRIVAL_WORDS[f.state],
            *_sides(f.source, f.target, f.missing, f.extra),
            f.target_mailbox or None,
        )
        for f in m.folders
    )
    columns = (
        _col("mailbox", N_("Mailbox"), Kind.TEXT, 30),
        _col("area", N_("Part"), Kind.TEXT, 16),
        _col("source_folder", N_("Folder on the source"), Kind.TEXT, 30),
        _col("target_folder", N_("Folder on the target"), Kind.TEXT, 30),
        _col("state", N_("Arrival"), Kind.TEXT, 18, alert=_ALERTS),
        *_sides_columns(_SOURCE, _TARGET, _MISSING, _EXTRA),
        _col("target_mailbox", N_("Target address"), Kind.TEXT, 30),
    )
    return Table(
        "arrival_folders", N_("Arrival per folder"), columns, rows, 3, notes=(MATCHING_NOTE,)
    )


def _errors(old: Inventory, new: Inventory) -> Table:
    rows = tuple(
        (which, *row)
        for which, inv in ((OLD_SCAN, old), (NEW_SCAN, new))
        for row in error_rows(inv)
    )
    columns = (
        _col("scan", N_("Scan"), Kind.TEXT, 12),
        _col("source", N_("Source"), Kind.TEXT, 14),
        _col("kind", N_("Type"), Kind.TEXT, 10),
        _col("mailbox", N_("Mailbox"), Kind.TEXT, 30),
        _col("folder", N_("Folder"), Kind.TEXT, 30),
        _col("status", N_("Status"), Kind.TEXT, 12),
        _col("reason", N_("Reason"), Kind.TEXT, 26),
        _col("message", N_("Details"), Kind.TEXT, 60),
    )
    return Table("errors", N_("Errors"), columns, rows)


# -- the report -------------------------------------------------------------------------


def diff_report(
    diff: ScanDiff, old: Inventory, new: Inventory, now: datetime | None = None
) -> Report:
    """The diff as a report both writers render; ``old``/``new``: the two scans."""
    now = now or datetime.now(UTC)
    summary: list[Block] = [_scans(diff)]
    sheets: list[Table] = []
    if diff.growth is not None:
        summary.append(_growth_facts(diff.growth))
        sheets += [_growth_sheet(diff.growth), _folder_changes(diff.growth.folders)]
    if diff.migration is not None:
        summary.append(_migration_facts(diff.migration))
        sheets += [_arrival_mailboxes(diff.migration), _arrival_folders(diff.migration)]
    cov_old, cov_new = aggregate.coverage(old), aggregate.coverage(new)
    for key, title, cov in (
        ("coverage_old", N_("Coverage of the old scan"), cov_old),
        ("coverage_new", N_("Coverage of the new scan"), cov_new),
    ):
        table = coverage_table(cov)
        summary.append(Table(key, title, table.columns, table.rows))
    sheets.append(_errors(old, new))
    units = cov_old[-1].total + cov_new[-1].total
    ok = cov_old[-1].ok + cov_new[-1].ok
    servers = [*old.servers, *new.servers]
    nothing = Inventory(info=None)  # a diff has no inventory totals of its own to chart
    return Report(
        client=diff.new.client or diff.old.client,
        project=diff.new.project or diff.old.project,
        started=utc_naive(diff.new.started),
        generated=now.astimezone(UTC).replace(tzinfo=None, microsecond=0),
        summary=tuple(summary),
        sheets=tuple(sheets),
        coverage=tuple(cov_new),
        coverage_ok=ok / units if units else None,
        failed_units=units - ok,
        insecure_sources=tuple(
            sorted({s.source for s in servers if not s.tls_verified or s.security == "plain"})
        ),
        totals=aggregate.totals(nothing, ()),
        mailboxes=(),
        title=TITLE,
        cards=_cards(diff),
    )
