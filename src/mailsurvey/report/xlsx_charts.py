"""Native charts of the workbook (openpyxl.chart), drawn from the report's views.

A chart reads cells, so each one stands beside the block of figures it draws: the largest
mailboxes and the message size histogram on the Summary (below its blocks, in the printed
flow), the waves at a glance on the Waves sheet, the P50 schedule (a Gantt chart) on the
Estimate sheet. An unknown figure is an empty cell, which a chart leaves out (a gap, never
a bar of 0); the note under the chart says what was left out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.data_source import AxDataSource, StrRef
from openpyxl.chart.label import DataLabelList
from openpyxl.chart.legend import Legend
from openpyxl.chart.marker import DataPoint, Marker
from openpyxl.chart.series import SeriesLabel
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.drawing.line import LineProperties
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from ..assess.waves import Wave
from ..model import SIZE_BUCKETS
from .aggregate import MailboxTotals
from .i18n import N_, Phrase, Word, say
from .timescale import TimeScale
from .views import Column, Kind, Report, Table, Value
from .views_waves import status
from .xlsx import Gettext, put, write_block
from .xlsx_format import span

LARGEST = 20  # mailboxes in the Summary's bar chart
CHART_WIDTH = 16.0  # cm, of each chart on the Summary
TITLE_FONT = Font(bold=True, size=13, color="1F3A5F")
NOTE_FONT = Font(italic=True, color="5B6878")
BLUE, LIGHT_BLUE, RED, AMBER = "1F3A5F", "A9BCD6", "C0504D", "E69F00"
ROW_CM = 0.53  # a default row (15 pt)
_OVER_35MB = SIZE_BUCKETS.index(35 * 2**20) + 1  # the first histogram class of 35 MB or more

LARGEST_TITLE = N_("The %(count)s largest mailboxes")
UNKNOWN_SIZE_LEFT_OUT = N_(
    "Mailboxes whose size is unknown, left out: %(count)s (any of them may be larger)."
)
HISTOGRAM_LOWER_BOUND = Word(
    "Only folders whose message sizes are known are counted: the bars are lower bounds."
)
HISTOGRAM_NOTE = Word("Message classes of 35 MB and more are red: many targets refuse them.")
WAVES_NOTE = Word(
    "A wave with a mailbox of unknown duration has no P90 point, one with a mailbox of"
    " unknown size no size: they are not drawn as 0."
)


def rows_for(height_cm: float) -> int:
    """Rows a chart of this height covers, and one to spare."""
    return int(height_cm / ROW_CM) + 2


def _axes_shown(chart: Any) -> None:
    chart.x_axis.delete = False  # openpyxl 3.1 hides the axes unless told
    chart.y_axis.delete = False


def _text_categories(chart: Any, ref: Reference) -> None:
    """Category labels that are text (addresses): a string reference, not a number one."""
    for series in chart.series:
        series.cat = AxDataSource(strRef=StrRef(f=str(ref)))


def _note(ws: Any, row: int, col: int, text: str) -> int:
    put(ws, row, col, text).font = NOTE_FONT
    return row


def merge_widths(ws: Any, widths: dict[int, int]) -> None:
    """Widen columns for a block, never narrower than what is above made them."""
    for c, width in widths.items():
        dim = ws.column_dimensions[get_column_letter(c)]
        dim.width = max(dim.width or 0, min(max(width, 8), 60))


# -- Summary ------------------------------------------------------------------------------


def summary_charts(
    ws: Any, top: int, report: Report, blocks: dict[str, tuple[int, int]], _: Gettext, language: str
) -> tuple[int, int]:
    """Below the summary's blocks: the largest mailboxes and the message size histogram
    side by side, their notes, then the block of the largest mailboxes the first chart
    draws (the histogram draws the summary's block ``histogram``, at the rows ``blocks``
    gives). Returns the last row and column used."""
    known = sorted(
        (m for m in report.mailboxes if m.bytes is not None),
        key=lambda m: (-(m.bytes or 0), m.address),
    )
    shown = known[:LARGEST]
    histogram = "histogram" in blocks and any(report.totals.histogram)
    if not shown and not histogram:
        return top - 2, 1
    put(ws, top, 1, _("Charts")).font = TITLE_FONT
    height = max(7.5, 2.5 + 0.5 * len(shown)) if shown else 7.5
    below = top + 1 + rows_for(height)  # the charts' notes, then the block
    block_top = below + 3
    right = col = 1
    if shown:
        title = say(Phrase(LARGEST_TITLE, (("count", len(shown)),)), language)
        largest_chart(ws, f"A{top + 1}", block_top + 2, len(shown), title, height)
        right = span(ws, 1, CHART_WIDTH)
        col = right + 2
        if len(known) < len(report.mailboxes):
            unknown = len(report.mailboxes) - len(known)
            _note(ws, below, 1, say(Phrase(UNKNOWN_SIZE_LEFT_OUT, (("count", unknown),)), language))
    if histogram:
        head, last = blocks["histogram"]
        size_histogram(ws, f"{get_column_letter(col)}{top + 1}", 1, head + 1, last, height, _)
        right = span(ws, col, CHART_WIDTH)
        _note(ws, below, col, _(HISTOGRAM_NOTE.msgid))
        if not report.totals.histogram_complete:
            _note(ws, below + 1, col, _(HISTOGRAM_LOWER_BOUND.msgid))
    if not shown:
        return below + 1, right
    put(ws, block_top, 1, title).font = TITLE_FONT
    block = Table(
        "largest_mailboxes",
        LARGEST_TITLE,
        (
            Column("address", N_("Mailbox"), width=30),
            Column("bytes", N_("Size"), Kind.BYTES, 12),
            Column("messages", N_("Messages"), Kind.INT, 12),
        ),
        tuple(
            (label, m.bytes, m.messages)
            for label, m in zip(largest_labels(shown), shown, strict=True)
        ),
    )
    widths: dict[int, int] = {}
    last = write_block(ws, block_top + 1, block, _, widths, language)
    merge_widths(ws, widths)
    return last, right


def largest_labels(shown: Sequence[MailboxTotals]) -> list[str]:
    """The address of each mailbox, with " · source" when the address is shown more than
    once (the same organisation scanned over IMAP and Exchange), as the HTML chart does."""
    addresses = [m.address.lower() for m in shown]
    return [
        f"{m.address} \u00b7 {m.source}" if addresses.count(m.address.lower()) > 1 else m.address
        for m in shown
    ]


def largest_chart(ws: Any, at: str, first: int, n: int, title: str, height: float) -> None:
    """A horizontal bar chart of the sizes (MB) in column B, rows ``first``.., by the
    addresses in column A: the largest at the top."""
    chart = BarChart()
    chart.type = "bar"
    chart.gapWidth = 40
    last = first + n - 1
    chart.add_data(Reference(ws, min_col=2, min_row=first, max_row=last), titles_from_data=False)
    _text_categories(chart, Reference(ws, min_col=1, min_row=first, max_row=last))
    chart.series[0].graphicalProperties = GraphicalProperties(solidFill=BLUE)
    chart.x_axis.scaling.orientation = "maxMin"  # the largest at the top
    chart.y_axis.crosses = "max"  # ... and the MB axis at the bottom
    chart.y_axis.title = "MB"
    chart.y_axis.number_format = "#,##0"
    chart.y_axis.majorGridlines = None
    _axes_shown(chart)
    chart.title = title
    chart.legend = None
    chart.width, chart.height = CHART_WIDTH, height
    ws.add_chart(chart, at)


def size_histogram(
    ws: Any, at: str, labels_col: int, first: int, last: int, height: float, _: Gettext
) -> None:
    """A column chart of the Summary's message size block (its labels in ``labels_col``,
    the counts beside them, rows ``first``..``last``); classes of 35 MB and more in red."""
    chart = BarChart()
    chart.type = "col"
    chart.gapWidth = 30
    chart.add_data(
        Reference(ws, min_col=labels_col + 1, min_row=first, max_row=last), titles_from_data=False
    )
    _text_categories(chart, Reference(ws, min_col=labels_col, min_row=first, max_row=last))
    series = chart.series[0]
    series.graphicalProperties = GraphicalProperties(solidFill=BLUE)
    for i in range(_OVER_35MB, last - first + 1):
        series.dPt.append(DataPoint(idx=i, spPr=GraphicalProperties(solidFill=RED)))
    series.dLbls = DataLabelList(showVal=True)  # a class of 3 next to one of 100,000
    for flag in ("showSerName", "showCatName", "showLegendKey", "showPercent"):
        setattr(series.dLbls, flag, False)
    chart.y_axis.title = _("Messages")
    chart.x_axis.title = _("Message size")
    _axes_shown(chart)
    chart.title = _("Message sizes")
    chart.legend = None
    chart.width, chart.height = CHART_WIDTH, height
    ws.add_chart(chart, at)


# -- Waves --------------------------------------------------------------------------------


def _wave_rows(report: Report) -> tuple[tuple[Value, ...], ...]:
    assert report.waves is not None
    plan = report.waves.waves
    sizes = {m.address.lower(): m.bytes for m in report.mailboxes}

    def size(w: Wave) -> int | None:
        each = [sizes.get(a.lower()) for a in w.mailboxes]
        return None if any(s is None for s in each) else sum(s or 0 for s in each)

    return tuple(
        (
            w.number,
            len(w.mailboxes),
            size(w),
            None if w.unknown or w.work_s is None else w.makespan_s,
            plan.window_s,
            status(w),
        )
        for w in plan.waves
    )


def waves(ws: Any, top: int, report: Report, _: Gettext, language: str) -> tuple[int, int]:
    """Below the Waves sheet's tables: the waves at a glance, then a chart of mailboxes
    (bars) and P90 duration against the window (lines) per wave. Returns the last row and
    column used."""
    if report.waves is None or not report.waves.waves.waves:
        return top - 1, 1
    block = Table(
        "waves_chart",
        N_("Waves at a glance"),
        (
            Column("wave", N_("Wave"), Kind.INT, 8),
            Column("count", N_("Mailboxes"), Kind.INT, 10),
            Column("size", N_("Size"), Kind.GB, 10),
            Column("p90", N_("Duration, P90"), Kind.HOURS, 12),
            Column("window", N_("Migration window"), Kind.HOURS, 12),
            Column("status", N_("Wave status"), width=22),
        ),
        _wave_rows(report),
    )
    put(ws, top, 1, _(block.title)).font = TITLE_FONT
    head = top + 1
    widths: dict[int, int] = {}
    last = write_block(ws, head, block, _, widths, language)
    merge_widths(ws, widths)
    note = _note(ws, last + 1, 1, _(WAVES_NOTE.msgid))

    bars = BarChart()
    bars.type = "col"
    bars.add_data(Reference(ws, min_col=2, min_row=head, max_row=last), titles_from_data=True)
    bars.set_categories(Reference(ws, min_col=1, min_row=head + 1, max_row=last))
    bars.series[0].graphicalProperties = GraphicalProperties(solidFill=LIGHT_BLUE)
    bars.y_axis.title = _("Mailboxes")
    bars.x_axis.title = _("Wave")
    hours = LineChart()
    hours.add_data(
        Reference(ws, min_col=4, max_col=5, min_row=head, max_row=last), titles_from_data=True
    )
    p90, window = hours.series
    p90.graphicalProperties.line = LineProperties(solidFill=BLUE, w=28575)
    p90.marker = Marker(symbol="circle", size=7)
    p90.marker.graphicalProperties = GraphicalProperties(solidFill=BLUE)
    window.graphicalProperties.line = LineProperties(solidFill=RED, prstDash="dash", w=19050)
    window.marker = Marker(symbol="none")
    hours.y_axis.axId = 200  # a second value axis, on the right, in hours
    hours.y_axis.title = _("Hours")
    hours.y_axis.crosses = "max"
    hours.y_axis.majorGridlines = None
    _axes_shown(bars)
    hours.y_axis.delete = False
    bars += hours
    bars.title = _("Waves at a glance")
    bars.legend = Legend(legendPos="b")
    bars.width, bars.height = 18.0, 8.0
    ws.add_chart(bars, f"A{note + 2}")
    return note + 2 + rows_for(bars.height), span(ws, 1, bars.width)


# -- Estimate -----------------------------------------------------------------------------


def gantt(ws: Any, left: int, n: int, at: str, _: Gettext, scale: TimeScale) -> Any:
    """The P50 schedule as a stacked horizontal bar chart over the chart data at column
    ``left`` (mailbox, starts after, P50, up to P90; header in row 1, figures in the
    ``scale``'s unit): the first series, the start, is invisible, so each bar floats from
    its start. The first to start is at the top, the time along the bottom."""
    chart = BarChart()
    chart.type = "bar"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.gapWidth = 40
    values = Reference(ws, min_col=left + 1, max_col=left + 3, min_row=1, max_row=1 + n)
    chart.add_data(values, titles_from_data=True)
    _text_categories(chart, Reference(ws, min_col=left, min_row=2, max_row=1 + n))
    start, p50, p90 = chart.series
    start.tx = SeriesLabel(v=" ")  # no name in the legend (LibreOffice misplaces a deletion)
    start.graphicalProperties = GraphicalProperties(noFill=True)
    start.graphicalProperties.line = LineProperties(noFill=True)
    for series, color in ((p50, BLUE), (p90, LIGHT_BLUE)):
        series.graphicalProperties = GraphicalProperties(solidFill=color)
    chart.x_axis.scaling.orientation = "maxMin"  # the first to start at the top
    chart.y_axis.crosses = "max"  # ... and the hours along the bottom
    _axes_shown(chart)
    chart.y_axis.title = _(scale.axis)
    chart.y_axis.number_format = "#,##0" + ("." + "0" * scale.decimals if scale.decimals else "")
    chart.y_axis.majorGridlines = None
    chart.title = _("Bulk copy schedule (P50)")
    chart.legend = Legend(legendPos="b")
    chart.width = 24
    chart.height = min(60.0, 4 + 0.55 * n)
    ws.add_chart(chart, at)
    return chart


SheetCharts = Callable[[Any, int, Report, Gettext, str], tuple[int, int]]
SHEET_CHARTS: dict[str, SheetCharts] = {"waves": waves}  # by the sheet's table key
