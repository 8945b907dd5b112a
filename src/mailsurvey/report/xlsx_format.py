"""How the workbook's sheets look and print: conditional formatting, print set-up (page,
print area, header and footer) and the document properties.

Conditional formats are rules on the cells, so they follow the client's own sorting and
editing: severities by their word in the report's language (so they work in nl and pl),
data bars on sizes, a colour scale on quota usage. The static alert fill of a value-level
flag (a failed status, a plain-text connection) stays where the writer put it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl.formatting.rule import CellIsRule, ColorScaleRule, DataBarRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from .. import __version__
from .i18n import N_
from .readiness_words import SEVERITY_WORDS
from .text import visible
from .views import REPORT_TITLE, Report, Table

Gettext = Callable[[str], str]
_SEVERITY_STYLES = {  # (fill, font colour): red, amber, blue
    "blocker": ("FFC7CE", "9C0006"),
    "warning": ("FFEB9C", "9C5700"),
    "info": ("DDEBF7", "1F4E78"),
}
DATA_BARS = frozenset({("mailboxes", "bytes"), ("folders", "bytes")})  # (table, column) keys
_BAR_COLOUR = "5B9BD5"
QUOTA_SHARE = "quota_share"
_HEADER_MAX = 60  # characters of the client's name in the page header (Excel: 255 in all)
GENERATED = N_("Report generated (UTC)")
PAGE = N_("Page %(page)s of %(pages)s")
_CM_PER_PX = 1 / 37.8
_SIDE_MARGIN_IN = 0.5
PAGE_CM = 29.7 - 2 * 2.54 * _SIDE_MARGIN_IN  # A4 landscape, less the side margins
MIN_SCALE = 0.6  # smaller than 60 % of 11 pt (6.6 pt) is hard to read on paper
MAX_SCALE = 70  # percent: pages side by side need not print larger than this
# The last column a printout keeps, by the sheet's table: the Folders sheet's size classes,
# method and source, and the findings' source and English details matter little on paper.
PRINT_UNTIL = {"folders": "newest", "readiness": "fix"}


@dataclass(frozen=True)
class PrintPlan:
    last_column: int  # the rightmost column printed
    pages_wide: int  # pages side by side for the width
    title_columns: int  # columns repeated on every page (the frozen key columns), or 0
    scale: int | None = None  # percent; None: fitted to one page wide


def _scale(pages: int, total_cm: float, titles_cm: float) -> int:
    """The largest scale at which ``pages`` pages hold the columns, the key columns
    repeated on all but the first (a page breaks between columns: 2 % spare)."""
    fits = pages * PAGE_CM / (total_cm + (pages - 1) * titles_cm)
    return min(MAX_SCALE, math.floor(fits * 98))


def _quoted(text: str) -> str:
    """A text constant of a formula: "..." with inner quotes doubled."""
    return '"' + text.replace('"', '""') + '"'


def conditional(ws: Any, table: Table, _: Gettext, last_row: int) -> None:
    """The table's conditional formats, on its data rows 2..``last_row``."""
    for c, column in enumerate(table.columns, start=1):
        letter = get_column_letter(c)
        cells = f"{letter}2:{letter}{max(last_row, 2)}"
        if column.key == "severity":
            for severity, (fill, colour) in _SEVERITY_STYLES.items():
                word = _(SEVERITY_WORDS[severity].msgid)
                rule = CellIsRule(
                    operator="equal",
                    formula=[_quoted(word)],
                    fill=PatternFill("solid", start_color=fill, end_color=fill),
                    font=Font(color=colour, bold=severity == "blocker"),
                )
                ws.conditional_formatting.add(cells, rule)
        elif (table.key, column.key) in DATA_BARS:
            bar = DataBarRule(
                start_type="num", start_value=0, end_type="max", color=_BAR_COLOUR, showValue=True
            )
            ws.conditional_formatting.add(cells, bar)
        elif column.key == QUOTA_SHARE:
            scale = ColorScaleRule(
                start_type="num",
                start_value=0,
                start_color="63BE7B",
                mid_type="num",
                mid_value=0.8,
                mid_color="FFEB84",
                end_type="num",
                end_value=1,
                end_color="F8696B",
            )
            ws.conditional_formatting.add(cells, scale)


def span(ws: Any, first: int, width_cm: float) -> int:
    """The last column a drawing ``width_cm`` wide anchored in column ``first`` covers."""
    col, left = first, width_cm
    while left > 0:
        dim = ws.column_dimensions[get_column_letter(col)]
        chars = dim.width if dim.customWidth and dim.width else 8.43
        left -= (chars * 7 + 5) * _CM_PER_PX
        col += 1
    return col - 1


def column_cm(ws: Any, col: int) -> float:
    dim = ws.column_dimensions[get_column_letter(col)]
    chars = dim.width if dim.customWidth and dim.width else 8.43
    return float((chars * 7 + 5) * _CM_PER_PX)


def print_plan(ws: Any, table: Table, right: int) -> PrintPlan:
    """How a sheet prints: one page wide when its columns fit at ``MIN_SCALE`` or more;
    otherwise as many pages wide as needed at that scale, the frozen key columns repeated
    on every page (unless they would fill half a page), so the font stays readable."""
    keep = PRINT_UNTIL.get(table.key)
    keys = [c.key for c in table.columns]
    last = keys.index(keep) + 1 if keep in keys and right == len(keys) else right
    room = PAGE_CM / MIN_SCALE
    total = sum(column_cm(ws, c) for c in range(1, last + 1))
    if total <= room:
        return PrintPlan(last, 1, 0)
    titles = sum(column_cm(ws, c) for c in range(1, table.frozen_columns + 1))
    if not table.frozen_columns or titles > room / 2:
        pages = math.ceil(total / room)
        return PrintPlan(last, pages, 0, _scale(pages, total, 0.0))
    pages = 1 + math.ceil((total - room) / (room - titles))
    return PrintPlan(last, pages, table.frozen_columns, _scale(pages, total, titles))


def _escaped(text: str) -> str:
    """Text for a header or footer: ``&`` starts a code there, so it is doubled."""
    return visible(text).replace("&", "&&")


def print_setup(
    ws: Any,
    report: Report,
    _: Gettext,
    areas: Sequence[str],
    title_rows: str | None = None,
    plan: PrintPlan | None = None,
) -> None:
    """Landscape A4 fitted to the width (one page, or the plan's pages with its key columns
    repeated), the header row on every page, the print area(s), and a page header (client,
    sheet, report) and footer (generated, page, mailsurvey)."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    if plan and plan.scale:  # pages side by side at a readable size
        ws.page_setup.scale = plan.scale
        ws.page_setup.pageOrder = "overThenDown"  # a page's right part follows it
        ws.sheet_properties.pageSetUpPr.fitToPage = False
    else:
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.top = ws.page_margins.bottom = 0.75
    ws.page_margins.left = ws.page_margins.right = _SIDE_MARGIN_IN
    ws.page_margins.header = ws.page_margins.footer = 0.3
    if title_rows:
        ws.print_title_rows = title_rows
    if plan and plan.title_columns:
        ws.print_title_cols = f"A:{get_column_letter(plan.title_columns)}"
    if areas:
        ws.print_area = list(areas)
    client = report.client if len(report.client) <= _HEADER_MAX else report.client[:59] + "\u2026"
    generated = report.generated.strftime("%Y-%m-%d %H:%M")
    parts = (
        (ws.oddHeader.left, _escaped(client)),
        (ws.oddHeader.center, "&A"),  # the sheet's name
        (ws.oddHeader.right, _escaped(_(REPORT_TITLE))),
        (ws.oddFooter.left, _escaped(f"{_(GENERATED)}: {generated}")),
        (ws.oddFooter.center, _escaped(_(PAGE)) % {"page": "&P", "pages": "&N"}),
        (ws.oddFooter.right, f"mailsurvey {_escaped(__version__)}"),
    )
    for item, text in parts:
        item.text = text
        item.size = 9
        item.color = "5B6878"


def properties(wb: Any, report: Report, _: Gettext, language: str) -> None:
    props = wb.properties
    client = visible(report.client)
    props.title = f"{_(REPORT_TITLE)} \u2013 {client}".strip(" \u2013")
    props.subject = visible(report.project) or _(REPORT_TITLE)
    props.creator = "mailsurvey"
    props.lastModifiedBy = "mailsurvey"
    props.keywords = ", ".join(
        [_("e-mail migration, inventory, assessment"), *([client] if client else [])]
    )
    props.description = _(
        "Read-only inventory of the source mail servers and directory, and the assessment"
        " for the migration: readiness, forecast, waves. Made by mailsurvey %(version)s."
    ) % {"version": __version__}
    props.category = _("E-mail migration assessment")
    props.language = language
    props.created = props.modified = report.generated
