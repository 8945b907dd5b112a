"""The start moment and timeline: when to lower the MX TTL, start the bulk copy, run the
final delta, and whether that fits before the cutover.

Durations are absolute, so every sum is done in UTC and only shown in the plan's zone: a
40-hour copy across the October DST change ends 40 hours later, not at the same wall-clock
time plus 40. Copies run unattended around the clock, but a person starts and watches
the start, and changes DNS: those moments are moved *earlier* to a working moment (within
working hours, on a weekday that is not a public holiday of the plan's country).
"""

from __future__ import annotations

from collections.abc import Callable, Container
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from ..config import PlanSettings
from .estimate import Forecast
from .methods import PROFILES

MARGIN_MIN_S = 4 * 3600.0  # between the bulk copy's P90 end and the final delta: a restart
MARGIN_FRACTION = 0.10  # ... or this share of the bulk P90, when that is longer
LOWERED_TTL_S = 300  # what the MX TTL is lowered to before the cutover
UNKNOWN_TTL_LEAD_S = 48 * 3600  # lower this long before the cutover when the TTL is unknown
TTL_MARGIN_S = 3600  # lower a known TTL this much more than one TTL before the cutover
SEARCH_CAP = 256  # the highest concurrency proposed for a method without a published cap
_DAY_S = 86400.0
_SEARCH_DAYS = 62  # how far a working moment is looked for (holidays never span weeks)

Status = Literal["fits", "does_not_fit", "no_cutover", "no_forecast"]


@dataclass(frozen=True)
class Event:
    at: datetime  # aware, in the plan's zone
    code: str  # lower_ttl | bulk_start | bulk_end_p50 | bulk_end_p90 | delta_start | cutover
    detail: str  # English; reports translate by code


@dataclass(frozen=True)
class Proposal:
    """What would make the plan fit; figures for the report to phrase in its language."""

    code: str  # raise_concurrency | later_cutover | use_waves
    concurrency: int | None  # raise_concurrency: the smallest that fits; use_waves: the most
    cutover: datetime | None  # later_cutover: the earliest that fits, in the plan's zone
    detail: str


@dataclass(frozen=True)
class Timeline:
    status: Status
    strategy: str  # cutover | staged (staged is one wave until waves are planned)
    waves: int
    method: str
    concurrency: int
    timezone: str
    cutover: datetime | None
    earliest_start: datetime | None  # the first working moment at or after now/not_before
    latest_start: datetime | None  # the latest start that fits, before moving to working time
    start: datetime | None  # the bulk start: a working moment; None when it does not fit
    delta_start: datetime | None  # the final delta, so that its P90 ends at the cutover
    earliest_cutover: datetime | None  # at this concurrency, a working moment
    bulk_p50_s: float
    bulk_p90_s: float
    delta_p90_s: float  # of the final delta, at the start (or latest start) above
    margin_s: float  # between the bulk copy's P90 end and the final delta's start
    lead_s: float | None  # bulk P90 + margin + delta P90; None: the delta never catches up
    mx_ttl_s: int | None  # the current MX TTL; None: not known (48 h assumed)
    lower_ttl_at: datetime | None  # lower the MX TTL to LOWERED_TTL_S at this moment
    lower_ttl_late: bool  # one old TTL before the cutover has already passed
    events: tuple[Event, ...]  # in time order; empty without a cutover
    proposals: tuple[Proposal, ...]

    @property
    def feasible(self) -> bool | None:
        """None when no cutover is set or nothing could be forecast: nothing to check."""
        return None if self.status in ("no_cutover", "no_forecast") else self.status == "fits"


class _Calendar:
    """Working moments: working hours on weekdays that are not public holidays."""

    def __init__(self, settings: PlanSettings) -> None:
        self.zone = ZoneInfo(settings.timezone)
        self.hours = settings.hours
        self.holidays: Container[date] = frozenset()
        if settings.country:
            import holidays  # a heavy import, only when a country is given

            self.holidays = holidays.country_holidays(settings.country)

    def _window(self, day: date) -> tuple[datetime, datetime] | None:
        """The working window that opens on ``day`` (UTC), None on a day off."""
        if day.weekday() >= 5 or day in self.holidays:
            return None
        start, end = self.hours
        end_day = day if end > start else day + timedelta(days=1)  # a window past midnight
        return self.at(day, start), self.at(end_day, end)

    def at(self, day: date, moment: time) -> datetime:
        """A local wall-clock moment in UTC; one that DST skips moves forward by the gap."""
        return datetime.combine(day, moment, tzinfo=self.zone).astimezone(UTC)

    def latest_at_or_before(self, t: datetime) -> datetime | None:
        day = t.astimezone(self.zone).date()
        for i in range(_SEARCH_DAYS):
            window = self._window(day - timedelta(days=i))
            if window and window[0] <= t:
                return min(window[1], t)
        return None

    def earliest_at_or_after(self, t: datetime) -> datetime | None:
        day = t.astimezone(self.zone).date() - timedelta(days=1)  # a window past midnight
        for i in range(_SEARCH_DAYS):
            window = self._window(day + timedelta(days=i))
            if window and window[1] >= t:
                return max(window[0], t)
        return None


def margin_s(forecast: Forecast) -> float:
    return max(MARGIN_MIN_S, MARGIN_FRACTION * forecast.p90_s)


def lead_s(forecast: Forecast) -> float | None:
    """Bulk start to cutover: bulk P90 + margin + the final delta's P90.

    The delta is counted with the days from the bulk start to the *cutover* (a little more
    than to the delta's own start, so on the safe side), which makes the lead L solve
    L = bulk + margin + base + per_day * L / 1 day. None when a day's new mail takes a day or
    more to copy: the delta never catches up.
    """
    per_day = forecast.delta_per_day_p90_s
    if per_day >= _DAY_S:
        return None
    fixed = forecast.p90_s + margin_s(forecast) + forecast.delta_base_p90_s
    return fixed / (1.0 - per_day / _DAY_S)


def _start_for(
    forecast: Forecast, cutover: datetime, earliest: datetime, cal: _Calendar
) -> tuple[datetime | None, datetime | None]:
    """(latest start, the working moment to start) at this forecast; the second is None
    when it does not fit, i.e. falls before ``earliest``."""
    lead = lead_s(forecast)
    if lead is None:
        return None, None
    latest = cutover - timedelta(seconds=lead)
    start = cal.latest_at_or_before(latest)
    return latest, start if start is not None and start >= earliest else None


def _earliest_cutover(forecast: Forecast, earliest: datetime, cal: _Calendar) -> datetime | None:
    lead = lead_s(forecast)
    if lead is None:
        return None
    return cal.earliest_at_or_after(earliest + timedelta(seconds=lead))


def _smallest_fitting(
    forecast_at: Callable[[int], Forecast],
    planned: int,
    cap: int,
    fits: Callable[[Forecast], bool],
) -> int | None:
    """The smallest concurrency in (planned, cap] that fits: doubling, then bisection,
    assuming a higher concurrency never makes the copy slower."""
    failing, fitting, k = planned, None, planned
    while k < cap:
        k = min(2 * k, cap)
        if fits(forecast_at(k)):
            fitting = k
            break
        failing = k
    if fitting is None:
        return None
    while fitting - failing > 1:
        mid = (failing + fitting) // 2
        if fits(forecast_at(mid)):
            fitting = mid
        else:
            failing = mid
    return fitting


def _aware(value: datetime, zone: ZoneInfo) -> datetime:
    """A config moment (naive: the plan's local time) in UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


def _ttl(
    cutover: datetime, mx_ttl: int | None, now: datetime, cal: _Calendar
) -> tuple[datetime | None, bool]:
    """When a person lowers the MX TTL, and whether one old TTL before the cutover has
    passed already (then: as soon as possible)."""
    before = UNKNOWN_TTL_LEAD_S if mx_ttl is None else mx_ttl + TTL_MARGIN_S
    at = cal.latest_at_or_before(cutover - timedelta(seconds=before))
    if at is not None and at >= now:
        return at, False
    return cal.earliest_at_or_after(now), True


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h"


def timeline(
    settings: PlanSettings,
    forecast_at: Callable[[int], Forecast],
    now: datetime,
    mx_ttl: int | None = None,
) -> Timeline:
    """The timeline at the planned concurrency, and proposals when it does not fit.

    ``forecast_at(k)`` is the forecast at concurrency k; it is called once for the plan and,
    when the plan does not fit, at most about 2 * log2(cap) more times. ``now`` is aware.
    ``mx_ttl`` (e.g. measured by DNS) overrides ``settings.mx_ttl``.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    method = PROFILES[settings.method]
    planned = settings.concurrency or method.default_concurrency
    cap = method.max_concurrency or SEARCH_CAP
    ttl = settings.mx_ttl if mx_ttl is None else mx_ttl
    cal = _Calendar(settings)
    zone = cal.zone
    now = (now.astimezone(UTC) + timedelta(seconds=59)).replace(second=0, microsecond=0)
    floor = max(now, _aware(settings.not_before, zone)) if settings.not_before else now
    earliest = cal.earliest_at_or_after(floor)
    f = forecast_at(planned)
    lead = lead_s(f)
    earliest_cutover = _earliest_cutover(f, earliest, cal) if earliest else None
    cutover = _aware(settings.cutover, zone) if settings.cutover else None

    forecast_known = f.known
    latest = start = None
    if cutover is not None and earliest is not None and forecast_known:
        latest, start = _start_for(f, cutover, earliest, cal)
    span = (cutover - start).total_seconds() if cutover and start else lead or 0.0
    delta = f.delta_p90_s(span / _DAY_S)
    status: Status = "no_cutover" if cutover is None else "fits" if start else "does_not_fit"
    if not forecast_known:  # durations of 0 would always "fit": say it is not known
        status, earliest_cutover = "no_forecast", None

    proposals: tuple[Proposal, ...] = ()
    if status == "does_not_fit" and cutover is not None:
        proposals = _proposals(settings, forecast_at, planned, cap, cutover, earliest, cal)
        proposals += _later(earliest_cutover, planned, zone)
        proposals = tuple(sorted(proposals, key=lambda p: _ORDER.index(p.code)))

    lower_at, late = _ttl(cutover, ttl, now, cal) if cutover else (None, False)
    events: tuple[Event, ...] = ()
    if cutover is not None and start is not None:
        events = _events(f, start, cutover, delta, ttl, lower_at, zone)

    def local(t: datetime | None) -> datetime | None:
        return t.astimezone(zone) if t is not None else None

    return Timeline(
        status=status,
        strategy=settings.strategy,
        waves=1,
        method=method.id,
        concurrency=planned,
        timezone=settings.timezone,
        cutover=local(cutover),
        earliest_start=local(earliest),
        latest_start=local(latest),
        start=local(start),
        delta_start=local(cutover - timedelta(seconds=delta)) if cutover and start else None,
        earliest_cutover=local(earliest_cutover),
        bulk_p50_s=f.p50_s,
        bulk_p90_s=f.p90_s,
        delta_p90_s=delta,
        margin_s=margin_s(f),
        lead_s=lead,
        mx_ttl_s=ttl,
        lower_ttl_at=local(lower_at),
        lower_ttl_late=late,
        events=events,
        proposals=proposals,
    )


_ORDER = ("raise_concurrency", "later_cutover", "use_waves")


def _proposals(
    settings: PlanSettings,
    forecast_at: Callable[[int], Forecast],
    planned: int,
    cap: int,
    cutover: datetime,
    earliest: datetime | None,
    cal: _Calendar,
) -> tuple[Proposal, ...]:
    """A higher concurrency that fits the cutover; else, for one big cutover, waves."""
    best = None
    if earliest is not None and cutover - timedelta(seconds=MARGIN_MIN_S) >= earliest:
        e = earliest  # else too close for any concurrency: the margin alone does not fit
        best = _smallest_fitting(
            forecast_at, planned, cap, lambda f: _start_for(f, cutover, e, cal)[1] is not None
        )
    if best is not None:
        detail = f"copy {best} mailboxes at once instead of {planned}"
        return (Proposal("raise_concurrency", best, None, detail),)
    if settings.strategy == "cutover":
        detail = f"even {cap} mailboxes at once do not fit: migrate in staged waves"
        return (Proposal("use_waves", cap, None, detail),)
    return ()


def _later(earliest_cutover: datetime | None, planned: int, zone: ZoneInfo) -> tuple[Proposal, ...]:
    if earliest_cutover is None:
        return ()
    detail = f"the earliest cutover that fits at concurrency {planned}"
    return (Proposal("later_cutover", planned, earliest_cutover.astimezone(zone), detail),)


def _events(
    f: Forecast,
    start: datetime,
    cutover: datetime,
    delta: float,
    ttl: int | None,
    lower_at: datetime | None,
    zone: ZoneInfo,
) -> tuple[Event, ...]:
    old = "unknown, assumed up to 48 h" if ttl is None else f"{ttl} s"
    items = [
        (
            lower_at,
            "lower_ttl",
            f"lower the MX TTL to {LOWERED_TTL_S} s (current TTL {old})",
        ),
        (
            start,
            "bulk_start",
            f"start the bulk copy: {f.concurrency} mailboxes at once ({f.method.id})",
        ),
        (
            start + timedelta(seconds=f.p50_s),
            "bulk_end_p50",
            f"bulk copy ends (P50, {_hours(f.p50_s)})",
        ),
        (
            start + timedelta(seconds=f.p90_s),
            "bulk_end_p90",
            f"bulk copy ends (P90, {_hours(f.p90_s)})",
        ),
        (
            cutover - timedelta(seconds=delta),
            "delta_start",
            f"start the final delta (P90 {_hours(delta)})",
        ),
        (cutover, "cutover", "users work in the new environment"),
    ]
    ordered = sorted(
        ((at, i, code, detail) for i, (at, code, detail) in enumerate(items) if at is not None),
        key=lambda e: (e[0], e[1]),
    )
    return tuple(Event(at=at.astimezone(zone), code=code, detail=d) for at, _, code, d in ordered)
