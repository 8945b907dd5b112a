"""The HTML report in headless Chromium: the table tools work under the strict CSP, and the
printed PDF is A4 landscape with the client, the scan and the page number on every page.

Needs Debian's chromium, Playwright and poppler-utils (pdftotext): missing, they fail the
test when CI is set and skip it otherwise.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

from mailsurvey.report import render
from mailsurvey.report.html import ROW_LIMIT

try:
    from test_report_html import _grown
except ImportError:  # tests/ imported as a package
    from tests.test_report_html import _grown

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _missing(what: str) -> NoReturn:
    text = f"{what} is not available; ./scripts/setup installs it"
    if os.environ.get("CI"):
        pytest.fail(f"{text}, and CI is set", pytrace=False)
    pytest.skip(text)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright (PyPI package playwright)")
    if not Path(CHROMIUM).exists():
        _missing("Chromium (Debian package chromium)")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any, tmp_path: Path) -> Iterator[Any]:
    """The report of a scan with a long Folders table, opened; no request leaves it."""
    (path,) = render(_grown(), tmp_path, formats=["html"], language="en")
    url = path.resolve().as_uri()
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    problems: list[str] = []
    context.route("**/*", lambda r: r.continue_() if r.request.url == url else r.abort())
    tab = context.new_page()
    tab.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else 0)
    tab.on("pageerror", lambda e: problems.append(str(e)))
    tab.on("request", lambda q: problems.append(q.url) if q.url != url else 0)
    tab.goto(url, wait_until="load")
    try:
        yield tab
    finally:
        context.close()
    assert not problems, problems


def _state(page: Any, table: str) -> dict[str, Any]:
    return dict(
        page.evaluate(
            """(id) => {
                const rows = Array.from(document.getElementById(id).tBodies[0].rows);
                const bar = document.querySelector(`.toolbar[data-table="${id}"]`);
                const more = document.querySelector(`button.more[data-table="${id}"]`);
                return {
                    shown: rows.filter(r => r.offsetParent !== null).map(r => r.textContent),
                    matched: rows.filter(r => !r.hidden).length,
                    count: bar.querySelector(".count").textContent,
                    more: more && more.offsetParent !== null ? more.textContent : null,
                };
            }""",
            table,
        )
    )


def test_long_table_shows_its_first_rows_filters_by_column_and_shows_all(page: Any) -> None:
    total = page.locator("#t-folders tbody tr").count()
    first = _state(page, "t-folders")
    assert len(first["shown"]) == ROW_LIMIT < total
    assert first["count"] == f"Rows: {ROW_LIMIT} of {total}"
    assert first["more"] == f"Show all {total} rows"

    page.click('button.more[data-table="t-folders"]')
    everything = _state(page, "t-folders")
    assert len(everything["shown"]) == total and everything["more"] is None
    assert everything["count"] == f"Rows: {total}"

    # "many" is in the Mailbox column of 150 rows: filtered by the Folder column, no row
    # has it; "projects/01" is in the Folder column of ten rows
    headers = page.locator("#t-folders thead th").all_inner_texts()
    page.select_option('select.column[data-table="t-folders"]', str(headers.index("Folder")))
    page.fill('input.filter[data-table="t-folders"]', "many")
    assert _state(page, "t-folders")["count"] == f"Rows: 0 of {total}"
    page.fill('input.filter[data-table="t-folders"]', "projects/01")
    ten = _state(page, "t-folders")
    assert ten["count"] == f"Rows: 10 of {total}" and len(ten["shown"]) == 10
    page.select_option('select.column[data-table="t-folders"]', "-1")
    page.fill('input.filter[data-table="t-folders"]', "many")
    assert _state(page, "t-folders")["matched"] == 150


def test_sorting_puts_unknown_last_both_ways(page: Any) -> None:
    headers = page.locator("#t-folders thead th")
    size = headers.all_inner_texts().index("Size")
    page.click('button.more[data-table="t-folders"]')
    for direction in ("ascending", "descending"):
        headers.nth(size).click()
        assert headers.nth(size).get_attribute("aria-sort") == direction
        keys = page.evaluate(
            """(i) => Array.from(document.getElementById("t-folders").tBodies[0].rows)
                .map(r => r.cells[i].getAttribute("data-sort"))""",
            size,
        )
        known = [float(k) for k in keys if k]
        assert known == sorted(known, reverse=direction == "descending")
        assert keys[len(known) :] and not any(keys[len(known) :])  # unknown, at the end


def _pdftotext(pdf: Path, number: int) -> str:
    tool = shutil.which("pdftotext") or _missing("pdftotext (Debian package poppler-utils)")
    run = subprocess.run(
        [tool, "-f", str(number), "-l", str(number), "-layout", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return run.stdout


def test_printed_pdf_has_the_client_and_page_numbers_on_every_page(
    page: Any, tmp_path: Path
) -> None:
    pdf = tmp_path / "report.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    tool = shutil.which("pdfinfo") or _missing("pdfinfo (Debian package poppler-utils)")
    info = subprocess.run([tool, str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(info.split("Pages:")[1].split()[0])
    width, height = map(float, info.split("Page size:")[1].split("pts")[0].split(" x "))
    assert pages >= 3 and (round(width), round(height)) == (842, 595)  # A4 landscape
    for number in range(1, pages + 1):
        text = _pdftotext(pdf, number)
        assert "Łódź Sp. z o.o. / ACME · Łódź <migration> & more" in text, number
        assert "Scan started (UTC): 20 Nov 2026 09:30" in text, number
        assert f"Page {number} of {pages}" in text, number
        assert "Filter rows" not in text and "Show all" not in text
    assert "Folders" in "".join(_pdftotext(pdf, n) for n in range(2, pages + 1))
