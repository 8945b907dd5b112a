"""The timeline of several waves (assess/wave_plan.py), with forecasts built by hand.

Unless a test says otherwise every mailbox copies in 40 h at P90 (32 h at P50), two at
once, in waves of one 48 h window: two mailboxes a wave, each wave 40 h at P90 and a
margin of 4 h after it; the final delta of every mailbox takes 2 h.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from mailsurvey.assess.estimate import Forecast, MailboxForecast, schedule
from mailsurvey.assess.methods import PROFILES
from mailsurvey.assess.plan import Proposal, Timeline, timeline
from mailsurvey.assess.wave_plan import wave_timeline
from mailsurvey.assess.waves import Edge, Grant, Graph, Waves, p90_by_address, plan_waves
from mailsurvey.config import PlanSettings

H = 3600.0
AMS = ZoneInfo("Europe/Amsterdam")
EARLY = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def at(text: str, zone: ZoneInfo = AMS) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone)


class Fake:
    """forecast_at(k): each mailbox's own P90 (None: not forecast), P50 = 0.8 x P90;
    remembers each k asked for."""

    def __init__(self, p90_h: Mapping[str, float | None], base_h: float = 2.0, per_day_s=0.0):
        self.p90_h, self.base_h, self.per_day_s = dict(p90_h), base_h, per_day_s
        self.calls: list[int] = []

    def __call__(self, k: int) -> Forecast:
        self.calls.append(k)
        rows = []
        for address, p90_h in self.p90_h.items():
            p90 = None if p90_h is None else p90_h * H
            p50 = None if p90 is None else 0.8 * p90
            rows.append(MailboxForecast("src", address, 1, 1, 1, p50, p90, 0, 0.0, p50, "bytes"))
        known = [m.p90_s for m in rows if m.p90_s is not None]
        span = schedule(known, k)[1]
        return Forecast(
            method=PROFILES["mbsync"],
            concurrency=k,
            p50_s=0.8 * span,
            p90_s=span,
            bounding=None,
            mailboxes=tuple(rows),
            delta_base_p90_s=self.base_h * H,
            delta_per_day_p90_s=self.per_day_s,
            models=(),
            notes=(),
        )


def mailboxes(n: int, p90_h: float = 40.0) -> dict[str, float | None]:
    return {f"m{i}@x": p90_h for i in range(1, n + 1)}


def packer(window_h: float = 48.0, edges: tuple[Edge, ...] = (), threshold: int = 10):
    def waves_at(f: Forecast) -> Waves:
        nodes = tuple(sorted(m.address for m in f.mailboxes))
        return plan_waves(
            Graph(nodes, edges, ()),
            p90_by_address(f),
            concurrency=f.concurrency,
            window_s=window_h * H,
            threshold=threshold,
        )

    return waves_at


def run(fake: Fake, now: datetime = EARLY, window_h: float = 48.0, **plan: Any) -> Timeline:
    settings = PlanSettings(**{"concurrency": 2, **plan})
    return wave_timeline(settings, fake, packer(window_h), now)


def moments(t: Timeline) -> list[tuple[datetime, str, int | None]]:
    return [(e.at, e.code, e.wave) for e in t.events]


def test_two_waves_back_to_back_before_a_weekend_cutover() -> None:
    t = run(Fake(mailboxes(4)), cutover="2026-06-15T07:00", country="NL")  # a Monday
    assert (t.status, t.feasible, t.waves) == ("fits", True, 2)
    # the delta starts Monday 05:00; wave 2 at the latest 44 h before, Saturday 09:00: back
    # to Friday 18:00; wave 1 44 h before that, Wednesday 22:00: back to 18:00
    assert moments(t) == [
        (at("2026-06-10 18:00"), "wave_start", 1),
        (at("2026-06-12 02:00"), "wave_end_p50", 1),
        (at("2026-06-12 10:00"), "wave_end_p90", 1),
        (at("2026-06-12 18:00"), "lower_ttl", None),  # 48 h before: Saturday, to Friday
        (at("2026-06-12 18:00"), "wave_start", 2),
        (at("2026-06-14 02:00"), "wave_end_p50", 2),
        (at("2026-06-14 10:00"), "wave_end_p90", 2),
        (at("2026-06-15 05:00"), "delta_start", None),
        (at("2026-06-15 07:00"), "cutover", None),
    ]
    assert (t.start, t.latest_start, t.delta_start) == (
        at("2026-06-10 18:00"),
        at("2026-06-10 22:00"),
        at("2026-06-15 05:00"),
    )
    assert (t.bulk_p50_s, t.bulk_p90_s, t.margin_s, t.delta_p90_s) == (64 * H, 80 * H, 4 * H, 2 * H)
    assert t.lead_s == 90 * H  # 2 x (40 h + 4 h) + 2 h
    one, two = t.wave_plans
    assert (one.number, one.set_aside, one.mailboxes, one.unknown) == (1, False, 2, 0)
    assert (one.p50_s, one.p90_s, one.margin_s, one.offset_s) == (32 * H, 40 * H, 4 * H, 0.0)
    assert (two.latest_start, two.start, two.end_p50, two.end_p90) == (
        at("2026-06-13 09:00"),
        at("2026-06-12 18:00"),
        at("2026-06-14 02:00"),
        at("2026-06-14 10:00"),
    )
    assert two.offset_s == 48 * H
    assert next(e for e in t.events if e.code == "wave_start").detail == (
        "start wave 1: 2 mailboxes, 2 at once"
    )


def test_three_waves_across_easter_and_the_march_dst_change() -> None:
    # 60 h at P90 a mailbox, windows of 72 h: 3 waves of 60 h, a margin of 6 h after each
    fake = Fake(mailboxes(6, p90_h=60.0))
    t = run(fake, window_h=72, cutover="2026-04-09T07:00", country="NL")  # a Thursday
    cet, cest = timedelta(hours=1), timedelta(hours=2)
    assert (t.status, t.waves, len(t.wave_plans)) == ("fits", 3, 3)
    # wave 3 at the latest 66 h before the delta (Thursday 05:00) is Easter Monday 11:00;
    # Easter Monday, the weekend and Good Friday are no working days: Thursday 2 April
    # 18:00. Wave 2: 66 h before is Tuesday 00:00, to Monday 18:00. Wave 1: 66 h before
    # Monday 18:00 CEST is Friday 23:00 CET (the clock went forward on Sunday), to 18:00.
    starts = [w.start for w in t.wave_plans]
    assert starts == [at("2026-03-27 18:00"), at("2026-03-30 18:00"), at("2026-04-02 18:00")]
    assert starts[0] is not None and starts[0].utcoffset() == cet
    assert [w.latest_start for w in t.wave_plans] == [
        at("2026-03-27 23:00"),
        at("2026-03-31 00:00"),
        at("2026-04-06 11:00"),
    ]
    one = t.wave_plans[0]
    # 48 and 60 real hours after Friday 18:00 CET: 49 and 61 wall-clock hours, in CEST
    assert (one.end_p50, one.end_p90) == (at("2026-03-29 19:00"), at("2026-03-30 07:00"))
    assert one.end_p90 is not None and one.end_p90.utcoffset() == cest
    assert moments(t)[-5:] == [
        (at("2026-04-02 18:00"), "wave_start", 3),
        (at("2026-04-04 18:00"), "wave_end_p50", 3),
        (at("2026-04-05 06:00"), "wave_end_p90", 3),
        (at("2026-04-09 05:00"), "delta_start", None),
        (at("2026-04-09 07:00"), "cutover", None),
    ]
    # 48 h before the cutover is Tuesday 07:00, before hours; Monday is Easter Monday
    assert t.lower_ttl_at == at("2026-04-02 18:00")
    assert [w.offset_s for w in t.wave_plans] == [0.0, 71 * H, 143 * H]


def test_does_not_fit_gives_the_earliest_cutover_and_the_smallest_concurrency() -> None:
    fake = Fake(mailboxes(6))
    now = at("2026-06-09 09:00").astimezone(UTC)  # a Tuesday; wave 1 had to start Monday
    t = run(fake, now=now, cutover="2026-06-15T07:00")
    assert (t.status, t.feasible, t.waves) == ("does_not_fit", False, 3)
    assert (t.start, t.delta_start, t.events) == (None, None, ())
    assert t.latest_start == at("2026-06-08 22:00")  # to Monday 18:00: 15 hours ago
    # as early as possible: wave 1 now, then Thursday 08:00 and Monday 08:00 (each 44 h
    # later, at the next working moment); ready Wednesday 04:00, + 2 h delta, to 08:00
    assert t.earliest_cutover == at("2026-06-17 08:00")
    assert [w.offset_s for w in t.wave_plans] == [0.0, 47 * H, 143 * H]
    assert [w.start for w in t.wave_plans] == [None, None, None]
    # at 4 mailboxes at once: waves of 4 and 2, from Wednesday 18:00: fits; then 3 fits
    assert fake.calls == [2, 4, 3]
    assert t.proposals == (
        Proposal("raise_concurrency", 3, None, "copy 3 mailboxes at once instead of 2"),
        Proposal(
            "later_cutover",
            2,
            at("2026-06-17 08:00"),
            "the earliest cutover that fits at concurrency 2",
        ),
    )


def test_a_wave_with_an_unknown_duration_is_never_a_plan_that_fits() -> None:
    fake = Fake({**mailboxes(4), "lost@x": None})
    t = run(fake, cutover="2026-06-15T07:00")
    assert t.waves == 3 and t.status == "unknown" and t.feasible is None
    assert (t.start, t.latest_start, t.earliest_cutover, t.lead_s) == (None, None, None, None)
    assert (t.events, t.proposals) == ((), ())
    assert [(w.number, w.unknown, w.p90_s, w.offset_s) for w in t.wave_plans] == [
        (1, 0, 40 * H, None),
        (2, 0, 40 * H, None),
        (3, 1, None, None),
    ]


def test_without_a_cutover_the_durations_and_the_earliest_cutover() -> None:
    now = at("2026-06-13 10:00").astimezone(UTC)  # a Saturday
    t = run(Fake(mailboxes(4)), now=now)
    assert (t.status, t.feasible, t.cutover, t.start, t.events) == (
        "no_cutover",
        None,
        None,
        None,
        (),
    )
    # wave 1 from Monday 08:00 is ready (P90 and margin) Wednesday 04:00: wave 2 at 08:00
    assert t.earliest_start == at("2026-06-15 08:00")
    assert [w.offset_s for w in t.wave_plans] == [0.0, 48 * H]
    # wave 2 ready Friday 04:00, + 2 h: Friday 08:00
    assert t.earliest_cutover == at("2026-06-19 08:00")
    assert t.lead_s == 90 * H


def test_the_accounts_set_aside_are_copied_as_a_wave_after_the_last() -> None:
    p90 = {**mailboxes(4), "svc@x": 10.0}
    grants = tuple(
        Edge(f"m{i}@x", "svc@x", (Grant("s", "svc@x", f"m{i}@x", None, "r", "o"),))
        for i in range(1, 5)
    )
    settings = PlanSettings(concurrency=2, cutover="2026-06-15T07:00")
    t = wave_timeline(settings, Fake(p90), packer(edges=grants, threshold=3), EARLY)
    assert t.waves == 2
    aside = t.wave_plans[-1]
    assert (aside.number, aside.set_aside, aside.mailboxes, aside.p90_s) == (3, True, 1, 10 * H)
    # 10 h + 4 h before the delta (Monday 05:00) is Sunday 15:00: to Friday 18:00
    assert aside.start == at("2026-06-12 18:00")
    assert [w.start for w in t.wave_plans[:2]] == [at("2026-06-08 18:00"), at("2026-06-10 18:00")]


def test_the_final_delta_counts_the_days_since_the_first_wave_started() -> None:
    # the delta: 2 h + 864 s a day; around the clock L = (2 x 44 h + 2 h) / 0.99
    fake = Fake(mailboxes(4), per_day_s=864)
    # a Friday: every latest start falls on a weekday, none moves
    t = run(fake, cutover="2026-06-19T07:00", working_hours="00:00-24:00")
    lead = 90 * H / 0.99
    assert t.lead_s == pytest.approx(lead)
    assert t.start is not None and t.cutover is not None
    span = (t.cutover - t.start).total_seconds()  # the start: on the quarter hour before
    assert lead <= span < lead + 900 and t.start.minute % 15 == 0 and t.start.second == 0
    assert t.delta_p90_s == pytest.approx(2 * H + 0.01 * span, abs=1.0)


def test_one_wave_keeps_the_single_bulk_copy_exactly() -> None:
    fake = Fake(mailboxes(2))
    settings = PlanSettings(concurrency=2, cutover="2026-06-15T07:00", country="NL")
    t = wave_timeline(settings, fake, packer(), EARLY)
    assert t == timeline(settings, fake, EARLY)
    assert t.waves == 1 and t.wave_plans == ()
    assert [e.code for e in t.events] == [
        "lower_ttl",
        "bulk_start",
        "bulk_end_p50",
        "bulk_end_p90",
        "delta_start",
        "cutover",
    ]
