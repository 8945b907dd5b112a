"""Inventory -> plain tables shared by every writer (xlsx, html, json).

A view holds values, not formatting: numbers stay numbers, ``None`` stays unknown,
scanned text stays ``str`` (made visible by the writers), our own words are ``Word``
(translated by the writers). Adding a sheet/section = adding a function that returns a
``Table`` and listing it in ``build_report``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from ..model import SIZE_BUCKET_LABELS, DirectoryFinding, Mailbox, Status, UnitKind
from ..store import Inventory
from . import aggregate
from .aggregate import Coverage, MailboxTotals, Totals, utc_naive
from .i18n import (
    AREA_WORDS,
    AT_LEAST,
    COMPLETE,
    INCOMPLETE,
    KIND_WORDS,
    MAILBOX_KIND_WORDS,
    N_,
    NO_LIMIT,
    NOT_APPLICABLE,
    NOT_KNOWN,
    REASON_WORDS,
    SECURITY_WORDS,
    STATUS_WORDS,
    WHOLE_MAILBOX,
    Phrase,
    Word,
)

if TYPE_CHECKING:
    from ..assess.outlook import Outlook
    from .views_estimate import EstimateView
    from .views_quote import QuoteView
    from .views_readiness import ReadinessView
    from .views_waves import WavesView


class Kind(enum.Enum):
    """How a column's values are shown."""

    TEXT = "text"  # str (scanned text) or Word (ours)
    INT = "int"
    BYTES = "bytes"  # a size in bytes: MB in the workbook, KB/MB/GB in the HTML
    GB = "gb"  # a size in bytes shown as GB in the workbook
    DATETIME = "datetime"  # naive UTC
    DATE = "date"  # naive UTC datetime shown as a date
    PERCENT = "percent"  # a fraction, 0.5 = 50 %
    BOOL = "bool"
    HOURS = "hours"  # a duration in seconds, shown in hours
    FLOAT = "float"  # a number with ``decimals`` decimals; the label says the unit
    MOMENT = "moment"  # a naive wall-clock moment in the column's zone, shown with weekday
    MONEY = "money"  # a Decimal amount in the currency (ISO 4217) that ``unit`` names


Value = str | Word | Phrase | int | float | bool | datetime | Decimal | None
NUMERIC = frozenset(
    {Kind.INT, Kind.BYTES, Kind.GB, Kind.PERCENT, Kind.HOURS, Kind.FLOAT, Kind.MONEY}
)
TIMES = frozenset({Kind.DATE, Kind.DATETIME, Kind.MOMENT})


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # msgid, translated by the writer unless translate is False
    kind: Kind = Kind.TEXT
    width: int = 14  # characters, for the workbook
    translate: bool = True
    alert: frozenset[object] = frozenset()  # values that are highlighted as a problem
    decimals: int = 1  # for BYTES/GB in the workbook, FLOAT everywhere
    unit: str | None = None  # shown after the label, untranslated (a time zone's name)
    editable: bool = False  # the client fills it in: an unlocked cell in the workbook
    choices: tuple[Word, ...] = ()  # an editable column's allowed values (a list validation)


@dataclass(frozen=True)
class Table:
    key: str  # stable id: Excel table name, HTML anchor
    title: str  # msgid
    columns: tuple[Column, ...]
    rows: tuple[tuple[Value, ...], ...]
    frozen_columns: int = 0  # columns kept in view when scrolling right (workbook)
    notes: tuple[Word | Phrase, ...] = ()  # lines shown with the table (e.g. why it is empty)
    extras: tuple[Table, ...] = ()  # smaller tables shown below it
    compact: Table | None = None  # what the HTML shows instead of the rows, when set


@dataclass(frozen=True)
class Fact:
    label: str  # msgid
    value: Value
    kind: Kind = Kind.TEXT
    note: Word | None = None
    alert: bool = False
    unit: str | None = None  # Kind.MONEY: the currency


@dataclass(frozen=True)
class FactList:
    key: str
    title: str  # msgid
    facts: tuple[Fact, ...]


Block = Table | FactList
REPORT_TITLE = N_("E-mail migration assessment")
SUMMARY = N_("Summary")


def is_alert(column: Column, value: Value) -> bool:
    """Whether a value is one the column flags as a problem (``0`` is not ``False``)."""
    return any(type(value) is type(a) and value == a for a in column.alert)


@dataclass(frozen=True)
class Report:
    client: str
    project: str
    started: datetime | None  # naive UTC
    generated: datetime  # naive UTC
    summary: tuple[Block, ...]
    sheets: tuple[Table, ...]  # one workbook sheet / HTML section each, in order
    coverage: tuple[Coverage, ...]  # per unit kind, the last one over all units
    coverage_ok: float | None
    failed_units: int
    insecure_sources: tuple[str, ...]
    totals: Totals
    mailboxes: tuple[MailboxTotals, ...]
    directory_findings: tuple[DirectoryFinding, ...] = ()
    outlook: Outlook | None = None  # the forecast and timeline (None: nothing to forecast)
    estimate: EstimateView | None = None  # their views
    readiness: ReadinessView | None = None  # the checks' findings per target
    waves: WavesView | None = None  # the migration waves (None: no mailbox)
    quote: QuoteView | None = None  # the quote (None: the config has no pricing)
    title: str = REPORT_TITLE  # msgid: the report's heading (a scan diff has its own)
    cards: tuple[Fact, ...] | None = None  # the HTML's key figures instead of the totals'


FOLDERS_IN_ONE = N_(
    "Exchange reads a mailbox's folders in one request: they are covered by its account,"
    " not counted as folders here. Folders in all sources: %(folders)s (see Totals)."
)
_PROBLEMS = frozenset({STATUS_WORDS[s] for s in (Status.PARTIAL, Status.FAILED, Status.SKIPPED)})


def split_unit_key(kind: UnitKind, key: str) -> tuple[str, str | None]:
    """(mailbox, folder) of a unit key; folder units are keyed ``address\\x00path``."""
    if kind is UnitKind.FOLDER and "\x00" in key:
        mailbox, folder = key.split("\x00", 1)
        return mailbox, folder
    return key, None


# -- summary ------------------------------------------------------------------------------


def _scan_facts(inv: Inventory) -> FactList:
    info = inv.info
    return FactList(
        "scan",
        N_("Scan"),
        (
            Fact(N_("Project"), info.project if info else None),
            Fact(N_("Client"), info.client if info else None),
            Fact(
                N_("Scan started (UTC)"), utc_naive(info.started) if info else None, Kind.DATETIME
            ),
            Fact(N_("mailsurvey version"), info.mailsurvey_version if info else None),
        ),
    )


_CONNECTIONS = frozenset({"tls", "starttls", "plain"})  # a certificate is (or is not) checked


def _sources(inv: Inventory) -> Table:
    servers = {s.source: s for s in inv.servers}
    names = sorted(set(servers) | {u.source for u in inv.units})
    rows: list[tuple[Value, ...]] = []
    for name in names:
        s = servers.get(name)
        if s is None:
            rows.append((name, None, None, None, None, None, None))
            continue
        security = SECURITY_WORDS.get(s.security, s.security)
        rows.append(
            (
                name,
                s.host,
                str(s.port) if s.port else None,  # 0: files, no connection
                s.software or NOT_KNOWN,
                s.version or NOT_KNOWN,
                security,
                s.tls_verified if s.security in _CONNECTIONS else NOT_APPLICABLE,
            )
        )
    columns = (
        Column("source", N_("Source"), width=16),
        Column("host", N_("Host"), width=28),
        Column("port", N_("Port"), width=8),
        Column("software", N_("Server software"), width=18),
        Column("version", N_("Version"), width=12),
        Column("security", N_("Security"), width=14, alert=frozenset({SECURITY_WORDS["plain"]})),
        Column("tls_verified", N_("Certificate verified"), Kind.BOOL, 12, alert=frozenset({False})),
    )
    return Table("sources", N_("Sources"), columns, tuple(rows))


def coverage_table(report_coverage: list[Coverage], t: Totals | None = None) -> Table:
    """Units per status; with the totals, a note when folders were read in one request."""
    rows = [
        (Word(c.label), c.total, c.ok, c.partial, c.failed, c.skipped, c.ok_share)
        for c in report_coverage
    ]
    columns = (
        Column("unit", N_("Scanned item"), width=18),
        Column("total", N_("Total"), Kind.INT, 10),
        Column("ok", N_("OK"), Kind.INT, 10),
        Column("partial", N_("Partial"), Kind.INT, 10),
        Column("failed", N_("Failed"), Kind.INT, 10),
        Column("skipped", N_("Skipped"), Kind.INT, 10),
        Column("ok_share", N_("Share OK"), Kind.PERCENT, 10),
    )
    one_by_one = next((c.total for c in report_coverage if c.kind == UnitKind.FOLDER.value), 0)
    notes = (
        (Phrase(FOLDERS_IN_ONE, (("folders", t.folders),)),)
        if t is not None and t.folders > one_by_one
        else ()
    )
    return Table("coverage", N_("Coverage"), columns, tuple(rows), notes=notes)


def _totals(t: Totals) -> FactList:
    note = None if t.complete else AT_LEAST
    hist_note = None if t.histogram_complete else AT_LEAST
    facts = (
        Fact(N_("Mailboxes"), t.mailboxes, Kind.INT),
        Fact(
            N_("Mailboxes with incomplete figures"),
            t.incomplete_mailboxes,
            Kind.INT,
            alert=t.incomplete_mailboxes > 0,
        ),
        Fact(N_("Folders"), t.folders, Kind.INT, note),
        Fact(N_("Messages"), t.messages, Kind.INT, note),
        Fact(N_("Total size"), t.bytes, Kind.GB, note),
        Fact(N_("Largest message"), t.largest, Kind.BYTES, note),
        Fact(
            N_("Messages of 35 MB or larger"),
            t.over_35mb,
            Kind.INT,
            hist_note,
            alert=bool(t.over_35mb),
        ),
        Fact(
            N_("Messages of 150 MB or larger"),
            t.over_150mb,
            Kind.INT,
            hist_note,
            alert=bool(t.over_150mb),
        ),
    )
    return FactList("totals", N_("Totals"), facts)


# -- data sheets --------------------------------------------------------------------------


def _mailbox_kind(m: Mailbox | None) -> Value:
    if m is None:
        return MAILBOX_KIND_WORDS["unknown"]
    return MAILBOX_KIND_WORDS.get(m.kind, m.kind)


def _mailboxes(totals: tuple[MailboxTotals, ...]) -> Table:
    # Gmail: a message in several labels counted once (X-GM-MSGID); empty = not known
    gmail = any(t.mailbox is not None and t.mailbox.unique_bytes is not None for t in totals)
    rows = []
    for t in totals:
        m = t.mailbox
        once = (m.unique_messages, m.unique_bytes) if m else (None, None)
        used = m.quota_used_bytes if m else None
        limit: Value = m.quota_limit_bytes if m else None
        share: Value = (
            used / limit if used is not None and isinstance(limit, int) and limit else None
        )
        if m and m.quota_unlimited:
            limit = share = NO_LIMIT
        rows.append(
            (
                t.address,
                m.display_name if m else None,
                _mailbox_kind(m),
                STATUS_WORDS[t.status] if t.status else None,
                COMPLETE if t.complete else INCOMPLETE,
                t.folders,
                t.messages,
                t.bytes,
                *(once if gmail else ()),
                t.largest,
                utc_naive(t.oldest),
                utc_naive(t.newest),
                used,
                limit,
                share,
                t.source,
            )
        )
    columns = (
        Column("address", N_("Address"), width=32),
        Column("display_name", N_("Display name"), width=24),
        Column("kind", N_("Type"), width=12),
        Column("status", N_("Scan status"), width=12, alert=_PROBLEMS),
        Column("figures", N_("Figures"), width=12, alert=frozenset({INCOMPLETE})),
        Column("folders", N_("Folders"), Kind.INT, 10),
        Column("messages", N_("Messages"), Kind.INT, 12),
        Column("bytes", N_("Size"), Kind.BYTES, 12),
        *(
            (
                Column("unique_messages", N_("Messages counted once"), Kind.INT, 12),
                Column("unique_bytes", N_("Size counted once"), Kind.BYTES, 12),
            )
            if gmail
            else ()
        ),
        Column("largest", N_("Largest message"), Kind.BYTES, 12, decimals=2),
        Column("oldest", N_("Oldest message"), Kind.DATE, 12),
        Column("newest", N_("Newest message"), Kind.DATE, 12),
        Column("quota_used", N_("Quota used"), Kind.BYTES, 12),
        Column("quota_limit", N_("Quota limit"), Kind.BYTES, 12),
        Column("quota_share", N_("Quota usage"), Kind.PERCENT, 10),
        Column("source", N_("Source"), width=14),
    )
    return Table("mailboxes", N_("Mailboxes"), columns, tuple(rows), frozen_columns=1)


def _folders(inv: Inventory) -> Table:
    rows = []
    areas = list(AREA_WORDS)
    order = sorted(inv.folders, key=lambda f: (f.source, f.mailbox, areas.index(f.area), f.path))
    for f in order:
        hist: tuple[int | None, ...] = f.histogram or (None,) * len(SIZE_BUCKET_LABELS)
        rows.append(
            (
                f.mailbox,
                AREA_WORDS.get(f.area, f.area),
                f.path,
                f.folder_class,
                f.depth,
                f.special_use,
                f.noselect,
                f.messages,
                f.bytes,
                f.largest,
                utc_naive(f.oldest),
                utc_naive(f.newest),
                *hist,
                f.method,
                f.source,
            )
        )
    columns = (
        Column("mailbox", N_("Mailbox"), width=30),
        Column("area", N_("Part"), width=16),
        Column("path", N_("Folder"), width=36),
        Column("folder_class", N_("Folder class"), width=16),
        Column("depth", N_("Depth"), Kind.INT, 8),
        Column("special_use", N_("Special use"), width=12),
        Column("noselect", N_("Container only"), Kind.BOOL, 10),
        Column("messages", N_("Messages"), Kind.INT, 12),
        Column("bytes", N_("Size"), Kind.BYTES, 12),
        Column("largest", N_("Largest message"), Kind.BYTES, 12, decimals=2),
        Column("oldest", N_("Oldest message"), Kind.DATE, 12),
        Column("newest", N_("Newest message"), Kind.DATE, 12),
        *(
            Column(f"hist_{i}", label, Kind.INT, 10, translate=False)
            for i, label in enumerate(SIZE_BUCKET_LABELS)
        ),
        Column("method", N_("Method"), width=14),
        Column("source", N_("Source"), width=14),
    )
    return Table("folders", N_("Folders"), columns, tuple(rows), frozen_columns=3)


def _permissions(inv: Inventory) -> Table:
    rows = tuple(
        (
            p.mailbox,
            p.folder if p.folder is not None else WHOLE_MAILBOX,
            p.grantee,
            p.rights,
            p.origin,
            p.source,
        )
        for p in sorted(inv.permissions, key=lambda p: (p.source, p.mailbox, p.folder or ""))
    )
    columns = (
        Column("mailbox", N_("Mailbox"), width=30),
        Column("folder", N_("Folder"), width=30),
        Column("grantee", N_("Grantee"), width=30),
        Column("rights", N_("Rights"), width=14),
        Column("origin", N_("Origin"), width=16),
        Column("source", N_("Source"), width=14),
    )
    return Table("permissions", N_("Permissions"), columns, rows)


def error_rows(inv: Inventory) -> list[tuple[Value, ...]]:
    """Every unit not ok: source, type, mailbox, folder, status, reason, details."""
    rows: list[tuple[Value, ...]] = []
    for u in sorted(inv.units, key=lambda u: (u.source, u.kind.value, u.key)):
        if u.status is Status.OK:
            continue
        mailbox, folder = split_unit_key(u.kind, u.key)
        kind = KIND_WORDS.get(u.kind, u.kind.value)
        reason = REASON_WORDS.get(u.reason, u.reason.value)
        rows.append((u.source, kind, mailbox, folder, STATUS_WORDS[u.status], reason, u.message))
    return rows


def _errors(inv: Inventory) -> Table:
    rows = error_rows(inv)
    columns = (
        Column("source", N_("Source"), width=14),
        Column("kind", N_("Type"), width=10),
        Column("mailbox", N_("Mailbox"), width=30),
        Column("folder", N_("Folder"), width=30),
        Column("status", N_("Status"), width=12, alert=_PROBLEMS),
        Column("reason", N_("Reason"), width=26),
        Column("message", N_("Details"), width=60),
    )
    return Table("errors", N_("Errors"), columns, tuple(rows))


def _observations(inv: Inventory) -> Table:
    rows = tuple(
        (o.source, o.code, o.mailbox, o.folder, o.message)
        for o in sorted(
            inv.observations, key=lambda o: (o.source, o.mailbox or "", o.folder or "", o.code)
        )
    )
    columns = (
        Column("source", N_("Source"), width=14),
        Column("code", N_("Code"), width=20),
        Column("mailbox", N_("Mailbox"), width=30),
        Column("folder", N_("Folder"), width=30),
        Column("message", N_("Details"), width=60),
    )
    return Table("observations", N_("Observations"), columns, rows)


def build_report(inv: Inventory, now: datetime | None = None) -> Report:
    """``now`` (aware; default: the current moment) is what the start moment is planned from."""
    from ..assess.outlook import outlook
    from .views_about import about_sheet
    from .views_directory import directory_sheets, readiness  # builds on this module's types
    from .views_dns import dns_sheets
    from .views_estimate import estimate_view
    from .views_exchange import exchange_sheets, exchange_summary
    from .views_histogram import histogram_view
    from .views_quote import quote_view
    from .views_readiness import readiness_view
    from .views_waves import waves_view

    now = now or datetime.now(UTC)
    seen = outlook(inv, now)
    estimate = estimate_view(seen) if seen else None
    mailboxes = aggregate.mailbox_totals(inv)
    findings = readiness(inv)
    totals = aggregate.totals(inv, mailboxes)
    ready = readiness_view(inv)
    planned = waves_view(inv, seen)
    quoted = quote_view(inv, seen, ready.targets)
    cov = aggregate.coverage(inv)
    info = inv.info
    generated = now.astimezone(UTC).replace(tzinfo=None, microsecond=0)
    return Report(
        client=info.client if info else "",
        project=info.project if info else "",
        started=utc_naive(info.started) if info else None,
        generated=generated,
        summary=(
            _scan_facts(inv),
            _sources(inv),
            coverage_table(cov, totals),
            ready.summary,
            _totals(totals),
            histogram_view(inv, totals),
            *exchange_summary(inv),
            *(estimate.summary if estimate else ()),
            *((quoted.summary,) if quoted else ()),
        ),
        sheets=(
            _mailboxes(mailboxes),
            _folders(inv),
            _permissions(inv),
            *exchange_sheets(inv),
            *directory_sheets(inv, mailboxes, findings),
            *(estimate.sheets if estimate else ()),
            ready.sheet,
            *((planned.sheet,) if planned else ()),
            *((quoted.sheet,) if quoted else ()),
            *dns_sheets(inv),
            _errors(inv),
            _observations(inv),
            about_sheet(inv, generated),  # always the last sheet
        ),
        coverage=tuple(cov),
        coverage_ok=cov[-1].ok_share,
        failed_units=sum(1 for u in inv.units if u.status is not Status.OK),
        insecure_sources=tuple(
            s.source for s in inv.servers if not s.tls_verified or s.security == "plain"
        ),
        totals=totals,
        mailboxes=mailboxes,
        directory_findings=tuple(findings),
        outlook=seen,
        estimate=estimate,
        readiness=ready,
        waves=planned,
        quote=quoted,
    )
