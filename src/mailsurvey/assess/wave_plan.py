"""The timeline of several waves: each wave's bulk copy, back to back, before one cutover.

Waves (assess/waves.py) are a way to copy in working windows, not separate cutovers: an
IMAP or MX migration switches a domain's MX once, so every user moves at the one cutover,
after one final delta of every mailbox. A person starts each wave's copy at a working
moment; it runs unattended to its P90 end; after a margin (time for a restart) the next
wave starts, at a working moment again; after the last wave's P90 end and its margin the
final delta runs and ends at the cutover. Separate cutovers per wave (each wave's users
switching on a day of their own) would be a config choice for later; it is not built.

Moments are computed backwards from the cutover as for one bulk copy (plan.py): summed in
UTC, each start moved earlier to a working moment. The accounts set aside from the waves
are copied as a wave of their own after the last. A wave's P50 and P90 are its mailboxes'
own copies (the forecast's, at the planned concurrency) scheduled longest first over the
concurrency, as the waves were packed. The final delta is the forecast's, counted from the
first wave's start. A wave holding a mailbox without a forecast has no duration: the plan
is then "unknown", never "fits". One wave (or none) keeps plan.py's single bulk copy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..config import PlanSettings
from .estimate import Forecast, schedule
from .plan import (
    DAY_S,
    LOWERED_TTL_S,
    MARGIN_MIN_S,
    PROPOSAL_ORDER,
    Calendar,
    Event,
    Frame,
    PlannedWave,
    Proposal,
    Status,
    Timeline,
    frame,
    later_cutover,
    margin_for,
    smallest_fitting,
    start_for,
    timeline,
)
from .waves import Waves, p90_by_address

WavesAt = Callable[[Forecast], Waves]  # the waves packed at a forecast's concurrency
_CONVERGED_S = 1.0  # the final delta's fixed point: close enough
_ROUNDS = 200


@dataclass(frozen=True)
class WaveCopy:
    """One wave's bulk copy: its duration, None when a mailbox has no forecast."""

    number: int
    set_aside: bool
    mailboxes: int
    unknown: int
    p50_s: float | None
    p90_s: float | None

    @property
    def margin_s(self) -> float | None:
        return None if self.p90_s is None else margin_for(self.p90_s)


def _p50_by_address(f: Forecast) -> dict[str, float]:
    out: dict[str, float] = {}
    for m in f.mailboxes:
        if m.p50_s is not None:
            key = m.address.lower()
            out[key] = max(out.get(key, 0.0), m.p50_s)
    return out


def _copy(
    number: int,
    set_aside: bool,
    addresses: Sequence[str],
    p50: Mapping[str, float],
    p90: Mapping[str, float],
    slots: int,
) -> WaveCopy:
    unknown = sum(a not in p90 for a in addresses)

    def span(by: Mapping[str, float]) -> float | None:
        return None if unknown else schedule([by[a] for a in addresses], slots)[1]

    return WaveCopy(number, set_aside, len(addresses), unknown, span(p50), span(p90))


def wave_copies(w: Waves, f: Forecast) -> tuple[WaveCopy, ...]:
    """The waves in their order, then the accounts set aside (when there are any)."""
    p50, p90 = _p50_by_address(f), p90_by_address(f)
    out = [_copy(x.number, False, x.mailboxes, p50, p90, w.concurrency) for x in w.waves]
    if w.set_aside:
        aside = [s.address for s in w.set_aside]
        out.append(_copy(len(w.waves) + 1, True, aside, p50, p90, w.concurrency))
    return tuple(out)


@dataclass(frozen=True)
class _Chain:
    latest: tuple[datetime, ...]  # per copy, the latest start (UTC)
    starts: tuple[datetime, ...]  # ... moved earlier to a working moment
    delta_s: float  # the final delta, counted from the first start to the cutover


def _known(copies: Iterable[WaveCopy]) -> list[tuple[float, float, float]]:
    """(P50, P90, margin) of each copy; every duration must be known."""
    out = []
    for c in copies:
        if c.p50_s is None or c.p90_s is None:
            raise ValueError(f"wave {c.number} has no duration")
        out.append((c.p50_s, c.p90_s, margin_for(c.p90_s)))
    return out


def _backwards(
    copies: Sequence[WaveCopy], f: Forecast, cutover: datetime, cal: Calendar
) -> _Chain | None:
    """The latest starts from the cutover back: the last wave's P90 end and margin before
    the final delta, each wave's before the next one's start. The delta grows with the days
    since the first start, which moves earlier as the delta grows: its smallest fixed point,
    found by iteration. None when the delta never catches up or no working moment is near."""
    if f.delta_per_day_p90_s >= DAY_S:
        return None
    durations = _known(copies)
    delta = f.delta_p90_s(0.0)
    for _ in range(_ROUNDS):
        ready, latest, starts = cutover - timedelta(seconds=delta), [], []
        for _p50, p90, margin in reversed(durations):
            last = ready - timedelta(seconds=p90 + margin)
            start = cal.latest_at_or_before(last)
            if start is None:
                return None
            latest.append(last)
            starts.append(start)
            ready = start
        needed = f.delta_p90_s((cutover - ready).total_seconds() / DAY_S)
        if needed <= delta + _CONVERGED_S:
            return _Chain(tuple(reversed(latest)), tuple(reversed(starts)), max(needed, delta))
        delta = needed
    return None


def _forwards(
    copies: Sequence[WaveCopy], f: Forecast, earliest: datetime, cal: Calendar
) -> tuple[tuple[datetime, ...], datetime | None] | None:
    """Each wave's start as early as possible, and the earliest cutover (a working moment)
    after the last wave's P90 end, its margin and the final delta."""
    starts, ready = [], earliest
    for _p50, p90, margin in _known(copies):
        start = cal.earliest_at_or_after(ready)
        if start is None:
            return None
        starts.append(start)
        ready = start + timedelta(seconds=p90 + margin)
    share = f.delta_per_day_p90_s / DAY_S
    if share >= 1.0:
        return tuple(starts), None
    # the cutover C solves C - delta(C - first start) = ready, the delta growing per day
    lead = ((ready - starts[0]).total_seconds() + f.delta_base_p90_s) / (1.0 - share)
    return tuple(starts), cal.earliest_at_or_after(starts[0] + timedelta(seconds=lead))


def _lead(copies: Sequence[WaveCopy], f: Forecast) -> float | None:
    """The first start to the cutover without waiting for a working moment: the waves'
    P90 and margins and the final delta (as plan.lead_s for one copy)."""
    per_day = f.delta_per_day_p90_s
    if per_day >= DAY_S:
        return None
    fixed = sum(p90 + margin for _p50, p90, margin in _known(copies)) + f.delta_base_p90_s
    return fixed / (1.0 - per_day / DAY_S)


def _fits(f: Forecast, w: Waves, cutover: datetime, earliest: datetime, cal: Calendar) -> bool:
    """Whether the waves packed at this forecast's concurrency fit before the cutover."""
    if len(w.waves) < 2:
        return start_for(f, cutover, earliest, cal)[1] is not None
    copies = wave_copies(w, f)
    if any(c.unknown for c in copies):
        return False
    chain = _backwards(copies, f, cutover, cal)
    return chain is not None and chain.starts[0] >= earliest


def _proposals(
    fr: Frame,
    forecast_at: Callable[[int], Forecast],
    waves_at: WavesAt,
    earliest_cutover: datetime | None,
) -> tuple[Proposal, ...]:
    """The smallest concurrency at which the waves (packed again at it) fit, and the
    earliest cutover at the planned one."""
    out: list[Proposal] = []
    cutover, earliest, cal = fr.cutover, fr.earliest, fr.cal
    if cutover and earliest and cutover - timedelta(seconds=MARGIN_MIN_S) >= earliest:
        c, e = cutover, earliest

        def fits(f: Forecast) -> bool:
            return _fits(f, waves_at(f), c, e, cal)

        best = smallest_fitting(forecast_at, fr.planned, fr.cap, fits)
        if best is not None:
            detail = f"copy {best} mailboxes at once instead of {fr.planned}"
            out.append(Proposal("raise_concurrency", best, None, detail))
    out += later_cutover(earliest_cutover, fr.planned, fr.cal.zone)
    return tuple(sorted(out, key=lambda p: PROPOSAL_ORDER.index(p.code)))


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h"


def _events(
    fr: Frame,
    f: Forecast,
    copies: Sequence[WaveCopy],
    starts: Sequence[datetime],
    delta: float,
) -> tuple[Event, ...]:
    assert fr.cutover is not None
    old = "unknown, assumed up to 48 h" if fr.ttl is None else f"{fr.ttl} s"
    items: list[tuple[datetime, str, str, int | None]] = []
    if fr.lower_ttl_at is not None:
        detail = f"lower the MX TTL to {LOWERED_TTL_S} s (current TTL {old})"
        items.append((fr.lower_ttl_at, "lower_ttl", detail, None))
    for c, start, (p50, p90, _margin) in zip(copies, starts, _known(copies), strict=True):
        name = "the accounts set aside" if c.set_aside else f"wave {c.number}"
        begins = f"start {name}: {c.mailboxes} mailboxes, {f.concurrency} at once"
        items += [
            (start, "wave_start", begins, c.number),
            (start + timedelta(seconds=p50), "wave_end_p50", f"{name} ends (P50)", c.number),
            (start + timedelta(seconds=p90), "wave_end_p90", f"{name} ends (P90)", c.number),
        ]
    delta_start = fr.cutover - timedelta(seconds=delta)
    items.append((delta_start, "delta_start", f"start the final delta (P90 {_hours(delta)})", None))
    items.append((fr.cutover, "cutover", "users work in the new environment", None))
    ordered = sorted(enumerate(items), key=lambda e: (e[1][0], e[0]))
    zone = fr.cal.zone
    return tuple(Event(at.astimezone(zone), code, d, w) for _, (at, code, d, w) in ordered)


def _planned(
    fr: Frame,
    copies: Sequence[WaveCopy],
    chain: _Chain | None,
    starts: Sequence[datetime] | None,
    early: Sequence[datetime] | None,
) -> tuple[PlannedWave, ...]:
    """Each copy with its moments (``starts``: as planned) and its offset from the first
    start (as planned, else as early as possible: ``early``)."""
    offsets_from = starts or early
    out = []
    for i, c in enumerate(copies):
        start = starts[i] if starts else None
        offset = None
        if offsets_from is not None:
            offset = (offsets_from[i] - offsets_from[0]).total_seconds()

        def after(seconds: float | None, start: datetime | None = start) -> datetime | None:
            return None if start is None or seconds is None else start + timedelta(seconds=seconds)

        out.append(
            PlannedWave(
                number=c.number,
                set_aside=c.set_aside,
                mailboxes=c.mailboxes,
                unknown=c.unknown,
                p50_s=c.p50_s,
                p90_s=c.p90_s,
                margin_s=c.margin_s,
                offset_s=offset,
                latest_start=fr.local(chain.latest[i]) if chain else None,
                start=fr.local(start),
                end_p50=fr.local(after(c.p50_s)),
                end_p90=fr.local(after(c.p90_s)),
            )
        )
    return tuple(out)


def wave_timeline(
    settings: PlanSettings,
    forecast_at: Callable[[int], Forecast],
    waves_at: WavesAt,
    now: datetime,
    mx_ttl: int | None = None,
) -> Timeline:
    """The timeline of the waves packed at the planned concurrency; with one wave (or no
    forecast) plan.timeline's single bulk copy. ``waves_at(f)`` packs the waves at the
    forecast's concurrency; with ``forecast_at`` it is called again for each concurrency
    the proposal search tries."""
    fr = frame(settings, now, mx_ttl)
    f = forecast_at(fr.planned)
    w = waves_at(f) if f.known else None
    if w is None or len(w.waves) < 2:
        return timeline(settings, forecast_at, now, mx_ttl)
    copies = wave_copies(w, f)
    cutover, earliest = fr.cutover, fr.earliest
    unknown = any(c.unknown for c in copies)
    lead = None if unknown else _lead(copies, f)
    forward = None if unknown or earliest is None else _forwards(copies, f, earliest, fr.cal)
    early, earliest_cutover = forward if forward else (None, None)
    chain = None if unknown or cutover is None else _backwards(copies, f, cutover, fr.cal)
    fits = chain is not None and earliest is not None and chain.starts[0] >= earliest
    status: Status = "no_cutover" if cutover is None else "fits" if fits else "does_not_fit"
    if unknown:
        status = "unknown"
    proposals: tuple[Proposal, ...] = ()
    if status == "does_not_fit":
        proposals = _proposals(fr, forecast_at, waves_at, earliest_cutover)
    starts = chain.starts if chain and fits else None
    events: tuple[Event, ...] = ()
    if starts and chain:
        delta = chain.delta_s
        events = _events(fr, f, copies, starts, delta)
    else:  # as for one bulk copy: the delta after the shortest lead
        delta = f.delta_p90_s((lead or 0.0) / DAY_S)
    known = [c for c in copies if c.p90_s is not None]
    return Timeline(
        status=status,
        strategy=settings.strategy,
        waves=len(w.waves),
        method=fr.method,
        concurrency=fr.planned,
        timezone=settings.timezone,
        cutover=fr.local(cutover),
        earliest_start=fr.local(earliest),
        latest_start=fr.local(chain.latest[0]) if chain else None,
        start=fr.local(starts[0]) if starts else None,
        delta_start=fr.local(cutover - timedelta(seconds=delta)) if starts and cutover else None,
        earliest_cutover=fr.local(earliest_cutover),
        bulk_p50_s=sum(c.p50_s or 0.0 for c in known),
        bulk_p90_s=sum(c.p90_s or 0.0 for c in known),
        delta_p90_s=delta,
        margin_s=copies[-1].margin_s or 0.0,
        lead_s=lead,
        mx_ttl_s=fr.ttl,
        lower_ttl_at=fr.local(fr.lower_ttl_at),
        lower_ttl_late=fr.lower_ttl_late,
        events=events,
        proposals=proposals,
        wave_plans=_planned(fr, copies, chain, starts, early),
    )
