"""The EWS throughput probe against the lab's EWS server: every level measured within its
budget, nothing but reads in the server's log, MIME content of the items' exact sizes,
throttling recorded as the finding it is, a wrong password sent once, and Exchange
mailboxes forecast in the reports."""

from __future__ import annotations

import base64
import shutil
import time
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import requests
from defusedxml import ElementTree

from mailsurvey.assess.estimate import forecast
from mailsurvey.assess.methods import PROFILES
from mailsurvey.config import load
from mailsurvey.demo import lab_config
from mailsurvey.lab import EwsInfo, LabInfo, ews_faults, ews_requests
from mailsurvey.lab.ews_xml import SOAP, M, T
from mailsurvey.model import Reason, Status, Unit, UnitKind
from mailsurvey.report import render
from mailsurvey.scan import run_probe, run_scan
from mailsurvey.store import Inventory, Store

from .ews_helpers import ews_config, ntlm

MB = 1024 * 1024
READS = {"GetFolder", "FindFolder", "FindItem", "GetItem", "ConvertId", "ResolveNames"}


pytestmark = pytest.mark.usefixtures("ews_no_faults")


def largest(truth: dict[str, Any], n: int) -> list[str]:
    """The user mailboxes holding the most bytes."""

    def size(box: dict[str, Any]) -> int:
        folders = box["stores"].get("primary", {}).get("folders", {})
        return sum(f["size"] or 0 for f in folders.values())

    users = [a for a, b in truth["mailboxes"].items() if b.get("kind") == "user"]
    return sorted(users, key=lambda a: -size(truth["mailboxes"][a]))[:n]


def config(
    info: EwsInfo,
    out: Path,
    mailboxes: list[str],
    probe: dict[str, Any],
    password_file: Path | None = None,
    **plan: Any,
) -> Path:
    settings = {"probe": probe, "plan": {"method": "google-gwm", **plan}}
    return ews_config(info, out, mailboxes, auth=ntlm(info, password_file), settings=settings)


@pytest.fixture(scope="module")
def probed(ews_lab: EwsInfo, ews_truth: dict[str, Any], tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("ews-probe")
    names = largest(ews_truth, 6)
    path = config(ews_lab, out, names, {"seconds": 6, "megabytes": 40, "max_concurrency": 3})
    loaded = load(path)
    with Store(out / "scan.sqlite") as store:
        run_scan(loaded, store, show_progress=False, probe=False)
        unprobed = [u for u in store.inventory().units if u.kind is UnitKind.PROBE]
        start = len(ews_requests(ews_lab.lab_dir))
        t0 = time.monotonic()
        (unit,) = run_probe(loaded, store)
        elapsed = time.monotonic() - t0
        inv = store.inventory()
    log = ews_requests(ews_lab.lab_dir)[start:]
    return {
        "unit": unit,
        "inv": inv,
        "elapsed": elapsed,
        "log": log,
        "names": names,
        "out": out,
        "unprobed": unprobed,
    }


def scanned(probed: dict[str, Any], where: Path) -> Path:
    """A copy of the probed scan's store to probe again."""
    for f in probed["out"].glob("scan.sqlite*"):
        shutil.copy(f, where / f.name)
    return where / "scan.sqlite"


def probe_again(
    ews_lab: EwsInfo, probed: dict[str, Any], where: Path, password_file: Path | None = None
) -> tuple[Unit, Inventory, list[Any]]:
    path = config(
        ews_lab,
        where,
        probed["names"],
        {"seconds": 3, "megabytes": 12, "max_concurrency": 2},
        password_file,
    )
    start = len(ews_requests(ews_lab.lab_dir))
    with Store.open_existing(scanned(probed, where)) as store:
        (unit,) = run_probe(load(path), store)
        inv = store.inventory()
    return unit, inv, ews_requests(ews_lab.lab_dir)[start:]


def test_every_level_is_measured(probed: dict[str, Any]) -> None:
    assert probed["unit"].status is Status.OK, probed["unit"]
    samples = probed["inv"].probe_samples
    assert {s.concurrency for s in samples} == {1, 2, 3}
    for c in (1, 2, 3):
        at = [s for s in samples if s.concurrency == c]
        assert {"login", "rtt", "request", "finditem", "getitem_mime"} <= {s.kind for s in at}
        reads = [s for s in at if s.kind == "getitem_mime"]
        assert any(s.messages > 1 for s in reads)  # many in one request: per-message cost
        # small and large items read apart: the per-byte cost apart from the per-message
        assert len({s.bytes // max(s.messages, 1) > 100 * 1024 for s in reads}) == 2
        assert all(s.seconds > 0 and s.mailbox in probed["names"] for s in at)
        # connections = mailboxes read at once
        bulk_boxes = {s.mailbox for s in reads}
        assert len(bulk_boxes) == c
    assert [s.seq for s in samples] == list(range(len(samples)))
    (unit,) = [u for u in probed["inv"].units if u.kind is UnitKind.PROBE]
    assert unit.key == "exchange" and unit.status is Status.OK


def test_the_budget_is_kept(probed: dict[str, Any]) -> None:
    samples = probed["inv"].probe_samples
    read = sum(s.bytes for s in samples if s.kind == "getitem_mime")
    # each level reserves before it reads; one batch may come out larger than reserved
    assert 0 < read <= 40 * MB + 3 * 16 * MB
    assert probed["elapsed"] < 6 + 10


def test_the_bytes_counted_are_the_bytes_the_server_sent(probed: dict[str, Any]) -> None:
    read = sum(s.bytes for s in probed["inv"].probe_samples if s.kind == "getitem_mime")
    sent = sum(e["bytes_out"] for e in probed["log"] if e["operation"] == "GetItem")
    assert read <= sent <= read * 4 / 3 + 4096 * len(probed["log"])  # base64 plus the XML


def test_only_read_operations_reach_the_server(probed: dict[str, Any]) -> None:
    log = probed["log"]
    assert {e["operation"] for e in log if e["operation"]} <= READS
    assert not [e for e in log if e.get("mutating")]
    assert {e["access"] for e in log if e["mailbox"]} == {"impersonation"}


def test_the_lab_sends_each_items_mime_content_at_its_size(ews_lab: EwsInfo) -> None:
    """GetItem with item:MimeContent (or IncludeMimeContent): base64 of a message of
    exactly the item's size, the same every time (read without exchangelib)."""
    box = "jan.devries@acme.nl"
    find = (
        f'<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape>'
        f'<t:AdditionalProperties><t:FieldURI FieldURI="item:Size"/></t:AdditionalProperties>'
        f'</m:ItemShape><m:IndexedPageItemView MaxEntriesReturned="5" Offset="0" '
        f'BasePoint="Beginning"/><m:ParentFolderIds><t:DistinguishedFolderId Id="inbox">'
        f"<t:Mailbox><t:EmailAddress>{box}</t:EmailAddress></t:Mailbox>"
        f"</t:DistinguishedFolderId></m:ParentFolderIds></m:FindItem>"
    )
    found = _soap(ews_lab, find)
    items = [(e.get("Id"), int(s)) for e, s in _ids_and_sizes(found)]
    assert items
    ids = "".join(f'<t:ItemId Id="{i}"/>' for i, _ in items)
    for shape in (
        "<t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="
        '"item:MimeContent"/></t:AdditionalProperties>',
        "<t:BaseShape>IdOnly</t:BaseShape><t:IncludeMimeContent>true</t:IncludeMimeContent>",
    ):
        got = _soap(
            ews_lab,
            f"<m:GetItem><m:ItemShape>{shape}</m:ItemShape>"
            f"<m:ItemIds>{ids}</m:ItemIds></m:GetItem>",
        )
        mimes = [base64.b64decode(e.text or "") for e in got.iter(f"{{{T}}}MimeContent")]
        assert [len(m) for m in mimes] == [s for _, s in items]
        assert all(m.startswith(b"Date: ") and b"\r\nTo: " + box.encode() in m for m in mimes)
        again = _soap(
            ews_lab,
            f"<m:GetItem><m:ItemShape>{shape}</m:ItemShape>"
            f"<m:ItemIds>{ids}</m:ItemIds></m:GetItem>",
        )
        assert [base64.b64decode(e.text or "") for e in again.iter(f"{{{T}}}MimeContent")] == mimes


def _soap(info: EwsInfo, operation: str) -> Any:
    body = (
        f'<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="{SOAP}" xmlns:m="{M}" '
        f'xmlns:t="{T}"><s:Header><t:RequestServerVersion Version="Exchange2016"/>'
        f"</s:Header><s:Body>{operation}</s:Body></s:Envelope>"
    )
    user = info.service_upn
    password = info.service_password_file.read_text(encoding="ascii").strip()
    answer = requests.post(
        info.url,
        data=body.encode(),
        auth=(user, password),
        verify=str(info.ca_file),
        timeout=30,
        headers={"Content-Type": "text/xml; charset=utf-8"},
    )
    assert answer.status_code == 200, answer.text[:500]
    return ElementTree.fromstring(answer.content)


def _ids_and_sizes(root: Any) -> list[tuple[Any, str]]:
    out = []
    for message in root.iter(f"{{{T}}}Message"):
        ident = message.find(f"{{{T}}}ItemId")
        size = message.findtext(f"{{{T}}}Size")
        out.append((ident, size))
    return out


def test_no_probe_without_it(probed: dict[str, Any]) -> None:
    assert probed["unprobed"] == []  # run_scan(probe=False), as --no-probe


def test_the_forecast_covers_the_exchange_mailboxes(probed: dict[str, Any]) -> None:
    f = forecast(probed["inv"], PROFILES["google-gwm"], 3)
    assert f.known and not f.unknown
    assert not [n for n in f.notes if n.startswith(("no_probe", "other_protocol", "throttled"))]
    (model,) = f.models
    assert model.protocol == "ews" and [lv.concurrency for lv in model.levels] == [1, 2, 3]
    # an IMAP tool's forecast uses the EWS figures, and says so
    assert "other_protocol:exchange:ews" in forecast(probed["inv"], PROFILES["mbsync"], 3).notes


def test_throttling_is_recorded_and_the_forecast_still_made(
    ews_lab: EwsInfo, probed: dict[str, Any], tmp_path: Path
) -> None:
    ews_faults(
        ews_lab.lab_dir,
        {"action": "server_busy", "operation": "GetItem", "count": 3, "back_off_ms": 300},
    )
    unit, inv, log = probe_again(ews_lab, probed, tmp_path)
    assert unit.status is Status.PARTIAL and unit.reason is Reason.THROTTLED, unit
    assert "throttled" in unit.message and "0.3 s" in unit.message
    waits = [s for s in inv.probe_samples if s.kind == "backoff"]
    assert [s.seconds for s in waits] == [0.3, 0.3, 0.3]
    busy = [e for e in log if e["operation"] == "GetItem" and e["faults"]]
    assert len(busy) == 3 and all(e["status"] == 500 for e in busy)
    f = forecast(inv, PROFILES["google-gwm"], 2)
    assert f.known and "throttled:exchange:3" in f.notes
    # the waits count in the forecast: spread over the messages read at their level
    for lv in f.models[0].levels:
        at = [s for s in inv.probe_samples if s.concurrency == lv.concurrency]
        waited = sum(s.seconds for s in at if s.kind == "backoff")
        read = sum(s.messages for s in at if s.kind == "getitem_mime")
        assert lv.per_message_s >= waited / read


def test_throttled_beyond_the_budget_is_not_forecast_and_says_why(
    ews_lab: EwsInfo, probed: dict[str, Any], tmp_path: Path
) -> None:
    ews_faults(
        ews_lab.lab_dir,
        {"action": "server_busy", "operation": "GetItem", "count": None, "back_off_ms": 120_000},
    )
    t0 = time.monotonic()
    unit, inv, _ = probe_again(ews_lab, probed, tmp_path)
    assert time.monotonic() - t0 < 20  # two minutes asked: given up, not waited
    assert unit.status is Status.FAILED and unit.reason is Reason.THROTTLED, unit
    assert {s.seconds for s in inv.probe_samples if s.kind == "backoff"} == {120.0}
    f = forecast(inv, PROFILES["google-gwm"], 2)
    assert not f.known and set(f.unknown) == set(probed["names"])
    assert "no_probe:exchange" in f.notes
    assert any(n.startswith("throttled:exchange:") for n in f.notes)


def test_a_rejected_password_is_sent_once(
    ews_lab: EwsInfo, probed: dict[str, Any], tmp_path: Path
) -> None:
    wrong = tmp_path / "wrong"
    wrong.write_text("not-the-password\n")
    unit, inv, log = probe_again(ews_lab, probed, tmp_path, wrong)
    assert unit.status is Status.FAILED and unit.reason is Reason.AUTH, unit
    assert [e["auth_result"] for e in log].count("failed") == 1, log
    assert not [e for e in log if e["operation"] in ("GetItem", "FindItem", "FindFolder")]
    assert "not-the-password" not in unit.message and not inv.probe_samples
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("scan.sqlite*"))
    assert b"not-the-password" not in stored


def test_a_lab_scan_forecasts_the_exchange_mailboxes_in_the_estimate_sheet(
    lab: LabInfo, ews_lab: EwsInfo, ews_truth: dict[str, Any], tmp_path: Path
) -> None:
    """IMAP and EWS in one scan, each probed: the Estimate sheet forecasts both."""
    path = lab_config(
        lab, tmp_path, ews=ews_lab, probe={"seconds": 4, "megabytes": 20, "max_concurrency": 2}
    )
    with Store(tmp_path / "scan.sqlite") as store:
        run_scan(load(path), store, show_progress=False)
        inv = store.inventory()
    probes = {u.source: u for u in inv.units if u.kind is UnitKind.PROBE}
    assert set(probes) == {"lab-dovecot", "lab-exchange"}, probes
    assert probes["lab-exchange"].status is Status.OK, probes["lab-exchange"]
    xlsx, _, _ = render(inv, tmp_path / "reports", language="en")
    ws = openpyxl.load_workbook(xlsx)["Estimate"]
    header = [c.value for c in ws[1]]
    header = header[: header.index(None)]  # the table; the chart's data sits beside it
    rows = [
        dict(zip(header, (c.value for c in r), strict=True))
        for r in ws.iter_rows(min_row=2, max_col=len(header))
        if r[0].value
    ]
    exchange = [r for r in rows if r["Source"] == "lab-exchange"]
    with_mail = {a for a, b in ews_truth["mailboxes"].items() if _holds_mail(b)}
    forecast_rows = {r["Mailbox"] for r in exchange if r["Duration, P50 (h)"] is not None}
    assert with_mail <= forecast_rows
    assert not [r for r in exchange if r["Not forecast because"]]
    summary = openpyxl.load_workbook(xlsx)["Summary"]
    facts = [str(row[1].value) for row in summary.iter_rows() if row[0].value == "Assumption"]
    assert not [f for f in facts if "lab-exchange was not measured" in f]
    assert any("lab-exchange was measured over EWS" in f for f in facts)  # mbsync reads IMAP


def _holds_mail(box: dict[str, Any]) -> bool:
    folders = box["stores"].get("primary", {}).get("folders", {})
    return any(f["total_count"] for f in folders.values())
