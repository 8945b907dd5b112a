"""The Findings and Waves sheets, their HTML sections and their part of inventory.json."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
from openpyxl import load_workbook

from mailsurvey.assess.targets import GIB
from mailsurvey.model import Permission, ScanInfo
from mailsurvey.report import render
from mailsurvey.report.jsonout import schema
from mailsurvey.store import Inventory

from .checks_helpers import folder, inventory

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
HOSTILE_FOLDER = '<script>alert(1)</script>.=HYPERLINK("http://evil/a/b","x")'
HOSTILE_BOX = "=cmd|'/c calc'!a1@x"


def _inventory(targets: list[str] | None = None) -> Inventory:
    inv = inventory(
        folder("big@x", "INBOX", bytes=60 * GIB, messages=100),
        folder("half@x", "INBOX", bytes=55 * GIB, messages=100),
        folder(HOSTILE_BOX, HOSTILE_FOLDER, delimiter=".", depth=1),
        partial=("half@x",),
        failed=("gone@x",),
    )
    summary: dict[str, object] = {"targets": targets if targets is not None else ["exo-imap"]}
    inv.info = ScanInfo("Project", "Client", "en", NOW, "test", summary)
    inv.permissions.append(Permission("imap", "big@x", None, "half@x", "lr", "imap_acl"))
    return inv


def _sheet(path: Path, name: str) -> list[list[object]]:
    wb = load_workbook(path)
    return [[c.value for c in row] for row in wb[name].iter_rows()]


def _render(tmp_path: Path, language: str, inv: Inventory | None = None) -> dict[str, Path]:
    paths = render(inv or _inventory(), tmp_path / language, language=language, now=NOW)
    return {p.suffix: p for p in paths}


def test_readiness_lists_a_blocker_translated(tmp_path: Path) -> None:
    for language, sheet, title, blocker in (
        ("nl", "Bevindingen", "Postvakken boven het quotum van het doel", "Blokkade"),
        ("pl", "Ustalenia", "Skrzynki ponad przydział celu", "Blokada"),
    ):
        rows = _sheet(_render(tmp_path, language)[".xlsx"], sheet)
        found = [r for r in rows if r[2] == title and r[3] == "big@x"]
        assert found and found[0][1] == blocker, rows
        html = _render(tmp_path, language)[".html"].read_text(encoding="utf-8")
        assert title in html


def test_partial_findings_show_at_least_or_unknown_never_fine(tmp_path: Path) -> None:
    rows = _sheet(_render(tmp_path, "en")[".xlsx"], "Findings")
    half = [r for r in rows if r[3] == "half@x"]
    assert half and all(r[6] in ("At least", "Unknown") for r in half), half
    over = [r for r in half if r[2] == "Mailboxes over the target's quota"]
    assert over and over[0][6] == "At least"
    gone = [r for r in rows if r[3] == "gone@x"]
    assert len(gone) == 1 and gone[0][2] == "Several checks" and gone[0][6] == "Unknown"
    assert "Errors" in str(gone[0][5])


def test_waves_sheet_locks_computed_cells_and_unlocks_editable_ones(tmp_path: Path) -> None:
    wb = load_workbook(_render(tmp_path, "en")[".xlsx"])
    ws = wb["Waves"]
    assert ws.protection.sheet and not ws.protection.password
    header = [c.value for c in ws[1]]
    editable = {"Migrate", "Target address", "Licence", "Wave"}
    assert editable <= set(header)
    together = None
    for row in ws.iter_rows(min_row=2, max_row=5):
        if row[0].value is None:
            break
        values = dict(zip(header, row, strict=False))
        for name, cell in values.items():
            assert cell.protection.locked is (name not in editable), name
        assert values["Migrate"].value == "Yes"
        if values["Mailbox"].value == "big@x":
            together = values["Moves together (group)"].value
    assert together is not None
    checks = ws.data_validations.dataValidation
    assert any(v.formula1 == '"Yes,No"' for v in checks)
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any("window" in t and "concurrency" in t for t in texts)


def test_hostile_names_stay_text(tmp_path: Path) -> None:
    paths = _render(tmp_path, "en")
    wb = load_workbook(paths[".xlsx"])
    cells = [c for row in wb["Findings"].iter_rows() for c in row]
    hostile = [c for c in cells if c.value in (HOSTILE_FOLDER, HOSTILE_BOX)]
    assert {c.value for c in hostile} == {HOSTILE_FOLDER, HOSTILE_BOX}
    assert all(c.data_type == "s" for c in hostile)
    waves = [c for row in wb["Waves"].iter_rows() for c in row if c.value == HOSTILE_BOX]
    assert waves and all(c.data_type == "s" for c in waves)
    html = paths[".html"].read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_json_holds_readiness_and_waves_and_validates(tmp_path: Path) -> None:
    doc = json.loads(_render(tmp_path, "en")[".json"].read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema()).validate(doc)
    ready = doc["readiness"]
    assert [t["id"] for t in ready["targets"]] == ["exo-imap"]
    assert ready["targets"][0]["blockers"] >= 1
    assert any(f["partial"] and f["mailbox"] == "half@x" for f in ready["findings"])
    waves = doc["waves"]
    together = [w for w in waves["waves"] if "big@x" in w["mailboxes"]]
    assert together and "half@x" in together[0]["mailboxes"]


def test_without_targets_the_section_says_which_key_to_set(tmp_path: Path) -> None:
    paths = _render(tmp_path, "en", _inventory([]))
    rows = _sheet(paths[".xlsx"], "Findings")
    assert any(isinstance(r[0], str) and "targets" in r[0] for r in rows)
    assert "set the config key targets" in paths[".html"].read_text(encoding="utf-8")
    doc = json.loads(paths[".json"].read_text(encoding="utf-8"))
    assert doc["readiness"]["targets"] == [] and doc["readiness"]["findings"] == []


def test_a_finding_alike_for_every_target_is_shown_once(tmp_path: Path) -> None:
    rows = _sheet(_render(tmp_path, "en", _inventory(["exo-imap", "imap"]))[".xlsx"], "Findings")
    gone = [r for r in rows if r[3] == "gone@x"]
    assert len(gone) == 1 and gone[0][0] == "Every target assessed"


def test_every_check_and_profile_has_our_words() -> None:
    from mailsurvey.assess.checks import CHECKS, meta
    from mailsurvey.assess.targets import PROFILES
    from mailsurvey.report.readiness_words import CHECK_FIXES, CHECK_TITLES, TARGET_TITLES

    for name, check in CHECKS.items():
        assert CHECK_TITLES[name] == meta(check).title
        assert CHECK_FIXES[name] == meta(check).fix
    assert {k: v.title for k, v in PROFILES.items()} == TARGET_TITLES


def test_the_plan_sets_the_wave_window_and_the_set_aside_degree(tmp_path: Path) -> None:
    inv = _inventory()
    assert inv.info is not None
    plan = {"wave_window_hours": 24, "set_aside_degree": 5}
    inv.info = replace(inv.info, config_summary={**inv.info.config_summary, "plan": plan})
    doc = json.loads(_render(tmp_path, "en", inv)[".json"].read_text(encoding="utf-8"))
    assert doc["waves"]["window_s"] == 24 * 3600 and doc["waves"]["threshold"] == 5
