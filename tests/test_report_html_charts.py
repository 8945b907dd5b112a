"""The HTML report's bar charts: bars proportional, unknown left out (never a 0 bar)."""

from __future__ import annotations

import itertools

import pytest

from mailsurvey.assess.waves import Wave, Waves
from mailsurvey.model import Status
from mailsurvey.report.aggregate import MailboxTotals, Totals
from mailsurvey.report.html import Formatter
from mailsurvey.report.html_charts import (
    LARGEST,
    LOWER_BOUND,
    BarChart,
    HBar,
    largest_mailboxes,
    shorten,
    size_histogram,
    waves_chart,
)

MB = 1024 * 1024
EN = Formatter("en")


def _mailbox(address: str, size: int | None, source: str = "hosting") -> MailboxTotals:
    return MailboxTotals(
        source=source,
        address=address,
        mailbox=None,
        status=Status.OK if size is not None else Status.FAILED,
        complete=size is not None,
        folders=None,
        messages=None,
        bytes=size,
        largest=None,
        oldest=None,
        newest=None,
    )


def _totals(histogram: tuple[int, ...], complete: bool = True) -> Totals:
    return Totals(
        mailboxes=1,
        incomplete_mailboxes=0,
        complete=True,
        folders=1,
        messages=sum(histogram),
        bytes=0,
        largest=None,
        histogram=histogram,
        histogram_complete=complete,
        over_35mb=sum(histogram[5:]),
        over_150mb=histogram[6],
    )


def _bars(chart: BarChart, panel: int = 0) -> tuple[HBar, ...]:
    return chart.panels[panel].bars


def _ratio(a: HBar, b: HBar) -> float:
    return a.w / b.w


def test_largest_mailboxes_are_sorted_and_proportional() -> None:
    sizes = [400 * MB, 100 * MB, 200 * MB, 50 * MB]
    chart = largest_mailboxes([_mailbox(f"m{i}@acme.example", s) for i, s in enumerate(sizes)], EN)
    assert chart is not None and not chart.empty
    assert [label.text for label in chart.labels] == [
        "m0@acme.example",
        "m2@acme.example",
        "m1@acme.example",
        "m3@acme.example",
    ]
    bars = _bars(chart)
    assert bars[0].w > 0 and bars[0].text == "400.0 MB"
    for bar, size in zip(bars, sorted(sizes, reverse=True), strict=True):
        assert bar.w / bars[0].w == pytest.approx(size / sizes[0], abs=0.01)
    # every bar starts at the panel's edge; the value label sits right of its bar
    assert {b.x for b in bars} == {chart.panels[0].x}
    assert all(b.text_x > b.x + b.w for b in bars)
    assert all(b.x + b.w + 80 <= chart.width for b in bars)
    assert chart.title == "The 4 largest mailboxes"


def test_largest_mailboxes_keeps_twenty_and_names_the_source_of_a_shared_address() -> None:
    many = [_mailbox(f"u{i:02}@acme.example", (i + 1) * MB) for i in range(30)]
    twice = [
        _mailbox("boss@acme.example", 900 * MB, "imap"),
        _mailbox("BOSS@acme.example", 800 * MB, "ews"),
    ]
    chart = largest_mailboxes(many + twice, EN)
    assert chart is not None
    assert len(chart.labels) == LARGEST == len(_bars(chart))
    assert chart.labels[0].text == "boss@acme.example · imap"
    assert chart.labels[1].text == "BOSS@acme.example · ews"
    assert chart.labels[2].text == "u29@acme.example"
    assert "unknown" not in chart.caption.lower()


def test_unknown_mailbox_sizes_are_left_out_and_said_so() -> None:
    chart = largest_mailboxes(
        [_mailbox("a@acme.example", 10 * MB), _mailbox("b@acme.example", None)], EN
    )
    assert chart is not None
    assert [label.text for label in chart.labels] == ["a@acme.example"]
    assert "left out: 1 (any of them may be larger)" in chart.caption
    nothing = largest_mailboxes([_mailbox("b@acme.example", None)], EN)
    assert nothing is not None and nothing.empty and not nothing.labels
    assert "left out: 1" in nothing.caption
    assert largest_mailboxes([], EN) is None


def test_labels_are_made_visible_and_shortened_with_the_whole_text_as_tooltip() -> None:
    hostile = "<script>alert(1)</script>\x01" + "x" * 60 + "@acme.example"
    chart = largest_mailboxes([_mailbox(hostile, MB)], EN)
    assert chart is not None
    (label,) = chart.labels
    assert "\x01" not in label.title and "\u2401" in label.title
    assert label.title.startswith("<script>")  # the template escapes; the text stays as is
    assert label.text == shorten(label.title) and label.text.endswith("…")
    assert len(label.text) < len(label.title)
    assert "\x01" not in _bars(chart)[0].title


def test_histogram_bars_are_counts_with_shares_and_large_classes_alerted() -> None:
    chart = size_histogram(_totals((6000, 3000, 1000, 0, 0, 2, 1)), EN)
    assert chart is not None
    bars = _bars(chart)
    assert chart.labels[0].text == "<100 KB"
    assert _ratio(bars[1], bars[0]) == pytest.approx(0.5, abs=0.01)
    assert _ratio(bars[2], bars[0]) == pytest.approx(1 / 6, abs=0.01)
    assert bars[3].w == 0 and bars[3].text == "0 (0.0%)"  # a known 0 is a 0
    assert bars[5].w >= 1  # two messages stay visible next to thousands
    assert bars[0].text == "6,000 (60.0%)" and bars[6].text == "1 (< 0.1%)"
    assert [b.cls for b in bars] == ["", "", "", "", "", "alert", "alert"]
    assert "some figures are unknown" not in chart.caption


def test_histogram_says_when_counts_are_lower_bounds_and_is_absent_without_messages() -> None:
    chart = size_histogram(_totals((5, 0, 0, 0, 0, 0, 0), complete=False), EN)
    assert chart is not None and "At least: some figures are unknown" in chart.caption
    assert size_histogram(_totals((0,) * 7), EN) is None
    nl = size_histogram(_totals((1234, 0, 0, 0, 0, 0, 1)), Formatter("nl"))
    assert nl is not None and _bars(nl)[0].text == "1.234 (99,9%)"


def _wave(
    number: int, mailboxes: tuple[str, ...], makespan_s: float, unknown: tuple[str, ...] = ()
) -> Wave:
    return Wave(
        number=number,
        mailboxes=mailboxes,
        work_s=None if unknown else makespan_s,
        makespan_s=makespan_s,
        unknown=unknown,
        fits=None if unknown else True,
        oversized=False,
        components=(mailboxes,),
        note="",
    )


def _plan(*waves: Wave) -> Waves:
    return Waves(waves, (), (), (), 48 * 3600.0, 4, 10)


def test_waves_chart_draws_mailboxes_hours_and_size_per_wave() -> None:
    plan = _plan(
        _wave(1, ("a@x", "b@x", "c@x", "d@x"), 8 * 3600),
        _wave(2, ("e@x", "f@x"), 2 * 3600),
    )
    sizes = {"a@x": 1024 * MB, "b@x": 1024 * MB, "c@x": 0, "d@x": 0, "e@x": 512 * MB, "f@x": 0}
    chart = waves_chart(plan, [_mailbox(a, s) for a, s in sizes.items()], EN)
    assert chart is not None
    assert [label.text for label in chart.labels] == ["Wave 1", "Wave 2"]
    assert [p.heading for p in chart.panels] == ["Mailboxes", "Duration, P90", "Size"]
    count, hours, size = (_bars(chart, i) for i in range(3))
    assert _ratio(count[1], count[0]) == pytest.approx(0.5, abs=0.01)
    assert _ratio(hours[1], hours[0]) == pytest.approx(0.25, abs=0.01)
    assert _ratio(size[1], size[0]) == pytest.approx(0.25, abs=0.01)
    assert [b.text for b in hours] == ["8.0 h", "2.0 h"] and size[0].text == "2.00 GB"
    assert all(b.cls == "" for p in chart.panels for b in p.bars)
    assert LOWER_BOUND.strip() not in chart.caption
    # the panels do not overlap: each starts right of the room the one before needs
    lefts = [p.x for p in chart.panels]
    assert lefts == sorted(lefts) and all(b - a > 100 for a, b in itertools.pairwise(lefts))


def test_waves_chart_marks_lower_bounds_and_leaves_unknown_out() -> None:
    plan = _plan(
        _wave(1, ("a@x", "b@x"), 4 * 3600, unknown=("b@x",)),  # b: no forecast
        _wave(2, ("c@x",), 0.0, unknown=("c@x",)),  # nothing forecast
    )
    totals = [
        _mailbox("a@x", 100 * MB),
        _mailbox("b@x", 100 * MB),
        _mailbox("b@x", None, "ews"),  # one source could not size it
        _mailbox("c@x", None),
    ]
    chart = waves_chart(plan, totals, EN)
    assert chart is not None
    _, hours, size = (_bars(chart, i) for i in range(3))
    assert hours[0].cls == "lower" and hours[0].text == "≥ 4.0 h" and hours[0].w > 0
    assert size[0].cls == "lower" and size[0].text == "≥ 200.0 MB"
    for bar in (hours[1], size[1]):
        assert bar.cls == "unknown" and bar.w == 0 and bar.text == "unknown"
    assert "≥: at least" in chart.caption
    assert waves_chart(_plan(), totals, EN) is None


def test_waves_chart_in_polish() -> None:
    plan = _plan(_wave(1, ("a@x",), 5400.0))
    chart = waves_chart(plan, [_mailbox("a@x", 3 * MB // 2)], Formatter("pl"))
    assert chart is not None
    assert chart.labels[0].text == "Fala 1"
    assert [b.text for p in chart.panels for b in p.bars] == ["1", "1,5 h", "1,5 MB"]
