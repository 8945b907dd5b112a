"""The workbook: a summary sheet, then one sheet with an Excel table per data view.

Sizes: the model keeps bytes; the workbook stores *MB (or GB) as a number* in a column
whose header says the unit ("Size (MB)"), with a plain ``#,##0.0`` format. Excel's
thousands-scaling formats (``0.0,,``) divide by 1000, not 1024, so a format on bytes
cannot show binary MB. bytes / 2**20 is exact in a float, so no byte is lost and the
column sums and filters like any number. Unknown stays an empty cell.

Every string is written as a string (``data_type = "s"``), never a formula, and passed
through ``visible()`` first.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table as XlTable
from openpyxl.worksheet.table import TableStyleInfo

from . import xlsx_format
from .i18n import N_, Phrase, Word, say, translations
from .money import excel_format
from .text import visible
from .views import (
    NUMERIC,
    SUMMARY,
    TIMES,
    Column,
    Fact,
    FactList,
    Kind,
    Report,
    Table,
    is_alert,
)
from .views import Value as ViewValue

Gettext = Callable[[str], str]
CellValue = str | int | float | Decimal | datetime | None

MAX_CELL_TEXT = 32767  # Excel's limit for one cell
MAX_WIDTH = 60  # characters: the widest a column is made
_WRAP = Alignment(wrap_text=True, vertical="top")
# A number or date sits right, one indent clear of the next column's text ("0.0Fits ...")
RIGHT = Alignment(horizontal="right", indent=1)
_EMPTY_FONT = Font(italic=True, color="5B6878")
EMPTY = N_("Nothing to list.")
_ROW_PT = 15.0  # a row's default height
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_ALERT_FILL = PatternFill("solid", fgColor="FFC7CE")
_ALERT_FONT = Font(color="9C0006", bold=True)
_HEAD_FILL = PatternFill("solid", fgColor="1F3A5F")
_HEAD_FONT = Font(color="FFFFFF", bold=True)
_FACT_VALUE = Alignment(horizontal="left", vertical="top")
_AFTER_FIGURE = Alignment(horizontal="left", indent=1)
NOTE = N_(
    "Sizes are in binary units (1 MB = 1024 × 1024 bytes). Times are in UTC unless a "  # noqa: RUF001
    "heading names a time zone. An empty cell where a figure is expected means unknown, never 0."
)
_FORMATS = {
    Kind.INT: "#,##0",
    Kind.PERCENT: "0.0%",
    Kind.DATETIME: "yyyy-mm-dd hh:mm",
    Kind.DATE: "yyyy-mm-dd",
    Kind.MOMENT: "ddd yyyy-mm-dd hh:mm",
    Kind.HOURS: "#,##0.0",
}
_UNITS = {Kind.BYTES: "MB", Kind.GB: "GB", Kind.HOURS: "h"}


def sheet_name(title: str, taken: Iterable[str] = ()) -> str:
    """A valid, unique sheet name: <= 31 characters, none of []:*?/\\."""
    base = _BAD_SHEET_CHARS.sub("-", visible(title)).strip("'")[:31] or "Sheet"
    name, n = base, 2
    lowered = {t.lower() for t in taken}
    while name.lower() in lowered:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    return name


def header(column: Column | Fact, _: Gettext) -> str:
    text = _(column.label) if not isinstance(column, Column) or column.translate else column.label
    unit = column.unit if isinstance(column, Column) and column.unit else _UNITS.get(column.kind)
    return f"{text} ({unit})" if unit else text


def cell_value(
    value: ViewValue,
    kind: Kind,
    _: Gettext,
    decimals: int = 1,
    language: str = "en",
    unit: str | None = None,
) -> tuple[CellValue, str]:
    """(value to store, number format) for one view value; ``unit``: a MONEY currency."""
    if value is None:
        return None, "General"
    if kind is Kind.MONEY and isinstance(value, Decimal | int):
        return value, excel_format(unit, language)
    if isinstance(value, Word):
        return _(value.msgid), "@"
    if isinstance(value, Phrase):
        value = say(value, language, visible)
    if isinstance(value, str):
        text = visible(value)
        if len(text) > MAX_CELL_TEXT:
            text = text[: MAX_CELL_TEXT - 1] + "\u2026"
        return text, "@"
    if isinstance(value, bool):
        return (_("Yes") if value else _("No")), "@"
    fraction = "." + "0" * decimals if decimals else ""
    if kind is Kind.BYTES and isinstance(value, int):
        return value / 2**20, "#,##0" + fraction
    if kind is Kind.GB and isinstance(value, int):
        return value / 2**30, "#,##0.00"
    if kind is Kind.HOURS and not isinstance(value, datetime):
        return value / 3600, "#,##0.0"
    if kind is Kind.FLOAT:
        return value, "#,##0" + fraction
    if isinstance(value, datetime):
        return value, _FORMATS.get(kind, "yyyy-mm-dd hh:mm")
    return value, _FORMATS.get(kind, "General")


def put(ws: Any, row: int, col: int, value: CellValue, fmt: str = "General") -> Any:
    cell = ws.cell(row=row, column=col)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, never an error code
    elif value is not None:
        cell.number_format = fmt
    if not isinstance(value, str) and fmt != "General":
        cell.alignment = RIGHT
    return cell


def right_aligned(column: Column) -> bool:
    """Whether a column's cells stand right (numbers, dates): its header stands so too."""
    return column.kind in NUMERIC or column.kind in TIMES


def _alert(cell: Any) -> None:
    cell.fill = _ALERT_FILL
    cell.font = _ALERT_FONT


def _wrap(ws: Any, cell: Any, text: str, width: int) -> None:
    """Wrap a text longer than its column can grow, and make its row tall enough for it
    (neither Excel nor LibreOffice sizes a row written without a height)."""
    cell.alignment = _WRAP
    lines = sum(max(1, math.ceil(len(line) / (width - 2))) for line in text.splitlines())
    row = ws.row_dimensions[cell.row]
    row.height = max(row.height or _ROW_PT, min(_ROW_PT * lines, 409))  # 409: Excel's most


def _text_len(value: CellValue) -> int:
    if isinstance(value, str):
        return max((len(line) for line in value.splitlines()), default=0)
    return 12 if value is not None else 0


def _write_rows(
    ws: Any,
    top: int,
    columns: tuple[Column, ...],
    rows: Iterable[tuple[ViewValue, ...]],
    _: Gettext,
    widths: dict[int, int],
    language: str = "en",
    left: int = 1,
) -> int:
    """Write a header row at ``top`` and the rows below it; return the last row written."""
    for c, column in enumerate(columns, start=left):
        text = header(column, _)
        head = put(ws, top, c, text)
        if right_aligned(column):
            head.alignment = RIGHT
        widths[c] = max(widths.get(c, 0), len(text) + 3)
    r = top
    for r, row in enumerate(rows, start=top + 1):
        wrapped = False
        for c, (column, value) in enumerate(zip(columns, row, strict=True), start=left):
            stored, fmt = cell_value(value, column.kind, _, column.decimals, language, column.unit)
            cell = put(ws, r, c, stored, fmt)
            if isinstance(stored, str) and c > left and right_aligned(columns[c - left - 1]):
                cell.alignment = _AFTER_FIGURE  # text right after a column of figures
            if is_alert(column, value):
                _alert(cell)
            length = _text_len(stored) + 2
            if isinstance(stored, str) and length > min(column.width * 2, MAX_WIDTH):
                _wrap(ws, cell, stored, min(column.width * 2, MAX_WIDTH))
                wrapped = True
            if r - top <= 500:
                widths[c] = max(widths.get(c, 0), min(length, column.width * 2))
        if wrapped:  # a tall row: every cell at the top, beside the start of the long text
            for c in range(left, left + len(columns)):
                cell = ws.cell(row=r, column=c)
                cell.alignment = Alignment(
                    horizontal=cell.alignment.horizontal, wrap_text=cell.alignment.wrap_text,
                    indent=cell.alignment.indent, vertical="top",
                )  # fmt: skip
    return r


def _nothing(ws: Any, row: int, col: int, _: Gettext) -> None:
    """Under an empty table's header: what the HTML says there, not a bare header row."""
    put(ws, row, col, _(EMPTY)).font = _EMPTY_FONT


def _set_widths(ws: Any, widths: dict[int, int]) -> None:
    for c, width in widths.items():
        ws.column_dimensions[get_column_letter(c)].width = min(max(width, 8), MAX_WIDTH)


def write_facts(
    ws: Any, top: int, block: FactList, _: Gettext, widths: dict[int, int], language: str = "en"
) -> int:
    r = top
    for r, fact in enumerate(block.facts, start=top):
        label = header(fact, _)
        put(ws, r, 1, label).font = Font(bold=True)
        stored, fmt = cell_value(fact.value, fact.kind, _, language=language, unit=fact.unit)
        cell = put(ws, r, 2, stored, fmt)
        cell.alignment = _FACT_VALUE  # a label/value pair, not a column of figures
        if fact.value is None and (fact.kind in NUMERIC or fact.kind in TIMES):
            put(ws, r, 3, _("unknown"))
        elif fact.note is not None:
            put(ws, r, 3, _(fact.note.msgid)).font = Font(italic=True)
        if fact.alert:
            _alert(cell)
        widths[1] = max(widths.get(1, 0), len(label) + 2)
        widths[2] = max(widths.get(2, 0), _text_len(stored) + 2)
    return r


def _write_summary(ws: Any, report: Report, _: Gettext, language: str) -> str:
    """The summary's blocks, then its charts; returns the print area."""
    from . import xlsx_charts  # builds on this module's writers

    widths: dict[int, int] = {}
    blocks: dict[str, tuple[int, int]] = {}  # a table block's key -> (header row, last row)
    put(ws, 1, 1, _(report.title)).font = Font(bold=True, size=16, color="1F3A5F")
    put(ws, 2, 1, visible(report.client)).font = Font(size=12)
    r = 3
    if report.insecure_sources:
        r += 1
        text = _("Warning: the TLS certificate of these sources was not verified: %(sources)s")
        _alert(put(ws, r, 1, text % {"sources": ", ".join(map(visible, report.insecure_sources))}))
    for block in report.summary:
        r += 2
        put(ws, r, 1, _(block.title)).font = Font(bold=True, size=13, color="1F3A5F")
        if isinstance(block, FactList):
            r = write_facts(ws, r + 1, block, _, widths, language)
        else:
            head = r + 1
            r = write_block(ws, head, block, _, widths, language)
            blocks[block.key] = (head, r)
            r = write_notes(ws, r + 1, block, language)
    r += 2
    put(ws, r, 1, _(NOTE)).font = Font(italic=True, color="5B6878")
    _set_widths(ws, widths)
    r, right = xlsx_charts.summary_charts(ws, r + 2, report, blocks, _, language)
    ws.sheet_view.showGridLines = False
    return f"A1:{get_column_letter(max(ws.max_column, right))}{r}"


def write_block(
    ws: Any,
    top: int,
    table: Table,
    _: Gettext,
    widths: dict[int, int],
    language: str,
    left: int = 1,
) -> int:
    """A table that is not an Excel table: a shaded header row and the rows below it."""
    r = _write_rows(ws, top, table.columns, table.rows, _, widths, language, left)
    for c in range(left, left + len(table.columns)):
        ws.cell(row=top, column=c).fill = _HEAD_FILL
        ws.cell(row=top, column=c).font = _HEAD_FONT
    if not table.rows:
        r = top + 1
        _nothing(ws, r, left, _)
    return r


def _write_table(ws: Any, table: Table, _: Gettext, language: str) -> int:
    """The sheet's Excel table at A1; returns its last row."""
    widths: dict[int, int] = {}
    last = _write_rows(ws, 1, table.columns, table.rows, _, widths, language)
    # An Excel table needs at least one data row: an empty view gets a blank one.
    ref = f"A1:{get_column_letter(len(table.columns))}{max(last, 2)}"
    xl = XlTable(displayName=f"tbl_{table.key}", ref=ref)
    xl.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    ws.add_table(xl)
    ws.freeze_panes = ws.cell(row=2, column=table.frozen_columns + 1).coordinate
    for c, column in enumerate(table.columns, start=1):
        ws.cell(row=1, column=c).alignment = Alignment(
            horizontal="right" if right_aligned(column) else None,
            indent=1 if right_aligned(column) else 0,
            wrap_text=True,
            vertical="center",
        )
    if not table.rows:  # the table's blank data row says why it is blank
        _nothing(ws, 2, 1, _)
    _set_widths(ws, widths)
    return max(last, 2)


def write_notes(ws: Any, top: int, table: Table, language: str) -> int:
    """The table's notes, one a row from ``top``; returns the last row used."""
    r = top - 1
    for r, note in enumerate(table.notes, start=top):
        text = say(note, language, visible) if isinstance(note, Phrase) else None
        text = text or translations(language).gettext(note.msgid)
        put(ws, r, 1, text).font = Font(italic=True)
    return max(r, top - 1)


def _after_table(ws: Any, last: int, table: Table, _: Gettext, language: str) -> int:
    """Notes, then the extra tables, below the sheet's table; returns the last row used."""
    widths: dict[int, int] = {}
    r = write_notes(ws, last + 2, table, language)
    for extra in table.extras:
        r += 2
        put(ws, r, 1, _(extra.title)).font = Font(bold=True, size=13, color="1F3A5F")
        r = write_block(ws, r + 1, extra, _, widths, language)
    for c, width in widths.items():
        dim = ws.column_dimensions[get_column_letter(c)]
        dim.width = max(dim.width or 0, min(max(width, 8), 60))
    return r if table.notes or table.extras else last


def _protect(ws: Any, table: Table, _: Gettext) -> None:
    """Lock the sheet (no password) but the editable columns' cells; a list for choices.
    Filtering, sorting and resizing stay allowed."""
    editable = [(c, col) for c, col in enumerate(table.columns, start=1) if col.editable]
    if not editable:
        return
    last = max(len(table.rows) + 1, 2)
    for c, column in editable:
        for r in range(2, last + 1):
            ws.cell(row=r, column=c).protection = Protection(locked=False)
        if column.choices:
            words = ",".join(_(w.msgid) for w in column.choices)
            letter = get_column_letter(c)
            check = DataValidation(type="list", formula1=f'"{words}"', allow_blank=True)
            check.add(f"{letter}2:{letter}{last}")
            ws.add_data_validation(check)
    ws.protection.sheet = True
    ws.protection.autoFilter = False
    ws.protection.sort = False
    ws.protection.formatColumns = False
    ws.protection.formatRows = False


def build(report: Report, language: str) -> bytes:
    """The workbook as bytes."""
    _ = translations(language).gettext
    wb = Workbook()
    summary = wb.active
    summary.title = sheet_name(_(SUMMARY))
    from . import xlsx_charts, xlsx_estimate  # build on this module's writers

    xlsx_format.print_setup(summary, report, _, [_write_summary(summary, report, _, language)])
    for table in report.sheets:
        ws = wb.create_sheet(sheet_name(_(table.title), wb.sheetnames))
        last = _write_table(ws, table, _, language)
        end = _after_table(ws, last, table, _, language)
        right = max(len(t.columns) for t in (table, *table.extras))
        _protect(ws, table, _)
        sides: tuple[str, ...] = ()  # blocks beside the table, printed on pages of their own
        if report.estimate is not None and table.key in xlsx_estimate.EXTRAS:
            extra = xlsx_estimate.EXTRAS[table.key]
            end, sides = extra(ws, last, end, len(table.columns), report.estimate, language)
        if table.key in xlsx_charts.SHEET_CHARTS:
            end, chart_right = xlsx_charts.SHEET_CHARTS[table.key](ws, end + 3, report, _, language)
            right = max(right, chart_right)
        xlsx_format.conditional(ws, table, _, last)
        plan = xlsx_format.print_plan(ws, table, right)
        main = f"A1:{get_column_letter(plan.last_column)}{end}"
        xlsx_format.print_setup(ws, report, _, [main, *sides], "1:1", plan)
    xlsx_format.properties(wb, report, _, language)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
