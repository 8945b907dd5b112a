"""A full scan of the lab's Dovecot equals the seeded ground truth, changes nothing, and
its reports keep hostile names as text."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from mailsurvey.lab import LabInfo
from mailsurvey.model import Status, UnitKind
from mailsurvey.report import render
from mailsurvey.report.text import visible
from mailsurvey.store import Inventory

from .imap_helpers import MUTATING, log_text, rawlog_commands, scan, snapshot


@pytest.fixture(scope="module")
def full(lab: LabInfo, ground_truth: dict[str, Any], tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("full-scan")
    addresses = sorted(ground_truth["mailboxes"])
    before = snapshot(lab, addresses)
    log_start = len(log_text(lab))
    result, inv = scan(lab, out)
    after = snapshot(lab, addresses)
    paths = render(inv, out, ("xlsx", "html", "json"), "en")
    return {
        "result": result,
        "inv": inv,
        "before": before,
        "after": after,
        "out": out,
        "paths": paths,
        "log": log_text(lab)[log_start:],
    }


def test_every_unit_ok(full: dict[str, Any], ground_truth: dict[str, Any]) -> None:
    inv: Inventory = full["inv"]
    assert full["result"].all_ok, full["result"].failures[:3]
    accounts = [u for u in inv.units if u.kind is UnitKind.ACCOUNT]
    assert sorted(u.key for u in accounts) == sorted(ground_truth["mailboxes"])
    assert all(u.status is Status.OK for u in inv.units)


def test_every_folder_equals_ground_truth(
    full: dict[str, Any], ground_truth: dict[str, Any]
) -> None:
    assert_matches_truth(full["inv"], ground_truth)
    assert {f.method for f in full["inv"].folders if f.messages} == {"status+search"}


def test_reading_every_message_gives_the_same_figures(
    lab: LabInfo, ground_truth: dict[str, Any], tmp_path: Path
) -> None:
    result, inv = scan(lab, tmp_path, count_method="fetch", fetch_batch=700)
    assert result.all_ok
    assert_matches_truth(inv, ground_truth)
    assert {f.method for f in inv.folders if f.messages} == {"fetch"}


def assert_matches_truth(inv: Inventory, ground_truth: dict[str, Any]) -> None:
    got = {(f.mailbox, f.path): f for f in inv.folders}
    for address, box in ground_truth["mailboxes"].items():
        paths = {path for (a, path) in got if a == address}
        assert paths == set(box["folders"]), address
        for path, want in box["folders"].items():
            f = got[(address, path)]
            assert f.noselect == want["noselect"], (address, path)
            if want["noselect"]:
                continue
            figures = (f.messages, f.bytes, f.largest, list(f.histogram or ()))
            assert figures == (
                want["messages"],
                want["bytes"],
                want["largest"],
                want["histogram"],
            ), (address, path, f.method)
            for attr in ("oldest", "newest"):
                expect = want[attr] and datetime.fromisoformat(want[attr])
                assert getattr(f, attr) == expect, (address, path, attr)
            if want.get("special_use"):
                assert f.special_use == want["special_use"], (address, path)


def test_big_folder_and_deep_folder(full: dict[str, Any], ground_truth: dict[str, Any]) -> None:
    inv: Inventory = full["inv"]
    big = ground_truth["big_folder"]
    (f,) = [f for f in inv.folders if (f.mailbox, f.path) == (big["mailbox"], big["folder"])]
    assert f.messages == big["messages"] >= 50_000
    assert f.method == "status+search" or f.method == "fetch"
    deep = ground_truth["deep_folder"]
    (d,) = [f for f in inv.folders if (f.mailbox, f.path) == (deep["mailbox"], deep["path"])]
    assert d.depth >= 14


def test_quota_and_acl_permissions(full: dict[str, Any], ground_truth: dict[str, Any]) -> None:
    inv: Inventory = full["inv"]
    boxes = {m.address: m for m in inv.mailboxes}
    for address, box in ground_truth["mailboxes"].items():
        assert boxes[address].quota_limit_bytes == box["quota_limit_bytes"], address
    # Dovecot adds RFC 4314's virtual rights c and d to what the ACL file grants
    want = {
        (address, folder, grantee, frozenset(rights) - {"c", "d"})
        for address, box in ground_truth["mailboxes"].items()
        for folder, grants in box.get("acl", {}).items()
        for grantee, rights in grants.items()
    }
    got = {
        (p.mailbox, p.folder, p.grantee, frozenset(p.rights) - {"c", "d"})
        for p in inv.permissions
        if p.origin == "imap_acl"
    }
    assert want and got == want


def test_server_recorded(full: dict[str, Any]) -> None:
    (server,) = full["inv"].servers
    assert server.software == "Dovecot" and server.tls_verified
    assert "IMAP4REV1" in server.capabilities


def test_scan_is_read_only(full: dict[str, Any], lab: LabInfo) -> None:
    assert full["before"] == full["after"]  # flags, UIDNEXT, HIGHESTMODSEQ of every folder
    sent = list(rawlog_commands(lab))
    assert sent, "the rawlog recorded nothing: the proof would be empty"
    words = {line.split()[0] for _, line in sent}
    assert "EXAMINE" in words and not (words & MUTATING), words & MUTATING
    bodies = [line for _, line in sent if "BODY[" in line.upper() and ".PEEK" not in line.upper()]
    assert not bodies
    for event in ("flag_change", "expunge", "save", "copy", "mailbox_create", "delete"):
        assert f": {event}:" not in full["log"], event


def test_hostile_names_are_text_in_reports(
    full: dict[str, Any], ground_truth: dict[str, Any]
) -> None:
    # control characters are shown as control pictures, every other character as it is
    hostile = {visible(h["path"]) for h in ground_truth["hostile_folders"]}
    xlsx = next(p for p in full["paths"] if p.suffix == ".xlsx")
    wb = load_workbook(xlsx)
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    found = {c.value for c in cells if c.value in hostile}
    assert found == hostile
    for c in cells:
        if isinstance(c.value, str) and c.value in hostile:
            assert c.data_type == "s", c.value
    html = next(p for p in full["paths"] if p.suffix == ".html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_inventory_json_of_a_real_scan_is_valid(full: dict[str, Any]) -> None:
    import json

    import jsonschema

    from mailsurvey.report.jsonout import SCHEMA_FILE

    doc = json.loads((full["out"] / "inventory.json").read_text(encoding="utf-8"))
    jsonschema.validate(doc, json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))
    assert len(doc["folders"]) == len(full["inv"].folders)


def test_report_rerenders_from_store(full: dict[str, Any], tmp_path: Path) -> None:
    from mailsurvey.store import Store

    with Store.open_existing(full["out"] / "scan.sqlite") as store:
        paths = render(store.inventory(), tmp_path, ("xlsx",), "pl")
    assert paths and paths[0].stat().st_size > 0
