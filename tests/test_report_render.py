"""render(): the public API, file names, languages, formats; views and text helpers."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from mailsurvey.model import ScanInfo, Status, UnitKind
from mailsurvey.report import FORMATS, output_name, render
from mailsurvey.report.i18n import templates_dir
from mailsurvey.report.text import slug, visible
from mailsurvey.report.views import build_report
from mailsurvey.store import Inventory, Store, folder_unit_key

try:
    from test_report_data import ALICE, BOB, CAROL, MB, sample_inventory
except ImportError:  # tests/ imported as a package
    from tests.test_report_data import ALICE, BOB, CAROL, MB, sample_inventory


@pytest.mark.parametrize("language", ["en", "nl", "pl"])
def test_all_formats_render(tmp_path: Path, language: str) -> None:
    paths = render(sample_inventory(), tmp_path, language=language)
    assert [p.name for p in paths] == [
        "lodz-sp-z-o-o-acme-assessment-2026-11-20.xlsx",
        "lodz-sp-z-o-o-acme-assessment-2026-11-20.html",
        "inventory.json",
    ]
    assert all(p.is_file() and p.stat().st_size > 1000 for p in paths)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths)


def test_formats_subset_and_order(tmp_path: Path) -> None:
    paths = render(sample_inventory(), tmp_path, formats=["json", "html"])
    assert [p.suffix for p in paths] == [".json", ".html"]
    assert FORMATS == ("xlsx", "html", "json")


def test_unknown_language_and_format_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="en, nl, pl"):
        render(sample_inventory(), tmp_path, language="de")
    with pytest.raises(ValueError, match="xlsx, html, json"):
        render(sample_inventory(), tmp_path, formats=["pdf"])
    assert not list(tmp_path.iterdir())


def test_file_name_uses_the_scan_start_date_in_utc() -> None:
    inv = Inventory(
        info=ScanInfo(
            project="p",
            client="Acme BV",
            language="nl",
            started=datetime.fromisoformat("2027-01-11T00:30:00+02:00"),
            mailsurvey_version="0.1.0",
        )
    )
    assert output_name(inv, "xlsx") == "acme-bv-assessment-2027-01-10.xlsx"
    assert output_name(inv, "json") == "inventory.json"


def test_empty_inventory_renders(tmp_path: Path) -> None:
    paths = render(Inventory(info=None), tmp_path)
    assert paths[0].name.startswith("client-assessment-")


def test_renders_from_a_store(tmp_path: Path) -> None:
    """The report path the CLI uses: store -> inventory -> render."""
    inv = sample_inventory()
    with Store(tmp_path / "scan.sqlite") as store:
        assert inv.info is not None
        store.write_info(inv.info)
        for server in inv.servers:
            store.write_server(server)
        for unit in inv.units:
            store.record_unit(unit)
        for m in inv.mailboxes:
            unit = next(u for u in inv.units if u.kind is UnitKind.ACCOUNT and u.key == m.address)
            store.finish_account(unit, m, inv.permissions, inv.observations)
        for f in inv.folders:
            key = folder_unit_key(f.mailbox, f.path)
            unit = next(u for u in inv.units if u.kind is UnitKind.FOLDER and u.key == key)
            store.finish_folder(unit, f)
        loaded = store.inventory()
    assert len(loaded.folders) == len(inv.folders)
    paths = render(loaded, tmp_path / "out", language="pl")
    assert len(paths) == 3
    assert build_report(loaded).totals == build_report(inv).totals


def test_mailbox_totals_never_show_a_partial_sum() -> None:
    report = build_report(sample_inventory())
    by_address = {m.address: m for m in report.mailboxes}
    alice, bob, carol = by_address[ALICE], by_address[BOB], by_address[CAROL]
    assert alice.complete and alice.messages == 120 + 3 + 2 * 10 and alice.largest == 160 * MB
    assert alice.bytes == 12 * MB + 200 * MB + 10 * 2048
    assert not bob.complete and bob.messages is None and bob.bytes is None
    assert bob.folders == 2
    assert carol.mailbox is None and carol.status is Status.FAILED and carol.folders is None
    t = report.totals
    assert not t.complete and t.incomplete_mailboxes == 2
    assert t.messages == 120 + 3 + 20 + 10  # known folders only, flagged as a lower bound
    assert t.over_35mb == 2 and t.over_150mb == 1
    assert report.insecure_sources == ("hosting",)
    assert report.coverage[-1].kind == "all"


def test_visible_maps_every_control_character() -> None:
    assert visible("a\x00b\x1f\x7fc\td\n") == "a\u2400b\u241f\u2421c\u2409d\u240a"
    assert visible("\udcff") == "\ufffd"
    assert visible("Zażółć 受信 <&>") == "Zażółć 受信 <&>"


def test_visible_shows_bidi_overrides_so_a_name_cannot_disguise_itself() -> None:
    assert visible("\u202etxt.exe") == "<U+202E>txt.exe"
    assert visible("a\u2066b\u2069") == "a<U+2066>b<U+2069>"


def test_slug() -> None:
    assert slug("Łódź Sp. z o.o.") == "lodz-sp-z-o-o"
    assert slug("Acme BV") == "acme-bv"
    assert slug("受信") == "client"
    assert slug("Straße & Søn") == "strasse-son"


def test_templates_are_found_from_the_source_tree() -> None:
    assert (templates_dir() / "report.html.j2").is_file()
    assert (templates_dir() / "locale" / "pl" / "LC_MESSAGES" / "mailsurvey.po").is_file()


def test_aware_and_naive_datetimes_mix(tmp_path: Path) -> None:
    inv = sample_inventory()
    inv.folders.append(replace(inv.folders[0], path="naive", oldest=datetime(2001, 1, 1)))
    report = build_report(inv)
    alice = next(m for m in report.mailboxes if m.address == ALICE)
    assert alice.oldest == datetime(2001, 1, 1)
    assert report.started == datetime(2026, 11, 20, 9, 30)
    assert render(inv, tmp_path)


def test_undecodable_and_control_names_in_every_format(tmp_path: Path) -> None:
    inv = sample_inventory()
    inv.folders.append(replace(inv.folders[0], path="bad\udcff\x00\x7f"))
    xlsx_path, html_path, _json = render(inv, tmp_path)
    assert "bad\ufffd\u2400\u2421" in html_path.read_text(encoding="utf-8")
    ws = openpyxl.load_workbook(xlsx_path)["Folders"]
    column = next(c.column_letter for c in ws[1] if c.value == "Folder")
    assert "bad\ufffd\u2400\u2421" in [c.value for c in ws[column]]


def test_no_quota_is_shown_as_no_limit_not_unknown() -> None:
    from mailsurvey.report.i18n import NO_LIMIT

    inv = sample_inventory()
    inv.mailboxes = [replace(m, quota_unlimited=m.address == BOB) for m in inv.mailboxes]
    table = next(t for t in build_report(inv).sheets if t.key == "mailboxes")
    keys = [c.key for c in table.columns]
    rows = {r[0]: dict(zip(keys, r, strict=True)) for r in table.rows}
    assert rows[BOB]["quota_limit"] == NO_LIMIT
    assert rows[ALICE]["quota_limit"] != NO_LIMIT
