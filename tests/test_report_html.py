"""The HTML report: escaped, self-contained, strict CSP, translated, unknown shown as such."""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markupsafe import escape

from mailsurvey.assess.methods import PROFILES
from mailsurvey.report import render

try:
    from test_report_data import CJK, CONTROL, CONTROL_VISIBLE, POLISH, sample_inventory
except ImportError:  # tests/ imported as a package
    from tests.test_report_data import CJK, CONTROL, CONTROL_VISIBLE, POLISH, sample_inventory


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


def test_print_stylesheet(tmp_path: Path) -> None:
    html = _html(tmp_path)
    assert "@media print" in html and "@page" in html
