"""The unit of a schedule's time axis, chosen by its span: a copy of 20 minutes drawn in
hours reads "0.0, 0.1, 0.1"; in minutes it reads "0, 5, 10"."""

from __future__ import annotations

from dataclasses import dataclass

from .i18n import N_

MINUTES_UNDER_S = 2 * 3600  # a schedule shorter than this is drawn in minutes


@dataclass(frozen=True)
class TimeScale:
    seconds: int  # seconds per unit
    unit: str  # the unit's symbol, the same in every language
    axis: str  # msgid: the axis title
    decimals: int  # for the axis labels and figures

    def of(self, seconds: float) -> float:
        return seconds / self.seconds


def time_scale(span_s: float) -> TimeScale:
    """Minutes for a schedule under 2 hours, hours otherwise; a decimal where whole units
    would leave only a few distinct labels (under 10 minutes, under 24 hours)."""
    if span_s < MINUTES_UNDER_S:
        return TimeScale(60, "min", N_("Minutes from the bulk start"), 1 if span_s < 600 else 0)
    return TimeScale(3600, "h", N_("Hours from the bulk start"), 1 if span_s < 86400 else 0)
