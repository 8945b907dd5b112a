"""Migration waves from the permission graph.

Mailboxes that share rights (IMAP ACLs, AD Full Access / Send As / Send on Behalf,
Exchange delegates and folder permissions) move together: a delegate whose manager's
mailbox is still on the old side loses access. ``permission_graph`` joins them with
undirected edges; ``plan_waves`` sets very highly connected accounts aside (a service
or archiving account joined to everyone would otherwise merge the organisation into one
wave), takes the connected components that remain and packs them, first-fit decreasing,
into waves that fit one migration window at the planned concurrency.

Every mailbox is accounted for: in exactly one wave, or set aside. A grantee that is not
a mailbox is dropped and counted, never silently. A mailbox without a forecast has an
unknown duration (never 0): its wave says so.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ..model import Permission
from ..store import Inventory
from .estimate import Forecast, schedule
from .join import MAILBOX_TYPES, smtp_addresses

WINDOW_S = 48 * 3600.0  # a weekend: Friday evening to Sunday evening
MIN_DEGREE = 10  # set aside from this many neighbours ...
DEGREE_SHARE = 0.1  # ... or this share of all mailboxes, whichever is larger
DEFAULT_CONCURRENCY = 20  # when neither the forecast nor the caller gives one

# Grantees that name no person: IMAP's special identifiers, Exchange's Default and
# Anonymous, well-known Windows principals (SELF, SYSTEM, Everyone, NT AUTHORITY\...).
NOT_PERSONS = frozenset({"anyone", "authenticated", "anonymous", "default", "owner", "unknown"})
_WELL_KNOWN = re.compile(r"^(s-1-1-0|s-1-5-\d{1,2}|nt authority\\.*)$")
# Origins that are not a grant between people: the scanner's own rights on a folder.
NOT_GRANTS = frozenset({"imap_myrights"})


# -- the graph ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grant:
    """One permission as it joins two mailboxes; ``via``: the group it came through."""

    source: str
    mailbox: str  # the grantor, lower-case address
    grantee: str  # lower-case address
    folder: str | None
    rights: str
    origin: str
    via: str | None = None


@dataclass(frozen=True)
class Edge:
    a: str  # a < b
    b: str
    grants: tuple[Grant, ...]

    @property
    def origins(self) -> tuple[str, ...]:
        return tuple(sorted({g.origin for g in self.grants}))


@dataclass(frozen=True)
class Dropped:
    """A grantee that joined no two mailboxes, with the number of grants it held.

    reason: self (a mailbox's grant to itself) | not_a_person (anyone, Default, SELF, ...)
    | no_mailbox (a directory object without a mailbox, or a group without mailbox
    members) | unknown (no mailbox or identity by that name) | negative (an IMAP
    negative right) | unknown_mailbox (the grantor is not a mailbox in the inventory).
    """

    grantee: str
    reason: str
    grants: int


@dataclass(frozen=True)
class Graph:
    nodes: tuple[str, ...]  # every mailbox, lower-case address, sorted
    edges: tuple[Edge, ...]
    dropped: tuple[Dropped, ...]

    def neighbours(self) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {n: set() for n in self.nodes}
        for e in self.edges:
            out[e.a].add(e.b)
            out[e.b].add(e.a)
        return out


class _Names:
    """Resolves the names permissions use (addresses, UPNs, DNs, sAMAccountNames) to
    mailbox addresses, or to the mailboxes of a group's members."""

    def __init__(self, inv: Inventory) -> None:
        self.mailboxes = {m.address.lower() for m in inv.mailboxes}
        self.alias: dict[str, str] = {a: a for a in self.mailboxes}
        self.groups: dict[str, str] = {}  # name -> group dn (lower)
        self.people: set[str] = set()  # names of identities without a mailbox
        by_dn: dict[str, str] = {}  # member dn (lower) -> mailbox address
        scanned = frozenset(self.mailboxes)
        for ident in inv.identities:
            primary, every = smtp_addresses(ident)
            names = {n.lower() for n in (ident.dn, ident.upn, ident.sam_account_name) if n}
            names |= every
            if ident.object_class == "group":
                self.groups.update((n, ident.dn.lower()) for n in names)
                continue
            # a scanned mailbox (by primary, then any address), else a directory mailbox
            order = [primary, *sorted(every - {primary})] if primary else sorted(every)
            address = next((x for x in order if x in scanned), None)
            if address is None and ident.recipient_type in MAILBOX_TYPES:
                address = primary
            if address is None:
                self.people |= names
                continue
            self.mailboxes.add(address)
            self.alias.update((n, address) for n in names)
            by_dn[ident.dn.lower()] = address
        self.members: dict[str, set[str]] = defaultdict(set)
        for gm in inv.group_members:
            member = by_dn.get(gm.member_dn.lower())
            if member:
                self.members[gm.group_dn.lower()].add(member)

    def resolve(self, name: str) -> tuple[list[str], str | None, str | None]:
        """(mailbox addresses, the group it went through, the reason when none)."""
        key = name.strip().lower().removeprefix("user=")
        if key in self.alias:
            return [self.alias[key]], None, None
        if key in self.groups:
            found = sorted(self.members.get(self.groups[key], ()))
            return found, name, None if found else "no_mailbox"
        if key in NOT_PERSONS or _WELL_KNOWN.match(key):
            return [], None, "not_a_person"
        if key.startswith("-"):
            return [], None, "negative"
        return [], None, "no_mailbox" if key in self.people else "unknown"


def permission_graph(inv: Inventory) -> Graph:
    """Every mailbox of the inventory (merged by lower-cased address, with the directory's
    mailboxes), joined wherever one holds a right on another."""
    names = _Names(inv)
    grants: dict[tuple[str, str], list[Grant]] = defaultdict(list)
    dropped: Counter[tuple[str, str]] = Counter()
    for p in inv.permissions:
        if p.origin in NOT_GRANTS:
            continue
        owners, _, _ = names.resolve(p.mailbox)
        if len(owners) != 1:
            dropped[(p.mailbox, "unknown_mailbox")] += 1
            continue
        owner = owners[0]
        found, via, why = names.resolve(p.grantee)
        if why:
            dropped[(p.grantee, why)] += 1
        others = [a for a in found if a != owner]
        if found and not others:
            dropped[(p.grantee, "self")] += 1
        for other in others:
            grants[(min(owner, other), max(owner, other))].append(_grant(p, owner, other, via))
    edges = tuple(Edge(a, b, tuple(g)) for (a, b), g in sorted(grants.items()))
    gone = tuple(Dropped(g, r, n) for (g, r), n in sorted(dropped.items()))
    return Graph(tuple(sorted(names.mailboxes)), edges, gone)


def _grant(p: Permission, owner: str, grantee: str, via: str | None) -> Grant:
    return Grant(p.source, owner, grantee, p.folder, p.rights, p.origin, via)


# -- waves ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SetAside:
    address: str
    degree: int  # the mailboxes it shares rights with
    reason: str
    p90_s: float | None  # its own copy; None: not forecast


@dataclass(frozen=True)
class Wave:
    number: int  # 1-based, in packing order
    mailboxes: tuple[str, ...]
    work_s: float | None  # sum of the P90 copies; None when a mailbox has no forecast
    makespan_s: float  # P90 copies scheduled over the concurrency (known part only)
    unknown: tuple[str, ...]  # mailboxes without a forecast
    fits: bool | None  # makespan <= window; None: the known part fits, the rest is unknown
    oversized: bool  # one component alone does not fit one window: never split
    components: tuple[tuple[str, ...], ...]  # the groups of mailboxes that move together
    note: str


@dataclass(frozen=True)
class Waves:
    waves: tuple[Wave, ...]
    set_aside: tuple[SetAside, ...]
    edges: tuple[Edge, ...]
    dropped_grantees: tuple[Dropped, ...]
    window_s: float
    concurrency: int
    threshold: int  # degree from which an account is set aside


def default_threshold(mailboxes: int) -> int:
    """Set aside from ``MIN_DEGREE`` neighbours, or a tenth of all mailboxes when larger:
    a manager with a few delegates stays, an account joined to a large part goes."""
    return max(MIN_DEGREE, math.ceil(DEGREE_SHARE * mailboxes))


def p90_by_address(forecast: Forecast | None) -> dict[str, float]:
    """Each forecast mailbox's P90 copy, by lower-cased address. A mailbox two sources
    describe keeps the longer of its known figures."""
    out: dict[str, float] = {}
    for m in forecast.mailboxes if forecast else ():
        if m.p90_s is not None:
            key = m.address.lower()
            out[key] = max(out.get(key, 0.0), m.p90_s)
    return out


def waves(
    inv: Inventory,
    forecast: Forecast | None,
    *,
    window_s: float = WINDOW_S,
    threshold: int | None = None,
    concurrency: int | None = None,
) -> Waves:
    """The waves of an inventory with its forecast (``outlook(inv).forecast``); without a
    forecast every duration is unknown and waves hold at most ``concurrency`` mailboxes."""
    slots = concurrency or (forecast.concurrency if forecast else DEFAULT_CONCURRENCY)
    return plan_waves(
        permission_graph(inv),
        p90_by_address(forecast),
        concurrency=slots,
        window_s=window_s,
        threshold=threshold,
    )


@dataclass
class _Bin:
    p90: list[float]
    unknown: list[str]
    components: list[tuple[str, ...]]
    closed: bool = False
    ends: list[float] = field(default_factory=list)  # the LPT schedule's slot ends (a heap)

    def _lpt_after(self, known: Sequence[float], slots: int) -> list[float]:
        """The slot ends of the LPT schedule of this wave's work plus ``known``.

        Components arrive longest first, so new work is mostly no longer than any already
        here: LPT then just goes on from the current schedule (no re-sorting of thousands
        of mailboxes); otherwise it is scheduled again from the start."""
        if self.ends and known and max(known) <= min(self.p90, default=math.inf):
            ends = list(self.ends)
            work = sorted(known, reverse=True)
        else:
            ends = [0.0] * max(1, slots)
            work = sorted([*self.p90, *known], reverse=True)
        for seconds in work:
            heapq.heappush(ends, heapq.heappop(ends) + seconds)
        return ends

    def fits_with(self, known: Sequence[float], slots: int, window_s: float) -> bool:
        if self.ends and known and max(known) > min(self.p90, default=math.inf):
            # LPT starts again: first the bounds, which decide most cases. No schedule
            # ends before max(longest, work / slots); LPT ends by work / slots + longest
            # (Graham's list-scheduling bound)
            work = sum(self.p90) + sum(known)
            longest = max(max(self.p90), max(known))
            if max(longest, work / slots) > window_s:
                return False
            if work / slots + longest <= window_s:
                return True
        return max(self._lpt_after(known, slots)) <= window_s

    def add(
        self, known: Sequence[float], unknown: Sequence[str], comp: tuple[str, ...], slots: int
    ) -> None:
        self.ends = self._lpt_after(known, slots)
        self.p90 += known
        self.unknown += unknown
        self.components.append(comp)


def plan_waves(
    graph: Graph,
    p90: Mapping[str, float],
    *,
    concurrency: int,
    window_s: float = WINDOW_S,
    threshold: int | None = None,
) -> Waves:
    """Sets aside accounts with ``threshold`` neighbours or more (``default_threshold``),
    then packs the components first-fit decreasing: those fully forecast by P90 work,
    into waves whose P90 schedule (LPT over ``concurrency`` slots) ends within the window;
    those with unforecast mailboxes by mailbox count, into waves of their own holding at
    most ``concurrency`` unforecast mailboxes (one slot each), so an unknown never hides
    inside a wave of known duration. A component that alone does not fit is a wave of
    its own, marked oversized."""
    limit = threshold if threshold is not None else default_threshold(len(graph.nodes))
    near = graph.neighbours()
    aside = sorted(n for n in graph.nodes if len(near[n]) >= limit)
    set_aside = tuple(
        SetAside(
            n,
            len(near[n]),
            f"highly connected: shares rights with {len(near[n])} mailboxes (threshold "
            f"{limit}), likely a service or shared account; move it on its own and grant "
            "its rights again as each wave moves",
            p90.get(n),
        )
        for n in aside
    )
    comps = _components(graph.nodes, near, set(aside))
    known = [c for c in comps if all(m in p90 for m in c)]
    partly = [c for c in comps if not all(m in p90 for m in c)]
    known.sort(key=lambda c: (-sum(p90[m] for m in c), -len(c), c))
    partly.sort(key=lambda c: (-sum(m not in p90 for m in c), -len(c), c))
    bins: list[_Bin] = []
    for group in (known, partly):
        first = len(bins)
        for comp in group:
            _place(bins, first, comp, p90, concurrency, window_s)
    return Waves(
        tuple(_wave(i + 1, b, concurrency, window_s) for i, b in enumerate(bins)),
        set_aside,
        graph.edges,
        graph.dropped,
        window_s,
        concurrency,
        limit,
    )


def _components(
    nodes: Iterable[str], near: Mapping[str, set[str]], aside: set[str]
) -> list[tuple[str, ...]]:
    seen = set(aside)
    out = []
    for start in sorted(nodes):
        if start in seen:
            continue
        seen.add(start)
        stack, comp = [start], []
        while stack:
            node = stack.pop()
            comp.append(node)
            for other in near[node] - seen:
                seen.add(other)
                stack.append(other)
        out.append(tuple(sorted(comp)))
    return out


def _makespan(seconds: Sequence[float], slots: int) -> float:
    return schedule(seconds, slots)[1] if seconds else 0.0


def _place(
    bins: list[_Bin],
    first: int,
    comp: tuple[str, ...],
    p90: Mapping[str, float],
    slots: int,
    window_s: float,
) -> None:
    known = [p90[m] for m in comp if m in p90]
    unknown = [m for m in comp if m not in p90]
    if _makespan(known, slots) > window_s or len(unknown) > slots:
        bins.append(_Bin(known, unknown, [comp], closed=True))
        return
    for b in bins[first:]:
        if b.closed or len(b.unknown) + len(unknown) > slots:
            continue
        if b.fits_with(known, slots, window_s):
            b.add(known, unknown, comp, slots)
            return
    fresh = _Bin([], [], [])
    fresh.add(known, unknown, comp, slots)
    bins.append(fresh)


def _wave(number: int, b: _Bin, slots: int, window_s: float) -> Wave:
    makespan = _makespan(b.p90, slots)
    oversized = makespan > window_s
    fits = False if oversized else (None if b.unknown else True)
    size = sum(len(c) for c in b.components)
    if oversized:
        note = (
            f"does not fit one window: {size} mailboxes that share rights need "
            f"{makespan / 3600:.1f} h at concurrency {slots} (window {window_s / 3600:.0f} h)"
        )
    elif b.unknown:
        note = f"duration unknown: {len(b.unknown)} mailboxes without a forecast"
    else:
        note = ""
    return Wave(
        number,
        tuple(sorted(m for c in b.components for m in c)),
        None if b.unknown else sum(b.p90),
        makespan,
        tuple(sorted(b.unknown)),
        fits,
        oversized,
        tuple(b.components),
        note,
    )
