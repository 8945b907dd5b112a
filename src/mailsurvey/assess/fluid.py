"""Copies sharing a link: a fluid schedule of mailboxes over concurrency slots.

Each copy has a part no link limits (logins, round trips per folder, waiting for the
server) and a volume moved at the rate it could go alone (``cap``) or its equal share of
its link, whichever is lower. A link is shared by the copies of one source that move
data at that moment, and optionally by every copy (the migrating host's uplink): when
the last large mailboxes run alone they get the whole link, as real copies do. Slots
take mailboxes longest first (LPT). Event-driven: each step ends when a copy finishes a
part, so the cost is about (mailboxes x slots) steps.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Copy:
    fixed: float  # seconds no link limits, first
    octets: float  # then this volume ...
    cap: float  # ... at most this fast alone (bytes/s; inf: only the links limit it)
    link: str  # the link it shares (its source's)

    def alone(self, share: float) -> float:
        """Its duration at ``share`` bytes/s of its link (the planning estimate)."""
        rate = min(self.cap, share)
        return self.fixed + (self.octets / rate if self.octets else 0.0)


@dataclass(frozen=True)
class Placed:
    slot: int
    start: float
    end: float


def simulate(
    copies: Sequence[Copy | None],
    slots: int,
    links: dict[str, float],
    shared: float | None = None,
) -> tuple[list[Placed | None], float, int | None]:
    """Place every copy (None: not forecast) and run the schedule. ``links``: bytes/s of
    each link; ``shared``: bytes/s every copy shares (None: no such limit). Returns each
    copy's place, the makespan and the index of the copy that ends last."""
    slots = max(1, slots)
    planning = {i: c.alone(_share(links[c.link], slots, shared)) for i, c in enumerate(copies) if c}
    queue = deque(sorted(planning, key=lambda i: (-planning[i], i)))
    placed: list[Placed | None] = [None] * len(copies)
    free = list(range(slots))
    heapq.heapify(free)
    running: dict[int, list[float]] = {}  # index -> [fixed left, octets left]
    starts: dict[int, tuple[int, float]] = {}
    now, last, makespan = 0.0, None, 0.0
    while queue or running:
        while queue and free:
            i = queue.popleft()
            c = copies[i]
            assert c is not None
            running[i] = [c.fixed, c.octets]
            starts[i] = (heapq.heappop(free), now)
        rates = _rates(copies, running, links, shared)
        step = min(
            left[0] if left[0] > 0 else (left[1] / rates[i] if rates[i] > 0 else float("inf"))
            for i, left in running.items()
        )
        now += step
        for i, left in list(running.items()):
            if left[0] > 0:
                left[0] = max(0.0, left[0] - step)
            else:
                left[1] = max(0.0, left[1] - rates[i] * step)
            if left[0] <= 1e-9 and left[1] <= 1e-6:
                slot, start = starts.pop(i)
                placed[i] = Placed(slot, start, now)
                heapq.heappush(free, slot)
                del running[i]
                if now >= makespan:
                    makespan, last = now, i
    return placed, makespan, last


def _share(link: float, n: int, shared: float | None) -> float:
    share = link / n
    return min(share, shared / n) if shared else share


def _rates(
    copies: Sequence[Copy | None],
    running: dict[int, list[float]],
    links: dict[str, float],
    shared: float | None,
) -> dict[int, float]:
    """Max-min fair shares: per link, a copy capped below its equal share leaves the rest
    to the others; then, when every copy shares an uplink, all are scaled to fit it."""
    by_link: dict[str, list[int]] = {}
    for i, remaining in running.items():
        if remaining[0] <= 0:
            c = copies[i]
            assert c is not None
            by_link.setdefault(c.link, []).append(i)
    rates = dict.fromkeys(running, 0.0)
    for link, members in by_link.items():
        capacity, n = links[link], len(members)
        caps = {i: c.cap for i in members if (c := copies[i]) is not None}
        for i in sorted(members, key=caps.__getitem__):
            rates[i] = min(caps[i], capacity / n)
            capacity -= rates[i]
            n -= 1
    total = sum(rates.values())
    if shared and total > shared:
        rates = {i: r * shared / total for i, r in rates.items()}
    return rates
