"""The schedule the Gantt charts draw: the P50 schedule of one bulk copy over the
concurrency slots, or, when the timeline plans several waves, a bar per wave (its start
after the first wave's, its P50 and P90 ends).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from ..assess.outlook import Outlook
from ..assess.plan import PlannedWave
from .i18n import N_, Phrase, Word

SET_ASIDE = Word("Set aside")


@dataclass(frozen=True)
class Bar:
    """One mailbox in the P50 schedule."""

    source: str
    address: str
    slot: int  # 0-based
    start_s: float  # from the bulk start
    end_s: float
    p90_s: float  # its own P90 duration
    bound_by: str


@dataclass(frozen=True)
class WaveBar:
    """One wave in a timeline of several: its start after the first wave's start."""

    label: Word | Phrase  # "Wave 2", or the accounts set aside
    mailboxes: int
    start_s: float
    p50_s: float
    p90_s: float


@dataclass(frozen=True)
class Schedule:
    """What the charts draw: the P50 schedule over the slots, and the totals."""

    slots: int
    bars: tuple[Bar, ...]  # by start, then slot: longest first (the schedule is LPT)
    p50_s: float | None  # None: no mailbox was forecast
    p90_s: float | None
    start: datetime | None  # the bulk start, naive in ``zone``
    zone: str
    waves: tuple[WaveBar, ...] = ()  # several waves: drawn instead of the bars

    def longest(self, n: int) -> tuple[Bar, ...]:
        """At most ``n`` bars, in schedule order: the longest, and the one that ends last."""
        if len(self.bars) <= n:
            return self.bars
        chosen = sorted(self.bars, key=lambda b: b.start_s - b.end_s)[:n]
        last = max(self.bars, key=lambda b: b.end_s)
        if last not in chosen:
            chosen[-1] = last
        return tuple(sorted(chosen, key=lambda b: (b.start_s, b.slot)))


def wave_label(w: PlannedWave) -> Word | Phrase:
    return SET_ASIDE if w.set_aside else Phrase(N_("Wave %(number)s"), (("number", w.number),))


def _wave_bars(o: Outlook) -> tuple[WaveBar, ...]:
    """Every wave, or none when a wave's start or duration is not known."""
    out = []
    for w in o.timeline.wave_plans:
        if w.offset_s is None or w.p50_s is None or w.p90_s is None:
            return ()
        out.append(WaveBar(wave_label(w), w.mailboxes, w.offset_s, w.p50_s, w.p90_s))
    return tuple(out)


def schedule_of(o: Outlook) -> Schedule:
    f, t = o.forecast, o.timeline
    bars = tuple(
        Bar(
            m.source,
            m.address,
            m.slot,
            m.start_s,
            m.end_s,
            m.p90_s or m.end_s - m.start_s,
            m.bound_by,
        )
        for m in f.mailboxes
        if m.slot is not None and m.start_s is not None and m.end_s is not None
    )
    known = bool(bars)
    start = t.start.astimezone(ZoneInfo(t.timezone)).replace(tzinfo=None) if t.start else None
    return Schedule(
        slots=f.concurrency,
        bars=tuple(sorted(bars, key=lambda b: (b.start_s, b.slot))),
        p50_s=f.p50_s if known else None,
        p90_s=f.p90_s if known else None,
        start=start,
        zone=t.timezone,
        waves=_wave_bars(o),
    )
