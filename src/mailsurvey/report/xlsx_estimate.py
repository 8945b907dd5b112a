"""What the Estimate and Timeline sheets hold besides their Excel table.

Estimate: the chart data of the P50 schedule (the longest mailboxes; with several waves,
a bar per wave) beside the table, and its Gantt chart (``xlsx_charts.gantt``) beside the
data. Timeline: the plan's facts
and the proposals, below the events.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from . import xlsx_charts
from .i18n import N_, Phrase, say, translations
from .timescale import TimeScale, time_scale
from .views import Column, Kind, Table, Value
from .views_estimate import EstimateView
from .xlsx import put, write_block, write_facts
from .xlsx_format import span

CHART_BARS = 50
_TITLE_FONT = Font(bold=True, size=13, color="1F3A5F")


def _merge_widths(ws: Any, widths: dict[int, int]) -> None:
    """Widen columns for the extra blocks, never narrower than the table above made them."""
    for c, width in widths.items():
        dim = ws.column_dimensions[get_column_letter(c)]
        dim.width = max(dim.width or 0, min(max(width, 8), 60))


def _chart_data(view: EstimateView) -> tuple[Table, TimeScale]:
    """The longest mailboxes' start, P50 and the rest up to P90 (or, with several waves,
    each wave's), in the unit the schedule's span calls for (minutes or hours)."""
    s = view.schedule
    items: list[tuple[Value, float, float, float]]  # label, start, P50, P90 (seconds)
    if s.waves:
        items = [(w.label, w.start_s, w.p50_s, w.p90_s) for w in s.waves[:CHART_BARS]]
    else:
        bars = s.longest(CHART_BARS)
        items = [(b.address, b.start_s, b.end_s - b.start_s, b.p90_s) for b in bars]
    span = max((start + max(p50, p90) for _, start, p50, p90 in items), default=0.0)
    scale = time_scale(span)
    rows: tuple[tuple[Value, ...], ...] = tuple(
        (label, scale.of(start), scale.of(p50), scale.of(max(0.0, p90 - p50)))
        for label, start, p50, p90 in items
    )
    decimals = scale.decimals + 1  # the figures one finer than the axis
    first = (
        Column("wave", N_("Wave"), width=16)
        if s.waves
        else Column("mailbox", N_("Mailbox"), width=30)
    )
    columns = (
        first,
        Column("starts_after", N_("Starts after"), Kind.FLOAT, 12, decimals=decimals,
               unit=scale.unit),
        Column("p50", N_("Duration, P50"), Kind.FLOAT, 12, decimals=decimals, unit=scale.unit),
        Column("p90", N_("Up to P90"), Kind.FLOAT, 12, decimals=decimals, unit=scale.unit),
    )  # fmt: skip
    return Table("schedule_chart", N_("Chart data"), columns, rows), scale


def _estimate(
    ws: Any, last: int, end: int, width: int, view: EstimateView, language: str
) -> tuple[int, tuple[str, ...]]:
    """Chart data to the right of the table, the chart to the right of the data; returns
    the table's last row and the range of the data and chart (printed on pages of their own)."""
    _ = translations(language).gettext
    data, scale = _chart_data(view)
    n = len(data.rows)
    if not n:
        return end, ()
    left = width + 2
    widths: dict[int, int] = {}
    bottom = write_block(ws, 1, data, _, widths, language, left)
    waves = view.schedule.waves
    total = len(waves or view.schedule.bars)
    if n < total:
        msgid = (
            N_("The chart shows the first %(shown)s of %(total)s waves")
            if waves
            else N_("The chart shows the %(shown)s longest of %(total)s mailboxes")
        )
        bottom += 2
        note = Phrase(msgid, (("shown", n), ("total", total)))
        put(ws, bottom, left, say(note, language)).font = Font(italic=True)
    _merge_widths(ws, widths)
    anchor = left + len(data.columns) + 1
    chart = xlsx_charts.gantt(ws, left, n, f"{get_column_letter(anchor)}1", _, scale)
    if waves:
        chart.title = _("The waves of the bulk copy, one after another (P50 and P90)")
    right = span(ws, anchor, chart.width)
    bottom = max(bottom, xlsx_charts.rows_for(chart.height))
    return end, (f"{get_column_letter(left)}1:{get_column_letter(right)}{bottom}",)


def _timeline(
    ws: Any, last: int, end: int, width: int, view: EstimateView, language: str
) -> tuple[int, tuple[str, ...]]:
    """The plan's facts, then the proposals, below the events (and their notes, to ``end``);
    returns the last row used."""
    _ = translations(language).gettext
    widths: dict[int, int] = {}
    r = end + 2
    put(ws, r, 1, _(view.plan.title)).font = _TITLE_FONT
    r = write_facts(ws, r + 1, view.plan, _, widths, language)
    if view.proposals.rows:
        r += 2
        put(ws, r, 1, _(view.proposals.title)).font = _TITLE_FONT
        r = write_block(ws, r + 1, view.proposals, _, widths, language)
    _merge_widths(ws, widths)
    return r, ()


Extra = Callable[[Any, int, int, int, EstimateView, str], tuple[int, tuple[str, ...]]]
EXTRAS: dict[str, Extra] = {
    "estimate": _estimate,
    "timeline": _timeline,
}
