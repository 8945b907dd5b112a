"""What a client would find wrong in the workbook and the HTML (issue 7): numbers that run
into the next column's text, sheets printed too small to read, a bare header row over an
empty table, the config's mailbox list filling the About sheet, an address twice among
the largest mailboxes, a schedule axis reading "0.0, 0.1, 0.1", totals that seem not to
add up, a duplicated id and summary tables cut off in a half-width box."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from html.parser import HTMLParser
from typing import Any

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from mailsurvey.model import ExchangeServer, Folder, Mailbox, Server, Status, Unit, UnitKind
from mailsurvey.report import html, xlsx
from mailsurvey.report.html_gantt import gantt
from mailsurvey.report.i18n import N_, Word, translations
from mailsurvey.report.timescale import time_scale
from mailsurvey.report.views import Fact, FactList, Kind, Report, Table, build_report
from mailsurvey.report.views_about import LIST_ROWS, flatten
from mailsurvey.report.views_estimate import Bar, Schedule
from mailsurvey.report.xlsx_format import MIN_SCALE, PAGE_CM, column_cm
from mailsurvey.store import Inventory, folder_unit_key

try:
    from test_report_data import ALICE, BOB, MB, T0, _folder, sample_inventory
except ImportError:  # tests/ imported as a package
    from tests.test_report_data import ALICE, BOB, MB, T0, _folder, sample_inventory

EXCHANGE = "lab-exchange"
NOT_COUNTED_MESSAGES = 1234
WITHOUT = Word("Without the mailboxes that are not forecast")
LONG_ADDRESS = "aleksandra.kozlowska-wisniewska@acme.example"
LONG_FOLDER = "Klanten/2026/Zażółć gęślą jaźń BV — offertes, contracten en facturen/Archief"


def _exchange_inventory() -> Inventory:
    """The sample plus an Exchange source holding alice and bob again (folders with totals
    only, no size classes) and a directory's Exchange organisation."""
    inv = sample_inventory()
    folders = [
        _folder(LONG_ADDRESS, LONG_FOLDER, 1, 2048),  # long names make a wide sheet
        Folder(EXCHANGE, ALICE, "Inbox", "/", 0, messages=NOT_COUNTED_MESSAGES, bytes=900 * MB),
        Folder(EXCHANGE, BOB, "Inbox", "/", 0, messages=0, bytes=0),
    ]
    units = [
        Unit(EXCHANGE, UnitKind.ACCOUNT, a, Status.OK, started=T0, finished=T0)
        for a in (ALICE, BOB)
    ]
    server = Server(
        source=EXCHANGE,
        host="127.0.0.1",
        port=443,
        software="Microsoft Exchange",
        version="15.2",
        greeting="",
        capabilities=("EWS Exchange2016",),
        security="tls",
        tls_verified=True,
    )
    return replace(
        inv,
        folders=[*inv.folders, *folders],
        units=[*inv.units, *units],
        servers=[*inv.servers, server],
        mailboxes=[*inv.mailboxes, Mailbox(EXCHANGE, ALICE), Mailbox(EXCHANGE, BOB)],
        exchange_servers=[ExchangeServer("ad", "EX1", "CN=EX1", "15.2", "Exchange 2019")],
    )


def _workbook(report: Report, language: str = "en") -> Any:
    return openpyxl.load_workbook(io.BytesIO(xlsx.build(report, language)))


def _texts(ws: Any) -> list[str]:
    return [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]


def _find(ws: Any, text: str) -> Any:
    return next(c for row in ws.iter_rows() for c in row if c.value == text)


# -- 1. numbers beside text -----------------------------------------------------------


def test_numbers_stand_clear_of_the_next_text_under_right_aligned_headers() -> None:
    wb = _workbook(build_report(sample_inventory()))
    summary = wb["Summary"]
    # a fact list reads as label/value pairs: the value beside its label
    label = _find(summary, "Messages")
    assert summary.cell(label.row, 2).alignment.horizontal == "left"
    # a table block: the numeric header stands over its numbers, each one indent clear
    total = _find(summary, "Total")
    assert total.alignment.horizontal == "right"
    figure = summary.cell(total.row + 1, total.column)
    assert isinstance(figure.value, int)
    assert figure.alignment.horizontal == "right" and figure.alignment.indent >= 1
    assert _find(summary, "Scanned item").alignment.horizontal in (None, "general", "left")
    # the Waves sheet: "Copy, P90 (h)" before the wave's status text
    waves = wb["Waves"]
    header = {c.value: c for c in waves[1]}
    p90 = next(c for t, c in header.items() if t.startswith("Copy, P90"))
    assert p90.alignment.horizontal == "right"
    # "Waves at a glance": the window's hours right before the wave's status
    window = _find(waves, "Migration window (h)")
    assert window.alignment.horizontal == "right"
    hours = waves.cell(window.row + 1, window.column)
    assert isinstance(hours.value, int | float) and hours.alignment.indent >= 1
    status = waves.cell(window.row + 1, window.column + 1)  # its text stands clear too
    assert isinstance(status.value, str) and status.alignment.indent >= 1


# -- 2. printed at a readable size ----------------------------------------------------


def _printed_scale(ws: Any) -> float:
    """The scale a sheet prints at: its own, or what fitting its area to one page needs."""
    if not ws.sheet_properties.pageSetUpPr.fitToPage:
        return float(ws.page_setup.scale) / 100
    area = ws.print_area.split(",")[0].split("!")[1].replace("$", "")
    last = openpyxl.utils.column_index_from_string(re.sub(r"\d", "", area.split(":")[1]))
    width = sum(column_cm(ws, c) for c in range(1, last + 1))
    return min(1.0, PAGE_CM / width)


def test_every_sheet_prints_at_a_readable_size_wide_ones_with_their_key_columns() -> None:
    report = build_report(_exchange_inventory())
    wb = _workbook(report)
    tables = {t.key: t for t in report.sheets}
    wide = []
    for ws in wb:
        if ws.title == "Summary":
            continue
        assert _printed_scale(ws) >= MIN_SCALE - 0.01, ws.title
        if not ws.sheet_properties.pageSetUpPr.fitToPage:
            wide.append(ws.title)
            table = tables[next(iter(ws.tables.values())).displayName.removeprefix("tbl_")]
            if table.frozen_columns:
                letter = get_column_letter(table.frozen_columns)
                assert ws.print_title_cols == f"$A:${letter}", ws.title
            assert ws.page_setup.pageOrder == "overThenDown"
    assert "Folders" in wide  # 21 columns: printed two or more pages wide
    # the Folders printout ends with the newest message: no size classes, method, source
    folders = wb["Folders"]
    header = [c.value for c in folders[1]]
    last = get_column_letter(header.index("Newest message") + 1)
    assert re.search(rf"!\$A\$1:\${last}\$\d+$", folders.print_area)


# -- 3. an empty table says so -----------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "nl", "pl"])
def test_an_empty_table_says_nothing_to_list(language: str) -> None:
    inv = sample_inventory()
    ok = [replace(u, status=Status.OK) for u in inv.units]
    report = build_report(replace(inv, units=ok, observations=[]))
    _ = translations(language).gettext
    wb = _workbook(report, language)
    for title in ("Errors", "Observations"):
        ws = wb[_(title)]
        assert ws["A2"].value == _("Nothing to list."), title
        assert ws["A3"].value is None and ws.tables[f"tbl_{title.lower()}"].ref.endswith("2")
    empty = Table("empty", "Errors", report.sheets[0].columns[:2], ())
    ws = openpyxl.Workbook().active
    assert xlsx.write_block(ws, 1, empty, _, {}, language) == 2
    assert ws["A2"].value == _("Nothing to list.")


# -- 4. a long mailbox list is one row on the About sheet -------------------------------


@pytest.mark.parametrize("language", ["en", "pl"])
def test_a_long_mailbox_list_is_one_row_on_the_about_sheet(language: str) -> None:
    listed = [{"address": f"user{i}@acme.example", "kind": "user"} for i in range(57)]
    summary = {
        "sources": [
            {"name": "exchange", "mailboxes": listed},
            {"name": "hosting", "accounts": [f"u{i}@acme.example" for i in range(LIST_ROWS)]},
        ]
    }
    rows = dict(flatten(summary))
    assert not any(k.startswith("sources[0].mailboxes[") for k in rows)
    assert rows["sources[1].accounts"].count("@") == LIST_ROWS  # a short list stays
    inv = sample_inventory()
    assert inv.info is not None
    inv = replace(inv, info=replace(inv.info, config_summary=summary))
    report = build_report(inv)
    _ = translations(language).gettext
    about = _workbook(report, language)[_("About")]
    pairs = {r[0].value: r[1].value for r in about.iter_rows() if r[0].value}
    expected = _("%(count)s entries — see the %(sheet)s sheet") % {
        "count": "57",
        "sheet": _("Mailboxes"),
    }
    assert pairs["sources[0].mailboxes"] == expected
    assert about.max_row < 60
    page = html.build(report, language)
    assert expected in page and "user56@acme.example" not in page


# -- 5. the largest mailboxes name their source when an address is there twice ----------


def test_the_largest_mailboxes_name_the_source_of_an_address_scanned_twice() -> None:
    ws = _workbook(build_report(_exchange_inventory()))["Summary"]
    texts = _texts(ws)
    assert f"{ALICE} \u00b7 {EXCHANGE}" in texts and f"{ALICE} \u00b7 hosting" in texts
    assert ALICE not in texts  # never twice without its source


# -- 6. the schedule's axis in a unit its span reads in ----------------------------------


def _schedule(minutes: float) -> Schedule:
    bars = tuple(
        Bar("hosting", f"m{i}@acme.example", i, 0.0, minutes * 60 * (i + 1) / 3, 0.0, "bytes")
        for i in range(3)
    )
    bars = tuple(replace(b, p90_s=(b.end_s - b.start_s) * 1.2) for b in bars)
    return Schedule(3, bars, minutes * 60, minutes * 72, None, "UTC")


def test_time_scale_is_minutes_for_a_short_schedule_hours_for_a_long_one() -> None:
    assert (time_scale(20 * 60).unit, time_scale(20 * 60).decimals) == ("min", 0)
    assert time_scale(5 * 60).decimals == 1
    assert (time_scale(3 * 3600).unit, time_scale(3 * 3600).decimals) == ("h", 1)
    assert time_scale(50 * 3600).decimals == 0


def test_a_short_schedule_is_drawn_in_minutes_in_both_reports() -> None:
    report = build_report(sample_inventory())
    assert report.estimate is not None
    short = replace(report, estimate=replace(report.estimate, schedule=_schedule(20)))
    ws = _workbook(short)["Estimate"]
    heads = [c.value for row in ws.iter_rows(max_row=1) for c in row if c.value]
    assert "Starts after (min)" in heads and "Duration, P50 (min)" in heads
    (chart,) = ws._charts
    assert chart.y_axis.number_format.formatCode == "#,##0"
    title = "".join(r.t for p in chart.y_axis.title.tx.rich.p for r in (p.r or []))
    assert title == "Minutes from the bulk start"
    fmt = html.Formatter("en")
    drawn = gantt(_schedule(20), fmt)
    assert drawn is not None
    ticks = [t.text for t in drawn.ticks]
    assert ticks[:3] == ["0 min", "5 min", "10 min"] and len(set(ticks)) == len(ticks)
    assert drawn.markers[0].text == "P50 20.0 min"
    assert "in minutes" in drawn.caption and " min to " in drawn.bars[0].title
    hours = gantt(_schedule(6 * 60), fmt)
    assert hours is not None and hours.ticks[1].text.endswith(" h")


# -- 7. the summary's figures say what they count ---------------------------------------


def test_histogram_and_coverage_say_whose_messages_and_which_folders_they_count() -> None:
    inv = _exchange_inventory()
    report = build_report(inv)
    blocks = {b.key: b for b in report.summary}
    hist = blocks["histogram"]
    assert isinstance(hist, Table)
    sized = [f for f in inv.folders if f.histogram is not None]
    counted = sum(f.messages or 0 for f in sized)
    mailboxes = len({(f.source, f.mailbox) for f in sized})
    ws = _workbook(report)["Summary"]
    texts = _texts(ws)
    said = f"Counted: {counted:,} messages in {mailboxes} mailboxes, whose server gives each"
    assert any(t.startswith(said) for t in texts)
    assert any(
        t.startswith(f"Not counted: {NOT_COUNTED_MESSAGES:,} messages in 1 mailboxes of {EXCHANGE}")
        for t in texts
    )
    # not every size is known: every class is a lower bound, not only those of 35 MB
    assert not report.totals.histogram_complete
    assert [row[-1] for row in hist.rows] == [row[-1] for row in hist.rows[:1]] * len(hist.rows)
    head = _find(ws, "Message size")
    marks = [ws.cell(head.row + 1 + i, 4).value for i in range(len(hist.rows))]
    assert marks == ["at least"] * len(hist.rows)
    # coverage counts the folders read one by one, and says the rest are elsewhere
    assert "Folders read one by one" in texts
    folders = report.totals.folders
    assert any(t.endswith(f"Folders in all sources: {folders:,} (see Totals).") for t in texts)
    page = html.build(report, "en")
    assert f"Not counted: {NOT_COUNTED_MESSAGES:,} messages" in page


def test_a_complete_histogram_is_not_marked_and_leaves_nothing_out() -> None:
    folder = _folder(ALICE, "INBOX", 3, 3 * MB)
    inv = Inventory(
        info=None,
        units=[
            Unit("hosting", UnitKind.ACCOUNT, ALICE, Status.OK),
            Unit("hosting", UnitKind.FOLDER, folder_unit_key(ALICE, "INBOX"), Status.OK),
        ],
        folders=[folder],
        mailboxes=[Mailbox("hosting", ALICE)],
    )
    report = build_report(inv)
    hist = next(b for b in report.summary if b.key == "histogram")
    assert isinstance(hist, Table)
    assert [c.key for c in hist.columns] == ["bucket", "messages", "share"]
    assert len(hist.notes) == 1
    coverage = next(b for b in report.summary if b.key == "coverage")
    assert isinstance(coverage, Table) and not coverage.notes


# -- 8. the HTML: unique ids, wide blocks across the summary ------------------------------


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.blocks: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(a["id"] or "")
            if tag == "div" and (a["id"] or "").startswith("summary-"):
                self.blocks[a["id"] or ""] = a.get("class") or ""


@pytest.mark.parametrize("language", ["en", "nl", "pl"])
def test_every_id_in_the_page_is_unique_with_exchange_in_the_summary_and_a_sheet(
    language: str,
) -> None:
    report = build_report(_exchange_inventory())
    summary_keys = {b.key for b in report.summary}
    assert "exchange" in summary_keys and "exchange" in {t.key for t in report.sheets}
    # and whatever the keys: a sheet named like every summary block
    free = sorted(summary_keys - {t.key for t in report.sheets})
    clash = tuple(replace(t, key=k) for t, k in zip(report.sheets, free, strict=False))
    for r in (report, replace(report, sheets=report.sheets + clash)):
        parser = _Ids()
        parser.feed(html.build(r, language))
        dupes = sorted({i for i in parser.ids if parser.ids.count(i) > 1})
        assert not dupes, dupes
    parser = _Ids()
    page = html.build(report, language)
    parser.feed(page)
    assert 'id="t-mailboxes"' in page and 'data-table="t-mailboxes"' in page
    # a block too wide for half the summary spans all of it; a short fact list does not
    assert "wide" in parser.blocks["summary-sources"].split()
    assert "wide" not in parser.blocks["summary-scan"].split()


def test_a_fact_list_whose_notes_need_room_spans_the_summary() -> None:
    fmt = html.Formatter("nl")
    report = build_report(sample_inventory())
    totals = next(b for b in report.summary if isinstance(b, FactList) and b.key == "totals")
    assert not fmt.facts(totals).wide  # figures with a short note fit half the summary
    method = Fact(N_("Method"), "rsync/mbsync (IMAP to IMAP, pipelined)")
    p50 = Fact(N_("Bulk copy, P50"), 360.0, Kind.HOURS, WITHOUT)
    assert fmt.facts(FactList("forecast", N_("Forecast"), (method, p50))).wide
