"""An Exchange source that takes its mailboxes from the directory (mailboxes: from_ad):
the Samba DC's mailbox identities are read over EWS, one unit each."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from mailsurvey.config import load
from mailsurvey.lab import AdInfo, EwsInfo
from mailsurvey.model import Reason, Status, UnitKind
from mailsurvey.scan import run_scan
from mailsurvey.store import Store

from .test_ad_scan import ad_config


def primary(obj: dict[str, Any]) -> str | None:
    for proxy in obj["proxyAddresses"]:
        if proxy.startswith("SMTP:"):
            return str(proxy[5:].lower())
    return obj["mail"].lower() if obj["mail"] else None


def test_mailboxes_from_the_directory(
    samba_lab: AdInfo, ad_truth: dict[str, Any], ews_lab: EwsInfo, tmp_path: Path
) -> None:
    doc = yaml.safe_load(ad_config(samba_lab, tmp_path).read_text(encoding="utf-8"))
    doc["sources"].insert(  # listed before the directory: the scan runs directories first
        0,
        {
            "name": "exchange",
            "type": "exchange",
            "url": ews_lab.url,
            "ca_file": str(ews_lab.ca_file),
            "auth": {
                "method": "ntlm",
                "user": ews_lab.service_user,
                "password_file": str(ews_lab.service_password_file),
            },
            "mailboxes": "from_ad",
        },
    )
    doc["probe"] = {"enabled": False}  # the EWS probe has tests of its own
    path = tmp_path / "both.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    with Store(tmp_path / "scan.sqlite") as store:
        run_scan(load(path), store, show_progress=False)
        inv = store.inventory()
    in_directory = {
        address
        for obj in ad_truth["objects"].values()
        if obj["homeMDB"]
        and (obj["recipientType"] or "").endswith("Mailbox")
        and (address := primary(obj))
    }
    on_exchange = set(json.loads(ews_lab.ground_truth.read_text(encoding="utf-8"))["mailboxes"])
    units = {u.key: u for u in inv.units if u.kind is UnitKind.ACCOUNT and u.source == "exchange"}
    assert set(units) == in_directory
    assert in_directory & on_exchange
    for address, unit in units.items():
        if address in on_exchange:
            assert unit.status is Status.OK, unit
        else:  # the directory knows a mailbox the server does not
            assert unit.status is Status.FAILED and unit.reason is Reason.VANISHED, unit
    kinds = {m.address: m.kind for m in inv.mailboxes if m.source == "exchange"}
    assert "shared" in kinds.values()
