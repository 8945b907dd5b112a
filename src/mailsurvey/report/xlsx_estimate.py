"""What the Estimate and Timeline sheets hold besides their Excel table.

Estimate: a Gantt chart of the P50 schedule (a stacked horizontal bar chart whose first
series, the start, is invisible), for the longest mailboxes, from a small block of chart
data beside the table. Timeline: the plan's facts and the proposals, below the events.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from openpyxl.chart import BarChart, Reference
from openpyxl.chart.data_source import AxDataSource, StrRef
from openpyxl.chart.legend import Legend, LegendEntry
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.drawing.line import LineProperties
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .i18n import N_, Phrase, say, translations
from .views import Column, Kind, Table, Value
from .views_estimate import EstimateView
from .xlsx import put, write_block, write_facts

CHART_BARS = 50
_TITLE_FONT = Font(bold=True, size=13, color="1F3A5F")
_P50_FILL, _P90_FILL = "1F3A5F", "A9BCD6"


def _merge_widths(ws: Any, widths: dict[int, int]) -> None:
    """Widen columns for the extra blocks, never narrower than the table above made them."""
    for c, width in widths.items():
        dim = ws.column_dimensions[get_column_letter(c)]
        dim.width = max(dim.width or 0, min(max(width, 8), 60))


def _chart_data(view: EstimateView) -> Table:
    bars = view.schedule.longest(CHART_BARS)
    rows: tuple[tuple[Value, ...], ...] = tuple(
        (b.address, b.start_s, b.end_s - b.start_s, max(0.0, b.p90_s - (b.end_s - b.start_s)))
        for b in bars
    )
    columns = (
        Column("mailbox", N_("Mailbox"), width=30),
        Column("starts_after", N_("Starts after"), Kind.HOURS, 12),
        Column("p50", N_("Duration, P50"), Kind.HOURS, 12),
        Column("p90", N_("Up to P90"), Kind.HOURS, 12),
    )
    return Table("schedule_chart", N_("Chart data"), columns, rows)


def _estimate(ws: Any, last: int, width: int, view: EstimateView, language: str) -> None:
    """Chart data to the right of the table, the chart to the right of the data."""
    _ = translations(language).gettext
    data = _chart_data(view)
    n = len(data.rows)
    if not n:
        return
    left = width + 2
    widths: dict[int, int] = {}
    end = write_block(ws, 1, data, _, widths, language, left)
    total = len(view.schedule.bars)
    if n < total:
        note = Phrase(
            N_("The chart shows the %(shown)s longest of %(total)s mailboxes"),
            (("shown", n), ("total", total)),
        )
        put(ws, end + 2, left, say(note, language)).font = Font(italic=True)
    _merge_widths(ws, widths)

    chart = BarChart()
    chart.type = "bar"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.gapWidth = 40
    values = Reference(ws, min_col=left + 1, max_col=left + 3, min_row=1, max_row=1 + n)
    chart.add_data(values, titles_from_data=True)
    names = Reference(ws, min_col=left, min_row=2, max_row=1 + n)
    start, p50, p90 = chart.series
    for series in chart.series:  # the mailboxes' names: text, so a string reference
        series.cat = AxDataSource(strRef=StrRef(f=str(names)))
    start.graphicalProperties = GraphicalProperties(noFill=True)
    start.graphicalProperties.line = LineProperties(noFill=True)
    for series, color in ((p50, _P50_FILL), (p90, _P90_FILL)):
        series.graphicalProperties = GraphicalProperties(solidFill=color)
    chart.x_axis.scaling.orientation = "maxMin"  # the first to start at the top
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.y_axis.axPos = "b"  # the hours run along the bottom of a horizontal bar chart
    chart.y_axis.title = _("Hours from the bulk start")
    chart.y_axis.majorGridlines = None
    chart.title = _("Bulk copy schedule (P50)")
    chart.legend = Legend(legendEntry=[LegendEntry(idx=0, delete=True)], legendPos="b")
    chart.width = 24
    chart.height = min(60.0, 4 + 0.55 * n)
    ws.add_chart(chart, f"{get_column_letter(left + len(data.columns) + 1)}1")


def _timeline(ws: Any, last: int, width: int, view: EstimateView, language: str) -> None:
    """The plan's facts, then the proposals, below the events."""
    _ = translations(language).gettext
    widths: dict[int, int] = {}
    r = last + 2
    put(ws, r, 1, _(view.plan.title)).font = _TITLE_FONT
    r = write_facts(ws, r + 1, view.plan, _, widths, language)
    if view.proposals.rows:
        r += 2
        put(ws, r, 1, _(view.proposals.title)).font = _TITLE_FONT
        write_block(ws, r + 1, view.proposals, _, widths, language)
    _merge_widths(ws, widths)


EXTRAS: dict[str, Callable[[Any, int, int, EstimateView, str], None]] = {
    "estimate": _estimate,
    "timeline": _timeline,
}
