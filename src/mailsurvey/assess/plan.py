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
ROUND_S = 900  # moments a person acts on are whole quarter hours
SEARCH_CAP = 256  # the highest concurrency proposed for a method without a published cap
DAY_S = 86400.0
_SEARCH_DAYS = 62  # how far a working moment is looked for (holidays never span weeks)

# unknown: waves are planned and one of them holds a mailbox without a forecast
Status = Literal["fits", "does_not_fit", "no_cutover", "no_forecast", "unknown"]


@dataclass(frozen=True)
class Event:
    at: datetime  # aware, in the plan's zone
    code: str  # lower_ttl | bulk_start | bulk_end_p50 | bulk_end_p90 | delta_start | cutover
    # ... and with waves wave_start | wave_end_p50 | wave_end_p90 instead of the bulk's
    detail: str  # English; reports translate by code
    wave: int | None = None  # the wave's number (PlannedWave.number)


@dataclass(frozen=True)
class PlannedWave:
    """One wave's copy in a timeline of several waves (assess/wave_plan.py)."""

    number: int  # as in the Waves sheet; the accounts set aside come after the last wave
    set_aside: bool  # the accounts set aside from the waves, copied as a wave of their own
    mailboxes: int
    unknown: int  # mailboxes without a forecast: then the durations below are None
    p50_s: float | None  # its mailboxes' copies scheduled over the concurrency
    p90_s: float | None
    margin_s: float | None  # after its P90 end, before the next wave or the final delta
    offset_s: float | None  # its start after the first wave's: as planned, else as early
    latest_start: datetime | None  # as late as it may start, before moving to working time
    start: datetime | None  # a working moment; None when the plan does not fit
    end_p50: datetime | None
    end_p90: datetime | None


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
    wave_plans: tuple[PlannedWave, ...] = ()  # empty: one bulk copy of every mailbox

    @property
    def feasible(self) -> bool | None:
        """None when no cutover is set or a duration is unknown: nothing to check."""
        if self.status in ("no_cutover", "no_forecast", "unknown"):
            return None
        return self.status == "fits"


class Calendar:
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
                return max(window[0], _floor(min(window[1], t)))
        return None

    def earliest_at_or_after(self, t: datetime) -> datetime | None:
        day = t.astimezone(self.zone).date() - timedelta(days=1)  # a window past midnight
        for i in range(_SEARCH_DAYS):
            window = self._window(day + timedelta(days=i))
            if window and window[1] >= t:
                return min(window[1], _ceil(max(window[0], t)))
        return None


def _floor(t: datetime) -> datetime:
    """A moment a person is given: on a quarter hour (earlier, so nothing gets shorter)."""
    return t - timedelta(seconds=t.timestamp() % ROUND_S)


def _ceil(t: datetime) -> datetime:
    rest = t.timestamp() % ROUND_S
    return t + timedelta(seconds=ROUND_S - rest) if rest else t


def margin_for(p90_s: float) -> float:
    """After a copy's P90 end, before what must follow it: time for a restart."""
    return max(MARGIN_MIN_S, MARGIN_FRACTION * p90_s)


def margin_s(forecast: Forecast) -> float:
    return margin_for(forecast.p90_s)


def lead_s(forecast: Forecast) -> float | None:
    """Bulk start to cutover: bulk P90 + margin + the final delta's P90.

    The delta is counted with the days from the bulk start to the *cutover* (a little more
    than to the delta's own start, so on the safe side), which makes the lead L solve
    L = bulk + margin + base + per_day * L / 1 day. None when a day's new mail takes a day or
    more to copy: the delta never catches up.
    """
    per_day = forecast.delta_per_day_p90_s
    if per_day >= DAY_S:
        return None
    fixed = forecast.p90_s + margin_s(forecast) + forecast.delta_base_p90_s
    return fixed / (1.0 - per_day / DAY_S)


def start_for(
    forecast: Forecast, cutover: datetime, earliest: datetime, cal: Calendar
) -> tuple[datetime | None, datetime | None]:
    """(latest start, the working moment to start) at this forecast; the second is None
    when it does not fit, i.e. falls before ``earliest``."""
    lead = lead_s(forecast)
    if lead is None:
        return None, None
    latest = cutover - timedelta(seconds=lead)
    start = cal.latest_at_or_before(latest)
    return latest, start if start is not None and start >= earliest else None


def _earliest_cutover(forecast: Forecast, earliest: datetime, cal: Calendar) -> datetime | None:
    lead = lead_s(forecast)
    if lead is None:
        return None
    return cal.earliest_at_or_after(earliest + timedelta(seconds=lead))


def smallest_fitting(
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


def to_utc(value: datetime, zone: ZoneInfo) -> datetime:
    """A config moment (naive: the plan's local time) in UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


def ttl_moment(
    cutover: datetime, mx_ttl: int | None, now: datetime, cal: Calendar
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


@dataclass(frozen=True)
class Frame:
    """What every timeline of one plan shares, in UTC: the calendar, the concurrency and
    its search cap, the earliest working moment to start, the cutover, the MX TTL."""

    cal: Calendar
    method: str
    planned: int
    cap: int
    now: datetime  # rounded up to the minute
    earliest: datetime | None
    cutover: datetime | None
    ttl: int | None
    lower_ttl_at: datetime | None
    lower_ttl_late: bool

    def local(self, t: datetime | None) -> datetime | None:
        return t.astimezone(self.cal.zone) if t is not None else None


def frame(settings: PlanSettings, now: datetime, mx_ttl: int | None = None) -> Frame:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    method = PROFILES[settings.method]
    cal = Calendar(settings)
    now = (now.astimezone(UTC) + timedelta(seconds=59)).replace(second=0, microsecond=0)
    floor = max(now, to_utc(settings.not_before, cal.zone)) if settings.not_before else now
    cutover = to_utc(settings.cutover, cal.zone) if settings.cutover else None
    ttl = settings.mx_ttl if mx_ttl is None else mx_ttl
    lower_at, late = ttl_moment(cutover, ttl, now, cal) if cutover else (None, False)
    return Frame(
        cal=cal,
        method=method.id,
        planned=settings.concurrency or method.default_concurrency,
        cap=method.max_concurrency or SEARCH_CAP,
        now=now,
        earliest=cal.earliest_at_or_after(floor),
        cutover=cutover,
        ttl=ttl,
        lower_ttl_at=lower_at,
        lower_ttl_late=late,
    )


def timeline(
    settings: PlanSettings,
    forecast_at: Callable[[int], Forecast],
    now: datetime,
    mx_ttl: int | None = None,
) -> Timeline:
    """The timeline of one bulk copy at the planned concurrency, and proposals when it
    does not fit.

    ``forecast_at(k)`` is the forecast at concurrency k; it is called once for the plan and,
    when the plan does not fit, at most about 2 * log2(cap) more times. ``now`` is aware.
    ``mx_ttl`` (e.g. measured by DNS) overrides ``settings.mx_ttl``.
    """
    fr = frame(settings, now, mx_ttl)
    cal, zone, planned, earliest, cutover = fr.cal, fr.cal.zone, fr.planned, fr.earliest, fr.cutover
    f = forecast_at(planned)
    lead = lead_s(f)
    earliest_cutover = _earliest_cutover(f, earliest, cal) if earliest else None

    forecast_known = f.known
    latest = start = None
    if cutover is not None and earliest is not None and forecast_known:
        latest, start = start_for(f, cutover, earliest, cal)
    span = (cutover - start).total_seconds() if cutover and start else lead or 0.0
    delta = f.delta_p90_s(span / DAY_S)
    status: Status = "no_cutover" if cutover is None else "fits" if start else "does_not_fit"
    if not forecast_known:  # durations of 0 would always "fit": say it is not known
        status, earliest_cutover = "no_forecast", None

    proposals: tuple[Proposal, ...] = ()
    if status == "does_not_fit" and cutover is not None:
        proposals = _proposals(settings, forecast_at, planned, fr.cap, cutover, earliest, cal)
        proposals += later_cutover(earliest_cutover, planned, zone)
        proposals = tuple(sorted(proposals, key=lambda p: PROPOSAL_ORDER.index(p.code)))

    events: tuple[Event, ...] = ()
    if cutover is not None and start is not None:
        events = _events(f, start, cutover, delta, fr.ttl, fr.lower_ttl_at, zone)

    local = fr.local
    return Timeline(
        status=status,
        strategy=settings.strategy,
        waves=1,
        method=fr.method,
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
        mx_ttl_s=fr.ttl,
        lower_ttl_at=local(fr.lower_ttl_at),
        lower_ttl_late=fr.lower_ttl_late,
        events=events,
        proposals=proposals,
    )


PROPOSAL_ORDER = ("raise_concurrency", "later_cutover", "use_waves")


def _proposals(
    settings: PlanSettings,
    forecast_at: Callable[[int], Forecast],
    planned: int,
    cap: int,
    cutover: datetime,
    earliest: datetime | None,
    cal: Calendar,
) -> tuple[Proposal, ...]:
    """A higher concurrency that fits the cutover; else, for one big cutover, waves."""
    best = None
    if earliest is not None and cutover - timedelta(seconds=MARGIN_MIN_S) >= earliest:
        e = earliest  # else too close for any concurrency: the margin alone does not fit
        best = smallest_fitting(
            forecast_at, planned, cap, lambda f: start_for(f, cutover, e, cal)[1] is not None
        )
    if best is not None:
        detail = f"copy {best} mailboxes at once instead of {planned}"
        return (Proposal("raise_concurrency", best, None, detail),)
    if settings.strategy == "cutover":
        detail = f"even {cap} mailboxes at once do not fit: migrate in staged waves"
        return (Proposal("use_waves", cap, None, detail),)
    return ()


def later_cutover(
    earliest_cutover: datetime | None, planned: int, zone: ZoneInfo
) -> tuple[Proposal, ...]:
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
