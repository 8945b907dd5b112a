"""The start moment and timeline (assess/plan.py), with forecasts built by hand.

Unless a test says otherwise the fake copy takes 160 h of work over k slots: at the
default concurrency 4 the bulk P90 is 40 h (P50 32 h), the margin max(4 h, 10 %) = 4 h and
the final delta 2 h, so the bulk start lies 46 h before the cutover.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from mailsurvey.assess.estimate import Forecast, MailboxForecast
from mailsurvey.assess.methods import PROFILES
from mailsurvey.assess.plan import Calendar, Event, Proposal, Timeline, timeline
from mailsurvey.config import PlanSettings

H = 3600.0
AMS = ZoneInfo("Europe/Amsterdam")
WAW = ZoneInfo("Europe/Warsaw")
EARLY = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


class Fake:
    """forecast_at(k): P90 = work / k, P50 = 0.8 * P90; remembers each k asked for."""

    def __init__(self, work_h: float = 160.0, base_h: float = 2.0, per_day_s: float = 0.0):
        self.work_h, self.base_h, self.per_day_s = work_h, base_h, per_day_s
        self.calls: list[int] = []

    def __call__(self, k: int) -> Forecast:
        self.calls.append(k)
        p90 = self.work_h * H / k
        return Forecast(
            method=PROFILES["mbsync"],
            concurrency=k,
            p50_s=0.8 * p90,
            p90_s=p90,
            bounding="a@x",
            mailboxes=(
                MailboxForecast("src", "a@x", 1, 1, 1, 0.8 * p90, p90, 0, 0.0, 0.8 * p90, "bytes"),
            ),
            delta_base_p90_s=self.base_h * H,
            delta_per_day_p90_s=self.per_day_s,
            models=(),
            notes=(),
        )


def run(fake: Fake | None = None, now: datetime = EARLY, **plan: Any) -> Timeline:
    return timeline(PlanSettings(**plan), fake or Fake(), now)


def at(text: str, zone: ZoneInfo = AMS) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone)


def test_a_weekend_latest_start_moves_to_friday_end_of_day_with_the_whole_timeline() -> None:
    fake = Fake()
    t = run(fake, cutover="2026-06-15T07:00", country="NL")  # a Monday
    assert t.status == "fits" and t.feasible is True
    assert t.latest_start == at("2026-06-13 09:00")  # Saturday: nobody to start it
    assert t.start == at("2026-06-12 18:00")  # the end of Friday's working hours still counts
    assert t.cutover == at("2026-06-15 07:00")
    assert t.cutover is not None and t.cutover.tzinfo == AMS
    assert (t.bulk_p90_s, t.margin_s, t.delta_p90_s, t.lead_s) == (40 * H, 4 * H, 2 * H, 46 * H)
    assert t.delta_start == at("2026-06-15 05:00")
    assert [(e.at, e.code) for e in t.events] == [
        (at("2026-06-12 18:00"), "lower_ttl"),  # 48 h before (TTL unknown), then to Friday
        (at("2026-06-12 18:00"), "bulk_start"),
        (at("2026-06-14 02:00"), "bulk_end_p50"),
        (at("2026-06-14 10:00"), "bulk_end_p90"),
        (at("2026-06-15 05:00"), "delta_start"),
        (at("2026-06-15 07:00"), "cutover"),
    ]
    assert (t.strategy, t.waves, t.method, t.concurrency) == ("cutover", 1, "mbsync", 4)
    assert t.proposals == () and fake.calls == [4]


@pytest.mark.parametrize(
    ("cutover", "latest", "start"),
    [
        ("2026-06-12T10:00", "2026-06-10 12:00", "2026-06-10 12:00"),  # Wednesday, in hours
        ("2026-06-12T06:00", "2026-06-10 08:00", "2026-06-10 08:00"),  # the opening counts
        ("2026-06-12T16:00", "2026-06-10 18:00", "2026-06-10 18:00"),  # so does the close
        ("2026-06-12T16:01", "2026-06-10 18:01", "2026-06-10 18:00"),
        ("2026-06-11T04:00", "2026-06-09 06:00", "2026-06-08 18:00"),  # before hours
        ("2026-06-17T05:59", "2026-06-15 07:59", "2026-06-12 18:00"),  # Monday early
    ],
)
def test_the_latest_start_moves_earlier_to_working_hours(
    cutover: str, latest: str, start: str
) -> None:
    t = run(cutover=cutover)
    assert (t.latest_start, t.start) == (at(latest), at(start))


@pytest.mark.parametrize(
    ("country", "cutover", "zone", "start"),
    [
        # Koningsdag, Monday 27 April: back to Friday
        ("NL", "2026-04-29T08:00", AMS, "2026-04-24 18:00"),
        (None, "2026-04-29T08:00", AMS, "2026-04-27 10:00"),
        # Christmas, Friday 25 and Saturday 26 December: back to Thursday the 24th
        ("NL", "2026-12-30T05:00", AMS, "2026-12-24 18:00"),
        (None, "2026-12-30T05:00", AMS, "2026-12-25 18:00"),
        # ... and in Poland Christmas Eve is a public holiday too
        ("PL", "2026-12-30T05:00", WAW, "2026-12-23 18:00"),
        # Independence Day, Wednesday 11 November
        ("PL", "2026-11-13T10:00", WAW, "2026-11-10 18:00"),
        (None, "2026-11-13T10:00", WAW, "2026-11-11 12:00"),
        # Epiphany, Wednesday 6 January 2027
        ("PL", "2027-01-08T10:00", WAW, "2027-01-05 18:00"),
        (None, "2027-01-08T10:00", WAW, "2027-01-06 12:00"),
    ],
)
def test_public_holidays_are_not_working_days(
    country: str | None, cutover: str, zone: ZoneInfo, start: str
) -> None:
    t = run(cutover=cutover, country=country, timezone=zone.key)
    assert t.status == "fits"
    assert t.start == at(start, zone)


def test_an_infeasible_plan_proposes_a_concurrency_and_a_later_cutover() -> None:
    fake = Fake()
    now = at("2026-06-08 12:00").astimezone(UTC)  # a Monday
    t = run(fake, now=now, cutover="2026-06-10T07:00")
    assert t.status == "does_not_fit" and t.feasible is False
    assert t.latest_start == at("2026-06-08 09:00")  # three hours ago
    assert (t.start, t.delta_start, t.events) == (None, None, ())
    # k=5: P90 32 h + 4 h + 2 h = 38 h before Wednesday 07:00 is Monday 17:00, in time;
    # k=4 is 46 h, Monday 09:00, past. Doubling to 8, then bisection: 6, 5.
    assert fake.calls == [4, 8, 6, 5]
    # at k=4: now + 46 h is Wednesday 10:00, a working moment
    assert t.earliest_cutover == at("2026-06-10 10:00")
    assert t.proposals == (
        Proposal("raise_concurrency", 5, None, "copy 5 mailboxes at once instead of 4"),
        Proposal(
            "later_cutover",
            4,
            at("2026-06-10 10:00"),
            "the earliest cutover that fits at concurrency 4",
        ),
    )
    # one unknown TTL (48 h) before the cutover has passed: lower it now
    assert (t.lower_ttl_at, t.lower_ttl_late) == (at("2026-06-08 12:00"), True)


def test_a_method_cap_bounds_the_proposed_concurrency(monkeypatch: pytest.MonkeyPatch) -> None:
    now = at("2026-06-08 12:00").astimezone(UTC)
    for cap, calls, code, k in ((6, [4, 6, 5], "raise_concurrency", 5), (4, [4], "use_waves", 4)):
        capped = replace(PROFILES["mbsync"], id=f"capped{cap}", max_concurrency=cap)
        monkeypatch.setitem(PROFILES, capped.id, capped)
        fake = Fake()
        t = run(fake, now=now, cutover="2026-06-10T07:00", method=capped.id)
        assert fake.calls == calls
        assert [(p.code, p.concurrency) for p in t.proposals if p.code != "later_cutover"] == [
            (code, k)
        ]


@pytest.mark.parametrize("strategy", ["cutover", "staged"])
def test_when_even_the_highest_concurrency_does_not_fit_a_cutover_goes_in_waves(
    strategy: str,
) -> None:
    fake = Fake(work_h=256 * 90)  # at 256: 90 h + 9 h + 2 h, more than Monday to Friday
    now = at("2026-06-08 12:00").astimezone(UTC)
    t = run(fake, now=now, cutover="2026-06-12T07:00", strategy=strategy)
    assert t.status == "does_not_fit"
    assert fake.calls == [4, 8, 16, 32, 64, 128, 256]
    # at k=4: 5760 + 576 + 2 h = 264 days 2 h after Monday 12:00 CEST is Saturday
    # 27 February 2027 13:00 CET; the next working moment is Monday 08:00
    later = Proposal(
        "later_cutover",
        4,
        at("2027-03-01 08:00"),
        "the earliest cutover that fits at concurrency 4",
    )
    waves = Proposal(
        "use_waves", 256, None, "even 256 mailboxes at once do not fit: migrate in staged waves"
    )
    assert t.strategy == strategy and t.waves == 1
    assert t.proposals == ((later, waves) if strategy == "cutover" else (later,))


def test_the_start_is_never_before_not_before() -> None:
    t = run(cutover="2026-06-12T10:00", not_before="2026-06-10T13:00")
    assert t.latest_start == at("2026-06-10 12:00")
    assert t.earliest_start == at("2026-06-10 13:00")
    assert (t.status, t.start) == ("does_not_fit", None)
    assert [p.code for p in t.proposals] == ["raise_concurrency", "later_cutover"]


def test_without_a_cutover_the_durations_and_the_earliest_cutover() -> None:
    now = at("2026-06-13 10:00").astimezone(UTC)  # a Saturday
    t = run(now=now)
    assert t.status == "no_cutover" and t.feasible is None
    assert (t.cutover, t.start, t.latest_start, t.delta_start) == (None, None, None, None)
    assert (t.lower_ttl_at, t.events, t.proposals) == (None, (), ())
    assert (t.bulk_p50_s, t.bulk_p90_s, t.delta_p90_s, t.lead_s) == (32 * H, 40 * H, 2 * H, 46 * H)
    assert t.earliest_start == at("2026-06-15 08:00")  # Monday morning
    assert t.earliest_cutover == at("2026-06-17 08:00")  # + 46 h: Wednesday 06:00, to 08:00
    t = run(now=now, not_before="2026-06-16T14:00")
    assert t.earliest_start == at("2026-06-16 14:00")
    assert t.earliest_cutover == at("2026-06-18 12:00")


def test_the_mx_ttl_is_lowered_one_old_ttl_before_the_cutover() -> None:
    fake = Fake()
    cases = [  # settings.mx_ttl, measured (the argument), lower at, TTL used
        (None, None, "2026-06-15 12:00", None),  # unknown: 48 h
        (86400, None, "2026-06-16 11:00", 86400),  # TTL + 1 h
        (86400, 3600, "2026-06-17 10:00", 3600),  # measured beats configured
        (None, 300, "2026-06-17 10:45", 300),  # 10:55, on the quarter hour before
        (None, 0, "2026-06-17 11:00", 0),
    ]
    for configured, measured, lower, used in cases:
        s = PlanSettings(cutover="2026-06-17T12:00", mx_ttl=configured)
        t = timeline(s, fake, EARLY, mx_ttl=measured)
        assert (t.lower_ttl_at, t.mx_ttl_s, t.lower_ttl_late) == (at(lower), used, False)
        event = next(e for e in t.events if e.code == "lower_ttl")
        assert event.at == at(lower)
    t = run(cutover="2026-06-17T12:00")
    assert t.events[0] == Event(
        at("2026-06-15 12:00"),
        "lower_ttl",
        "lower the MX TTL to 300 s (current TTL unknown, assumed up to 48 h)",
    )


def test_across_the_october_dst_change_durations_are_real_hours() -> None:
    # Europe/Warsaw goes from CEST (+02:00) to CET (+01:00) on Sunday 25 October 2026, 03:00.
    # 240 h of work: P90 60 h, P50 48 h, margin 6 h, delta 2 h: 68 real hours before.
    fake = Fake(work_h=240)
    t = run(fake, cutover="2026-10-26T07:00", timezone="Europe/Warsaw", country="PL")
    cet, cest = timedelta(hours=1), timedelta(hours=2)
    assert t.cutover == datetime.fromisoformat("2026-10-26T07:00+01:00")
    assert t.cutover is not None and t.cutover.utcoffset() == cet
    assert t.start == datetime.fromisoformat("2026-10-23T12:00+02:00")  # 71 wall-clock hours
    assert t.start is not None and t.start.utcoffset() == cest
    got = {e.code: e.at for e in t.events}
    assert got["bulk_end_p50"] == datetime.fromisoformat("2026-10-25T11:00+01:00")
    assert got["bulk_end_p90"] == datetime.fromisoformat("2026-10-25T23:00+01:00")
    assert got["bulk_end_p90"].utcoffset() == cet
    assert got["delta_start"] == datetime.fromisoformat("2026-10-26T05:00+01:00")
    # 48 h before is Saturday 08:00 CEST: back to Friday 18:00
    assert got["lower_ttl"] == datetime.fromisoformat("2026-10-23T18:00+02:00")


def test_the_earliest_cutover_across_dst_from_a_local_now() -> None:
    now = at("2026-10-23 09:00", WAW)  # aware in the plan's zone, not UTC: still real hours
    t = run(Fake(work_h=240), now=now, timezone="Europe/Warsaw", working_hours="00:00-24:00")
    assert t.lead_s == 68 * H  # 60 h + 6 h + 2 h
    assert t.earliest_cutover == datetime.fromisoformat("2026-10-26T04:00+01:00")


def test_local_times_that_dst_skips_or_repeats() -> None:
    t = run(cutover="2027-03-28T02:30")  # skipped in Amsterdam: the clock jumps to 03:00
    assert t.cutover == datetime.fromisoformat("2027-03-28T03:30+02:00")
    t = run(cutover="2026-10-25T02:30")  # repeated: the first, still summer time
    # (an aware time in a repeated hour never equals one in another zone: compare in UTC)
    assert t.cutover is not None and t.cutover.utcoffset() == timedelta(hours=2)
    assert t.cutover.astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_the_final_delta_grows_with_the_days_since_the_bulk_start() -> None:
    # bulk 85 h, margin 8.5 h, delta 5.5 h + 864 s per day: L = 99 h / 0.99 = 100 h
    fake = Fake(work_h=340, base_h=5.5, per_day_s=864)
    t = run(fake, cutover="2026-06-15T07:00", working_hours="00:00-24:00")
    assert t.lead_s == pytest.approx(100 * H)
    assert t.start == at("2026-06-11 03:00")
    assert t.delta_p90_s == pytest.approx(5.5 * H + 3600)  # 864 s x 100 h / 24 h
    assert t.delta_start == at("2026-06-15 00:30")
    # started nine hours earlier (Wednesday 18:00), 109 h before: a longer delta
    t = run(fake, cutover="2026-06-15T07:00")
    assert t.start == at("2026-06-10 18:00")
    assert t.delta_p90_s == pytest.approx(5.5 * H + 3924)
    assert t.delta_start == at("2026-06-15 00:24:36")


def test_a_night_window_past_midnight() -> None:
    t = run(cutover="2026-06-15T07:00", working_hours="22:00-06:00")
    # latest Saturday 09:00; Friday's window (a working day) runs to Saturday 06:00
    assert t.start == at("2026-06-13 06:00")


def test_now_must_be_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        timeline(PlanSettings(), Fake(), datetime(2026, 6, 1, 9, 0))


def test_nothing_forecast_is_not_a_plan_that_fits() -> None:
    settings = PlanSettings(cutover=datetime(2026, 12, 7, 7, 0), timezone="Europe/Amsterdam")
    empty = replace(Fake()(4), mailboxes=())
    t = timeline(settings, lambda k: empty, datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    assert t.status == "no_forecast" and t.feasible is None
    assert t.start is None and not t.events and not t.proposals


def test_moments_a_person_acts_on_are_whole_quarter_hours() -> None:
    cal = Calendar(PlanSettings(timezone="Europe/Amsterdam", working_hours="08:00-18:00"))
    zone = ZoneInfo("Europe/Amsterdam")
    latest = cal.latest_at_or_before(datetime(2026, 6, 17, 16, 58, 53, tzinfo=zone))
    assert latest == datetime(2026, 6, 17, 16, 45, tzinfo=zone)  # earlier, never later
    earliest = cal.earliest_at_or_after(datetime(2026, 6, 17, 8, 2, tzinfo=zone))
    assert earliest == datetime(2026, 6, 17, 8, 15, tzinfo=zone)  # later, never earlier
    evening = cal.latest_at_or_before(datetime(2026, 6, 17, 23, 0, tzinfo=zone))
    assert evening == datetime(2026, 6, 17, 18, 0, tzinfo=zone)  # the window's end
