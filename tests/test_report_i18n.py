"""Every UI string used by the reports has a real translation in every language."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import jinja2
import pytest
from babel.messages.pofile import read_po

import mailsurvey.report as report_pkg
from mailsurvey.report import views
from mailsurvey.report.i18n import LANGUAGES, check_language, po_path, templates_dir, translations
from mailsurvey.report.xlsx import sheet_name

MARKERS = {"N_", "Word", "_", "gettext"}
PLACEHOLDER = re.compile(r"%\([a-z_]+\)s")


def _python_msgids() -> set[str]:
    """String literals passed to N_(), Word(), _() or .gettext() in the report package."""
    found = set()
    for path in Path(report_pkg.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            arg = node.args[0]
            if name in MARKERS and isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.add(arg.value)
    return found


def _template_msgids() -> set[str]:
    env = jinja2.Environment(extensions=["jinja2.ext.i18n"], autoescape=True)
    found = set()
    for path in templates_dir().glob("*.j2"):
        for _line, _func, message in env.extract_translations(path.read_text(encoding="utf-8")):  # type: ignore[attr-defined]
            found.update([message] if isinstance(message, str) else [m for m in message if m])
    return found


def used_msgids() -> set[str]:
    return _python_msgids() | _template_msgids()


def _catalog(language: str) -> dict[str, str]:
    with po_path(language).open("rb") as fh:
        catalog = read_po(fh, locale=language)
    return {
        str(m.id): str(m.string)
        for m in catalog
        if m.id and not m.fuzzy and isinstance(m.string, str)
    }


def test_extraction_finds_code_and_template_strings() -> None:
    used = used_msgids()
    assert {"Mailboxes", "Credentials rejected", "unknown", "Filter rows"} <= used
    assert len(used) > 80


@pytest.mark.parametrize("language", ["nl", "pl"])
def test_every_used_msgid_is_translated(language: str) -> None:
    catalog = _catalog(language)
    missing = sorted(m for m in used_msgids() if not catalog.get(m, "").strip())
    assert not missing, f"{language}: no translation for {missing}"


@pytest.mark.parametrize("language", ["nl", "pl"])
def test_catalog_has_no_stale_entries_and_keeps_placeholders(language: str) -> None:
    catalog = _catalog(language)
    stale = sorted(set(catalog) - used_msgids())
    assert not stale, f"{language}: .po entries no longer used: {stale}"
    for msgid, msgstr in catalog.items():
        assert sorted(PLACEHOLDER.findall(msgid)) == sorted(PLACEHOLDER.findall(msgstr)), msgid


@pytest.mark.parametrize("language", LANGUAGES)
def test_sheet_names_are_valid_without_repair(language: str) -> None:
    _ = translations(language).gettext
    titles = [views.SUMMARY] + [t.title for t in views.build_report(_empty()).sheets]
    names = [_(t) for t in titles]
    for name in names:
        assert len(name) <= 31 and not re.search(r"[\[\]:*?/\\]", name), name
        assert sheet_name(name) == name
    assert len({n.lower() for n in names}) == len(names)


@pytest.mark.parametrize("language", LANGUAGES)
def test_column_headers_unique_per_table(language: str) -> None:
    _ = translations(language).gettext
    report = views.build_report(_empty())
    for table in [*report.sheets, *(b for b in report.summary if isinstance(b, views.Table))]:
        headers = [_(c.label) if c.translate else c.label for c in table.columns]
        assert len(set(headers)) == len(headers), (language, table.key, headers)


def test_translations_are_used() -> None:
    assert translations("nl").gettext("Mailboxes") == "Postvakken"
    assert translations("pl").gettext("Mailboxes") == "Skrzynki pocztowe"
    assert translations("en").gettext("Mailboxes") == "Mailboxes"


def test_unknown_language_names_the_allowed_ones() -> None:
    with pytest.raises(ValueError, match="en, nl, pl"):
        check_language("de")


def _empty() -> views.Inventory:
    return views.Inventory(info=None)


def test_every_model_value_has_a_word() -> None:
    from mailsurvey.model import Reason, Status, UnitKind
    from mailsurvey.report.i18n import KIND_WORDS, REASON_WORDS, STATUS_WORDS

    assert set(STATUS_WORDS) == set(Status)
    assert set(REASON_WORDS) == set(Reason)
    assert set(KIND_WORDS) == set(UnitKind)


def test_every_unit_kind_has_a_coverage_label() -> None:
    from mailsurvey.model import UnitKind
    from mailsurvey.report.aggregate import _KIND_LABELS

    assert set(_KIND_LABELS) == set(UnitKind)
