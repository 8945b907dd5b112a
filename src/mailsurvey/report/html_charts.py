"""Bar charts for the HTML report: geometry for inline SVGs, drawn without a script.

Like html_gantt.py, this computes positions and labels (numbers formatted per locale); the
template only places them, and jinja2 escapes every label. A figure that is not known is
never drawn as 0: a chart leaves it out and its caption says how many were left out, or a
bar that is only a lower bound is drawn in a lighter style with its label starting "≥".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..assess.waves import Waves
from ..model import SIZE_BUCKET_LABELS, SIZE_BUCKETS
from .aggregate import MailboxTotals, Totals
from .html import Formatter
from .i18n import AT_LEAST, N_, Phrase, say
from .text import visible
from .views import Kind

LARGEST = 20
ROW, BAR, TOP, GAP = 20, 13, 28, 12  # row pitch, bar height, room for headings, panel gap
VALUE_W = 86  # room right of a bar for its value label
LABEL_CHARS = 40  # a longer row label is shortened (the whole text is its tooltip)
LOWER_BOUND = "≥ "
SMALL_SHARE = 0.001
_OVER_35MB = SIZE_BUCKETS.index(35 * 1024 * 1024) + 1  # first histogram bucket >= 35 MB


@dataclass(frozen=True)
class HBar:
    """One horizontal bar and its value label; ``w == 0`` draws only the label."""

    x: float
    y: float
    w: float
    cls: str  # "" | "alert" | "lower" (a lower bound) | "unknown" (no bar)
    text: str
    text_x: float
    text_y: float
    title: str  # tooltip


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    title: str  # the whole text when ``text`` is shortened


@dataclass(frozen=True)
class Panel:
    heading: str
    x: float  # left edge of the bars
    heading_y: float
    bars: tuple[HBar, ...]


@dataclass(frozen=True)
class BarChart:
    key: str  # for ids in the page
    title: str
    width: int
    height: int
    top: int  # of the first row
    bottom: int  # below the last row
    bar: int  # bar height
    labels: tuple[Label, ...]  # row labels, right-aligned at their x
    panels: tuple[Panel, ...]
    caption: str

    @property
    def empty(self) -> bool:
        return not any(b.w or b.cls != "unknown" for p in self.panels for b in p.bars)


@dataclass(frozen=True)
class Figure:
    """One value of a row: ``value`` None is unknown; ``lower`` marks a lower bound."""

    value: float | None
    text: str
    title: str = ""
    lower: bool = False
    alert: bool = False


def shorten(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _chart(
    key: str,
    title: str,
    width: int,
    label_w: int,
    rows: Sequence[tuple[str, Sequence[Figure]]],
    headings: Sequence[str],
    caption: str,
) -> BarChart:
    """Rows of figures, one panel per column of figures, each panel scaled to its largest."""
    panel_w = (width - label_w - GAP * len(headings)) / len(headings)
    plot_w = panel_w - VALUE_W
    labels = tuple(
        Label(label_w - 6, TOP + i * ROW + BAR - 2, shorten(text), text)
        for i, (text, _) in enumerate(rows)
    )
    panels = []
    for p, heading in enumerate(headings):
        left = round(label_w + GAP + p * (panel_w + GAP), 1)
        known = [f.value for _, figures in rows if (f := figures[p]).value is not None]
        top = max(known, default=0.0) or 1.0
        bars = []
        for i, (_, figures) in enumerate(rows):
            f = figures[p]
            y = TOP + i * ROW
            w = 0.0 if f.value is None else round(f.value / top * plot_w, 1)
            if f.value:
                w = max(w, 1.0)  # a small known figure stays visible
            cls = "unknown" if f.value is None else "lower" if f.lower else ""
            cls = "alert" if f.alert and not cls else cls
            text = (LOWER_BOUND if f.lower else "") + f.text
            bars.append(HBar(left, y, w, cls, text, round(left + w + 4, 1), y + BAR - 2, f.title))
        panels.append(Panel(heading, left, TOP - 10, tuple(bars)))
    bottom = TOP + len(rows) * ROW
    return BarChart(key, title, width, bottom + 4, TOP, bottom, BAR, labels, tuple(panels), caption)


def largest_mailboxes(totals: Sequence[MailboxTotals], fmt: Formatter) -> BarChart | None:
    """The ``LARGEST`` largest mailboxes by size; None when there is no mailbox."""
    if not totals:
        return None
    _ = fmt._
    known = sorted((t for t in totals if t.bytes is not None), key=lambda t: -(t.bytes or 0))
    shown = known[:LARGEST]
    addresses = [t.address.lower() for t in shown]
    rows = []
    for t in shown:
        size = t.bytes or 0
        label = visible(t.address)
        if addresses.count(t.address.lower()) > 1:  # one address in two sources
            label += f" · {visible(t.source)}"
        tip = f"{visible(t.address)} ({visible(t.source)}): {fmt.size(size)}"
        rows.append((label, (Figure(size, fmt.size(size), tip),)))
    title = say(
        Phrase(N_("The %(count)s largest mailboxes"), (("count", len(shown)),)), fmt.language
    )
    caption = _("Size of each mailbox as scanned, all folders together.")
    left_out = len(totals) - len(known)
    if left_out:
        unknown = Phrase(
            N_("Mailboxes whose size is unknown, left out: %(count)s (any of them may be larger)."),
            (("count", left_out),),
        )
        caption += " " + say(unknown, fmt.language)
    return _chart("largest", title, 640, 250, rows, (_("Size"),), caption)


def size_histogram(totals: Totals, fmt: Formatter) -> BarChart | None:
    """Messages per size class; None when no message was counted."""
    total = sum(totals.histogram)
    if not total:
        return None
    _ = fmt._
    rows = []
    for i, (label, count) in enumerate(zip(SIZE_BUCKET_LABELS, totals.histogram, strict=True)):
        share = fmt.cell(count / total, Kind.PERCENT).text
        if count and count / total < SMALL_SHARE:  # not "0.0%" for a few messages
            share = "< " + fmt.cell(SMALL_SHARE, Kind.PERCENT).text
        text = f"{fmt.number(count)} ({share})"
        figure = Figure(count, text, f"{label}: {text}", alert=i >= _OVER_35MB and count > 0)
        rows.append((label, (figure,)))
    caption = _(
        "Messages per size class. Classes of 35 MB and more are highlighted:"
        " many targets refuse such messages."
    )
    if not totals.histogram_complete:
        caption += " " + _(AT_LEAST.msgid)
    return _chart("histogram", _("Message sizes"), 640, 90, rows, (_("Messages"),), caption)


def _sizes(totals: Sequence[MailboxTotals]) -> tuple[dict[str, int], set[str]]:
    """Per lower-cased address: the largest known size, and the addresses some source
    could not size. A mailbox two sources describe counts once, as in the waves."""
    known: dict[str, int] = {}
    unknown: set[str] = set()
    for t in totals:
        key = t.address.lower()
        if t.bytes is None:
            unknown.add(key)
        else:
            known[key] = max(known.get(key, 0), t.bytes)
    return known, unknown


def _figure(
    value: float, lower: bool, nothing_known: bool, show: Callable[[float], str], fmt: Formatter
) -> Figure:
    if nothing_known:
        return Figure(None, fmt._("unknown"))
    return Figure(value, show(value), lower=lower)


def waves_chart(plan: Waves, totals: Sequence[MailboxTotals], fmt: Formatter) -> BarChart | None:
    """Per wave: mailboxes, P90 duration and size; None when there is no wave."""
    if not plan.waves:
        return None
    _ = fmt._
    known, unknown = _sizes(totals)
    rows = []
    lower_seen = False
    for w in plan.waves:
        keys = [a.lower() for a in w.mailboxes]
        size = sum(known.get(k, 0) for k in keys)
        size_unknown = any(k in unknown or k not in known for k in keys)
        hours_unknown = bool(w.unknown)
        lower_seen |= size_unknown or hours_unknown
        figures = (
            Figure(len(w.mailboxes), fmt.number(len(w.mailboxes))),
            _figure(
                w.makespan_s,
                hours_unknown,
                len(w.unknown) == len(w.mailboxes),
                fmt.hours,
                fmt,
            ),
            _figure(
                size,
                size_unknown,
                not any(k in known for k in keys),
                lambda v: fmt.size(int(v)),
                fmt,
            ),
        )
        label = say(Phrase(N_("Wave %(number)s"), (("number", w.number),)), fmt.language)
        rows.append((label, figures))
    caption = _("Per wave: its mailboxes, the duration of its copy (P90) and its size.")
    if lower_seen:
        caption += " " + _(
            "≥: at least; some mailboxes of the wave have no forecast or an unknown size."
        )
    headings = (_("Mailboxes"), _("Duration, P90"), _("Size"))
    title = _("Mailboxes, duration and size per wave")
    return _chart("waves", title, 960, 70, rows, headings, caption)
