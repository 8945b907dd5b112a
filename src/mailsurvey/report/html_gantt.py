"""The schedule as a Gantt chart for the HTML report: geometry for an inline SVG.

The template draws it (rects, lines and text, no script, no external reference), so every
label is escaped by jinja2. Kept small for thousands of mailboxes: at most ``MAX_ROWS``
slots (those that end last) and ``MAX_BARS`` bars; the rest of a slot is one bar that
says how many mailboxes it holds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .html import Formatter
from .i18n import N_, Phrase, Word, say
from .text import visible
from .timescale import TimeScale, time_scale
from .views_estimate import BOUND_WORDS, Bar, Schedule
from .views_schedule import WaveBar

MAX_ROWS = 40
MAX_BARS = 300
WIDTH, LEFT, RIGHT, TOP, ROW, BAR, AXIS = 960, 90, 84, 26, 18, 12, 34
_STEPS_H = (0.1, 0.25, 0.5, 1, 2, 3, 6, 12, 24, 48, 72, 168, 336, 720, 1440, 2880, 8760)
_STEPS_MIN = (0.5, 1, 2, 5, 10, 15, 20, 30, 60)
# by the scale's unit: a bar's tooltip, a slot's further mailboxes, the chart's caption
_WORDS = {
    "h": (
        N_("%(mailbox)s: from %(start)s h to %(end)s h"),
        N_("Further mailboxes: %(count)s, from %(start)s h to %(end)s h"),
        N_("Bulk copy schedule (P50), in hours from the bulk start"),
    ),
    "min": (
        N_("%(mailbox)s: from %(start)s min to %(end)s min"),
        N_("Further mailboxes: %(count)s, from %(start)s min to %(end)s min"),
        N_("Bulk copy schedule (P50), in minutes from the bulk start"),
    ),
}
_WAVE_WORDS = {  # by the scale's unit: a wave's tooltip, the chart's caption
    "h": (
        N_("%(wave)s: %(count)s mailboxes, from %(start)s h to %(p50)s h (P50), %(p90)s h (P90)"),
        N_("The waves one after another, in hours from the first wave's start"),
    ),
    "min": (
        N_(
            "%(wave)s: %(count)s mailboxes, from %(start)s min to %(p50)s min (P50), "
            "%(p90)s min (P90)"
        ),
        N_("The waves one after another, in minutes from the first wave's start"),
    ),
}
_MAX_TICKS = 9


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    cls: str
    title: str


@dataclass(frozen=True)
class Mark:
    x: float
    y: float
    text: str
    cls: str = ""


@dataclass(frozen=True)
class Marker:
    """A vertical line over the plot with its label above it."""

    x: float
    label_x: float
    text: str
    cls: str


@dataclass(frozen=True)
class Gantt:
    title: str
    width: int
    height: int
    left: int
    top: int
    bottom: int  # of the plot area
    bar: int  # bar height
    rows: tuple[Mark, ...]  # slot labels
    bars: tuple[Rect, ...]
    ticks: tuple[Mark, ...]
    markers: tuple[Marker, ...]  # P50 and P90 of the whole copy
    legend: tuple[Mark, ...]  # x, y of the swatch; cls of the bar it explains
    caption: str


class _Axis:
    """A chart's time axis: seconds from the bulk start to x, ticks and moments in the
    unit that suits the span (minutes for a short copy, hours otherwise)."""

    def __init__(self, span: float, fmt: Formatter) -> None:
        self.span, self.fmt = span, fmt
        self.scale = time_scale(span)
        self._figure = "#,##0." + "0" * max(1, self.scale.decimals)

    def x(self, seconds: float) -> float:
        return round(LEFT + seconds / self.span * (WIDTH - LEFT - RIGHT), 1)

    def time(self, seconds: float) -> str:
        """A moment from the bulk start in the scale's unit, without the unit: "3.5"."""
        return self.fmt.number(self.scale.of(seconds), self._figure)

    def ticks(self, bottom: int) -> tuple[Mark, ...]:
        scale = self.scale
        step = _step(scale.of(self.span), scale)
        return tuple(
            Mark(
                self.x(k * step * scale.seconds),
                bottom + 14,
                f"{self.fmt.number(k * step, '#,##0.##')} {scale.unit}",
            )
            for k in range(int(scale.of(self.span) / step + 1e-9) + 1)
        )

    def markers(self, p50_s: float, p90_s: float | None) -> tuple[Marker, ...]:
        """P50 labelled left of its line, P90 right of it: close lines stay readable."""
        unit = self.scale.unit
        out = [Marker(self.x(p50_s), self.x(p50_s) - 3, f"P50 {self.time(p50_s)} {unit}", "p50")]
        if p90_s is not None:
            out.append(
                Marker(self.x(p90_s), self.x(p90_s) + 3, f"P90 {self.time(p90_s)} {unit}", "p90")
            )
        return tuple(out)


def _step(span: float, scale: TimeScale) -> float:
    """The tick distance, in the scale's unit, for a span in that unit."""
    steps = _STEPS_MIN if scale.unit == "min" else _STEPS_H
    return next((s for s in steps if span / s <= _MAX_TICKS), steps[-1])


def _rows(s: Schedule) -> tuple[list[int], dict[int, list[Bar]]]:
    by_slot: dict[int, list[Bar]] = {}
    for b in s.bars:
        by_slot.setdefault(b.slot, []).append(b)
    slots = sorted(by_slot, key=lambda k: -max(b.end_s for b in by_slot[k]))[:MAX_ROWS]
    return sorted(slots), by_slot


def gantt(s: Schedule, fmt: Formatter) -> Gantt | None:
    """None when no mailbox was forecast."""
    if s.waves:
        return _waves(s, fmt)
    if not s.bars or s.p50_s is None:
        return None
    _ = fmt._
    slots, by_slot = _rows(s)
    axis = _Axis(max(s.p90_s or 0.0, max(b.end_s for b in s.bars)) or 1.0, fmt)
    x, time, scale = axis.x, axis.time, axis.scale
    bar_tip, further, caption = _WORDS[scale.unit]

    per_row = max(1, MAX_BARS // len(slots))
    rows, rects = [], []
    for i, slot in enumerate(slots):
        y = TOP + i * ROW
        rows.append(Mark(LEFT - 6, y + BAR - 2, f"{_('Slot')} {fmt.number(slot + 1)}"))
        bars = by_slot[slot]
        for b in bars[:per_row]:
            cls = f"b-{b.bound_by}" if b.bound_by in BOUND_WORDS else "b-other"
            title = Phrase(
                bar_tip,
                (("mailbox", b.address), ("start", time(b.start_s)), ("end", time(b.end_s))),
            )
            rects.append(_rect(x, b.start_s, b.end_s, y, cls, say(title, fmt.language, visible)))
        rest = bars[per_row:]
        if rest:
            first, last = rest[0].start_s, max(b.end_s for b in rest)
            title = Phrase(
                further,
                (("count", len(rest)), ("start", time(first)), ("end", time(last))),
            )
            rects.append(_rect(x, first, last, y, "more", say(title, fmt.language)))
    bottom = TOP + len(slots) * ROW
    ticks = axis.ticks(bottom)
    markers = axis.markers(s.p50_s, s.p90_s)
    present = {r.cls for r in rects}
    legend_y = bottom + AXIS
    legend: list[Mark] = []
    for code, word in (*BOUND_WORDS.items(), ("more", None)):
        cls = "more" if word is None else f"b-{code}"
        if cls in present:
            text = _(word.msgid) if word else _("Several mailboxes, one after another")
            legend.append(Mark(LEFT + 190 * len(legend), legend_y, text, cls))
    notes = []
    if len(slots) < len({b.slot for b in s.bars}):
        notes.append(
            Phrase(
                N_("Showing the %(shown)s of %(slots)s slots that end last"),
                (("shown", len(slots)), ("slots", len(by_slot))),
            )
        )
    if s.start is not None:
        notes.append(
            Phrase(
                N_("The bulk copy starts %(at)s (%(zone)s)"), (("at", s.start), ("zone", s.zone))
            )
        )
    return _figure(
        fmt, _("Bulk copy schedule (P50)"), rows, rects, bottom, ticks, markers, legend,
        _(caption), notes,
    )  # fmt: skip


def _waves(s: Schedule, fmt: Formatter) -> Gantt:
    """A row per wave (at most ``MAX_ROWS``): its copy to P50, and on to P90."""
    _ = fmt._
    shown: tuple[WaveBar, ...] = s.waves[:MAX_ROWS]
    axis = _Axis(max(w.start_s + max(w.p50_s, w.p90_s) for w in s.waves) or 1.0, fmt)
    x, time = axis.x, axis.time
    tip, caption = _WAVE_WORDS[axis.scale.unit]
    rows, rects = [], []
    for i, w in enumerate(shown):
        y = TOP + i * ROW
        label = _(w.label.msgid) if isinstance(w.label, Word) else say(w.label, fmt.language)
        rows.append(Mark(LEFT - 6, y + BAR - 2, label))
        end50, end90 = w.start_s + w.p50_s, w.start_s + w.p90_s
        args = (("wave", label), ("count", w.mailboxes), ("start", time(w.start_s)))
        title = say(Phrase(tip, (*args, ("p50", time(end50)), ("p90", time(end90)))), fmt.language)
        rects.append(_rect(x, w.start_s, end50, y, "b-bytes", title))
        if end90 > end50:
            rects.append(_rect(x, end50, end90, y, "more", title))
    bottom = TOP + len(shown) * ROW
    ticks = axis.ticks(bottom)
    last = s.waves[-1]
    markers = axis.markers(last.start_s + last.p50_s, last.start_s + last.p90_s)
    legend_y = bottom + AXIS
    legend = (
        Mark(LEFT, legend_y, _("Copy to P50"), "b-bytes"),
        Mark(LEFT + 190, legend_y, _("On to P90"), "more"),
    )
    notes = []
    if len(shown) < len(s.waves):
        notes.append(
            Phrase(
                N_("Showing the first %(shown)s of %(waves)s waves"),
                (("shown", len(shown)), ("waves", len(s.waves))),
            )
        )
    if s.start is not None:
        notes.append(
            Phrase(
                N_("The first wave starts %(at)s (%(zone)s)"), (("at", s.start), ("zone", s.zone))
            )
        )
    return _figure(
        fmt, _("The waves of the bulk copy, one after another (P50 and P90)"), rows, rects,
        bottom, ticks, markers, legend, _(caption), notes,
    )  # fmt: skip


def _figure(
    fmt: Formatter,
    title: str,
    rows: Sequence[Mark],
    rects: Sequence[Rect],
    bottom: int,
    ticks: tuple[Mark, ...],
    markers: tuple[Marker, ...],
    legend: Sequence[Mark],
    caption: str,
    notes: Sequence[Phrase],
) -> Gantt:
    """The chart with its caption: the caption, then each note in the language."""
    text = ". ".join([caption, *(say(n, fmt.language) for n in notes)])
    return Gantt(
        title=title,
        width=WIDTH,
        height=bottom + AXIS + 16,
        left=LEFT,
        top=TOP,
        bottom=bottom,
        bar=BAR,
        rows=tuple(rows),
        bars=tuple(rects),
        ticks=ticks,
        markers=markers,
        legend=tuple(legend),
        caption=text,
    )


def _rect(
    x: Callable[[float], float], start: float, end: float, y: int, cls: str, title: str
) -> Rect:
    left = x(start)
    return Rect(left, y, max(1.0, round(x(end) - left, 1)), cls, title)
