"""The workbook as a client's deliverable: native charts, conditional formatting, print
set-up and document properties, the Findings and About sheets, and no secret anywhere."""

from __future__ import annotations

import re
import zipfile
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils.cell import range_boundaries

from mailsurvey.config import Config
from mailsurvey.report import render
from mailsurvey.report.i18n import LANGUAGES, translations
from mailsurvey.report.views import build_report
from mailsurvey.report.views_about import METHODS, NOT_SET, flatten
from mailsurvey.report.xlsx_format import MIN_SCALE
from mailsurvey.store import Inventory

try:
    from test_report_data import ALICE, BOB, CAROL, sample_inventory
except ImportError:  # tests/ imported as a package
    from tests.test_report_data import ALICE, BOB, CAROL, sample_inventory

SECRET = "Pa55-w0rd-never-shown-9173"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _config_summary() -> dict[str, object]:
    """A real config's summary: secrets as references; plus a forged plain password, as a
    future setting might carry one."""
    config = Config.model_validate(
        {
            "project": "Q&A migration",
            "client": "Q&A BV",
            "sources": [
                {
                    "name": "hosting",
                    "type": "imap",
                    "host": "imap.example.net",
                    "auth": {"method": "master", "user": "admin", "password_env": "ACME_PW"},
                    "accounts": [ALICE, BOB, CAROL],
                }
            ],
            "targets": ["exo-imap"],
        }
    )
    summary = config.summary()
    summary["legacy"] = {"password": SECRET, "password_env": "ACME_OLD"}
    return summary


def _inventory() -> Inventory:
    inv = sample_inventory()
    assert inv.info is not None
    info = replace(inv.info, client="Q&A BV", config_summary=_config_summary())
    return replace(inv, info=info)


def _render(tmp_path: Path, language: str = "en", fmt: str = "xlsx") -> Path:
    out = tmp_path / language
    (path,) = render(_inventory(), out, formats=[fmt], language=language, now=NOW)
    return path


def _charts(path: Path) -> dict[str, str]:
    """Chart XML by the sheet its data is on (the first reference in it)."""
    with zipfile.ZipFile(path) as z:
        xmls = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")]
    found: dict[str, str] = {}
    for xml in xmls:
        m = re.search(r"<(?:\w+:)?f>'([^']+)'!", xml)
        assert m, xml[:300]
        found[m.group(1) + (" 2" if m.group(1) in found else "")] = xml
    return found


def _refs(xml: str, kind: str) -> list[str]:
    """The formulas of ``<kind>`` references (val, cat, tx) in a chart."""
    return re.findall(rf"<(?:\w+:)?{kind}>.*?<(?:\w+:)?f>([^<]+)</", xml, re.S)


def _cells(ws: Any, ref: str) -> list[Any]:
    left, top, right, bottom = range_boundaries(ref.split("!")[1].replace("$", ""))
    rows = ws.iter_rows(min_row=top, max_row=bottom, min_col=left, max_col=right)
    return [v for row in rows for v in (c.value for c in row)]


def test_summary_charts_draw_the_largest_known_mailboxes_and_the_histogram(
    tmp_path: Path,
) -> None:
    path = _render(tmp_path)
    charts = _charts(path)
    assert set(charts) >= {"Summary", "Summary 2", "Waves"}
    ws = openpyxl.load_workbook(path)["Summary"]
    report = build_report(_inventory(), NOW)
    known = {m.address: m.bytes for m in report.mailboxes if m.bytes is not None}
    assert 0 < len(known) < len(report.mailboxes)  # carol (failed) and bob are unknown

    largest = next(x for x in charts.values() if 'barDir val="bar"' in x and "Summary" in x)
    (values,) = _refs(largest, "val")
    (names,) = _refs(largest, "cat")
    shown = _cells(ws, names)
    assert shown == sorted(known, key=lambda a: -(known[a] or 0))  # unknown left out, not 0
    sizes = _cells(ws, values)
    assert sizes == pytest.approx([(known[a] or 0) / 2**20 for a in shown])
    assert '<orientation val="maxMin"/>' in largest  # the largest at the top
    notes = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(t.startswith("Mailboxes whose size is unknown, left out: 2") for t in notes)

    hist = next(x for x in charts.values() if 'barDir val="col"' in x and "Summary" in x)
    (counts,) = _refs(hist, "val")
    assert _cells(ws, counts) == list(report.totals.histogram)
    red = re.findall(r"<(?:\w+:)?dPt><(?:\w+:)?idx val=\"(\d+)\"/>", hist)
    assert red == ["5", "6"]  # the classes of 35 MB and more


def test_waves_chart_shows_mailboxes_and_p90_against_the_window(tmp_path: Path) -> None:
    path = _render(tmp_path)
    xml = _charts(path)["Waves"]
    assert "<c:barChart>" in xml or re.search(r"<(\w+:)?barChart>", xml)
    assert re.search(r"<(\w+:)?lineChart>", xml)
    assert len(re.findall(r"<(\w+:)?valAx>", xml)) == 2  # mailboxes left, hours right
    assert re.search(r'<(\w+:)?crosses val="max"/>', xml)
    ws = openpyxl.load_workbook(path)["Waves"]
    report = build_report(_inventory(), NOW)
    assert report.waves is not None
    plan = report.waves.waves
    (count_ref, p90_ref, window_ref) = _refs(xml, "val")
    assert _cells(ws, count_ref) == [len(w.mailboxes) for w in plan.waves]
    p90 = _cells(ws, p90_ref)
    for wave, value in zip(plan.waves, p90, strict=True):
        if wave.unknown:
            assert value is None  # unknown: a gap, never 0
        else:
            assert value == pytest.approx(wave.makespan_s / 3600)
    assert set(_cells(ws, window_ref)) == {plan.window_s / 3600}


@pytest.mark.parametrize(("language", "sheet"), [("en", "Findings"), ("nl", "Bevindingen"),
                                                 ("pl", "Ustalenia")])  # fmt: skip
def test_findings_sheet_colours_severities_by_their_translated_word(
    tmp_path: Path, language: str, sheet: str
) -> None:
    wb = openpyxl.load_workbook(_render(tmp_path, language))
    ws = wb[sheet]
    _ = translations(language).gettext
    header = [c.value for c in ws[1]]
    letter = openpyxl.utils.get_column_letter(header.index(_("Severity")) + 1)
    rules = {
        r.formula[0]: (str(cf.sqref), r.dxf.fill.fgColor.rgb)
        for cf in ws.conditional_formatting
        for r in cf.rules
        if r.type == "cellIs"
    }
    last = range_boundaries(ws.tables["tbl_readiness"].ref)[3]
    expected = f"{letter}2:{letter}{last}"
    assert rules == {
        f'"{_("Blocker")}"': (expected, "00FFC7CE"),
        f'"{_("Warning")}"': (expected, "00FFEB9C"),
        f'"{_("Info")}"': (expected, "00DDEBF7"),
    }


def test_size_data_bars_and_a_quota_colour_scale(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(_render(tmp_path))
    for name in ("Mailboxes", "Folders"):
        ws = wb[name]
        header = [c.value for c in ws[1]]
        letter = openpyxl.utils.get_column_letter(header.index("Size (MB)") + 1)
        found = {(str(cf.sqref), r.type) for cf in ws.conditional_formatting for r in cf.rules}
        assert (f"{letter}2:{letter}{ws.max_row}", "dataBar") in found, found
    ws = wb["Mailboxes"]
    letter = openpyxl.utils.get_column_letter([c.value for c in ws[1]].index("Quota usage") + 1)
    found = {(str(cf.sqref), r.type) for cf in ws.conditional_formatting for r in cf.rules}
    assert found == {
        (f"H2:H{ws.max_row}", "dataBar"),
        (f"{letter}2:{letter}{ws.max_row}", "colorScale"),
    }
    # the static alert of a value-level flag stays: carol's failed status
    status = [c.value for c in ws[1]].index("Scan status")
    carol = next(row for row in ws.iter_rows(min_row=2) if row[0].value == CAROL)
    assert carol[status].fill.fgColor.rgb.endswith("FFC7CE")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_sheet_prints_landscape_with_header_footer_and_area(
    tmp_path: Path, language: str
) -> None:
    wb = openpyxl.load_workbook(_render(tmp_path, language))
    _ = translations(language).gettext
    page = _("Page %(page)s of %(pages)s") % {"page": "&P", "pages": "&N"}
    for ws in wb:
        assert ws.page_setup.orientation == "landscape", ws.title
        fitted = ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
        assert fitted or ws.page_setup.scale >= MIN_SCALE * 100, ws.title  # pages side by side
        assert ws.oddHeader.left.text == "Q&&A BV"  # & starts a code: doubled
        assert ws.oddHeader.center.text == "&A"  # the sheet's name
        assert ws.oddHeader.right.text == _("E-mail migration assessment")
        assert ws.oddFooter.center.text == page
        assert ws.oddFooter.left.text == f"{_('Report generated (UTC)')}: 2026-11-20 12:00"
        assert ws.oddFooter.right.text.startswith("mailsurvey ")
        assert ws.print_area and ws.print_area.startswith(f"'{ws.title}'!$A$1:")
        if ws.title != _("Summary"):
            assert ws.print_title_rows in ("1:1", "$1:$1")


def test_print_area_covers_the_table_and_the_chart(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(_render(tmp_path))
    ws = wb["Waves"]
    (area,) = ws.print_area.split(",")
    bottom = int(re.search(r"\$(\d+)$", area).group(1))  # type: ignore[union-attr]
    chart_row = ws._charts[0].anchor._from.row + 1
    assert bottom > chart_row + 10  # the chart (8 cm) is inside the area
    mailboxes = wb["Mailboxes"]
    assert mailboxes.print_area.endswith(f"$O${mailboxes.max_row}")


def test_document_properties(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(_render(tmp_path, "nl"))
    p = wb.properties
    _ = translations("nl").gettext
    assert p.title == f"{_('E-mail migration assessment')} \u2013 Q&A BV"
    assert p.subject == "Łódź <migration> & more"
    assert p.creator == "mailsurvey" and p.language == "nl"
    assert p.keywords.startswith("e-mailmigratie") and p.keywords.endswith("Q&A BV")
    assert p.category == _("E-mail migration assessment")
    assert "mailsurvey" in p.description and "%(" not in p.description
    assert p.created == datetime(2026, 11, 20, 12, 0)


@pytest.mark.parametrize(("language", "about"), [("en", "About"), ("nl", "Over dit rapport"),
                                                 ("pl", "O raporcie")])  # fmt: skip
def test_about_is_the_last_sheet_with_version_methods_and_config(
    tmp_path: Path, language: str, about: str
) -> None:
    wb = openpyxl.load_workbook(_render(tmp_path, language))
    assert wb.sheetnames[-1] == about
    _ = translations(language).gettext
    ws = wb[about]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    pairs = {r[0]: r[1] for r in rows}
    assert pairs[_("mailsurvey version of the scan")] == "0.1.0"
    assert pairs[_("Scan started (UTC)")] is not None
    # the methods of the imap source and of the assessment; none of Exchange or AD
    figures = {r[0] for r in rows}
    imap = [_(f) for kind, f, _m, _s in METHODS if kind == "imap"]
    assert set(imap) <= figures
    assert _("Exchange folders and sizes") not in figures
    assert _("Forecast (P50, P90)") in figures
    # the config, flattened; the references shown, the forged password hidden
    assert pairs["sources[0].auth.password_env"] == "ACME_PW"
    assert pairs["sources[0].accounts[2].address"] == CAROL
    assert "sources[0].accounts[2].password_env" not in pairs  # an entry: only what is set
    assert pairs["legacy.password"] == _("(hidden)")
    assert pairs["sources[0].auth.password_file"] == _("not set")


@pytest.mark.parametrize("fmt", ["xlsx", "html"])
def test_a_password_never_appears_in_the_reports(
    tmp_path: Path, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACME_PW", SECRET)
    path = _render(tmp_path, "en", fmt)
    if fmt == "html":
        text = path.read_text(encoding="utf-8")
        assert SECRET not in text and "ACME_PW" in text
        return
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n).decode("utf-8", "replace") for n in z.namelist()}
    assert not [n for n, text in parts.items() if SECRET in text]
    assert any("ACME_PW" in text for text in parts.values())


def test_flatten_hides_secret_keys_but_not_references() -> None:
    rows = dict(
        flatten(
            {
                "a": {"token": "t0k", "token_file": "/x", "client_secret": "s", "list": [1, 2]},
                "b": [{"password_keyring": "k", "password_env": None}],
                "c": None,
                "d": True,
            }
        )
    )
    assert rows["a.token"] != "t0k" and rows["a.client_secret"] != "s"
    assert rows["a.token_file"] == "/x" and rows["b[0].password_keyring"] == "k"
    assert rows["a.list"] == "1, 2" and rows["d"] == "true"
    assert "b[0].password_env" not in rows and rows["c"] == NOT_SET


def test_workbook_structure_opens_without_repair(tmp_path: Path) -> None:
    """Unique sheet and table names, valid table names, no table over its header alone,
    dates with date formats, sizes with MB formats, wrapped long texts with a row height."""
    wb = openpyxl.load_workbook(_render(tmp_path))
    assert len({n.lower() for n in wb.sheetnames}) == len(wb.sheetnames)
    tables = [(ws, t) for ws in wb for t in ws.tables.values()]
    names = [t.displayName for _ws, t in tables]
    assert len(set(names)) == len(names)
    for ws, table in tables:
        assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]{0,254}", table.displayName), table.name
        _left, top, _right, bottom = range_boundaries(table.ref)
        assert bottom > top, (ws.title, table.ref)
        headers = [c.value for c in ws[1]][: len(table.tableColumns)]
        assert len(set(headers)) == len(headers) and all(isinstance(h, str) for h in headers)
    folders = wb["Folders"]
    header = [c.value for c in folders[1]]
    for row in folders.iter_rows(min_row=2):
        oldest = row[header.index("Oldest message")]
        if isinstance(oldest.value, datetime):
            assert oldest.number_format == "yyyy-mm-dd"
        size = row[header.index("Size (MB)")]
        if size.value is not None:
            assert size.number_format == "#,##0.0"
    about = wb["About"]
    wrapped = [c for row in about.iter_rows(min_row=2) for c in row if c.alignment.wrap_text]
    assert wrapped and all(about.row_dimensions[c.row].height > 15 for c in wrapped)
