"""The EWS collector against the lab's EWS server: figures equal the ground truth, a
wrong password is sent once, throttling is waited out, one bad mailbox stays one."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from mailsurvey.lab import EwsInfo, ews_faults, ews_requests
from mailsurvey.model import Reason, Status, UnitKind
from mailsurvey.store import Inventory

from .ews_helpers import EMMA, JAN, PIETER, ews_config, scan

TOP, RECOVERABLE = "Top of Information Store/", "Recoverable Items/"


pytestmark = pytest.mark.usefixtures("ews_no_faults")


def expected(box: dict[str, Any]) -> dict[tuple[str, str], tuple[str | None, int, int]]:
    """(area, path) -> (class, items, bytes) of every folder below the three roots."""
    out = {}
    for store, area in (("primary", ""), ("archive", "archive")):
        for key, f in box["stores"].get(store, {}).get("folders", {}).items():
            recoverable = f"{area}_recoverable" if area else "recoverable"
            for prefix, where in ((TOP, area or "mailbox"), (RECOVERABLE, recoverable)):
                if key.startswith(prefix):
                    out[(where, key[len(prefix) :])] = (
                        f["folder_class"],
                        f["total_count"],
                        f["size"],
                    )
    return out


@pytest.fixture(scope="module")
def full(ews_lab: EwsInfo, ews_truth: dict[str, Any], tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("ews-scan")
    start = len(ews_requests(ews_lab.lab_dir))
    result, inv = scan(ews_config(ews_lab, out, sorted(ews_truth["mailboxes"]), concurrency=4))
    return {"result": result, "inv": inv, "log": ews_requests(ews_lab.lab_dir)[start:]}


def test_every_folder_equals_the_ground_truth(
    full: dict[str, Any], ews_truth: dict[str, Any]
) -> None:
    inv: Inventory = full["inv"]
    assert full["result"].all_ok, full["result"].failures[:3]
    for address, box in ews_truth["mailboxes"].items():
        got = {
            (f.area, f.path): (f.folder_class, f.messages, f.bytes)
            for f in inv.folders
            if f.mailbox == address
        }
        assert got == expected(box), address


def test_classes_archive_and_recoverable_items(
    full: dict[str, Any], ews_truth: dict[str, Any]
) -> None:
    inv: Inventory = full["inv"]
    jan = {(f.area, f.path): f for f in inv.folders if f.mailbox == JAN}
    assert jan[("mailbox", "Calendar")].folder_class == "IPF.Appointment"
    assert jan[("mailbox", "Contacts")].folder_class == "IPF.Contact"
    assert jan[("mailbox", "Inbox")].special_use == "\\Inbox"
    assert jan[("mailbox", "Facturen/Betaald")].depth == 1
    archived = set(ews_truth["places"]["archived"])
    with_archive = {f.mailbox for f in inv.folders if f.area == "archive"}
    assert with_archive == archived and EMMA not in with_archive
    assert all(
        any(f.area == "recoverable" for f in inv.folders if f.mailbox == a) for a in archived
    )
    (server,) = inv.servers
    assert server.software == "Microsoft Exchange" and "2019" in (server.version or "")
    assert server.tls_verified


def test_folders_in_two_requests_per_mailbox_and_nothing_that_changes(
    full: dict[str, Any], ews_truth: dict[str, Any]
) -> None:
    log = full["log"]
    per_mailbox = Counter(
        e["mailbox"] for e in log if e["operation"] in ("GetFolder", "FindFolder")
    )
    assert set(per_mailbox) == set(ews_truth["mailboxes"])
    assert set(per_mailbox.values()) == {2}
    # the version is found once per endpoint and credential in a process (exchangelib
    # caches it: an earlier test in this process may have found it already)
    assert len([e for e in log if e["operation"] == "ConvertId"]) <= 1
    assert not [e for e in log if e.get("mutating")]
    assert {e["access"] for e in log if e["mailbox"]} == {"impersonation"}


def test_a_wrong_password_is_sent_once(
    ews_lab: EwsInfo, ews_truth: dict[str, Any], tmp_path: Path
) -> None:
    wrong = tmp_path / "wrong"
    wrong.write_text("not-the-password\n")
    auth = {"method": "ntlm", "user": ews_lab.service_user, "password_file": str(wrong)}
    start = len(ews_requests(ews_lab.lab_dir))
    _, inv = scan(ews_config(ews_lab, tmp_path, sorted(ews_truth["mailboxes"])[:8], auth=auth))
    units = [u for u in inv.units if u.kind is UnitKind.ACCOUNT]
    assert len(units) == 8
    assert all(u.status is Status.FAILED and u.reason is Reason.AUTH for u in units)
    log = ews_requests(ews_lab.lab_dir)[start:]
    assert [e["auth_result"] for e in log].count("failed") == 1, log
    assert not [e for e in log if e["operation"] in ("GetFolder", "FindFolder")]
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("scan.sqlite*"))
    assert b"not-the-password" not in stored


def test_throttling_is_waited_out_with_the_servers_back_off(
    ews_lab: EwsInfo, tmp_path: Path
) -> None:
    ews_faults(
        ews_lab.lab_dir,
        {"action": "server_busy", "mailbox": JAN, "operation": "FindFolder", "count": 2,
         "back_off_ms": 400},
        {"action": "http_503", "mailbox": PIETER, "operation": "GetFolder", "count": 1,
         "retry_after": 1},
    )  # fmt: skip
    start = len(ews_requests(ews_lab.lab_dir))
    t0 = time.monotonic()
    result, inv = scan(ews_config(ews_lab, tmp_path, [JAN, PIETER, EMMA]))
    took = time.monotonic() - t0
    assert result.all_ok, result.failures
    log = ews_requests(ews_lab.lab_dir)[start:]
    jan = [e["operation"] for e in log if e["mailbox"] == JAN]
    assert jan.count("FindFolder") == 3  # two busy answers, then the folders
    assert took >= 0.8  # 2 x 400 ms backed off (plus jitter), and 1 s for pieter in parallel
    assert {f.mailbox for f in inv.folders} == {JAN, PIETER, EMMA}


def test_throttling_beyond_the_wait_allowed_fails_that_mailbox_only(
    ews_lab: EwsInfo, tmp_path: Path
) -> None:
    ews_faults(
        ews_lab.lab_dir,
        {"action": "server_busy", "mailbox": JAN, "count": None, "back_off_ms": 2000},
    )
    _, inv = scan(ews_config(ews_lab, tmp_path, [JAN, EMMA], max_wait=1.0))
    units = {u.key: u for u in inv.units if u.kind is UnitKind.ACCOUNT}
    assert units[JAN].status is Status.FAILED and units[JAN].reason is Reason.THROTTLED
    assert units[EMMA].status is Status.OK


def test_a_mailbox_that_vanishes_fails_while_the_others_complete(
    ews_lab: EwsInfo, ews_truth: dict[str, Any], tmp_path: Path
) -> None:
    ews_faults(ews_lab.lab_dir, {"action": "nonexistent_mailbox", "mailbox": PIETER, "count": None})
    boxes = {*sorted(ews_truth["mailboxes"])[:10], PIETER}
    _, inv = scan(ews_config(ews_lab, tmp_path, sorted(boxes)))
    units = {u.key: u for u in inv.units if u.kind is UnitKind.ACCOUNT}
    assert units[PIETER].status is Status.FAILED and units[PIETER].reason is Reason.VANISHED
    assert all(u.status is Status.OK for k, u in units.items() if k != PIETER)
    assert not [f for f in inv.folders if f.mailbox == PIETER]


def test_delegate_access_reads_the_same_figures(
    ews_lab: EwsInfo, ews_truth: dict[str, Any], tmp_path: Path
) -> None:
    start = len(ews_requests(ews_lab.lab_dir))
    result, inv = scan(ews_config(ews_lab, tmp_path, [JAN], access="delegate"))
    assert result.all_ok, result.failures
    got = {(f.area, f.path): (f.folder_class, f.messages, f.bytes) for f in inv.folders}
    assert got == expected(ews_truth["mailboxes"][JAN])
    log = ews_requests(ews_lab.lab_dir)[start:]
    assert {e["access"] for e in log if e["mailbox"]} == {"delegate"}
