"""The About sheet's "How each figure was obtained": the rows of the source types the scan's
config named (and the quote's when it priced the migration), none of the others, and texts
that stay in step with the collectors they describe."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest

from mailsurvey.collectors import dns_parse, exchange_export, imap_gmail
from mailsurvey.config import SOURCE_TYPES, Config, load
from mailsurvey.report import render
from mailsurvey.report.figure_methods import EVERY, METHODS, PRICING
from mailsurvey.report.i18n import Word, translations
from mailsurvey.report.views_about import about_sheet
from mailsurvey.store import Inventory

try:
    from test_report_data import sample_inventory
except ImportError:  # tests/ imported as a package
    from tests.test_report_data import sample_inventory

SAMPLES = Path(__file__).resolve().parent.parent / "sample_configs"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
DNS_CONFIG = {
    "project": "Acme mail",
    "client": "Acme BV",
    "sources": [{"name": "public-dns", "type": "dns", "domains": ["acme.nl"]}],
    "targets": ["exo-imap"],
}
# a real config of each source type: the sample configs, and one for DNS (none ships)
CONFIGS = {
    "imap": "cpanel.yaml",
    "exchange": "exchange-ews.yaml",
    "active_directory": "active-directory.yaml",
    "exchange_export": "exchange-export.yaml",
    "mail_files": "offline-files.yaml",
    "dns": DNS_CONFIG,
}


def _summary(config: str | dict[str, object]) -> dict[str, object]:
    if isinstance(config, str):
        return load(SAMPLES / config).config.summary()
    return Config.model_validate(config).summary()


def _inventory(summary: dict[str, object]) -> Inventory:
    inv = sample_inventory()
    assert inv.info is not None
    return replace(inv, info=replace(inv.info, config_summary=summary))


def _figures(summary: dict[str, object]) -> list[str]:
    """The figures of the method table, as msgids, in the order shown."""
    (methods, _config) = about_sheet(_inventory(summary), NOW).extras
    assert methods.key == "figure_methods"
    out = []
    for figure, method, origin in methods.rows:
        assert isinstance(figure, Word) and isinstance(method, Word) and isinstance(origin, Word)
        out.append(figure.msgid)
    return out


def _rows(kind: str) -> list[str]:
    return [figure for k, figure, _m, _o in METHODS if k == kind]


def _method(figure: str) -> str:
    (found,) = [method for _k, f, method, _o in METHODS if f == figure]
    return found


def test_every_source_type_and_the_quote_have_method_rows() -> None:
    kinds = {k for k, *_ in METHODS}
    assert kinds == {*SOURCE_TYPES, EVERY, PRICING}
    assert len({f for _k, f, *_ in METHODS}) == len(METHODS)  # one row per figure


@pytest.mark.parametrize("source_type", sorted(CONFIGS))
def test_a_config_gets_the_rows_of_its_source_type_and_no_others(source_type: str) -> None:
    summary = _summary(CONFIGS[source_type])
    assert summary["pricing"] is None
    shown = _figures(summary)
    assert shown == [f for k, f, *_ in METHODS if k in (source_type, EVERY)]
    assert set(_rows(source_type)) <= set(shown)
    for other in set(SOURCE_TYPES) - {source_type}:
        assert not set(_rows(other)) & set(shown), other
    assert "Quote" not in shown


def test_the_gmail_and_probe_rows_come_with_their_source_types() -> None:
    imap = _figures(_summary("gmail-workspace.yaml"))
    assert {"Gmail: messages counted once", "IMAP throughput probe"} <= set(imap)
    assert "Exchange throughput probe" not in imap
    exchange = _figures(_summary("exchange-ews.yaml"))
    assert "Exchange throughput probe" in exchange
    assert not {"Gmail: messages counted once", "IMAP throughput probe"} & set(exchange)
    files = _figures(_summary("offline-files.yaml"))
    assert not {"Gmail: messages counted once", "IMAP throughput probe"} & set(files)


def test_several_sources_get_the_rows_of_each() -> None:
    summary = _summary(DNS_CONFIG)
    offline = _summary("offline-files.yaml")
    assert isinstance(summary["sources"], list) and isinstance(offline["sources"], list)
    summary["sources"] = [*summary["sources"], *offline["sources"]]
    shown = set(_figures(summary))
    assert set(_rows("dns")) | set(_rows("mail_files")) <= shown
    assert not set(_rows("imap")) & shown


def test_the_quote_row_only_when_the_config_has_prices() -> None:
    priced = _summary("dovecot-master-user.yaml")
    assert priced["pricing"] is not None
    shown = _figures(priced)
    assert shown[-1] == "Quote"
    assert "Quote" not in _figures({**priced, "pricing": None})


def test_every_row_when_the_config_is_not_known() -> None:
    assert _figures({}) == [f for _k, f, *_ in METHODS]


def test_the_forecast_row_covers_both_probes() -> None:
    forecast = _method("Forecast (P50, P90)")
    assert "BODY.PEEK[]" in forecast and "GetItem with the MIME content" in forecast
    origin = next(o for _k, f, _m, o in METHODS if f == "Forecast (P50, P90)")
    assert "IMAP or Exchange" in origin


def test_the_texts_name_what_the_collectors_read() -> None:
    gmail = _method("Gmail: messages counted once")
    assert imap_gmail.X_GM_EXT in gmail
    assert imap_gmail.FETCH_ITEMS.strip("()") in gmail
    statistics = _method("Exchange mailboxes from an export")
    folders = _method("Exchange folders from an export")
    assert exchange_export.STATISTICS_COLUMNS[-1] in statistics  # TotalItemSize
    assert all(c in folders for c in exchange_export.FOLDER_COLUMNS[2:])  # items, size
    assert f"more than {dns_parse.SPF_LIMIT}" in _method("SPF lookups and DMARC policy")


@pytest.mark.parametrize(("language", "sheet"), [("nl", "Over dit rapport"),
                                                 ("pl", "O raporcie")])  # fmt: skip
def test_the_new_rows_are_translated_in_the_workbook(
    tmp_path: Path, language: str, sheet: str
) -> None:
    inv = _inventory(_summary("offline-files.yaml"))
    (path,) = render(inv, tmp_path, formats=["xlsx"], language=language, now=NOW)
    ws = openpyxl.load_workbook(path)[sheet]
    cells = {c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    _ = translations(language).gettext
    for _k, figure, method, origin in METHODS:
        if _k in ("mail_files", EVERY):
            assert {_(figure), _(method), _(origin)} <= cells, figure
            assert _(method) != method
    assert _(_method("Quote")) not in cells
