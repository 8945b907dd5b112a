"""The Estimate and the Timeline in the workbook, the HTML report and inventory.json.

A hand-built scan: eight mailboxes of 2 to 40 GB on one source probed at 1, 2 and 4
connections (about 1 MB/s per connection), one mailbox whose login failed, one with a
hostile name. Planned at a fixed moment, Monday 1 June 2026 10:00 in Amsterdam, at two
mailboxes at once: a cutover two weeks later fits; one the next morning does not.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jsonschema
import openpyxl
import pytest

from mailsurvey.assess.outlook import Outlook, outlook
from mailsurvey.model import Folder, ScanInfo, Status, Unit, UnitKind
from mailsurvey.report import render
from mailsurvey.report.html import Formatter
from mailsurvey.report.html_gantt import MAX_BARS, MAX_ROWS, gantt
from mailsurvey.report.i18n import moment, translations
from mailsurvey.report.jsonout import schema
from mailsurvey.report.views import build_report
from mailsurvey.report.views_estimate import Bar, Schedule, _after
from mailsurvey.store import Inventory

from .test_estimate import synthetic

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)  # Monday 10:00 in Amsterdam
AMS = ZoneInfo("Europe/Amsterdam")
GB = 10**9
HOSTILE = '=HYPERLINK("x")<script>'
HOSTILE_HTML = "=HYPERLINK(&#34;x&#34;)&lt;script&gt;"
LOST = "lost@acme.example"
SIZES_GB = {
    "a@acme.example": 40,
    "b@acme.example": 30,
    HOSTILE: 25,
    "d@acme.example": 20,
    "e@acme.example": 15,
    "f@acme.example": 10,
    "g@acme.example": 5,
    "h@acme.example": 2,
}
FITS = {
    "cutover": "2026-06-15T07:00",
    "timezone": "Europe/Amsterdam",
    "country": "NL",
    "concurrency": 2,
}
PLANS = {"fits": FITS, "tight": {**FITS, "cutover": "2026-06-02T07:00"}}
LANGUAGES = ("en", "nl", "pl")


def inventory(plan: dict[str, Any], probed: bool = True) -> Inventory:
    info = ScanInfo("Migration", "Acme", "en", NOW - timedelta(days=1), "0.1.0", {"plan": plan})
    inv = Inventory(info=info)
    for address, gb in SIZES_GB.items():
        inv.units.append(Unit("hosting", UnitKind.ACCOUNT, address, Status.OK))
        inv.units.append(Unit("hosting", UnitKind.FOLDER, f"{address}\x00INBOX", Status.OK))
        inv.folders.append(
            Folder(
                "hosting",
                address,
                "INBOX",
                messages=gb * 5000,
                bytes=gb * GB,
                oldest=NOW - timedelta(days=900),
                newest=NOW,
            )
        )
    inv.units.append(Unit("hosting", UnitKind.ACCOUNT, LOST, Status.FAILED))
    if probed:
        for k in (1, 2, 4):
            inv.probe_samples += synthetic(
                0.02, 0.002, 1e-6, concurrency=k, seed=k, source="hosting"
            )
    return inv


def expected(plan: str) -> Outlook:
    seen = outlook(inventory(PLANS[plan]), NOW)
    assert seen is not None
    return seen


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, str], dict[str, Path]]:
    """reports(plan, language) -> {"xlsx": path, "html": path, "json": path}, rendered once."""
    done: dict[tuple[str, str], dict[str, Path]] = {}

    def get(plan: str, language: str) -> dict[str, Path]:
        if (plan, language) not in done:
            out = tmp_path_factory.mktemp(f"{plan}-{language}")
            paths = render(inventory(PLANS[plan]), out, language=language, now=NOW)
            done[(plan, language)] = dict(zip(("xlsx", "html", "json"), paths, strict=True))
        return done[(plan, language)]

    return get


def _rows(ws: Any, width: int | None = None) -> list[dict[str, Any]]:
    """The Excel table's rows (cells) keyed by header, up to the first empty row."""
    header = [c.value for c in ws[1]][:width]
    rows = []
    for row in ws.iter_rows(min_row=2, max_col=len(header)):
        if row[0].value is None:
            break
        rows.append(dict(zip(header, row, strict=True)))
    return rows


def _section(html: str, key: str) -> str:
    start = html.index(f'<section class="sheet" id="{key}">')
    return html[start : html.index("</section>", start)]


@pytest.mark.parametrize("language", LANGUAGES)
def test_estimate_sheet_has_a_row_per_mailbox_with_the_forecast_hours(
    reports: Callable[[str, str], dict[str, Path]], language: str
) -> None:
    _ = translations(language).gettext
    o = expected("fits")
    wb = openpyxl.load_workbook(reports("fits", language)["xlsx"])
    ws = wb[_("Estimate")]
    assert list(ws.tables) == ["tbl_estimate"] and ws.freeze_panes == "C2"
    rows = {r[_("Mailbox")].value: r for r in _rows(ws, _table_width(ws))}
    assert set(rows) == {m.address for m in o.forecast.mailboxes}
    assert o.timeline.start is not None
    for m in o.forecast.mailboxes:
        if m.p50_s is None:
            continue
        row = rows[m.address]
        p50 = row[_("Duration, P50") + " (h)"]
        assert p50.data_type == "n" and p50.number_format == "#,##0.0"
        assert p50.value == pytest.approx(m.p50_s / 3600)
        assert row[_("Duration, P90") + " (h)"].value == pytest.approx((m.p90_s or 0) / 3600)
        assert row[_("Slot")].value == (m.slot or 0) + 1
        assert row[_("Starts after") + " (h)"].value == pytest.approx((m.start_s or 0) / 3600)
        starts_at = row[_("Starts at") + " (Europe/Amsterdam)"].value
        local = (o.timeline.start + timedelta(seconds=m.start_s or 0)).astimezone(AMS)
        assert abs(starts_at - local.replace(tzinfo=None)) < timedelta(seconds=1)
        assert row[_("Limited by")].value == _("Data volume")
    # the one that ends last ends at the P50 of the whole copy
    assert max(m.end_s or 0 for m in o.forecast.mailboxes) == pytest.approx(o.forecast.p50_s)


def _table_width(ws: Any) -> int:
    ref = ws.tables["tbl_estimate"].ref  # "A1:N10"
    return int(openpyxl.utils.column_index_from_string(re.sub(r"\d", "", ref.split(":")[1])))


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_mailbox_that_was_not_scanned_is_unknown_never_zero(
    reports: Callable[[str, str], dict[str, Path]], language: str
) -> None:
    _ = translations(language).gettext
    paths = reports("fits", language)
    ws = openpyxl.load_workbook(paths["xlsx"])[_("Estimate")]
    lost = next(r for r in _rows(ws, _table_width(ws)) if r[_("Mailbox")].value == LOST)
    for header in ("Messages", "Folders", "Slot"):
        assert lost[_(header)].value is None, header
    for header in ("Duration, P50", "Duration, P90", "Starts after", "Ends after"):
        assert lost[_(header) + " (h)"].value is None, header
    assert lost[_("Size") + " (MB)"].value is None
    assert lost[_("Not forecast because")].value == _("Figures unknown (not scanned completely)")
    html = _section(paths["html"].read_text(encoding="utf-8"), "estimate")
    row = next(tr for tr in html.split("<tr>") if f">{LOST}<" in tr)
    assert row.count(f'class="unknown num" data-sort="">{_("unknown")}</td>') == 8
    assert "0.0 h" not in row and "0,0 h" not in row and ">0<" not in row


@pytest.mark.parametrize("language", LANGUAGES)
def test_timeline_events_in_order_at_local_times(
    reports: Callable[[str, str], dict[str, Path]], language: str
) -> None:
    _ = translations(language).gettext
    t = expected("fits").timeline
    assert t.status == "fits" and t.start is not None
    codes = [e.code for e in t.events]
    assert codes[-1] == "cutover" and "bulk_start" in codes and "delta_start" in codes
    paths = reports("fits", language)
    ws = openpyxl.load_workbook(paths["xlsx"])[_("Timeline")]
    header = [c.value for c in ws[1]]
    assert header[0] == _("When") + " (Europe/Amsterdam)"
    got = [(r[0].value, r[1].value) for r in ws.iter_rows(min_row=2, max_row=1 + len(codes))]
    words = {
        "lower_ttl": "Lower the MX TTL",
        "bulk_start": "Start the bulk copy",
        "bulk_end_p50": "Bulk copy ends (P50)",
        "bulk_end_p90": "Bulk copy ends (P90)",
        "delta_start": "Start the final delta",
        "cutover": "Cutover",
    }
    assert [w for _at, w in got] == [_(words[c]) for c in codes]
    for (at, _word), event in zip(got, t.events, strict=True):
        assert abs(at - event.at.astimezone(AMS).replace(tzinfo=None)) < timedelta(seconds=1)
    assert got[-1][0] == datetime(2026, 6, 15, 7, 0)  # the cutover as planned, local time
    assert [at for at, _w in got] == sorted(at for at, _w in got)
    html = _section(paths["html"].read_text(encoding="utf-8"), "timeline")
    shown = [moment(e.at.astimezone(AMS).replace(tzinfo=None), language) for e in t.events]
    assert [html.index(f">{text}<") for text in shown[1:]] == sorted(
        html.index(f">{text}<") for text in shown[1:]
    )
    if language == "en":
        assert ">Mon, 15 Jun 2026 07:00<" in html
    # the plan's facts and no proposal: it fits
    assert _("Fits before the cutover") in html and _("What would make it fit") not in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_plan_that_does_not_fit_proposes_a_concurrency_in_the_reports_language(
    reports: Callable[[str, str], dict[str, Path]], language: str
) -> None:
    _ = translations(language).gettext
    t = expected("tight").timeline
    assert t.status == "does_not_fit" and t.events == ()
    (raise_k,) = [p for p in t.proposals if p.code == "raise_concurrency"]
    assert raise_k.concurrency is not None and raise_k.concurrency > 2
    phrase = _("Copy %(concurrency)s mailboxes at once instead of %(planned)s: then it fits")
    text = phrase % {"concurrency": raise_k.concurrency, "planned": 2}
    paths = reports("tight", language)
    ws = openpyxl.load_workbook(paths["xlsx"])[_("Timeline")]
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    values = [c.value for c in cells]
    assert _("Copy more mailboxes at once") in values and text in values
    figure = next(c for c in cells if c.value == text).offset(column=1)
    assert figure.value == raise_k.concurrency and figure.data_type == "n"
    assert _("Does not fit before the cutover") in values
    html = paths["html"].read_text(encoding="utf-8")
    assert text in _section(html, "timeline")
    banner = _(
        "The copy does not fit before the cutover: the timeline shows what would make it fit."
    )
    assert banner in html[: html.index('id="mailboxes"')]
    if language != "en":  # the model's English details never reach a translated report
        strings = " ".join(str(v) for v in values) + html
        for p in t.proposals:
            assert p.detail not in strings
        assert "mailboxes at once" not in strings


def test_the_workbook_has_a_gantt_chart_of_the_schedule(
    reports: Callable[[str, str], dict[str, Path]],
) -> None:
    path = reports("fits", "en")["xlsx"]
    with zipfile.ZipFile(path) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        xmls = [z.read(n).decode() for n in charts]
    (xml,) = [x for x in xmls if "'Estimate'!" in x]  # the others: Summary, Waves
    assert '<barDir val="bar"/>' in xml and '<grouping val="stacked"/>' in xml
    # the invisible start series (the namespace prefix is whatever the XML writer chose:
    # another library in the process may have registered its own)
    assert re.search(r"<(\w+:)?noFill", xml)
    assert "<cat><strRef><f>'Estimate'!$P$2:$P$9</f>" in xml  # names of the mailboxes
    start = re.search(r"<(\w+:)?ser>.*?</(\w+:)?ser>", xml, re.S)  # nameless in the legend
    assert start and re.search(r"<(\w+:)?v> </(\w+:)?v>", start.group(0))
    assert re.search(r'<(\w+:)?crosses val="max"/>', xml)  # the hours along the bottom
    ws = openpyxl.load_workbook(path)["Estimate"]
    assert len(ws._charts) == 1
    # its data, beside the table: one row per forecast mailbox, hours as numbers
    left = _table_width(ws) + 2
    head = [ws.cell(1, left + i).value for i in range(4)]
    assert head == ["Mailbox", "Starts after (h)", "Duration, P50 (h)", "Up to P90 (h)"]
    forecast = expected("fits").forecast
    data = [ws.cell(r, left + 2).value for r in range(2, 2 + len(SIZES_GB))]
    by_hand = sorted((m.p50_s or 0) / 3600 for m in forecast.mailboxes if m.p50_s)
    assert sorted(data) == pytest.approx(by_hand)
    assert openpyxl.utils.get_column_letter(left) == "P"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_html_draws_the_schedule_as_svg_without_script(
    reports: Callable[[str, str], dict[str, Path]], language: str
) -> None:
    html = reports("fits", language)["html"].read_text(encoding="utf-8")
    section = _section(html, "estimate")
    assert 'id="chart-gantt"' in section
    svg = section[section.index("<svg") : section.index("</svg>")]
    assert svg.count('<rect class="b-') == len(SIZES_GB) + 1  # the bars and one legend swatch
    assert 'class="p90"' in svg and 'class="p50"' in svg
    assert "<script" not in svg and "url(" not in svg and "href" not in svg
    assert html.count("<script") == 1  # only the report's own, hashed sorting script
    _ = translations(language).gettext
    assert _("Bulk copy schedule (P50)") in svg


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_hostile_mailbox_name_stays_text(
    reports: Callable[[str, str], dict[str, Path]], language: str
) -> None:
    _ = translations(language).gettext
    paths = reports("fits", language)
    ws = openpyxl.load_workbook(paths["xlsx"])[_("Estimate")]
    cells = [c for row in ws.iter_rows() for c in row if c.value == HOSTILE]
    assert len(cells) == 2  # the table and the chart's data
    assert all(c.data_type == "s" for c in cells)
    for row in ws.iter_rows():
        for cell in row:
            assert cell.data_type in ("s", "n", "d"), cell.coordinate
    html = paths["html"].read_text(encoding="utf-8")
    assert HOSTILE not in html and "<script>" not in html.replace("<script>(function", "")
    assert html.count(HOSTILE_HTML) >= 2  # the table and the bar's title in the SVG


def test_inventory_json_holds_forecast_and_timeline_and_validates(
    reports: Callable[[str, str], dict[str, Path]],
) -> None:
    validator = jsonschema.Draft202012Validator(schema())
    for plan in PLANS:
        doc = json.loads(reports(plan, "en")["json"].read_text(encoding="utf-8"))
        validator.validate(doc)
        o = expected(plan)
        assert doc["timeline"]["status"] == o.timeline.status
        assert doc["forecast"]["p50_s"] == pytest.approx(o.forecast.p50_s)
        mailboxes = {m["address"]: m for m in doc["forecast"]["mailboxes"]}
        assert mailboxes[LOST]["items"] is None and mailboxes[LOST]["p50_s"] is None
        assert mailboxes[LOST]["folders"] is None  # not 0
        assert [lv["concurrency"] for lv in doc["forecast"]["models"][0]["levels"]] == [1, 2, 4]
        assert len(doc["probe_samples"]) == len(inventory(PLANS[plan]).probe_samples)
    fits = json.loads(reports("fits", "en")["json"].read_text(encoding="utf-8"))["timeline"]
    assert [e["code"] for e in fits["events"]][-1] == "cutover"
    assert fits["cutover"] == "2026-06-15T07:00:00+02:00"
    tight = json.loads(reports("tight", "en")["json"].read_text(encoding="utf-8"))["timeline"]
    assert tight["start"] is None and tight["proposals"][0]["code"] == "raise_concurrency"


@pytest.mark.parametrize("language", LANGUAGES)
def test_sheet_names_and_headers_in_every_language(language: str) -> None:
    _ = translations(language).gettext
    report = build_report(inventory(FITS), NOW)
    assert report.estimate is not None
    tables = [*report.sheets, report.estimate.proposals]
    tables += [b for b in report.summary if hasattr(b, "columns")]  # type: ignore[misc]
    for table in tables:
        headers = [_(c.label) + (f" ({c.unit})" if c.unit else "") for c in table.columns]
        assert len(set(headers)) == len(headers), (language, table.key, headers)
    names = [_(t.title) for t in report.sheets]
    assert len({n.lower() for n in names}) == len(names)
    assert all(len(n) <= 31 and not re.search(r"[\[\]:*?/\\]", n) for n in names)


def test_without_a_probe_nothing_is_forecast_and_nothing_is_zero(tmp_path: Path) -> None:
    inv = inventory(FITS, probed=False)
    xlsx, html_path, json_path = render(inv, tmp_path, now=NOW)
    summary = openpyxl.load_workbook(xlsx)["Summary"]
    facts = [tuple(c.value for c in row[:3]) for row in summary.iter_rows() if row[0].value]
    assert ("Bulk copy, P50 (h)", None, "unknown") in facts
    assert ("Plan", "Unknown: no mailbox could be forecast", None) in facts
    note = "Source hosting was not measured (no probe): its mailboxes are not forecast"
    assert ("Assumption", note, None) in facts
    timeline = openpyxl.load_workbook(xlsx)["Timeline"]
    assert timeline["A2"].value == "Nothing to list."  # no events without a forecast
    html = html_path.read_text(encoding="utf-8")
    # no schedule drawn (the summary's size charts are other figures)
    assert 'id="chart-gantt"' not in html and "Bulk copy, P50</div>" not in html
    doc = json.loads(json_path.read_text(encoding="utf-8"))
    assert doc["timeline"]["status"] == "unknown" and doc["timeline"]["bulk_p50_s"] is None
    assert doc["forecast"]["p50_s"] is None and "no_probe:hosting" in doc["forecast"]["notes"]


def test_a_clock_time_in_the_schedule_is_summed_in_utc_across_dst() -> None:
    start = datetime(2026, 10, 24, 22, 0, tzinfo=AMS)  # CEST; clocks go back at 03:00
    assert _after(start, 10 * 3600, AMS).replace(tzinfo=None) == datetime(2026, 10, 25, 7, 0)


def _schedule(slots: int, per_slot: int) -> Schedule:
    bars = tuple(
        Bar("hosting", f"u{s}-{i}@x", s, i * 60.0, (i + 1) * 60.0, 60.0, "bytes")
        for s in range(slots)
        for i in range(per_slot)
    )
    end = per_slot * 60.0
    return Schedule(slots, bars, end, end * 1.1, None, "Europe/Amsterdam")


def test_the_svg_stays_small_for_thousands_of_mailboxes() -> None:
    g = gantt(_schedule(100, 60), Formatter("en"))  # 6,000 mailboxes over 100 slots
    assert g is not None
    assert len(g.rows) == MAX_ROWS
    assert len(g.bars) <= MAX_BARS + MAX_ROWS
    more = [b for b in g.bars if b.cls == "more"]
    assert len(more) == MAX_ROWS and more[0].title.startswith("Further mailboxes: 53, ")
    assert "Showing the 40 of 100 slots that end last" in g.caption
    assert max(b.x + b.w for b in g.bars) <= g.width


def test_the_chart_keeps_the_longest_mailboxes_and_the_one_that_ends_last() -> None:
    s = _schedule(2, 60)
    chosen = s.longest(50)
    assert len(chosen) == 50 and max(s.bars, key=lambda b: b.end_s) in chosen
    assert list(chosen) == sorted(chosen, key=lambda b: (b.start_s, b.slot))
    assert _schedule(1, 3).longest(50) == _schedule(1, 3).bars
