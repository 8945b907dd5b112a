"""The HTML report: one self-contained file, rendered with jinja2 (autoescape on).

Values are formatted here (babel, per locale) into plain strings; the template only
places them, and jinja2 escapes every one. The only unescaped inserts are our own CSS and
script files; the script is allowed by its SHA-256 in the Content-Security-Policy.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

import jinja2
from babel.dates import format_date, format_time
from babel.numbers import format_decimal, format_percent
from markupsafe import Markup

from .. import __version__
from .i18n import Phrase, Word, locale, moment, say, templates_dir, translations
from .money import html_text
from .text import visible
from .views import (
    NUMERIC,
    SUMMARY,
    TIMES,
    Column,
    FactList,
    Kind,
    Report,
    Table,
    Value,
    is_alert,
)

TEMPLATE = "report.html.j2"
_UNITS = ("KB", "MB", "GB", "TB")
_BASE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
ROW_LIMIT = 100  # a longer table shows its first rows and a "show all" button (report.js)
FILTER_FROM = 10  # a table with more rows gets a filter
SHORT_TEXT = 40  # a text cell this short stays on one line (an address, "lab-dovecot")
# A summary block wider than this (in characters, cell padding included) spans the
# summary's whole width instead of half of it: a table cut off in a half-width box, or
# notes wrapped to four lines beside long values, is what a client would question.
HALF_WIDTH_CHARS = 90
FACT_ROOM_CHARS = 56  # a fact list's value and note columns (60 % of a half box)
_PAD_CHARS = 3  # a cell's padding, in characters
_CSS_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ")


@dataclass(frozen=True)
class Cell:
    text: str
    cls: str = "text"
    sort: str | None = None  # machine value for sorting (numbers, ISO dates)


@dataclass(frozen=True)
class HtmlTable:
    key: str
    title: str
    headers: tuple[Cell, ...]
    rows: tuple[tuple[Cell, ...], ...]
    facts: bool = False
    notes: tuple[str, ...] = ()
    extras: tuple[HtmlTable, ...] = ()

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def wide(self) -> bool:
        """Whether the table needs more than half the summary's width to be read."""
        columns = [(h, *(r[i] for r in self.rows)) for i, h in enumerate(self.headers)]
        if self.facts:
            columns = list(zip(*self.rows, strict=True))[1:] if self.rows else []
        need = sum(max(min(len(c.text), SHORT_TEXT) for c in col) + _PAD_CHARS for col in columns)
        return need > (FACT_ROOM_CHARS if self.facts else HALF_WIDTH_CHARS)


@dataclass(frozen=True)
class Card:
    label: str
    value: str
    note: str = ""
    cls: str = ""


@dataclass(frozen=True)
class Banner:
    cls: str
    text: str
    link: str | None = None


class Formatter:
    """Turns view values into display text for one language."""

    def __init__(self, language: str) -> None:
        self._ = translations(language).gettext
        self.language = language
        self.locale = locale(language)

    def number(self, value: float | Decimal, pattern: str | None = None) -> str:
        return str(format_decimal(value, format=pattern, locale=self.locale))

    def size(self, value: int) -> str:
        if value < 1024:
            return f"{self.number(value)} B"
        scaled = float(value)
        for unit in _UNITS:
            scaled /= 1024
            if scaled < 1024 or unit == _UNITS[-1]:
                pattern = "#,##0.0" if unit in ("KB", "MB") else "#,##0.00"
                return f"{self.number(scaled, pattern)} {unit}"
        raise AssertionError("unreachable")

    def datetime(self, value: datetime, with_time: bool = True) -> str:
        text = str(format_date(value, "medium", locale=self.locale))
        if with_time:
            text += " " + str(format_time(value, "HH:mm", locale=self.locale))
        return text

    def hours(self, seconds: float | Decimal) -> str:
        return f"{self.number(seconds / 3600, '#,##0.0')} h"

    def cell(
        self, value: Value, kind: Kind, alert: bool = False, decimals: int = 1, unit: str = ""
    ) -> Cell:
        cls, sort = "text", None
        if value is None:
            if kind in NUMERIC:
                return Cell(self._("unknown"), "unknown num", "")
            if kind in TIMES:
                return Cell(self._("unknown"), "unknown date", "")
            return Cell("", "text")
        if isinstance(value, Word):
            text = self._(value.msgid)
        elif isinstance(value, Phrase):
            text = say(value, self.language, visible)
        elif isinstance(value, str):
            text = visible(value)
        elif isinstance(value, bool):
            text = self._("Yes") if value else self._("No")
        elif isinstance(value, datetime) and kind is Kind.MOMENT:
            text, cls, sort = moment(value, self.language), "date", value.isoformat()
        elif isinstance(value, datetime):
            text = self.datetime(value, with_time=kind is not Kind.DATE)
            cls, sort = "date", value.isoformat()
        elif kind is Kind.MONEY and isinstance(value, Decimal | int):
            text, cls, sort = html_text(value, unit, self.language), "num", str(value)
        elif kind is Kind.PERCENT:
            text = str(format_percent(value, "#,##0.0%", locale=self.locale))
            cls, sort = "num", repr(value)
        elif kind in (Kind.BYTES, Kind.GB) and isinstance(value, int):
            text, cls, sort = self.size(value), "num", str(value)
        elif kind is Kind.HOURS:
            text, cls, sort = self.hours(value), "num", repr(value)
        elif kind is Kind.FLOAT:
            pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
            text, cls, sort = self.number(value, pattern), "num", repr(value)
        else:
            text, cls, sort = self.number(value), "num", repr(value)
        return Cell(text, cls + (" alert" if alert else ""), sort)

    def table(self, table: Table) -> HtmlTable:
        headers = tuple(self.header(c) for c in table.columns)
        rows = tuple(
            tuple(
                self.cell(v, c.kind, is_alert(c, v), c.decimals, c.unit or "")
                for c, v in zip(table.columns, row, strict=True)
            )
            for row in table.rows
        )
        notes = tuple(
            say(n, self.language, visible) if isinstance(n, Phrase) else self._(n.msgid)
            for n in table.notes
        )
        extras = tuple(self.table(e) for e in table.extras)
        return HtmlTable(table.key, self._(table.title), headers, rows, False, notes, extras)

    def section(self, table: Table) -> HtmlTable:
        """A sheet's section: its compact form when it has one, under the sheet's key."""
        if table.compact is None:
            return self.table(table)
        shown = self.table(replace(table.compact, notes=table.notes, extras=table.extras))
        return replace(shown, key=table.key, title=self._(table.title))

    def header(self, column: Column) -> Cell:
        text = self._(column.label) if column.translate else column.label
        if column.unit:
            text += f" ({column.unit})"
        return Cell(text, "num" if column.kind in NUMERIC else "text")

    def facts(self, block: FactList) -> HtmlTable:
        rows = tuple(
            (
                Cell(self._(f.label)),
                self.cell(f.value, f.kind, f.alert, unit=f.unit or ""),
                Cell(self._(f.note.msgid) if f.note else "", "note"),
            )
            for f in block.facts
        )
        return HtmlTable(block.key, self._(block.title), (), rows, facts=True)


def _environment(language: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir()),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    return env


def _asset(name: str) -> Markup:
    """One of our own files, inserted raw inside <style>/<script>."""
    text = (templates_dir() / name).read_text(encoding="utf-8")
    if "</" in text:
        raise ValueError(f"{name} must not contain '</'")
    return Markup(text)  # noqa: S704 - our own file, checked above


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string: every character but letters, digits and spaces as a
    hexadecimal escape (ended by a space, which the escape takes), so scanned text can never
    end the string, the rule or the style element."""
    return '"' + "".join(c if c in _CSS_PLAIN else f"\\{ord(c):X} " for c in text) + '"'


def page_css(report: Report, fmt: Formatter) -> Markup:
    """The printed page's header and footer (CSS margin boxes): client, project, the scan's
    start and the page number on every page."""
    _ = fmt._
    who = " · ".join(visible(t) for t in (report.client, report.project) if t)
    started = fmt.datetime(report.started) if report.started else _("unknown")
    scan = f"{_(report.title)} · {_('Scan started (UTC)')}: {started}"
    page = _("Page %(page)s of %(pages)s") % {"page": "\x00page\x00", "pages": "\x00pages\x00"}
    # the translation's words around the two counters: "Strona " page " z " pages
    parts = page.split("\x00")
    counter = " ".join(
        f"counter({part})" if i % 2 else css_string(part) for i, part in enumerate(parts) if part
    )
    boxes = (
        ("top-left", css_string(who)),
        ("top-right", css_string(scan)),
        ("bottom-left", css_string(f"mailsurvey {__version__}")),
        ("bottom-right", counter),
    )
    rules = " ".join(f"@{box} {{ content: {content}; }}" for box, content in boxes)
    return Markup(f"@page {{ {rules} }}")  # noqa: S704 - every text escaped by css_string


def csp(script: str) -> str:
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return f"{_BASE_CSP}; script-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'"


def _cards_and_banners(report: Report, fmt: Formatter) -> tuple[list[Card], list[Banner]]:
    _ = fmt._
    t = report.totals
    at_least = "" if t.complete else _("at least")
    share = report.coverage_ok
    cards = [
        Card(
            _("Scanned OK"),
            fmt.cell(share, Kind.PERCENT).text,
            _("of all scanned items"),
            "good" if share == 1 else "bad",
        ),
        Card(_("Mailboxes"), fmt.number(t.mailboxes)),
        Card(_("Messages"), fmt.number(t.messages), at_least),
        Card(_("Total size"), fmt.size(t.bytes), at_least),
        Card(
            _("Messages of 35 MB or larger"),
            fmt.number(t.over_35mb),
            "" if t.histogram_complete else _("at least"),
            "bad" if t.over_35mb else "",
        ),
    ]
    if report.cards is not None:
        cards = [
            Card(
                _(f.label),
                fmt.cell(f.value, f.kind).text,
                _(f.note.msgid) if f.note else "",
                "bad" if f.alert else "",
            )
            for f in report.cards
        ]
    estimate = report.estimate
    p50 = estimate.schedule.p50_s if estimate else None
    if estimate is not None and p50 is not None:
        p90 = _("P90: %(hours)s") % {"hours": fmt.hours(estimate.schedule.p90_s or p50)}
        cards.append(Card(_("Bulk copy, P50"), fmt.hours(p50), p90))
    banners = []
    if estimate is not None and estimate.status == "does_not_fit":
        text = _(
            "The copy does not fit before the cutover: the timeline shows what would make it fit."
        )
        banners.append(Banner("alert", text, "timeline"))
    if report.insecure_sources:
        text = _("Warning: the TLS certificate of these sources was not verified: %(sources)s")
        banners.append(
            Banner("alert", text % {"sources": ", ".join(map(visible, report.insecure_sources))})
        )
    if report.failed_units:
        text = _("Items not scanned completely: %(count)s. Their figures are unknown.")
        banners.append(Banner("warn", text % {"count": fmt.number(report.failed_units)}, "errors"))
    elif share is not None:
        banners.append(Banner("ok", _("Every item was scanned completely.")))
    return cards, banners


def build(report: Report, language: str) -> str:
    """The HTML document as a string."""
    from .html_charts import largest_mailboxes, size_histogram, waves_chart
    from .html_gantt import gantt  # these build on this module's Formatter

    fmt = Formatter(language)
    estimate = report.estimate
    env = _environment(language)
    script = _asset("report.js")
    cards, banners = _cards_and_banners(report, fmt)
    started = report.started
    summary_charts = (largest_mailboxes(report.mailboxes, fmt), size_histogram(report.totals, fmt))
    waves = report.waves
    charts = {
        "summary": [c for c in summary_charts if c is not None],
        "waves": [c for c in (waves_chart(waves.waves, report.mailboxes, fmt),) if c]
        if waves
        else [],
    }
    return env.get_template(TEMPLATE).render(
        lang=language,
        csp=csp(str(script)),
        css=_asset("report.css"),
        page_css=page_css(report, fmt),
        row_limit=ROW_LIMIT,
        filter_from=FILTER_FROM,
        short=SHORT_TEXT,
        charts=charts,
        script=script,
        title=fmt._(report.title),
        summary_title=fmt._(SUMMARY),
        client=visible(report.client),
        project=visible(report.project),
        started=fmt.datetime(started) if started else fmt._("unknown"),
        version=__version__,
        generated=fmt.datetime(report.generated) + " UTC",
        cards=cards,
        banners=banners,
        summary=[fmt.facts(b) if isinstance(b, FactList) else fmt.table(b) for b in report.summary],
        sheets=[fmt.section(t) for t in report.sheets],
        gantt=gantt(estimate.schedule, fmt) if estimate else None,
        plan=fmt.facts(estimate.plan) if estimate else None,
        proposals=fmt.table(estimate.proposals) if estimate else None,
    )
