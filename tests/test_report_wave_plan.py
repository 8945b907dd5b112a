"""Several waves in the reports: the Timeline's events per wave, the Waves sheet's planned
moments, the Gantt's bar per wave, inventory.json's wave plans.

The scan of test_report_estimate with its mailboxes in the store, in windows of 16 h at
two mailboxes at once: two waves (five mailboxes, then three). Planned Monday 1 June 2026
for a cutover Monday 15 June 07:00: wave 2 starts Friday 12 June 18:00, wave 1 the
Thursday before at 18:00 (both their latest starts moved back to the end of a working day).
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import openpyxl
import pytest
from markupsafe import escape

from mailsurvey.assess.outlook import Outlook, outlook
from mailsurvey.model import Mailbox
from mailsurvey.report import render
from mailsurvey.report.html import Formatter
from mailsurvey.report.html_gantt import MAX_ROWS, gantt
from mailsurvey.report.i18n import Phrase, moment, translations
from mailsurvey.report.jsonout import schema
from mailsurvey.report.views_schedule import Schedule, WaveBar
from mailsurvey.store import Inventory

from .test_report_estimate import AMS, FITS, LANGUAGES, LOST, NOW, SIZES_GB, _rows, _section
from .test_report_estimate import inventory as estimate_inventory

PLAN = {**FITS, "wave_window_hours": 16}
ZONE = " (Europe/Amsterdam)"
H = 3600.0


def inventory(unknown: bool = False) -> Inventory:
    """``unknown``: the account whose login failed is a mailbox too, never forecast."""
    inv = estimate_inventory(PLAN)
    inv.mailboxes += [Mailbox("hosting", a) for a in (*SIZES_GB, *([LOST] if unknown else ()))]
    return inv


def expected(unknown: bool = False) -> Outlook:
    seen = outlook(inventory(unknown), NOW)
    assert seen is not None
    return seen


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, bool], dict[str, Path]]:
    done: dict[tuple[str, bool], dict[str, Path]] = {}

    def get(language: str, unknown: bool = False) -> dict[str, Path]:
        if (language, unknown) not in done:
            out = tmp_path_factory.mktemp(f"waves-{language}-{unknown}")
            paths = render(inventory(unknown), out, language=language, now=NOW)
            done[(language, unknown)] = dict(zip(("xlsx", "html", "json"), paths, strict=True))
        return done[(language, unknown)]

    return get


def naive(at: datetime | None) -> datetime:
    assert at is not None
    return at.astimezone(AMS).replace(tzinfo=None)


def close(a: Any, b: datetime) -> bool:
    return isinstance(a, datetime) and abs(a - b) < timedelta(seconds=1)


def test_the_scan_is_planned_in_two_waves_back_to_back() -> None:
    t = expected().timeline
    assert (t.status, t.waves) == ("fits", 2)
    one, two = t.wave_plans
    assert (one.mailboxes, two.mailboxes) == (5, 3)
    assert (naive(one.start), naive(two.start)) == (
        datetime(2026, 6, 11, 18, 0),
        datetime(2026, 6, 12, 18, 0),
    )
    assert one.end_p90 is not None and one.p90_s is not None and one.margin_s == 4 * H
    assert one.end_p90 + timedelta(seconds=one.margin_s) <= naive(two.start).replace(tzinfo=AMS)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_timeline_lists_each_waves_events_with_its_number_and_mailboxes(
    reports: Callable[..., dict[str, Path]], language: str
) -> None:
    _ = translations(language).gettext
    o = expected()
    t = o.timeline
    paths = reports(language)
    ws = openpyxl.load_workbook(paths["xlsx"])[_("Timeline")]
    header = [c.value for c in ws[1]][:6]
    assert header == [
        _("When") + ZONE,
        _("Event"),
        _("Wave"),
        _("Mailboxes"),
        _("Details"),
        _("From the bulk start") + " (h)",
    ]
    got = [[c.value for c in r[:4]] for r in ws.iter_rows(min_row=2, max_row=1 + len(t.events))]
    wave = _("Wave %(number)s")
    assert [row[1:] for row in got] == [
        [_("Start the wave's copy"), wave % {"number": 1}, 5],
        [_("The wave's copy ends (P50)"), wave % {"number": 1}, 5],
        [_("The wave's copy ends (P90)"), wave % {"number": 1}, 5],
        [_("Lower the MX TTL"), None, None],
        [_("Start the wave's copy"), wave % {"number": 2}, 3],
        [_("The wave's copy ends (P50)"), wave % {"number": 2}, 3],
        [_("The wave's copy ends (P90)"), wave % {"number": 2}, 3],
        [_("Start the final delta"), None, 8],  # the delta of every mailbox
        [_("Cutover"), None, 8],
    ]
    for row, event in zip(got, t.events, strict=True):
        assert close(row[0], naive(event.at))
    details = [c.value for c in ws["E"][1 : 1 + len(t.events)]]
    method = _("isync/mbsync (IMAP to IMAP, pipelined)")
    start = _("%(count)s mailboxes, %(concurrency)s at once with %(method)s")
    assert details[0] == start % {"count": 5, "concurrency": 2, "method": method}
    html = _section(paths["html"].read_text(encoding="utf-8"), "timeline")
    shown = [moment(naive(w.start), language) for w in t.wave_plans]
    assert all(f">{text}<" in html for text in shown)
    assert html.index(f">{wave % {'number': 1}}<") < html.index(f">{wave % {'number': 2}}<")
    copied = _("Copied one after another; every mailbox switches at the one cutover")
    assert copied in html  # the plan's note beside the number of waves


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_waves_sheet_has_each_waves_planned_start_and_p90_end(
    reports: Callable[..., dict[str, Path]], language: str
) -> None:
    _ = translations(language).gettext
    o = expected()
    assert o.waves is not None
    plans = {w.number: w for w in o.timeline.wave_plans}
    paths = reports(language)
    ws = openpyxl.load_workbook(paths["xlsx"])[_("Waves")]
    rows = _rows(ws)
    assert len(rows) == len(SIZES_GB)
    for row in rows:
        w = plans[row[_("Proposed wave")].value]
        assert close(row[_("Planned start") + ZONE].value, naive(w.start))
        assert close(row[_("Copy ends (P90)") + ZONE].value, naive(w.end_p90))
        assert row[_("Planned start") + ZONE].number_format == "ddd yyyy-mm-dd hh:mm"
    html = _section(paths["html"].read_text(encoding="utf-8"), "waves")
    assert _("Planned start") in html and moment(naive(plans[2].end_p90), language) in html


def test_the_workbook_gantt_draws_a_bar_per_wave(
    reports: Callable[..., dict[str, Path]],
) -> None:
    t = expected().timeline
    path = reports("en")["xlsx"]
    ws = openpyxl.load_workbook(path)["Estimate"]
    header = [c.value for c in ws[1]]
    assert "Starts at (Europe/Amsterdam)" not in header  # the single copy's clock is not the plan
    left = header.index("Wave")
    data = [[c.value for c in r[left : left + 4]] for r in ws.iter_rows(min_row=2, max_row=3)]
    one = t.wave_plans[0]
    assert [row[0] for row in data] == ["Wave 1", "Wave 2"]
    assert data[0][1:] == pytest.approx(
        [0.0, (one.p50_s or 0) / H, ((one.p90_s or 0) - (one.p50_s or 0)) / H]
    )
    assert data[1][1] == pytest.approx(24.0)  # Friday 18:00 is 24 h after Thursday 18:00
    assert ws.cell(4, left + 1).value is None  # two bars, no more
    with zipfile.ZipFile(path) as z:
        xmls = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")]
    (xml,) = [x for x in xmls if "'Estimate'!" in x]
    assert "The waves of the bulk copy, one after another (P50 and P90)" in xml
    notes = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(n.startswith("Slots and hours are those of one copy") for n in notes)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_html_gantt_draws_a_bar_per_wave(
    reports: Callable[..., dict[str, Path]], language: str
) -> None:
    _ = translations(language).gettext
    html = reports(language)["html"].read_text(encoding="utf-8")
    section = _section(html, "estimate")
    svg = section[section.index("<svg") : section.index("</svg>")]
    labels = re.findall(r'<text class="slot"[^>]*>([^<]*)</text>', svg)
    assert labels == [_("Wave %(number)s") % {"number": n} for n in (1, 2)]
    # each wave to P50 and on to P90, and one legend swatch of each
    assert svg.count('<rect class="b-bytes"') == 3 and svg.count('<rect class="more"') == 3
    caption = _("The waves one after another, in hours from the first wave's start")
    assert str(escape(caption)) in svg
    assert "<script" not in svg and "href" not in svg


def test_the_html_gantt_stays_small_for_many_waves() -> None:
    waves = tuple(
        WaveBar(Phrase("Wave %(number)s", (("number", i),)), 10, (i - 1) * 48 * H, 30 * H, 40 * H)
        for i in range(1, 61)
    )
    s = Schedule(20, (), 1.0, 1.0, None, "Europe/Amsterdam", waves)
    g = gantt(s, Formatter("en"))
    assert g is not None and len(g.rows) == MAX_ROWS and len(g.bars) == 2 * MAX_ROWS
    assert "Showing the first 40 of 60 waves" in g.caption


def test_inventory_json_holds_each_waves_plan_and_validates(
    reports: Callable[..., dict[str, Path]],
) -> None:
    validator = jsonschema.Draft202012Validator(schema())
    doc = json.loads(reports("en")["json"].read_text(encoding="utf-8"))
    validator.validate(doc)
    t = doc["timeline"]
    assert (t["status"], t["waves"]) == ("fits", 2)
    assert [(w["number"], w["set_aside"], w["mailboxes"]) for w in t["wave_plans"]] == [
        (1, False, 5),
        (2, False, 3),
    ]
    assert [w["start"] for w in t["wave_plans"]] == [
        "2026-06-11T18:00:00+02:00",
        "2026-06-12T18:00:00+02:00",
    ]
    assert [(e["code"], e["wave"]) for e in t["events"] if e["wave"]] == [
        ("wave_start", 1),
        ("wave_end_p50", 1),
        ("wave_end_p90", 1),
        ("wave_start", 2),
        ("wave_end_p50", 2),
        ("wave_end_p90", 2),
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_wave_of_unknown_duration_makes_the_plan_unknown_in_every_report(
    reports: Callable[..., dict[str, Path]], language: str
) -> None:
    _ = translations(language).gettext
    t = expected(unknown=True).timeline
    assert (t.status, t.waves, t.wave_plans[-1].p90_s) == ("unknown", 3, None)
    paths = reports(language, unknown=True)
    doc = json.loads(paths["json"].read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema()).validate(doc)
    timeline = doc["timeline"]
    assert (timeline["status"], timeline["events"], timeline["start"]) == ("unknown", [], None)
    assert timeline["bulk_p90_s"] is None and timeline["lead_s"] is None  # never a sum of some
    assert [w["p90_s"] is None for w in timeline["wave_plans"]] == [False, False, True]
    ws = openpyxl.load_workbook(paths["xlsx"])[_("Timeline")]
    values = [c.value for row in ws.iter_rows() for c in row]
    assert _("Unknown: a wave holds mailboxes that are not forecast") in values
    assert _("Fits before the cutover") not in values
    assert ws.cell(2, 1).value is None or not isinstance(ws.cell(2, 1).value, datetime)
