"""inventory.json validates against its schema, keeps null for unknown and exact text."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from mailsurvey.report import render
from mailsurvey.report.jsonout import schema
from mailsurvey.store import Inventory

try:
    from test_report_data import BOB, CAROL, CONTROL, HYPERLINK, SCRIPT, sample_inventory
except ImportError:  # tests/ imported as a package
    from tests.test_report_data import BOB, CAROL, CONTROL, HYPERLINK, SCRIPT, sample_inventory


def _doc(tmp_path: Path, inventory: Any = None) -> dict[str, Any]:
    inv = inventory if inventory is not None else sample_inventory()
    (path,) = render(inv, tmp_path, formats=["json"])
    loaded: dict[str, Any] = json.loads(path.read_bytes().decode("utf-8"))
    return loaded


def _validator() -> jsonschema.Draft202012Validator:
    jsonschema.Draft202012Validator.check_schema(schema())
    return jsonschema.Draft202012Validator(schema())


def test_validates_against_schema(tmp_path: Path) -> None:
    _validator().validate(_doc(tmp_path))


def test_schema_forbids_unknown_properties_everywhere() -> None:
    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" in node:
                assert node.get("additionalProperties") is False, node.get("properties")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema())


def test_schema_rejects_unknown_properties(tmp_path: Path) -> None:
    doc = _doc(tmp_path)
    doc["mailboxes"][0]["surprise"] = 1
    with pytest.raises(jsonschema.ValidationError):
        _validator().validate(doc)


def test_unknown_stays_null(tmp_path: Path) -> None:
    doc = _doc(tmp_path)
    mailboxes = {m["address"]: m for m in doc["mailboxes"]}
    bob, carol = mailboxes[BOB], mailboxes[CAROL]
    assert bob["totals"] == {
        "complete": False,
        "folders": 2,
        "messages": None,
        "bytes": None,
        "largest": None,
        "oldest": None,
        "newest": None,
    }
    assert carol["scanned"] is False and carol["status"] == "failed"
    assert carol["totals"]["folders"] is None
    broken = next(f for f in doc["folders"] if f["path"] == "Broken")
    assert broken["messages"] is None and broken["bytes"] is None and broken["histogram"] is None
    assert doc["summary"]["totals"]["complete"] is False


def test_text_is_exact_and_datetimes_iso(tmp_path: Path) -> None:
    doc = _doc(tmp_path)
    paths = {f["path"] for f in doc["folders"]}
    assert {HYPERLINK, SCRIPT, CONTROL} <= paths  # JSON keeps the real names
    unit = next(u for u in doc["units"] if u["folder"] == "Broken")
    assert unit["mailbox"] == BOB and unit["key"] == f"{BOB}\x00Broken"
    assert doc["info"]["started"] == "2026-11-20T09:30:00+00:00"
    assert doc["servers"][0]["tls_verified"] is False
    assert doc["summary"]["insecure_sources"] == ["hosting"]


def test_undecodable_name_still_valid_json(tmp_path: Path) -> None:
    inv = sample_inventory()
    inv.folders.append(replace(inv.folders[0], path="bad\udcff"))
    raw = render(inv, tmp_path, formats=["json"])[0].read_bytes()
    raw.decode("utf-8")  # strict: valid UTF-8
    doc = json.loads(raw)
    assert "bad\udcff" in {f["path"] for f in doc["folders"]}
    _validator().validate(doc)


def test_empty_inventory_validates(tmp_path: Path) -> None:
    doc = _doc(tmp_path, Inventory(info=None))
    assert doc["info"] is None
    _validator().validate(doc)
