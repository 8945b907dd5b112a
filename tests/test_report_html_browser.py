"""The HTML report in headless Chromium: the table tools work under the strict CSP, and the
printed PDF is A4 landscape with the client, the scan and the page number on every page.

Needs Debian's chromium, Playwright and poppler-utils (pdftotext): missing, they fail the
test when CI is set and skip it otherwise.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mailsurvey.report import render
from mailsurvey.report.html import ROW_LIMIT

from .client_view_helpers import chromium, pdf_text, require_program, watched_page
from .test_report_html import _grown


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Any, tmp_path: Path) -> Iterator[Any]:
    """The report of a scan with a long Folders table, opened; no request leaves it."""
    (path,) = render(_grown(), tmp_path, formats=["html"], language="en")
    url = path.resolve().as_uri()
    with watched_page(browser, url) as (tab, log):
        tab.goto(url, wait_until="load")
        yield tab
    problems = [text for _, text in log.complaints] + log.errors + log.requests
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


def test_printed_pdf_has_the_client_and_page_numbers_on_every_page(
    page: Any, tmp_path: Path
) -> None:
    pdf = tmp_path / "report.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    tool = require_program("pdfinfo", "poppler-utils")
    info = subprocess.run([tool, str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(info.split("Pages:")[1].split()[0])
    width, height = map(float, info.split("Page size:")[1].split("pts")[0].split(" x "))
    assert pages >= 3 and (round(width), round(height)) == (842, 595)  # A4 landscape
    for number in range(1, pages + 1):
        text = pdf_text(pdf, number)
        assert "Łódź Sp. z o.o. / ACME · Łódź <migration> & more" in text, number
        assert "Scan started (UTC): 20 Nov 2026 09:30" in text, number
        assert f"Page {number} of {pages}" in text, number
        assert "Filter rows" not in text and "Show all" not in text
    assert "Folders" in "".join(pdf_text(pdf, n) for n in range(2, pages + 1))
