"""The HTML report: escaped, self-contained, strict CSP, translated, unknown shown as such."""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markupsafe import escape

from mailsurvey.assess.methods import PROFILES
from mailsurvey.model import Mailbox, Status, Unit, UnitKind
from mailsurvey.report import render
from mailsurvey.report.html import ROW_LIMIT, css_string
from mailsurvey.report.i18n import templates_dir
from mailsurvey.store import Inventory, folder_unit_key

try:
    from test_report_data import (
        CJK,
        CONTROL,
        CONTROL_VISIBLE,
        POLISH,
        _folder,
        sample_inventory,
    )
except ImportError:  # tests/ imported as a package
    from tests.test_report_data import (
        CJK,
        CONTROL,
        CONTROL_VISIBLE,
        POLISH,
        _folder,
        sample_inventory,
    )


def _html(tmp_path: Path, language: str = "en") -> str:
    (path,) = render(sample_inventory(), tmp_path, formats=["html"], language=language)
    return path.read_text(encoding="utf-8")


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self.text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        (self.scripts if self._in_script else self.text).append(data)


def _parse(html: str) -> _Collect:
    parser = _Collect()
    parser.feed(html)
    return parser


@pytest.mark.parametrize("language", ["en", "nl", "pl"])
def test_hostile_text_is_escaped(tmp_path: Path, language: str) -> None:
    html = _html(tmp_path, language)
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>bad</b>" not in html and "&lt;b&gt;bad&lt;/b&gt;" in html
    assert "Bob &lt;Bouwer&gt;" in html
    assert "Q&amp;A &#34;quotes&#34; &#39;single&#39; &lt;b&gt;" in html
    assert "Łódź &lt;migration&gt; &amp; more" in html
    assert CJK in html and POLISH in html
    assert CONTROL_VISIBLE in html and CONTROL not in html
    tags = _parse(html).tags
    assert [t for t, _ in tags].count("script") == 1  # only our own, hashed script
    assert not [t for t, _ in tags if t in ("b", "iframe", "img", "link", "object", "embed")]


def test_csp_and_no_external_reference(tmp_path: Path) -> None:
    html = _html(tmp_path)
    parsed = _parse(html)
    metas = [a for t, a in parsed.tags if t == "meta" and a.get("http-equiv")]
    (csp,) = [a["content"] for a in metas if a["http-equiv"] == "Content-Security-Policy"]
    assert csp is not None
    assert csp.startswith("default-src 'none'; style-src 'unsafe-inline'; img-src data:")
    assert "unsafe-inline" not in csp.split("script-src", 1)[1]
    # the one inline script is allowed by its hash
    (script,) = parsed.scripts
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp
    # the CSP comes before any style or script
    assert html.index("Content-Security-Policy") < html.index("<style>")
    # no external reference: links are in-page anchors, no src/url()/@import at all
    for tag, attrs in parsed.tags:
        for name in ("src", "srcset", "action", "formaction", "poster", "data"):
            assert name not in attrs, (tag, name)
        if "href" in attrs:
            assert (attrs["href"] or "").startswith("#"), attrs
    assert "url(" not in html and "@import" not in html
    # the only http(s) text is the escaped folder name from the scanned data, and the
    # sources of the method profile's figures (text, not links)
    references = [str(escape(r)) for p in PROFILES.values() for r in p.references]
    for match in re.finditer(r"https?://", html):
        before = html[max(0, match.start() - 30) : match.start()]
        here = html[match.start() :]
        assert before.endswith("=HYPERLINK(&#34;") or any(map(here.startswith, references))


@pytest.mark.parametrize(
    ("language", "unknown", "words"),
    [
        ("en", "unknown", ["Mailboxes", "Coverage", "Credentials rejected", "Filter rows"]),
        ("nl", "onbekend", ["Postvakken", "Aanmeldgegevens geweigerd", "Mappen", "Fouten"]),
        ("pl", "nieznane", ["Skrzynki pocztowe", "Dane logowania odrzucone", "Błędy"]),
    ],
)
def test_translated_and_unknown_shown_as_word(
    tmp_path: Path, language: str, unknown: str, words: list[str]
) -> None:
    html = _html(tmp_path, language)
    assert f'<html lang="{language}">' in html
    for word in words:
        assert word in html, word
    assert f'class="unknown num" data-sort="">{unknown}</td>' in html


def test_locale_number_and_date_formats(tmp_path: Path) -> None:
    en, nl, pl = (_html(tmp_path / lang, lang) for lang in ("en", "nl", "pl"))
    assert ">83.3%<" in en and ">83,3%<" in nl and ">83,3%<" in pl
    assert ">212.0 MB<" in en and ">212,0 MB<" in nl
    assert "20 Nov 2026 09:30" in en and "20 nov 2026 09:30" in nl
    assert "20 lis 2026 09:30" in pl


def test_failures_and_insecure_source_are_at_the_top(tmp_path: Path) -> None:
    html = _html(tmp_path)
    top = html[: html.index('id="mailboxes"')]
    assert "TLS certificate of these sources was not verified: hosting" in top
    assert "Items not scanned completely: 3" in top and 'href="#errors"' in top
    errors = html[html.index('<section class="sheet" id="errors"') :]
    assert "carol@acme.example" in errors and "Credentials rejected" in errors
    assert "EXAMINE timed out after 60 s" in errors and "Broken" in errors


def _css_text(css: str) -> list[str]:
    """The quoted strings of a CSS text, their escapes decoded (what a browser shows)."""
    escape = re.compile(r"\\([0-9A-Fa-f]{1,6}) ?")
    return [escape.sub(lambda m: chr(int(m[1], 16)), q) for q in re.findall(r'"([^"]*)"', css)]


def _print_css(html: str) -> str:
    start = html.index("@media print")
    return html[start : html.index("</style>", start)]


def test_print_stylesheet(tmp_path: Path) -> None:
    html = _html(tmp_path)
    css = re.sub(r"\s+", " ", _print_css(html))
    for rule in (
        "size: A4 landscape",
        "print-color-adjust: exact",
        "thead { display: table-header-group; }",
        "section.sheet { break-before: page; }",
        "a { color: inherit; text-decoration: none; }",
    ):
        assert rule in css, rule
    hidden = css.split("nav.toc", 1)[1].split("}", 1)[0]  # nav, filters, "show all", footer
    assert ".toolbar .controls" in hidden and "p.more" in hidden and "display: none" in hidden
    avoid = re.search(r"([^{}]*)\{ break-inside: avoid; \}", css)
    assert avoid is not None and {"tr", "figure.chart"} <= {s.strip() for s in avoid[1].split(",")}


def test_printed_pages_carry_the_client_the_scan_and_the_page_number(tmp_path: Path) -> None:
    html = _html(tmp_path, "pl")
    (page_css,) = re.findall(r'<style media="print">(.*?)</style>', html, re.S)
    # scanned text is escaped for CSS: no quote, angle bracket or brace of its own
    contents = re.findall(r"content: ([^;]*);", page_css)
    assert len(contents) == 4
    for content in contents:
        assert not set(re.sub(r'"[^"]*"|counter\((page|pages)\)|\s', "", content))
        assert "<" not in content and "&" not in content
    top_left, top_right, _, bottom_right = (_css_text(c) for c in contents)
    assert top_left == ["Łódź Sp. z o.o. / ACME · Łódź <migration> & more"]
    assert top_right == [
        "Analiza przed migracją poczty e-mail · Początek skanowania (UTC): 20 lis 2026 09:30"
    ]
    assert bottom_right == ["Strona ", " z "]
    assert contents[3] == '"Strona " counter(page) " z " counter(pages)'


def test_css_string_keeps_any_text_inside_its_quotes() -> None:
    hostile = '"; } body { display: none } </style><script>x</script>\\ \n\x00'
    quoted = css_string(hostile)
    inner = quoted[1:-1]
    assert quoted[0] == quoted[-1] == '"'
    assert not set(inner) & set('"<>{};\n\x00/') - {"\\"}
    assert _css_text(quoted) == [hostile]


def _grown(extra_folders: int = 150, hostile: str = "") -> Inventory:
    """The sample with a mailbox of many folders (a long table) and, given, a hostile address."""
    inv = sample_inventory()
    address = hostile or "many@acme.example"
    folders = [
        _folder(address, f"Projects/{i:03}", i, (i + 1) * 4096) for i in range(extra_folders)
    ]
    units = [Unit("hosting", UnitKind.ACCOUNT, address, Status.OK)]
    units += [
        Unit("hosting", UnitKind.FOLDER, folder_unit_key(address, f.path), Status.OK)
        for f in folders
    ]
    return replace(
        inv,
        folders=[*inv.folders, *folders],
        units=[*inv.units, *units],
        mailboxes=[*inv.mailboxes, Mailbox("hosting", address, display_name=hostile or None)],
    )


def _render(inv: Inventory, tmp_path: Path, language: str = "en") -> str:
    (path,) = render(inv, tmp_path, formats=["html"], language=language)
    return path.read_text(encoding="utf-8")


def test_charts_are_inline_svg_with_a_title_and_no_reference(tmp_path: Path) -> None:
    html = _render(_grown(), tmp_path)
    parsed = _parse(html)
    ids = {a["id"] for _, a in parsed.tags if a.get("id")}
    svgs = [a for t, a in parsed.tags if t == "svg"]
    assert len(svgs) >= 3  # largest mailboxes, message sizes, waves (and the Gantt)
    for attrs in svgs:
        assert attrs["role"] == "img" and attrs["viewbox"]
        labelled = (attrs["aria-labelledby"] or "").split()
        assert len(labelled) == 2 and set(labelled) <= ids
    for key in ("largest", "histogram", "waves"):
        assert f'id="chart-{key}"' in html, key
    figure = html[html.index('id="chart-largest"') :]
    figure = figure[: figure.index("</figure>")]
    assert "many@acme.example" in figure and "The 2 largest mailboxes" in figure
    assert "Mailboxes whose size is unknown, left out: 2" in figure  # bob and carol
    assert "<image" not in html and "<use" not in html and "<foreignObject" not in html


def test_chart_labels_are_escaped_and_control_characters_visible(tmp_path: Path) -> None:
    hostile = "<script>alert(2)</script>\x01@acme.example"
    html = _render(_grown(5, hostile), tmp_path)
    figure = html[html.index('id="chart-largest"') :]
    figure = figure[: figure.index("</figure>")]
    assert "&lt;script&gt;alert(2)&lt;/script&gt;\u2401@acme.example" in figure
    assert "<script>alert(2)" not in html and "\x01" not in html
    assert [t for t, _ in _parse(html).tags].count("script") == 1


def test_long_tables_have_a_filter_a_column_choice_and_show_all(tmp_path: Path) -> None:
    inv = _grown()
    html = _render(inv, tmp_path)
    parsed = _parse(html)
    total = len(inv.folders)
    assert total > ROW_LIMIT
    (bar,) = [a for t, a in parsed.tags if t == "div" and a.get("data-table") == "t-folders"]
    assert bar["data-limit"] == str(ROW_LIMIT)
    (more,) = [a for t, a in parsed.tags if t == "button" and a.get("data-table") == "t-folders"]
    assert more["data-text"] == "Show all {count} rows"
    assert f"Show all {total:,} rows" in html and f"Rows: {total:,}" in html
    counts = {a["data-some"] for t, a in parsed.tags if t == "span" and a.get("data-some")}
    assert counts == {"Rows: {shown} of {count}"}
    # the column choice lists the table's headers, in order
    section = html[html.index('<section class="sheet" id="folders"') :]
    section = section[: section.index("</section>")]
    options = re.findall(r'<option value="(-?\d+)">([^<]*)</option>', section)
    headers = re.findall(r'<th scope="col" class="[^"]*">([^<]*)</th>', section)
    assert options[0] == ("-1", "All columns")
    assert [text for _, text in options[1:]] == headers
    assert [int(v) for v, _ in options[1:]] == list(range(len(headers)))
    # a short table has a count, but no filter and no "show all"
    permissions = html[html.index('<section class="sheet" id="permissions"') :]
    permissions = permissions[: permissions.index("</section>")]
    assert "Rows: 2" in permissions and "input" not in permissions and "button" not in permissions


def test_every_id_is_unique_and_every_anchor_has_its_target(tmp_path: Path) -> None:
    html = _render(_grown(), tmp_path)
    parsed = _parse(html)
    ids = [a["id"] for _, a in parsed.tags if a.get("id")]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    anchors = {(a["href"] or "")[1:] for _, a in parsed.tags if a.get("href")}
    assert anchors and anchors <= set(ids)
    targets = [a.get("data-table") for _, a in parsed.tags if a.get("data-table")]
    assert targets and set(targets) <= set(ids)


def test_script_is_the_file_that_is_hashed_and_needs_no_eval(tmp_path: Path) -> None:
    html = _html(tmp_path)
    (script,) = _parse(html).scripts
    assert script == (templates_dir() / "report.js").read_text(encoding="utf-8")
    for banned in ("eval(", "new Function", "innerHTML", 'setTimeout("', "fetch(", "XMLHttp"):
        assert banned not in script, banned
    assert not re.search(r"<[a-z]+[^>]* on[a-z]+=", html)  # no inline event handler
