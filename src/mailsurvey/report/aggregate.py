"""Figures aggregated from folders and units: per-mailbox totals, grand totals, coverage.

The rule everywhere: a total is only a number when every part of it is known. A mailbox
whose account unit is not ok, that has a folder unit not ok, or a selectable folder with
unknown messages/bytes, gets ``None`` totals and ``complete=False`` -- never a partial sum
that reads as complete. \\Noselect folders hold no messages and do not make a total unknown.
Grand totals add what is known and say whether they are complete (a lower bound if not).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from ..model import SIZE_BUCKETS, Mailbox, Status, UnitKind
from ..store import Inventory
from .i18n import N_

ALL_UNITS = N_("All units")
_KIND_LABELS = {
    UnitKind.ACCOUNT: N_("Accounts"),
    UnitKind.FOLDER: N_("Folders read one by one"),  # IMAP, files; not Exchange's
    UnitKind.PARTITION: N_("Directory partitions"),
    UnitKind.PROBE: N_("Throughput probes"),
    UnitKind.DOMAIN: N_("Mail domains"),
    UnitKind.FILE: N_("Export files"),
}
_BUCKETS = len(SIZE_BUCKETS) + 1
_OVER_35MB = SIZE_BUCKETS.index(35 * 1024 * 1024) + 1  # first bucket >= 35 MB
_OVER_150MB = SIZE_BUCKETS.index(150 * 1024 * 1024) + 1
_LISTED = (Status.OK, Status.PARTIAL)  # the account's folders were listed


@dataclass(frozen=True)
class MailboxTotals:
    source: str
    address: str
    mailbox: Mailbox | None  # None: the account was not scanned (see status)
    status: Status | None  # of the account unit; None: no unit recorded
    complete: bool
    folders: int | None
    messages: int | None
    bytes: int | None
    largest: int | None
    oldest: datetime | None
    newest: datetime | None


@dataclass(frozen=True)
class Totals:
    mailboxes: int
    incomplete_mailboxes: int
    complete: bool  # False: folders/messages/bytes/largest are lower bounds
    folders: int
    messages: int
    bytes: int
    largest: int | None
    histogram: tuple[int, ...]
    histogram_complete: bool
    over_35mb: int
    over_150mb: int


@dataclass(frozen=True)
class Coverage:
    kind: str  # a UnitKind value, or "all"
    label: str  # msgid
    total: int
    ok: int
    partial: int
    failed: int
    skipped: int

    @property
    def ok_share(self) -> float | None:
        return self.ok / self.total if self.total else None


def coverage(inv: Inventory) -> list[Coverage]:
    """Unit counts per status, for accounts, folders (and other kinds), and all units."""
    kinds = [UnitKind.ACCOUNT, UnitKind.FOLDER]
    kinds += sorted({u.kind for u in inv.units} - set(kinds), key=lambda k: k.value)
    result = []
    for kind in [*kinds, None]:
        units = [u for u in inv.units if kind is None or u.kind is kind]
        counts = {s: sum(1 for u in units if u.status is s) for s in Status}
        label = ALL_UNITS if kind is None else _KIND_LABELS.get(kind, kind.value)
        result.append(
            Coverage(
                kind="all" if kind is None else kind.value,
                label=label,
                total=len(units),
                ok=counts[Status.OK],
                partial=counts[Status.PARTIAL],
                failed=counts[Status.FAILED],
                skipped=counts[Status.SKIPPED],
            )
        )
    return result


def _folder_frame(inv: Inventory) -> pd.DataFrame:
    fs = inv.folders
    return pd.DataFrame(
        {
            "source": pd.Series([f.source for f in fs], dtype="object"),
            "mailbox": pd.Series([f.mailbox for f in fs], dtype="object"),
            "messages": pd.array([f.messages for f in fs], dtype="Int64"),
            "bytes": pd.array([f.bytes for f in fs], dtype="Int64"),
            "largest": pd.array([f.largest for f in fs], dtype="Int64"),
            "oldest": pd.Series([utc_naive(f.oldest) for f in fs], dtype="datetime64[us]"),
            "newest": pd.Series([utc_naive(f.newest) for f in fs], dtype="datetime64[us]"),
            "unknown": pd.Series(
                [not f.noselect and (f.messages is None or f.bytes is None) for f in fs],
                dtype="bool",
            ),
        }
    )


def _int(value: object) -> int | None:
    return None if value is None or pd.isna(value) else int(value)  # type: ignore[call-overload]


def _dt(value: object) -> datetime | None:
    return value.to_pydatetime() if isinstance(value, pd.Timestamp) else None


def utc_naive(value: datetime | None) -> datetime | None:
    """Naive UTC (openpyxl refuses tz-aware datetimes); a naive value is taken as UTC."""
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def _figures(row: dict[str, Any] | None, empty: bool) -> dict[str, Any]:
    """The summed figures of a complete mailbox; all unknown for an incomplete one."""
    if row is None:
        zero = 0 if empty else None  # a complete mailbox without folders holds nothing
        return dict(messages=zero, bytes=zero, largest=None, oldest=None, newest=None)
    return dict(
        messages=_int(row["messages"]),
        bytes=_int(row["bytes"]),
        largest=_int(row["largest"]),
        oldest=_dt(row["oldest"]),
        newest=_dt(row["newest"]),
    )


def mailbox_totals(inv: Inventory) -> tuple[MailboxTotals, ...]:
    records = {(m.source, m.address): m for m in inv.mailboxes}
    accounts = {(u.source, u.key): u for u in inv.units if u.kind is UnitKind.ACCOUNT}
    paths: dict[tuple[str, str], set[str]] = defaultdict(set)
    bad_folder_units: set[tuple[str, str]] = set()
    for f in inv.folders:
        paths[(f.source, f.mailbox)].add(f.path)
    for u in inv.units:
        if u.kind is UnitKind.FOLDER and "\x00" in u.key:
            address, path = u.key.split("\x00", 1)
            paths[(u.source, address)].add(path)
            if u.status is not Status.OK:
                bad_folder_units.add((u.source, address))

    frame = _folder_frame(inv)
    groups = frame.groupby(["source", "mailbox"], sort=False)
    agg = groups.agg(
        messages=("messages", "sum"),
        bytes=("bytes", "sum"),
        largest=("largest", "max"),
        oldest=("oldest", "min"),
        newest=("newest", "max"),
        unknown=("unknown", "any"),
    )

    stats: dict[object, dict[str, Any]] = {
        k: {str(c): v for c, v in row.items()} for k, row in agg.to_dict("index").items()
    }
    result = []
    for key in sorted(set(records) | set(accounts) | set(paths)):
        account = accounts.get(key)
        status = account.status if account else None
        row = stats.get(key)
        complete = (
            status is Status.OK
            and key not in bad_folder_units
            and (row is None or not bool(row["unknown"]))
        )
        result.append(
            MailboxTotals(
                source=key[0],
                address=key[1],
                mailbox=records.get(key),
                status=status,
                complete=complete,
                folders=len(paths.get(key, ())) if status in _LISTED else None,
                **_figures(row if complete else None, empty=complete),
            )
        )
    return tuple(result)


def totals(inv: Inventory, mailboxes: tuple[MailboxTotals, ...]) -> Totals:
    """Grand totals over every folder with known figures."""
    frame = _folder_frame(inv)
    complete = all(m.complete for m in mailboxes)
    hists = [f.histogram for f in inv.folders if f.histogram is not None]
    hist_missing = any(
        f.histogram is None and not f.noselect and f.messages != 0 for f in inv.folders
    )
    histogram = (
        tuple(int(v) for v in pd.DataFrame(hists).sum(axis=0).tolist())
        if hists
        else (0,) * _BUCKETS
    )
    folder_keys = {(f.source, f.mailbox, f.path) for f in inv.folders} | {
        (u.source, *u.key.split("\x00", 1))
        for u in inv.units
        if u.kind is UnitKind.FOLDER and "\x00" in u.key
    }
    return Totals(
        mailboxes=len(mailboxes),
        incomplete_mailboxes=sum(1 for m in mailboxes if not m.complete),
        complete=complete,
        folders=len(folder_keys),
        messages=int(frame["messages"].sum()),
        bytes=int(frame["bytes"].sum()),
        largest=_int(frame["largest"].max()) if len(frame) else None,
        histogram=histogram,
        histogram_complete=complete and not hist_missing,
        over_35mb=sum(histogram[_OVER_35MB:]),
        over_150mb=sum(histogram[_OVER_150MB:]),
    )
