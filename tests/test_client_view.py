"""The reports as a client sees them (issue 7): one real scan of the lab (Dovecot, Samba
AD DC, EWS), re-rendered from its store in en, nl and pl without scanning again; the
workbooks opened, printed to PDF and saved again by LibreOffice headless; the HTML opened
and printed by headless Chromium. Screenshots and PDFs go to test-artifacts/client-view/.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from mailsurvey.cli import app
from mailsurvey.config import load
from mailsurvey.demo import demo_cutover, lab_config
from mailsurvey.lab import AdInfo, EwsInfo, LabInfo, ews_requests
from mailsurvey.report.i18n import translations
from mailsurvey.report.views import REPORT_TITLE
from mailsurvey.report.xlsx import sheet_name
from mailsurvey.scan import run_scan
from mailsurvey.store import Store

from .client_view_helpers import (
    VIEWPORT,
    CellFacts,
    WorkbookFacts,
    artifacts,
    chromium,
    missing,
    pdf_pages,
    pdf_text,
    read_workbook,
    soffice_convert,
    squeezed,
    watched_page,
)
from .imap_helpers import log_text

LANGUAGES = ("en", "nl", "pl")
CORE_SHEETS = ("Summary", "Mailboxes", "Folders", "Permissions", "Errors")
FORMULA_START = ("=", "+", "-", "@")
PROBE = "probe"  # the libreoffice fixture's own workbook, beside the languages
SHOT_HEIGHT = 6000  # pixels of the page kept in the screenshot artifact


@dataclass(frozen=True)
class Evidence:
    """What a scan leaves behind: the store's units, logins at the servers."""

    units: list[tuple[Any, ...]]
    dovecot_logins: int
    ews_requests: int


@dataclass(frozen=True)
class Rendered:
    store: Path
    reports: dict[str, dict[str, Path]]  # language -> format -> file
    before: Evidence
    after: Evidence
    hostile: list[str]  # the lab's folder names that look like formulas (top level)


def evidence(store: Path, lab: LabInfo, ews: EwsInfo) -> Evidence:
    with sqlite3.connect(store) as db:
        units = db.execute("SELECT * FROM units ORDER BY source, kind, key").fetchall()
    return Evidence(units, log_text(lab).count("Login: user="), len(ews_requests(ews.lab_dir)))


@pytest.fixture(scope="module")
def rendered(
    lab: LabInfo,
    samba_lab: AdInfo,
    ews_lab: EwsInfo,
    ground_truth: dict[str, Any],
    tmp_path_factory: pytest.TempPathFactory,
) -> Rendered:
    """One scan of the whole lab, then `mailsurvey report --language X` for each language."""
    out = tmp_path_factory.mktemp("client-view")
    config = lab_config(
        lab,
        out / "scan",
        samba_lab,
        ews=ews_lab,
        probe={"seconds": 2, "megabytes": 20, "max_concurrency": 2},
        plan={"cutover": demo_cutover()},
    )
    store = out / "scan" / "scan.sqlite"
    with Store(store) as s:
        result = run_scan(load(config), s, show_progress=False)
    assert result.all_ok, result.failures[:3]
    before = evidence(store, lab, ews_lab)
    reports: dict[str, dict[str, Path]] = {}
    for language in LANGUAGES:
        target = out / language
        args = ["report", str(store), "--language", language, "--out", str(target)]
        run = CliRunner().invoke(app, args)
        assert run.exit_code == 0, run.output
        reports[language] = {p.suffix.lstrip("."): p for p in target.iterdir()}
    hostile = [
        entry["path"]
        for entry in ground_truth["hostile_folders"]
        if entry["path"].startswith(FORMULA_START) and "/" not in entry["path"]
    ]
    return Rendered(store, reports, before, evidence(store, lab, ews_lab), hostile)


def sheet(language: str, msgid: str) -> str:
    return sheet_name(translations(language).gettext(msgid))


def test_report_renders_again_from_the_store_without_scanning(rendered: Rendered) -> None:
    assert rendered.before.dovecot_logins > 0 and rendered.before.ews_requests > 0
    assert rendered.after == rendered.before  # no unit, no login, no EWS request
    for language in LANGUAGES:
        assert set(rendered.reports[language]) == {"xlsx", "html", "json"}, language
    # each rendering is in its own language: the first sheet's name comes from the catalog
    names = {sheet(language, "Summary") for language in LANGUAGES}
    assert len(names) == len(LANGUAGES), names


# --- LibreOffice ---------------------------------------------------------------------


@dataclass(frozen=True)
class Opened:
    """One language's workbook: ours, LibreOffice's PDF of it, and the workbook as
    LibreOffice saves it again."""

    ours: WorkbookFacts
    theirs: WorkbookFacts
    pdf: Path
    printed: str  # the PDF's text


@pytest.fixture(scope="module")
def libreoffice(rendered: Rendered, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Opened]:
    """Every language's workbook (and a probe) opened by LibreOffice once to print (PDF) and
    once to save (xlsx): two calls for all of them, side by side."""
    if shutil.which("soffice") is None:
        missing("LibreOffice (soffice)", "Debian package libreoffice-calc")
    work = tmp_path_factory.mktemp("libreoffice")
    originals = {}
    for language in LANGUAGES:  # one name each: LibreOffice names its output after the input
        originals[language] = work / f"workbook-{language}.xlsx"
        shutil.copyfile(rendered.reports[language]["xlsx"], originals[language])
    originals[PROBE] = write_probe(work / "probe.xlsx")
    with ThreadPoolExecutor(2) as pool:  # two LibreOffice instances: a profile each
        printing = pool.submit(
            soffice_convert, originals.values(), "pdf", work / "pdf", work / "profile-pdf"
        )
        saving = pool.submit(
            soffice_convert,
            originals.values(),
            "xlsx:Calc MS Excel 2007 XML",
            work / "resaved",
            work / "profile-xlsx",
        )
        pdfs, resaved = printing.result(), saving.result()
    opened = {}
    for language, original in originals.items():
        pdf = pdfs[original]
        if language != PROBE:
            pdf = shutil.copyfile(pdf, artifacts(pdf.name))
        opened[language] = Opened(
            read_workbook(original), read_workbook(resaved[original]), pdf, pdf_text(pdf)
        )
    return opened


def write_probe(path: Path) -> Path:
    """A workbook with one real formula beside the same text stored as text."""
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "=6*7"  # openpyxl stores a string starting with "=" as a formula
    ws["A2"] = "=6*7"
    ws["A2"].data_type = "s"  # what the report's writer does with scanned text
    wb.save(path)
    return path


def test_the_libreoffice_check_tells_a_formula_from_text(libreoffice: dict[str, Opened]) -> None:
    """The checks below can fail: LibreOffice evaluates a formula cell, keeps a text cell."""
    probe = libreoffice[PROBE]
    assert probe.theirs.cells["Sheet"]["A1"].data_type == "f"
    assert probe.theirs.cells["Sheet"]["A2"] == CellFacts("=6*7", "s")
    assert probe.printed.split() == ["42", "=6*7"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_libreoffice_opens_and_prints_every_sheet(
    libreoffice: dict[str, Opened], language: str
) -> None:
    opened = libreoffice[language]
    assert opened.theirs.sheets == opened.ours.sheets
    assert {sheet(language, s) for s in CORE_SHEETS} <= set(opened.ours.sheets)
    pages = pdf_pages(opened.pdf)
    assert pages >= len(opened.ours.sheets), (pages, opened.ours.sheets)
    printed = squeezed(opened.printed)
    for title, cells in opened.ours.cells.items():  # each sheet's first heading is on paper
        first = next((c.value for c in cells.values() if isinstance(c.value, str)), None)
        assert first is not None, title
        assert squeezed(first) in printed, (title, first)


@pytest.mark.parametrize("language", LANGUAGES)
def test_libreoffice_keeps_scanned_text_as_text(
    libreoffice: dict[str, Opened], rendered: Rendered, language: str
) -> None:
    """Nothing becomes a formula or an evaluated value when LibreOffice loads the
    workbook: every text cell is the same text after it saves it again."""
    ours, theirs = libreoffice[language].ours.cells, libreoffice[language].theirs.cells
    changed = [
        (title, ref, cell.value, theirs[title].get(ref))
        for title, cells in ours.items()
        for ref, cell in cells.items()
        if cell.data_type == "s" and theirs[title].get(ref) != cell
    ]
    assert not changed, changed[:5]
    assert len(rendered.hostile) >= 4, rendered.hostile  # =HYPERLINK, +SUM, -1+2, @cmd
    for cells in (ours, theirs):  # each is a text cell, in our file and in LibreOffice's
        folders = cells[sheet(language, "Folders")].values()
        assert set(rendered.hostile) <= {c.value for c in folders if c.data_type == "s"}
    for name in rendered.hostile:
        assert name in libreoffice[language].printed, name


@pytest.mark.parametrize("language", LANGUAGES)
def test_libreoffice_keeps_the_waves_sheet_protected_with_its_editable_cells(
    libreoffice: dict[str, Opened], language: str
) -> None:
    ours = libreoffice[language].ours.protected
    waves = sheet(language, "Waves")
    assert ours.get(waves), ours.keys()
    assert libreoffice[language].theirs.protected == ours


# --- Chromium --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright (no browser download)."""
    with chromium() as launched:
        yield launched


@pytest.mark.parametrize("language", LANGUAGES)
def test_chromium_shows_the_html_quietly(browser: Any, rendered: Rendered, language: str) -> None:
    url = rendered.reports[language]["html"].resolve().as_uri()
    with watched_page(browser, url) as (page, log):
        page.goto(url, wait_until="load")
        # The lab's report is ~350,000 px tall (1,800 folders, 1,700 identities): the
        # artifact is the full-width page down to SHOT_HEIGHT, what a reader meets first.
        height = min(page.evaluate("document.documentElement.scrollHeight"), SHOT_HEIGHT)
        page.screenshot(
            path=str(artifacts(f"html-{language}.png")),
            full_page=True,
            clip={"x": 0, "y": 0, "width": VIEWPORT["width"], "height": height},
        )
        title = page.title()
        dangling = page.evaluate(
            """() => Array.from(document.querySelectorAll("nav.toc a"))
                .map(a => a.getAttribute("href"))
                .filter(h => !document.getElementById(h.slice(1)))"""
        )
    assert not log.complaints, log.complaints
    assert not log.errors, log.errors
    assert not log.requests, log.requests
    assert title.startswith(translations(language).gettext(REPORT_TITLE))
    assert not dangling


def test_chromium_prints_every_section(browser: Any, rendered: Rendered) -> None:
    url = rendered.reports["en"]["html"].resolve().as_uri()
    printed = artifacts("html-en-print.pdf")
    with watched_page(browser, url) as (page, log):
        page.goto(url, wait_until="load")
        headings = page.evaluate(
            "() => Array.from(document.querySelectorAll('h2')).map(h => h.textContent)"
        )
        page.pdf(path=str(printed), format="A4", landscape=True, print_background=True)
    assert not (log.complaints or log.errors or log.requests)
    assert pdf_pages(printed) >= len(headings) > 1
    text = squeezed(pdf_text(printed))
    assert [h for h in headings if squeezed(h) not in text] == []


def column_values(page: Any, table: str, index: int) -> list[dict[str, Any]]:
    """Each row in page order: the column's sort key, the row's text, whether it shows."""
    return list(
        page.evaluate(
            """([id, i]) => Array.from(document.getElementById(id).tBodies[0].rows)
                .map(r => ({sort: r.cells[i].getAttribute("data-sort"),
                            text: r.textContent, shown: r.offsetParent !== null}))""",
            [table, index],
        )
    )


def test_chromium_sorts_numbers_as_numbers_and_filters_rows(
    browser: Any, rendered: Rendered
) -> None:
    url = rendered.reports["en"]["html"].resolve().as_uri()
    with watched_page(browser, url) as (page, log):
        page.goto(url, wait_until="load")
        headers = page.locator("#t-mailboxes thead th")
        index = [headers.nth(i).inner_text() for i in range(headers.count())].index("Messages")
        before = column_values(page, "t-mailboxes", index)
        numbers = [float(r["sort"]) for r in before if r["sort"]]
        # the data must tell numeric from text order, or the proof would be empty
        assert sorted(numbers) != sorted(numbers, key=repr)
        headers.nth(index).click()
        rising = column_values(page, "t-mailboxes", index)
        headers.nth(index).click()
        falling = column_values(page, "t-mailboxes", index)
        assert headers.nth(index).get_attribute("aria-sort") == "descending"

        term = "lucas"  # lucas.smit's mailbox, in the IMAP and the Exchange source
        page.fill('input.filter[data-table="t-mailboxes"]', term)
        filtered = column_values(page, "t-mailboxes", index)
        page.fill('input.filter[data-table="t-mailboxes"]', "")
        cleared = column_values(page, "t-mailboxes", index)
    known = [float(r["sort"]) for r in rising if r["sort"]]
    assert known == sorted(numbers)
    assert all(not r["sort"] for r in rising[len(known) :])  # unknown sorts last
    assert [float(r["sort"]) for r in falling if r["sort"]] == sorted(numbers, reverse=True)
    shown = [r["text"] for r in filtered if r["shown"]]
    expected = [r["text"] for r in falling if term in r["text"].lower()]
    assert shown == expected and 0 < len(shown) < len(filtered)
    assert sum(r["shown"] for r in cleared) == sum(r["shown"] for r in before) > len(shown)
    assert not (log.complaints or log.errors or log.requests)


def test_the_watch_catches_a_request_and_a_csp_violation(browser: Any, tmp_path: Path) -> None:
    """The checks above can fail: a page that runs a script its policy does not list, and
    one that asks for an image elsewhere (refused by the route before it leaves)."""
    strict = tmp_path / "strict.html"
    strict.write_text(
        "<!DOCTYPE html><html><head><meta http-equiv='Content-Security-Policy' "
        "content=\"default-src 'none'\"></head><body>"
        "<script>document.title = 'ran';</script></body></html>",
        encoding="utf-8",
    )
    leaky = tmp_path / "leaky.html"
    leaky.write_text(
        "<!DOCTYPE html><html><body><img src='https://example.invalid/pixel.png'></body></html>",
        encoding="utf-8",
    )
    with watched_page(browser, strict.as_uri()) as (page, log):
        page.goto(strict.as_uri(), wait_until="load")
        assert page.title() != "ran"
    assert any("Content Security Policy" in text for _, text in log.complaints), log.console
    with watched_page(browser, leaky.as_uri()) as (page, log):
        page.goto(leaky.as_uri(), wait_until="load")
    assert log.requests == ["https://example.invalid/pixel.png"], log.requests
