"""The quote: what the migration costs at the config's prices (``pricing:``).

Pure: from the inventory, the readiness checks' findings and the forecast. Per mailbox a
line, billed or excluded with the reason (inactive, empty, a duplicate of another
source's mailbox: ``pricing.exclude``), its size, whether a shared mailbox needs a
licence; then the components (mailboxes, shared mailboxes, GiB, archives, the forecast
bulk copy's hours, the fixed fee) and the total.

Money is ``Decimal`` throughout. Line amounts are exact (a GiB is 2**30 bytes, no
rounding); each component's amount is rounded once, half up, to the currency's minor unit
(cents), and the total adds those rounded amounts, so the quote's own table adds up. A
figure that is not known is never billed as 0: a mailbox whose size is unknown gets an
unknown size amount, the total is marked "at least" (``Quote.complete`` False) and the
mailbox is listed to be priced by hand.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, localcontext

from babel.numbers import get_currency_precision
from pydantic import ValidationError

from ..config import PricingSettings
from ..report.aggregate import mailbox_totals
from ..store import Inventory
from .checks import (
    archives_present,
    duplicate_addresses,
    empty_mailboxes,
    inactive_mailboxes,
    shared_mailbox_licence,
)
from .checks._util import NOT_KNOWN, by_mailbox, incomplete, joined
from .checks.mailbox_over_quota import area_bytes
from .estimate import Forecast
from .findings import Finding
from .targets import PROFILES, TargetProfile

GIB = Decimal(2**30)
SHARED_KINDS = frozenset({"shared", "room", "equipment"})  # no user licence, like waves
_PRECISION = 60  # digits: bytes / 2**30 and its products stay exact
COMPONENTS = ("mailboxes", "shared_mailboxes", "size", "archives", "effort", "fixed")


@dataclass(frozen=True)
class Exclusion:
    why: str  # inactive | empty | duplicate
    detail: str  # inactive: account_disabled | no_logon | stale_logon; duplicate: the source kept


@dataclass(frozen=True)
class QuoteLine:
    source: str
    address: str
    kind: str  # user | shared | room | equipment | unknown
    excluded: Exclusion | None  # None: billed
    bytes: int | None  # the mailbox's size (every part of it); None: unknown
    archive: bool | None  # it has an online archive; None: not known
    licence: bool | None  # a shared mailbox that needs a licence; None: not known
    licence_why: str | None  # over_free_size | archive
    mailbox_fee: Decimal  # exact amounts; 0 on an excluded line
    size_fee: Decimal | None  # None: the size is not known
    archive_fee: Decimal | None  # None: not known whether there is an archive

    @property
    def billed(self) -> bool:
        return self.excluded is None

    @property
    def shared(self) -> bool:
        return self.kind in SHARED_KINDS

    @property
    def gib(self) -> Decimal | None:
        return exact_gib(self.bytes) if self.bytes is not None else None

    @property
    def total(self) -> Decimal | None:
        """The line's exact amount; None when a part of it is not known."""
        if self.size_fee is None or self.archive_fee is None:
            return None
        return self.mailbox_fee + self.size_fee + self.archive_fee


@dataclass(frozen=True)
class Effort:
    """The forecast bulk copy (every scanned mailbox, as scheduled by the forecast)."""

    p50_s: float | None  # None: no forecast
    p90_s: float | None
    complete: bool  # False: some mailboxes could not be forecast, the hours are a lower bound
    hours: Decimal | None  # billed: P90 in hours, rounded up to a tenth


@dataclass(frozen=True)
class Component:
    code: str  # one of COMPONENTS
    quantity: Decimal | None  # mailboxes, GiB, archives, hours, 1 (fixed); None: unknown
    unit_price: Decimal
    amount: Decimal | None  # rounded to the currency's minor unit; None: unknown
    complete: bool  # False: the quantity (and amount) is a lower bound or unknown


@dataclass(frozen=True)
class Quote:
    pricing: PricingSettings
    lines: tuple[QuoteLine, ...]
    components: tuple[Component, ...]  # only those the pricing prices
    effort: Effort
    licence_target: str | None  # the target profile whose shared-mailbox size applies
    total: Decimal  # the sum of the known component amounts
    complete: bool  # False: the total is "at least"
    by_hand: tuple[str, ...]  # billed mailboxes with a figure the quote cannot know

    @property
    def billed(self) -> tuple[QuoteLine, ...]:
        return tuple(line for line in self.lines if line.billed)

    @property
    def licences(self) -> tuple[QuoteLine, ...]:
        """Shared mailboxes (billed) that need a licence."""
        return tuple(line for line in self.billed if line.licence)

    @property
    def licences_unknown(self) -> tuple[QuoteLine, ...]:
        return tuple(line for line in self.billed if line.shared and line.licence is None)


def exact_gib(octets: int) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        return Decimal(octets) / GIB


def rounded(amount: Decimal, currency: str) -> Decimal:
    """Half up to the currency's minor unit (cents; none for JPY)."""
    step = Decimal(1).scaleb(-get_currency_precision(currency))
    return amount.quantize(step, rounding=ROUND_HALF_UP)


def pricing_of(inv: Inventory) -> PricingSettings | None:
    """The pricing the scan's config held; None when it held none (no quote)."""
    summary = inv.info.config_summary if inv.info else {}
    raw = summary.get("pricing") if isinstance(summary, dict) else None
    if raw is None:
        return None
    try:
        return PricingSettings.model_validate(raw)
    except ValidationError as exc:  # never a quote on prices this version reads otherwise
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ValueError(
            f"the stored config's pricing.{where} cannot be read by this version of "
            f"mailsurvey: {first['msg']}; scan again with a valid pricing: section"
        ) from None


def licence_target(targets: Iterable[TargetProfile]) -> TargetProfile | None:
    """The first target that keeps shared mailboxes without a licence up to a size."""
    return next((t for t in targets if t.shared_free_bytes is not None), None)


def _by_mailbox(findings: Iterable[Finding]) -> dict[tuple[str, str], Finding]:
    return {(f.source or "", f.mailbox or ""): f for f in findings if f.mailbox is not None}


def _exclusions(inv: Inventory, target: TargetProfile) -> dict[tuple[str, str], Exclusion]:
    """Every mailbox a check says is a duplicate, inactive or empty (first reason wins)."""
    out: dict[tuple[str, str], Exclusion] = {}
    keys = {(m.source, m.address) for m in inv.mailboxes} | {
        (u.source, u.key) for u in inv.units if u.kind.value == "account"
    }
    for f in duplicate_addresses.run(inv, target):
        if f.reason != "mailbox_in_several_sources" or f.mailbox is None:
            continue
        for source, address in sorted(keys):
            if address.lower() == f.mailbox.lower() and source != f.source:
                out.setdefault((source, address), Exclusion("duplicate", f.source or ""))
    for f in inactive_mailboxes.run(inv, target):
        if f.mailbox is not None and f.reason != NOT_KNOWN:
            out.setdefault((f.source or "", f.mailbox), Exclusion("inactive", f.reason))
    for f in empty_mailboxes.run(inv, target):
        if f.reason == "empty" and f.mailbox is not None:
            out.setdefault((f.source or "", f.mailbox), Exclusion("empty", ""))
    return out


def _kinds(inv: Inventory) -> dict[tuple[str, str], str]:
    """user | shared | room | equipment | unknown: the directory's type where it has one
    (a shared mailbox read over IMAP looks like any other), else the scan's."""
    scanned = {(m.source, m.address) for m in inv.mailboxes}
    out: dict[tuple[str, str], str] = {}
    for j in joined(inv):  # a failed account joins as a bare Mailbox: its kind is unknown
        if j.mailbox is None:
            continue
        key = (j.mailbox.source, j.mailbox.address)
        kind = j.mailbox.kind if key in scanned else "unknown"
        if j.identity is not None and j.identity.recipient_type in SHARED_KINDS | {"user"}:
            kind = j.identity.recipient_type
        out[key] = kind
    return out


def _sizes(inv: Inventory) -> dict[tuple[str, str], int | None]:
    """Every part of each mailbox (mailbox, archive, Recoverable Items), as the quota
    check reads them: the folders' sum when read whole, else the server's quota usage;
    None when neither is known."""
    unsure = incomplete(inv)
    folders = by_mailbox(inv.folders)
    boxes = {(m.source, m.address): m for m in inv.mailboxes}
    out: dict[tuple[str, str], int | None] = {}
    for t in mailbox_totals(inv):
        key = (t.source, t.address)
        mine = folders.get(key, [])
        total, whole = 0, True
        for area in sorted({"mailbox"} | {f.area for f in mine}):
            used, known = area_bytes(mine, area, boxes.get(key), key not in unsure)
            total, whole = total + used, whole and known
        out[key] = total if whole else None
    return out


def _archives(inv: Inventory, target: TargetProfile) -> dict[tuple[str, str], bool | None]:
    """Mailboxes with an online archive (True) or not known (None); absent: none."""
    out: dict[tuple[str, str], bool | None] = {}
    for key, f in _by_mailbox(archives_present.run(inv, target)).items():
        out[key] = None if f.reason == NOT_KNOWN else True
    return out


def _licences(
    inv: Inventory, target: TargetProfile | None
) -> dict[tuple[str, str], tuple[bool | None, str | None]]:
    """Shared mailboxes over the target's free size -> (True, over_free_size); those whose
    size is not known -> (None, None). Absent: within it (or no target to tell)."""
    if target is None:
        return {}
    out: dict[tuple[str, str], tuple[bool | None, str | None]] = {}
    for key, f in _by_mailbox(shared_mailbox_licence.run(inv, target)).items():
        out[key] = (None, None) if f.reason == NOT_KNOWN else (True, "over_free_size")
    return out


def _effort(forecast: Forecast | None) -> Effort:
    if forecast is None or not forecast.known:
        return Effort(None, None, False, None)
    hours = (Decimal(forecast.p90_s) / 3600).quantize(Decimal("0.1"), rounding=ROUND_CEILING)
    return Effort(forecast.p50_s, forecast.p90_s, not forecast.unknown, hours)


def _line(
    key: tuple[str, str],
    kind: str,
    excluded: Exclusion | None,
    size: int | None,
    archive: bool | None,
    licence: tuple[bool | None, str | None],
    p: PricingSettings,
) -> QuoteLine:
    shared = kind in SHARED_KINDS
    if not shared or licence == (None, None):
        licence = (None, None)  # a user licence anyway, or no target to tell
    elif archive:  # Microsoft 365: a shared mailbox with an archive needs a licence
        licence = (True, licence[1] or "archive")
    elif archive is None and licence[0] is not True:
        licence = (None, None)
    zero = Decimal(0)
    mailbox_fee: Decimal = zero
    size_fee: Decimal | None = zero  # per_gb 0: the size does not matter, known to cost 0
    archive_fee: Decimal | None = zero
    if excluded is None:
        per_shared = p.per_shared_mailbox if p.per_shared_mailbox is not None else p.per_mailbox
        mailbox_fee = per_shared if shared else p.per_mailbox
        if p.per_gb:
            with localcontext() as ctx:
                ctx.prec = _PRECISION
                size_fee = None if size is None else p.per_gb * exact_gib(size)
        if p.per_archive is not None and archive is not False:
            archive_fee = None if archive is None else p.per_archive
    return QuoteLine(
        key[0],
        key[1],
        kind,
        excluded,
        size,
        archive,
        licence[0],
        licence[1],
        mailbox_fee,
        size_fee,
        archive_fee,
    )


def _components(
    lines: Sequence[QuoteLine], effort: Effort, p: PricingSettings
) -> tuple[Component, ...]:
    billed = [line for line in lines if line.billed]
    cur = p.currency
    users = [line for line in billed if not line.shared]
    shared = [line for line in billed if line.shared]
    per_shared = p.per_shared_mailbox if p.per_shared_mailbox is not None else p.per_mailbox
    out = [
        Component(
            "mailboxes",
            Decimal(len(users)),
            p.per_mailbox,
            rounded(len(users) * p.per_mailbox, cur),
            True,
        ),
    ]
    if shared:
        out.append(
            Component(
                "shared_mailboxes",
                Decimal(len(shared)),
                per_shared,
                rounded(len(shared) * per_shared, cur),
                True,
            )
        )
    if p.per_gb:
        with localcontext() as ctx:
            ctx.prec = _PRECISION
            gib = sum((line.gib for line in billed if line.gib is not None), Decimal(0))
            whole = all(line.bytes is not None for line in billed)
            out.append(Component("size", gib, p.per_gb, rounded(gib * p.per_gb, cur), whole))
    if p.per_archive is not None:
        count = sum(1 for line in billed if line.archive)
        whole = all(line.archive is not None for line in billed)
        amount = rounded(count * p.per_archive, cur)
        out.append(Component("archives", Decimal(count), p.per_archive, amount, whole))
    if p.per_hour is not None:
        hours = effort.hours
        paid = None if hours is None else rounded(hours * p.per_hour, cur)
        complete = hours is not None and effort.complete
        out.append(Component("effort", hours, p.per_hour, paid, complete))
    if p.fixed:
        out.append(Component("fixed", Decimal(1), p.fixed, rounded(p.fixed, cur), True))
    return tuple(out)


def quote(
    inv: Inventory,
    pricing: PricingSettings,
    forecast: Forecast | None = None,
    targets: Sequence[TargetProfile] = (),
) -> Quote:
    """The quote at ``pricing``; ``targets``: the config's (the first with a free size for
    shared mailboxes decides their licences); ``forecast``: for the effort."""
    licensing = licence_target(targets)
    assess = licensing or (targets[0] if targets else PROFILES["imap"])
    exclusions = {k: e for k, e in _exclusions(inv, assess).items() if e.why in pricing.exclude}
    kinds, sizes = _kinds(inv), _sizes(inv)
    archives, licences = _archives(inv, assess), _licences(inv, licensing)
    lines = tuple(
        _line(
            key,
            kinds.get(key, "unknown"),
            exclusions.get(key),
            sizes.get(key),
            archives.get(key, False),
            licences.get(key, (False, None)) if licensing else (None, None),
            pricing,
        )
        for key in ((t.source, t.address) for t in mailbox_totals(inv))
    )
    effort = _effort(forecast)
    components = _components(lines, effort, pricing)
    differs = (
        pricing.per_shared_mailbox is not None and pricing.per_shared_mailbox != pricing.per_mailbox
    )
    by_hand = tuple(
        line.address
        for line in lines
        if line.billed and (line.total is None or (differs and line.kind == "unknown"))
    )
    return Quote(
        pricing=pricing,
        lines=lines,
        components=components,
        effort=effort,
        licence_target=licensing.id if licensing else None,
        total=sum((c.amount for c in components if c.amount is not None), Decimal(0)),
        complete=all(c.complete for c in components) and not by_hand,
        by_hand=by_hand,
    )
