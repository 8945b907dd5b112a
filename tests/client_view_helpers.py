"""Helpers of the client-view tests: the programs a client opens the reports with
(LibreOffice headless, Debian's Chromium through Playwright) and what they leave behind
(PDF pages and text, re-saved workbooks), plus the test artifacts folder CI keeps."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import pytest
from openpyxl import load_workbook

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "client-view"
CHROMIUM = "/usr/bin/chromium"
# Chromium talks to Google's hosts in the background unless told not to; a fresh
# --user-data-dir comes from Playwright's launch() (a new temporary profile every time).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 900}
SOFFICE_TIMEOUT = 240  # seconds for one conversion call (all files of it)


def artifacts(name: str) -> Path:
    """A path under test-artifacts/client-view/ (the folder is made)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / name


def missing(what: str, why: str) -> NoReturn:
    """A tool the client would open the report with is absent: fail under CI, else skip."""
    text = f"{what} is not available ({why}); ./scripts/setup installs it"
    if os.environ.get("CI"):
        pytest.fail(f"{text}, and CI is set", pytrace=False)
    pytest.skip(text)


def require_program(program: str, debian_package: str) -> str:
    path = shutil.which(program)
    if path is None:
        missing(program, f"Debian package {debian_package}")
    return path


class ConversionError(Exception):
    pass


def soffice_convert(
    files: Iterable[Path], target: str, out_dir: Path, profile: Path
) -> dict[Path, Path]:
    """Convert ``files`` with one LibreOffice call: ``target`` is ``--convert-to``'s
    argument (e.g. ``pdf`` or ``xlsx:Calc MS Excel 2007 XML``). Returns source -> result.

    LibreOffice runs one instance per profile, so each caller passes its own ``profile``.
    The whole process group is killed on a timeout (soffice starts soffice.bin below it).
    """
    soffice = require_program("soffice", "libreoffice-calc")
    sources = list(files)
    if not sources:
        raise ValueError("soffice_convert needs at least one file (without, soffice waits)")
    out_dir.mkdir(parents=True, exist_ok=True)
    command = [
        soffice,
        f"-env:UserInstallation={profile.resolve().as_uri()}",
        "--headless",
        "--norestore",
        "--nologo",
        "--nolockcheck",
        "--convert-to",
        target,
        "--outdir",
        str(out_dir),
        *map(str, sources),
    ]
    proc = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={**os.environ, "HOME": str(profile.parent)},
    )
    try:
        stdout, stderr = proc.communicate(timeout=SOFFICE_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise ConversionError(
            f"LibreOffice did not convert {[s.name for s in sources]} to {target} "
            f"within {SOFFICE_TIMEOUT} s"
        ) from None
    extension = target.split(":", 1)[0]
    results = {s: out_dir / f"{s.stem}.{extension}" for s in sources}
    absent = [s.name for s, r in results.items() if not r.exists() or r.stat().st_size == 0]
    if proc.returncode != 0 or absent:
        raise ConversionError(
            f"LibreOffice (exit {proc.returncode}) did not convert {absent or 'all files'} "
            f"to {target}:\n{stdout}\n{stderr}"
        )
    return results


def pdf_pages(path: Path) -> int:
    """The page count pdfinfo reads (0 for a file it cannot parse)."""
    pdfinfo = require_program("pdfinfo", "poppler-utils")
    proc = subprocess.run([pdfinfo, str(path)], capture_output=True, text=True, timeout=60)
    found = re.search(r"^Pages:\s+(\d+)$", proc.stdout, re.MULTILINE)
    return int(found.group(1)) if proc.returncode == 0 and found else 0


def pdf_text(path: Path, page: int | None = None) -> str:
    """The text of the PDF as laid out, or of one ``page`` (from 1)."""
    pdftotext = require_program("pdftotext", "poppler-utils")
    pages = ["-f", str(page), "-l", str(page)] if page is not None else []
    proc = subprocess.run(
        [pdftotext, *pages, "-layout", str(path), "-"], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def squeezed(text: str) -> str:
    """Without any white space: wrapped header cells still match their text."""
    return re.sub(r"\s+", "", text)


@dataclass(frozen=True)
class CellFacts:
    value: Any
    data_type: str


@dataclass(frozen=True)
class WorkbookFacts:
    cells: dict[str, dict[str, CellFacts]]  # sheet -> coordinate -> non-empty cell
    protected: dict[str, set[str]]  # protected sheet -> its unlocked cells (empty or not)

    @property
    def sheets(self) -> list[str]:
        return list(self.cells)


def read_workbook(path: Path) -> WorkbookFacts:
    """What a client's spreadsheet shows of a workbook: every sheet's values with their
    type (a formula has type "f"), and which cells of protected sheets stay editable."""
    with warnings.catch_warnings():  # parts openpyxl does not read (x14 extensions)
        warnings.filterwarnings("ignore", ".* extension is not supported", UserWarning)
        wb = load_workbook(path)
    try:
        cells: dict[str, dict[str, CellFacts]] = {}
        protected: dict[str, set[str]] = {}
        for ws in wb.worksheets:
            cells[ws.title] = {}
            unlocked = set()
            for row in ws.iter_rows():
                for cell in row:
                    if cell.value is not None:
                        cells[ws.title][cell.coordinate] = CellFacts(cell.value, cell.data_type)
                    if not cell.protection.locked:
                        unlocked.add(cell.coordinate)
            if ws.protection.sheet:
                protected[ws.title] = unlocked
        return WorkbookFacts(cells, protected)
    finally:
        wb.close()


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright (no browser download)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("Playwright", "PyPI package playwright, in the test extra")
    if not Path(CHROMIUM).exists():
        missing("Chromium", "Debian package chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class BrowserLog:
    """What a page did besides drawing itself: console lines, script errors, requests."""

    page_url: str
    console: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)  # each one blocked before it left

    @property
    def complaints(self) -> list[tuple[str, str]]:
        return [(kind, text) for kind, text in self.console if kind in ("error", "warning")]


@contextmanager
def watched_page(browser: Any, url: str) -> Iterator[tuple[Any, BrowserLog]]:
    """A fresh context and page that records console messages, page errors and every
    request other than ``url`` itself; those requests are aborted before they leave."""
    log = BrowserLog(url)
    context = browser.new_context(viewport=VIEWPORT)

    def route(r: Any) -> None:
        if r.request.url == url:
            r.continue_()
        else:
            r.abort()

    try:
        context.route("**/*", route)
        page = context.new_page()
        page.on("console", lambda m: log.console.append((m.type, m.text)))
        page.on("pageerror", lambda e: log.errors.append(str(e)))
        page.on("request", lambda q: None if q.url == url else log.requests.append(q.url))
        yield page, log
    finally:
        context.close()
