"""The quote as the reports show it: a block on the Summary, and the Quote sheet (one line
per mailbox, billed or not and why, with its amounts) with the totals and the shared
mailboxes that need a licence below it. Computed at render time from the inventory, the
forecast and the ``pricing:`` of the config the scan ran with (assess/quote.py); without
``pricing:`` there is no quote at all, never a quote of 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..assess.outlook import Outlook
from ..assess.quote import Component, Exclusion, Quote, QuoteLine, pricing_of, quote, rounded
from ..assess.targets import TargetProfile
from ..store import Inventory
from .i18n import AT_LEAST, MAILBOX_KIND_WORDS, N_, NOT_KNOWN, Phrase, Word
from .readiness_words import AT_LEAST_FIGURES, COMPLETE_FIGURES, REASONS, UNKNOWN_FIGURES
from .views import Column, Fact, FactList, Kind, Table, Value
from .views_waves import NO_LICENCE, USER_LICENCE

QUOTE = N_("Quote")
LICENCE_WORDS = {
    "over_free_size": Word("Needed: larger than a shared mailbox keeps without one"),
    "archive": Word("Needed: it has an online archive"),
}
NOT_ASSESSED = Word("Not assessed: no Microsoft 365 target")
COMPONENT_WORDS = {
    "mailboxes": Word("User mailboxes"),
    "shared_mailboxes": Word("Shared mailboxes"),
    "size": Word("Size"),
    "archives": Word("Online archives"),
    "effort": Word("Bulk copy effort (P90)"),
    "fixed": Word("Fixed fee"),
}
TOTAL = Word("Total")
EXCLUDED_NOTES = {
    "inactive": Word("Inactive mailboxes (the directory's account) are not billed."),
    "empty": Word("Empty mailboxes are not billed."),
    "duplicate": Word("A mailbox found in several sources is billed once."),
}


@dataclass(frozen=True)
class QuoteView:
    quote: Quote
    summary: FactList
    sheet: Table


def excluded_word(e: Exclusion | None) -> Value:
    if e is None:
        return None
    if e.why == "duplicate":
        return Phrase(
            N_("A duplicate: the mailbox in %(source)s is billed"), (("source", e.detail),)
        )
    if e.why == "inactive" and e.detail in REASONS:
        return Phrase(N_("Inactive: %(why)s"), (("why", Word(REASONS[e.detail][0])),))
    if e.why == "empty":
        return Word("Empty: no messages in any folder")
    return e.why


def licence_word(line: QuoteLine, assessed: bool) -> Value:
    if line.kind == "unknown":
        return NOT_KNOWN
    if not line.shared:
        return USER_LICENCE
    if not assessed:
        return NOT_ASSESSED
    if line.licence is None:
        return NOT_KNOWN
    return LICENCE_WORDS.get(line.licence_why or "", NOT_KNOWN) if line.licence else NO_LICENCE


def _money(label: str, currency: str, key: str, width: int = 14) -> Column:
    return Column(key, label, Kind.MONEY, width, decimals=2, unit=currency)


def _lines(q: Quote) -> Table:
    p = q.pricing
    cur = p.currency
    assessed = q.licence_target is not None
    columns = [
        Column("address", N_("Mailbox"), width=32),
        Column("kind", N_("Type"), width=12),
        Column("billed", N_("Billed"), Kind.BOOL, 8),
        Column("not_billed", N_("Not billed because"), width=36),
        Column("size", N_("Size"), Kind.GB, 10),
        Column("licence", N_("Licence"), width=30),
        _money(N_("Mailbox fee"), cur, "mailbox_fee"),
    ]
    if p.per_gb:
        columns.append(_money(N_("Size fee"), cur, "size_fee"))
    if p.per_archive is not None:
        columns.append(_money(N_("Archive fee"), cur, "archive_fee"))
    columns += [_money(N_("Line total"), cur, "line_total"), Column("source", N_("Source"))]
    rows: list[tuple[Value, ...]] = []
    for line in q.lines:
        row: list[Value] = [
            line.address,
            MAILBOX_KIND_WORDS.get(line.kind, line.kind),
            line.billed,
            excluded_word(line.excluded),
            line.bytes,
            licence_word(line, assessed),
            line.mailbox_fee,
        ]
        if p.per_gb:
            row.append(line.size_fee)
        if p.per_archive is not None:
            row.append(line.archive_fee)
        rows.append((*row, line.total, line.source))
    return Table(
        "quote",
        QUOTE,
        tuple(columns),
        tuple(rows),
        frozen_columns=1,
        notes=_notes(q),
        extras=(_totals(q), _licences(q)),
    )


def _quantity(c: Component) -> Value:
    if c.quantity is None:
        return NOT_KNOWN
    if c.code == "size":
        return Phrase(N_("%(gb)s GB"), (("gb", float(round(c.quantity, 2))),))
    if c.code == "effort":
        return Phrase(N_("%(hours)s h"), (("hours", float(c.quantity)),))
    if c.code == "fixed":
        return Word("Once")
    return int(c.quantity)


def _figures(complete: bool, known: bool) -> Word:
    if not known:
        return UNKNOWN_FIGURES
    return COMPLETE_FIGURES if complete else AT_LEAST_FIGURES


def _totals(q: Quote) -> Table:
    cur = q.pricing.currency
    rows: list[tuple[Value, ...]] = [
        (
            COMPONENT_WORDS[c.code],
            _quantity(c),
            c.unit_price,
            c.amount,
            _figures(c.complete, c.amount is not None),
        )
        for c in q.components
    ]
    rows.append((TOTAL, "", "", q.total, _figures(q.complete, True)))
    columns = (
        Column("item", N_("Item"), width=28),
        Column("quantity", N_("Quantity"), width=16),
        _money(N_("Price per unit"), cur, "unit_price"),
        _money(N_("Amount"), cur, "amount"),
        Column("figures", N_("Figures"), width=10, alert=frozenset({AT_LEAST_FIGURES})),
    )
    return Table("quote_totals", N_("Quote totals"), columns, tuple(rows))


def _licences(q: Quote) -> Table:
    assessed = q.licence_target is not None
    rows = tuple(
        (line.address, line.bytes, licence_word(line, assessed), line.source)
        for line in (*q.licences, *q.licences_unknown)
    )
    columns = (
        Column("address", N_("Mailbox"), width=32),
        Column("size", N_("Size"), Kind.GB, 10),
        Column("licence", N_("Licence"), width=40),
        Column("source", N_("Source"), width=14),
    )
    return Table("quote_licences", N_("Shared mailboxes that need a licence"), columns, rows)


def _notes(q: Quote) -> tuple[Word | Phrase, ...]:
    p = q.pricing
    notes: list[Word | Phrase] = [
        Phrase(
            N_(
                "Prices in %(currency)s. Amounts per mailbox are exact; each total is rounded"
                " half up to the currency's smallest unit."
            ),
            (("currency", p.currency),),
        ),
        *(EXCLUDED_NOTES[why] for why in p.exclude),
    ]
    if q.by_hand:
        notes.append(
            Phrase(
                N_(
                    "At least: %(count)s billed mailboxes have a figure that is not known (their"
                    " scan did not end ok); price them by hand: %(mailboxes)s"
                ),
                (("count", len(q.by_hand)), ("mailboxes", ", ".join(q.by_hand))),
            )
        )
    if p.per_hour is not None:
        if q.effort.hours is None:
            notes.append(Word("No forecast: the effort is unknown and not in the total."))
        else:
            notes.append(
                Word(
                    "Effort: the forecast bulk copy of every scanned mailbox at P90, in hours"
                    " rounded up to a tenth."
                )
            )
            if not q.effort.complete:
                notes.append(Word("Some mailboxes could not be forecast: at least this effort."))
    if q.licence_target is None:
        notes.append(
            Word("No Microsoft 365 target in targets: shared mailbox licences are not assessed.")
        )
    return tuple(notes)


def _summary(q: Quote) -> FactList:
    cur = q.pricing.currency
    billed = q.billed
    sizes = [line.bytes for line in billed]
    unsure_licences = bool(q.licences_unknown)
    facts = [
        Fact(N_("Mailboxes billed"), len(billed), Kind.INT),
        Fact(N_("Mailboxes not billed"), len(q.lines) - len(billed), Kind.INT),
        Fact(
            N_("Size billed"),
            sum(s for s in sizes if s is not None),
            Kind.GB,
            None if None not in sizes else AT_LEAST,
        ),
        Fact(
            N_("Shared mailboxes that need a licence"),
            len(q.licences),
            Kind.INT,
            AT_LEAST if unsure_licences else None,
            alert=bool(q.licences),
        )
        if q.licence_target
        else Fact(N_("Shared mailboxes that need a licence"), NOT_ASSESSED),
    ]
    if q.pricing.per_hour is not None:
        facts.append(Fact(N_("Bulk copy, P90"), q.effort.p90_s, Kind.HOURS))
    facts.append(
        Fact(
            N_("Quote total"),
            rounded(q.total, cur),
            Kind.MONEY,
            None if q.complete else AT_LEAST,
            alert=not q.complete,
            unit=cur,
        )
    )
    if q.by_hand:
        facts.append(Fact(N_("Mailboxes to price by hand"), len(q.by_hand), Kind.INT, alert=True))
    return FactList("quote_summary", QUOTE, tuple(facts))


def quote_view(
    inv: Inventory, seen: Outlook | None, targets: Sequence[TargetProfile]
) -> QuoteView | None:
    """None when the config has no ``pricing:`` (no quote, and nothing said about one)."""
    pricing = pricing_of(inv)
    if pricing is None:
        return None
    q = quote(inv, pricing, seen.forecast if seen else None, targets)
    return QuoteView(q, _summary(q), _lines(q))
