"""The workbook: sheets, Excel tables, untrusted text stays text, unknown stays empty."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from mailsurvey.report import render
from mailsurvey.report.i18n import translations
from mailsurvey.report.views import SUMMARY, build_report

try:
    from test_report_data import (
        BOB,
        CAROL,
        CONTROL,
        CONTROL_VISIBLE,
        HOSTILE,
        HYPERLINK,
        MB,
        SCRIPT,
        sample_inventory,
    )
except ImportError:  # tests/ imported as a package
    from tests.test_report_data import (
        BOB,
        CAROL,
        CONTROL,
        CONTROL_VISIBLE,
        HOSTILE,
        HYPERLINK,
        MB,
        SCRIPT,
        sample_inventory,
    )


def _workbook(tmp_path: Path, language: str = "en") -> Any:
    (path,) = render(sample_inventory(), tmp_path, formats=["xlsx"], language=language)
    return openpyxl.load_workbook(path)


def _rows(ws: Any) -> list[dict[str, Any]]:
    """Data rows as dicts keyed by header, with the cells (not values)."""
    header = [c.value for c in ws[1]]
    return [dict(zip(header, row, strict=True)) for row in ws.iter_rows(min_row=2)]


@pytest.mark.parametrize("language", ["en", "nl", "pl"])
def test_every_sheet_with_a_table_and_frozen_header(tmp_path: Path, language: str) -> None:
    wb = _workbook(tmp_path, language)
    _ = translations(language).gettext
    report = build_report(sample_inventory())
    assert wb.sheetnames == [_(SUMMARY)] + [_(t.title) for t in report.sheets]
    for table in report.sheets:
        ws = wb[_(table.title)]
        assert ws.freeze_panes is not None and ws.freeze_panes.endswith("2")
        (name,) = ws.tables.keys()
        assert name == f"tbl_{table.key}"
        xl = ws.tables[name]
        assert xl.ref.startswith("A1:") and xl.tableStyleInfo.name
        assert xl.autoFilter is not None
        assert all(c.data_type == "s" for c in ws[1][: len(table.columns)])
        assert ws.column_dimensions["A"].width >= 8
    assert wb.properties.creator == "mailsurvey"
    assert wb.properties.title.startswith(_("E-mail migration assessment"))


def test_hostile_folder_names_are_exact_string_cells(tmp_path: Path) -> None:
    wb = _workbook(tmp_path)
    cells = {row["Folder"].value: row["Folder"] for row in _rows(wb["Folders"])}
    for name in HOSTILE:
        shown = CONTROL_VISIBLE if name == CONTROL else name
        assert shown in cells, name
        assert cells[shown].data_type == "s", name
    assert CONTROL not in cells
    assert cells[HYPERLINK].value == '=HYPERLINK("http://evil.example","x")'
    # every string cell in the workbook is a string, never a formula or an error
    for ws in wb:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type in ("s", "n", "d"), (ws.title, cell.coordinate)


def test_permission_and_display_name_stay_text(tmp_path: Path) -> None:
    wb = _workbook(tmp_path)
    perms = _rows(wb["Permissions"])
    assert any(r["Folder"].value == SCRIPT for r in perms)
    names = [r["Display name"] for r in _rows(wb["Mailboxes"])]
    assert names[0].value == "Alice =cmd|' /C calc'!A0" and names[0].data_type == "s"


def test_unknown_is_an_empty_cell_never_zero(tmp_path: Path) -> None:
    wb = _workbook(tmp_path)
    rows = {r["Address"].value: r for r in _rows(wb["Mailboxes"])}
    bob, carol = rows[BOB], rows[CAROL]
    for header in ("Messages", "Size (MB)", "Largest message (MB)", "Oldest message"):
        assert bob[header].value is None, header
        assert carol[header].value is None, header
    assert bob["Figures"].value == "Incomplete"
    assert carol["Scan status"].value == "Failed"
    assert carol["Folders"].value is None
    folders = {(r["Mailbox"].value, r["Folder"].value): r for r in _rows(wb["Folders"])}
    broken = folders[(BOB, "Broken")]
    assert broken["Messages"].value is None and broken["Size (MB)"].value is None


def test_numbers_dates_and_sizes(tmp_path: Path) -> None:
    wb = _workbook(tmp_path)
    alice = _rows(wb["Mailboxes"])[0]
    size = alice["Size (MB)"]
    assert size.value == pytest.approx((12 * MB + 200 * MB + 10 * 2048) / MB)
    assert size.value * MB == 12 * MB + 200 * MB + 10 * 2048  # MB as float loses no byte
    assert size.number_format == "#,##0.0"
    assert alice["Largest message (MB)"].value == 160
    assert alice["Quota usage"].number_format == "0.0%"
    assert alice["Quota usage"].value == pytest.approx(215 / 1024)
    oldest = alice["Oldest message"]
    assert isinstance(oldest.value, datetime) and oldest.value.tzinfo is None
    assert oldest.number_format == "yyyy-mm-dd"
    assert alice["Messages"].data_type == "n"


def test_summary_shows_insecure_source_and_coverage(tmp_path: Path) -> None:
    wb = _workbook(tmp_path, "nl")
    ws = wb["Samenvatting"]
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any("TLS-certificaat" in t and "hosting" in t for t in texts)
    assert "Volledigheid van de scan" in texts
    assert "Minimaal: niet alle cijfers zijn bekend" in texts
    assert "Nee" in texts  # certificate verified: no


def test_polish_sheet_names(tmp_path: Path) -> None:
    wb = _workbook(tmp_path, "pl")
    assert wb.sheetnames == [
        "Podsumowanie",
        "Skrzynki pocztowe",
        "Foldery",
        "Uprawnienia",
        "Skrzynki współdzielone",  # the sample's shared mailbox, known from its kind
        "Szacunek",
        "Harmonogram",
        "Ustalenia",
        "Fale",
        "Błędy",
        "Obserwacje",
        "O raporcie",
    ]
    header = [c.value for c in wb["Foldery"][1]]
    assert "Rozmiar (MB)" in header and "Zażółć" not in header
    folders = [r["Folder"].value for r in _rows(wb["Foldery"])]
    assert "Wysłane/Zażółć gęślą jaźń" in folders and "受信トレイ/重要" in folders


def test_overlong_text_is_cut_visibly() -> None:
    from mailsurvey.report.views import Kind
    from mailsurvey.report.xlsx import MAX_CELL_TEXT, cell_value

    value, fmt = cell_value("x" * 40000, Kind.TEXT, str)
    assert isinstance(value, str) and len(value) == MAX_CELL_TEXT and value.endswith("\u2026")
    assert fmt == "@"
