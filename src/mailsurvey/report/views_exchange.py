"""What only an Exchange (EWS) scan finds: a summary of inbox rules, delegates, shared
folders and items over the size limits, and the Inbox rules sheet. Present only when an
Exchange source was scanned. Delegates and folder permissions are rows of the
Permissions sheet; each folder's large items a row of Observations."""

from __future__ import annotations

import re

from ..model import Status, UnitKind
from ..store import Inventory
from .i18n import AT_LEAST, N_
from .views import Column, Fact, FactList, Kind, Table, Value

_COUNT = re.compile(r"(\d+) item")  # the collector's observation: "<n> item(s) over ..."


def _exchange_sources(inv: Inventory) -> set[str]:
    return {s.source for s in inv.servers if any(c.startswith("EWS ") for c in s.capabilities)}


def _items(inv: Inventory, sources: set[str], code: str) -> int:
    total = 0
    for o in inv.observations:
        found = _COUNT.match(o.message) if o.source in sources and o.code == code else None
        total += int(found[1]) if found else 0
    return total


def exchange_summary(inv: Inventory) -> tuple[FactList, ...]:
    """Counts over every Exchange mailbox; "at least" when a mailbox was not read whole."""
    sources = _exchange_sources(inv)
    if not sources:
        return ()
    whole = all(
        u.status is Status.OK
        for u in inv.units
        if u.source in sources and u.kind is UnitKind.ACCOUNT
    )
    note = None if whole else AT_LEAST
    rules = [r for r in inv.inbox_rules if r.source in sources]
    outside = [r for r in rules if r.outside]
    mine = [p for p in inv.permissions if p.source in sources]
    delegated = {p.mailbox for p in mine if p.origin == "ews_delegate"}
    shared = {p.mailbox for p in mine if p.origin == "ews_folder"}
    over_35 = _items(inv, sources, "item_over_35mb")
    over_150 = _items(inv, sources, "item_over_150mb")
    facts = (
        Fact(N_("Inbox rules"), len(rules), Kind.INT, note),
        Fact(
            N_("Inbox rules that forward outside the organisation"),
            len(outside),
            Kind.INT,
            note,
            alert=bool(outside),
        ),
        Fact(N_("Mailboxes with delegates"), len(delegated), Kind.INT, note),
        Fact(
            N_("Mailboxes with shared Inbox, Calendar or top folder"), len(shared), Kind.INT, note
        ),
        Fact(N_("Items over 35 MB"), over_35, Kind.INT, note, alert=bool(over_35)),
        Fact(N_("Items over 150 MB"), over_150, Kind.INT, note, alert=bool(over_150)),
    )
    return (FactList("exchange", N_("Exchange"), facts),)


def exchange_sheets(inv: Inventory) -> tuple[Table, ...]:
    if not _exchange_sources(inv):
        return ()
    return (_rules(inv),)


def _rules(inv: Inventory) -> Table:
    rows: list[tuple[Value, ...]] = [
        (
            r.mailbox,
            r.name,
            r.enabled,
            r.in_error,
            bool(r.outside),
            "; ".join(r.outside),
            "; ".join(r.recipients),
            ", ".join(r.actions),
            r.source,
        )
        for r in sorted(inv.inbox_rules, key=lambda r: (not r.outside, r.mailbox, r.name))
    ]
    columns = (
        Column("mailbox", N_("Mailbox"), width=30),
        Column("name", N_("Rule"), width=30),
        Column("enabled", N_("Enabled"), Kind.BOOL, 10),
        Column("in_error", N_("In error"), Kind.BOOL, 10, alert=frozenset({True})),
        Column("outside", N_("Forwards outside"), Kind.BOOL, 12, alert=frozenset({True})),
        Column("outside_to", N_("Outside recipients"), width=30),
        Column("recipients", N_("Forwards to"), width=36),
        Column("actions", N_("Actions"), width=36),
        Column("source", N_("Source"), width=14),
    )
    return Table("inbox_rules", N_("Inbox rules"), columns, tuple(rows), frozen_columns=1)
