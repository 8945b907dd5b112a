"""The directory sheets: present when a directory was scanned, in every language, with
untrusted names kept as text and the JSON valid against the schema."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest
from openpyxl import load_workbook

from mailsurvey.model import (
    AcceptedDomain,
    Device,
    ExchangeServer,
    Identity,
    Mailbox,
    Permission,
    Status,
    Unit,
    UnitKind,
)
from mailsurvey.report import render
from mailsurvey.report.jsonout import SCHEMA_FILE

from .test_report_data import sample_inventory

WHEN = datetime(2026, 10, 1, 9, 30, tzinfo=UTC)
HOSTILE = '=HYPERLINK("http://evil.example","x")'


def directory_inventory():  # type: ignore[no-untyped-def]
    inv = sample_inventory()
    inv.mailboxes.append(Mailbox("hosting", "info@acme.nl", kind="shared"))
    inv.identities = [
        Identity(
            "dc1",
            "CN=Vries\\, Jan de,DC=acme,DC=local",
            "user",
            upn="jan@acme.local",  # a non-routable suffix: IdFix's top-level domain rule
            display_name=HOSTILE,
            proxy_addresses=("SMTP:jan@acme.nl",),
            recipient_type="user",
            recipient_type_details=1,
            enabled=True,
            last_logon=WHEN,
        ),
        Identity(
            "dc1",
            "CN=Info,DC=acme,DC=local",
            "user",
            display_name="<script>alert(1)</script>",
            mail="info@acme.nl",
            recipient_type="shared",
            recipient_type_details=4,
            enabled=False,
        ),
    ]
    inv.permissions.append(
        Permission("dc1", "info@acme.nl", None, "jan@acme.nl", "SendAs", "ad_send_as")
    )
    inv.devices = [
        Device(
            "dc1",
            "CN=Vries\\, Jan de,DC=acme,DC=local",
            "ApplF17",
            "iPhone",
            "iPhone15,2",
            "iOS 17.4",
            "Apple-iPhone15C2/2104.1",
            WHEN,
            WHEN,
            "allowed",
        )
    ]
    inv.exchange_servers = [
        ExchangeServer(
            "dc1", "EX1", "CN=EX1", "Version 15.2 (Build 1544.4)", "Exchange Server 2019"
        )
    ]
    inv.accepted_domains = [AcceptedDomain("dc1", "acme.nl", "authoritative", True)]
    return inv


@pytest.mark.parametrize("language", ["en", "nl", "pl"])
def test_directory_sheets_render(tmp_path: Path, language: str) -> None:
    paths = render(directory_inventory(), tmp_path, language=language)
    xlsx = next(p for p in paths if p.suffix == ".xlsx")
    wb = load_workbook(xlsx)
    assert len(wb.sheetnames) >= 11  # the IMAP sheets plus six directory sheets
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    hostile = [c for c in cells if c.value == HOSTILE]
    assert hostile and all(c.data_type == "s" for c in hostile)
    html = next(p for p in paths if p.suffix == ".html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in html and "ApplF17" in html
    doc = json.loads((tmp_path / "inventory.json").read_text(encoding="utf-8"))
    jsonschema.validate(doc, json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))
    assert doc["directory"]["devices"][0]["model"] == "iPhone15,2"
    rules = {(f["attribute"], f["rule"]) for f in doc["directory_readiness"]}
    assert ("userPrincipalName", "topleveldomain") in rules


def test_no_directory_no_directory_sheets(tmp_path: Path) -> None:
    paths = render(sample_inventory(), tmp_path, formats=("xlsx",))
    assert "Identities" not in load_workbook(paths[0]).sheetnames


def test_devices_without_a_directory_still_get_their_sheet(tmp_path: Path) -> None:
    """An Exchange export gives devices with no directory scan: they are listed."""
    inv = sample_inventory()
    inv.devices = [Device("export", "jan@acme.nl", "ApplF17", "iPhone", access_state="allowed")]
    paths = render(inv, tmp_path, formats=("xlsx",))
    wb = load_workbook(paths[0])
    assert "Devices" in wb.sheetnames and "Identities" not in wb.sheetnames
    assert wb["Devices"]["A2"].value == "jan@acme.nl" and wb["Devices"]["I2"].value == "ApplF17"


def test_shared_mailboxes_without_a_directory_come_from_the_accounts_kinds(
    tmp_path: Path,
) -> None:
    inv = sample_inventory()
    inv.mailboxes.append(Mailbox("hosting", "info@acme.nl", display_name=HOSTILE, kind="shared"))
    inv.units.append(Unit("hosting", UnitKind.ACCOUNT, "info@acme.nl", Status.OK))
    grants = (("INBOX", "jan@acme.nl"), ("Sent", "jan@acme.nl"), ("INBOX", "piet@acme.nl"))
    inv.permissions += [
        Permission("hosting", "info@acme.nl", folder, who, "lr", "imap_acl")
        for folder, who in grants
    ]
    paths = render(inv, tmp_path, formats=("xlsx",), language="nl")
    wb = load_workbook(paths[0])
    ws = wb["Gedeelde postvakken"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, [c.value for c in r], strict=True)) for r in ws.iter_rows(min_row=2)]
    row = next(r for r in rows if r["Adres"] == "info@acme.nl")
    assert row["Type"] == "Gedeeld" and row["Weergavenaam"] == HOSTILE
    assert all(c.data_type == "s" for r in ws.iter_rows(min_row=2) for c in r[:2] if c.value)
    assert row["Personen of groepen met rechten"] == 2  # jan (two folders) and piet
    assert "Identiteiten" not in wb.sheetnames
    bob = next(r for r in rows if r["Adres"] == "bob@acme.example")  # read partly
    assert bob["Personen of groepen met rechten"] is None  # unknown, never 0
    users = sample_inventory()
    users.mailboxes = [replace(m, kind="user") for m in users.mailboxes]
    plain = render(users, tmp_path / "none", formats=("xlsx",), language="nl")[0]
    assert "Gedeelde postvakken" not in load_workbook(plain).sheetnames  # no shared: no sheet


def test_unreadable_descriptor_makes_grant_counts_unknown_not_zero() -> None:
    from mailsurvey.model import Observation
    from mailsurvey.report.views import build_report

    inv = directory_inventory()
    inv.observations.append(
        Observation("dc1", "CN=Info,DC=acme,DC=local", None, "unreadable_security_descriptor", "x")
    )
    table = next(t for t in build_report(inv).sheets if t.key == "shared_mailboxes")
    keys = [c.key for c in table.columns]
    (row,) = [dict(zip(keys, r, strict=True)) for r in table.rows]
    assert row["full_access"] is None and row["send_as"] is None  # unknown, never 0
    assert row["send_on_behalf"] == 0  # publicDelegates was read: a known zero
