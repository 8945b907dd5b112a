"""The EWS collector's inbox rules, delegates, folder permissions and large items against
the lab's EWS server: they equal the ground truth, in four requests per mailbox (and a
FindItem only where a folder can hold a large item); a failing extra keeps the folders."""

from __future__ import annotations

import re
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mailsurvey.lab import EwsInfo, ews_faults, ews_requests
from mailsurvey.model import MB, AcceptedDomain, Reason, Status, Unit, UnitKind
from mailsurvey.store import Inventory, Store

from .ews_helpers import EMMA, JAN, PIETER, ews_config, scan
from .test_ews_scan import expected

TOP = "Top of Information Store"
LOTTE, SUPPORT = "lotte.mulder@acme.nl", "support@acme.nl"
FLAGS = (
    ("create_items", "CreateItems"),
    ("create_subfolders", "CreateSubfolders"),
    ("owner", "FolderOwner"),
    ("contact", "FolderContact"),
    ("visible", "FolderVisible"),
)
LEVELS = {
    "edit": {"Owned": "EditOwnedItems", "All": "EditAllItems"},
    "delete": {"Owned": "DeleteOwnedItems", "All": "DeleteAllItems"},
    "read": {"FullDetails": "ReadItems", "TimeOnly": "FreeBusyTimeOnly"},
}


pytestmark = pytest.mark.usefixtures("ews_no_faults")


@pytest.fixture(scope="module")
def full(
    ews_lab: EwsInfo, ews_truth: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("ews-extras")
    start = len(ews_requests(ews_lab.lab_dir))
    result, inv = scan(ews_config(ews_lab, out, sorted(ews_truth["mailboxes"]), concurrency=4))
    assert result.all_ok, result.failures[:3]
    return {"inv": inv, "log": ews_requests(ews_lab.lab_dir)[start:]}


def test_outside_forwards_equal_the_ground_truth(
    full: dict[str, Any], ews_truth: dict[str, Any]
) -> None:
    inv: Inventory = full["inv"]
    got = {(r.mailbox, r.name, r.enabled, r.outside) for r in inv.inbox_rules if r.outside}
    want = {
        (f["mailbox"], f["rule"], f["enabled"], tuple(f["to"]))
        for f in ews_truth["outside_forwards"]
    }
    assert got == want
    assert {(LOTTE, True), ("koen.willems@acme.nl", False), (SUPPORT, True)} == {
        (m, enabled) for m, _, enabled, _ in got
    }
    counts = Counter(r.mailbox for r in inv.inbox_rules)
    assert counts == {a: len(b["rules"]) for a, b in ews_truth["mailboxes"].items() if b["rules"]}
    jan = {r.name: r for r in inv.inbox_rules if r.mailbox == JAN}
    inside = jan["Facturen naar Sophie"]
    assert inside.recipients == ("sophie.deboer@acme.nl",) and inside.outside == ()
    assert jan["Nieuwsbrieven"].actions == ("MoveToFolder", "StopProcessingRules")
    support = next(r for r in inv.inbox_rules if r.mailbox == SUPPORT)
    assert support.recipients == ("helpdesk@partner.example", "sanne.bakker@acme.nl")
    assert [r.in_error for r in inv.inbox_rules if r.mailbox == "hr@acme.nl"] == [True]


def test_delegates_equal_the_ground_truth(full: dict[str, Any], ews_truth: dict[str, Any]) -> None:
    inv: Inventory = full["inv"]
    got = {(p.mailbox, p.grantee, p.rights) for p in inv.permissions if p.origin == "ews_delegate"}
    want = set()
    for address, box in ews_truth["mailboxes"].items():
        for d in box["delegates"]:
            folders = ("calendar", "tasks", "inbox", "contacts", "notes", "journal")
            rights = [f"{f}:{d[f]}" for f in folders if d[f] != "None"]
            rights += ["receives-meeting-copies"] if d["meeting_copies"] else []
            rights += ["view-private-items"] if d["view_private"] else []
            want.add((address, d["user"], " ".join(rights)))
    assert got == want
    assert (JAN, "sophie.deboer@acme.nl", "calendar:Editor tasks:Editor inbox:Reviewer "
            "receives-meeting-copies") in got  # fmt: skip
    assert all(p.folder is None for p in inv.permissions if p.origin == "ews_delegate")


def _rights(g: dict[str, Any]) -> str:
    if g["level"] != "Custom":
        return str(g["level"])
    words = [word for key, word in FLAGS if g[key]]
    return " ".join(words + [LEVELS[k][g[k]] for k in ("edit", "delete", "read") if g[k] != "None"])


def test_folder_permissions_equal_the_ground_truth(
    full: dict[str, Any], ews_truth: dict[str, Any]
) -> None:
    """Top of the information store, Inbox and Calendar; what Exchange grants by itself
    (Default: none, or free/busy on a calendar; Anonymous: none) is left out."""
    inv: Inventory = full["inv"]
    got = {
        (p.mailbox, p.folder, p.grantee, p.rights)
        for p in inv.permissions
        if p.origin == "ews_folder"
    }
    want = set()
    for address, box in ews_truth["mailboxes"].items():
        for path, f in box["stores"]["primary"]["folders"].items():
            if f["distinguished_id"] not in ("msgfolderroot", "inbox", "calendar"):
                continue
            folder = TOP if path == TOP else path.removeprefix(f"{TOP}/")
            default = "FreeBusyTimeOnly" if f["distinguished_id"] == "calendar" else "None"
            for g in f["permissions"]:
                rights = _rights(g)
                if rights in ("", "None") or (g["user"] == "Default" and rights == default):
                    continue
                want.add((address, folder, g["user"], rights))
    assert got == want
    assert ("info@acme.nl", "Inbox", "sanne.bakker@acme.nl", "Editor") in got
    assert (SUPPORT, "Inbox", "Default", "Reviewer") in got
    assert (JAN, TOP, "sophie.deboer@acme.nl", "FolderVisible") in got
    assert (JAN, "Calendar", "sophie.deboer@acme.nl", "Editor") in got
    folders = {(f.mailbox, f.path) for f in inv.folders if f.area == "mailbox"}
    assert all((m, f) in folders for m, f, _, _ in got if f != TOP)


def _where(item: dict[str, Any]) -> str:
    area = "Online Archive/" if item["store"] == "archive" else ""
    return area + str(item["path"]).removeprefix(f"{TOP}/")


def test_items_over_35_and_150_mb_equal_the_ground_truth(
    full: dict[str, Any], ews_truth: dict[str, Any]
) -> None:
    inv: Inventory = full["inv"]
    for code, key in (("item_over_35mb", "over_35mb"), ("item_over_150mb", "over_150mb")):
        got = {}
        for o in inv.observations:
            if o.code == code:
                found = re.match(r"(\d+) item", o.message)
                assert found, o.message
                got[(o.mailbox, o.folder)] = int(found[1])
        assert got == Counter((i["mailbox"], _where(i)) for i in ews_truth[key]), code
        for i in ews_truth[key]:
            o = next(o for o in inv.observations if (o.mailbox, o.folder, o.code) ==
                     (i["mailbox"], _where(i), code))  # fmt: skip
            assert f"{i['size'] / MB:.1f} MB" in o.message
            assert i["subject"] not in o.message  # untrusted, personal: never reported
    assert (PIETER, "Recoverable Items/Deletions") in {
        (o.mailbox, o.folder) for o in inv.observations if o.code == "item_over_150mb"
    }


def test_four_requests_per_mailbox_and_find_item_only_where_a_folder_is_big(
    full: dict[str, Any], ews_truth: dict[str, Any]
) -> None:
    log = full["log"]
    per_mailbox: dict[str, Counter[str]] = {}
    for e in log:
        if e["mailbox"]:
            per_mailbox.setdefault(e["mailbox"], Counter())[e["operation"]] += 1
    assert set(per_mailbox) == set(ews_truth["mailboxes"])
    base = {"GetFolder": 1, "FindFolder": 1, "GetInboxRules": 1, "GetDelegate": 1}
    big = {
        a
        for a, box in ews_truth["mailboxes"].items()
        for store in box["stores"].values()
        for path, f in store["folders"].items()
        if f["size"] > 35 * MB and path not in (TOP, "Recoverable Items", "")
    }
    for address, ops in per_mailbox.items():
        pages = ops.pop("FindItem", 0)
        assert ops == base, address
        assert pages == (1 if address in big else 0), address  # one page: few large items
    assert not [e for e in log if e.get("mutating") or e.get("unsupported")]
    sent = sum(1 for e in log if e["mailbox"])
    print(f"requests per mailbox: {sent / len(per_mailbox):.2f} ({len(big)} with a FindItem)")


def test_a_refused_extra_ends_partial_with_the_folders_kept(
    ews_lab: EwsInfo, ews_truth: dict[str, Any], tmp_path: Path
) -> None:
    ews_faults(
        ews_lab.lab_dir,
        {"action": "move_in_progress", "mailbox": JAN, "operation": "GetInboxRules",
         "count": None},
        {"action": "server_busy", "mailbox": PIETER, "operation": "GetDelegate", "count": None,
         "back_off_ms": 2000},
    )  # fmt: skip
    result, inv = scan(ews_config(ews_lab, tmp_path, [JAN, PIETER, EMMA], max_wait=1.0))
    units = {u.key: u for u in inv.units if u.kind is UnitKind.ACCOUNT}
    assert units[JAN].status is Status.PARTIAL and units[JAN].reason is Reason.UNAVAILABLE
    assert units[JAN].message.startswith("inbox rules: ")
    assert units[PIETER].status is Status.PARTIAL and units[PIETER].reason is Reason.THROTTLED
    assert units[PIETER].message.startswith("delegates: ")
    assert units[EMMA].status is Status.OK
    assert {u.key for u in result.failures} == {JAN, PIETER}
    for address in (JAN, PIETER):
        got = {(f.area, f.path): (f.folder_class, f.messages, f.bytes)
               for f in inv.folders if f.mailbox == address}  # fmt: skip
        assert got == expected(ews_truth["mailboxes"][address])
    assert not [r for r in inv.inbox_rules if r.mailbox == JAN]
    assert [p for p in inv.permissions if p.mailbox == JAN and p.origin == "ews_delegate"]
    assert [r for r in inv.inbox_rules if r.mailbox == PIETER] == []  # he has none
    assert [o for o in inv.observations if o.mailbox == PIETER]  # his large items: still read


def test_busy_in_a_response_message_is_waited_out_with_its_back_off(
    ews_lab: EwsInfo, tmp_path: Path
) -> None:
    ews_faults(
        ews_lab.lab_dir,
        {"action": "server_busy_message", "mailbox": EMMA, "operation": "GetDelegate",
         "count": 1, "back_off_ms": 700},
    )  # fmt: skip
    start = len(ews_requests(ews_lab.lab_dir))
    t0 = time.monotonic()
    result, _ = scan(ews_config(ews_lab, tmp_path, [EMMA]))
    assert result.all_ok, result.failures
    assert time.monotonic() - t0 >= 0.7  # the server's back-off, not exchangelib's 10 s
    assert time.monotonic() - t0 < 8
    log = ews_requests(ews_lab.lab_dir)[start:]
    assert [e["operation"] for e in log].count("GetDelegate") == 2


def test_accepted_domains_of_a_directory_scan_are_inside(ews_lab: EwsInfo, tmp_path: Path) -> None:
    path = ews_config(ews_lab, tmp_path, [LOTTE, SUPPORT])
    now = datetime.now(UTC)
    with Store(tmp_path / "scan.sqlite") as store:
        unit = Unit(
            "dc1", UnitKind.PARTITION, "configuration", Status.OK, started=now, finished=now
        )
        store.finish_partition(
            unit, [AcceptedDomain("dc1", "Partner.example", "internal_relay", False)]
        )
    _, inv = scan(path)
    outside = {r.mailbox: r.outside for r in inv.inbox_rules}
    assert outside == {LOTTE: ("lotte.mulder@gmail.com",), SUPPORT: ()}


def test_a_second_scan_replaces_what_the_first_found(ews_lab: EwsInfo, tmp_path: Path) -> None:
    path = ews_config(ews_lab, tmp_path, [JAN, SUPPORT])
    _, first = scan(path)
    _, second = scan(path)
    assert len(first.inbox_rules) == len(second.inbox_rules) == 3
    assert sorted(map(repr, first.permissions)) == sorted(map(repr, second.permissions))
    assert len(second.observations) == len(first.observations)
