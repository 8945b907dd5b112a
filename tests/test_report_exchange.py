"""What an Exchange scan adds to the reports: a summary of rules, delegates, shared folders
and large items, and the Inbox rules sheet, with untrusted rule names kept as text."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import jsonschema
import openpyxl

from mailsurvey.model import (
    InboxRule,
    Observation,
    Permission,
    Reason,
    Server,
    Status,
    Unit,
    UnitKind,
)
from mailsurvey.report import render
from mailsurvey.report.i18n import AT_LEAST, translations
from mailsurvey.report.jsonout import schema
from mailsurvey.report.views import FactList, build_report
from mailsurvey.store import Inventory

from .test_report_data import HYPERLINK, SCRIPT, sample_inventory

A, B = "jan@acme.example", "lotte@acme.example"


def exchange_inventory(partial: bool = False) -> Inventory:
    inv = sample_inventory()
    inv.servers.append(
        Server("ex", "mail.acme.example", 443, "Microsoft Exchange", "2019", None,
               ("EWS Exchange2016",))
    )  # fmt: skip
    status = Status.PARTIAL if partial else Status.OK
    reason = Reason.UNAVAILABLE if partial else Reason.NONE
    inv.units += [
        Unit("ex", UnitKind.ACCOUNT, A, Status.OK),
        Unit("ex", UnitKind.ACCOUNT, B, status, reason, "inbox rules: moving" if partial else ""),
    ]
    inv.inbox_rules += [
        InboxRule("ex", A, "R1", HYPERLINK, True, False, ("ForwardToRecipients",), (B,), ()),
        InboxRule("ex", A, "R2", SCRIPT, True, True, ("MoveToFolder",)),
        InboxRule("ex", B, "R3", "Alles naar privé", False, False, ("RedirectToRecipients",),
                  ("lotte@gmail.com",), ("lotte@gmail.com",)),
    ]  # fmt: skip
    inv.permissions += [
        Permission("ex", A, None, B, "calendar:Editor", "ews_delegate"),
        Permission("ex", A, "Calendar", B, "Editor", "ews_folder"),
        Permission("ex", B, "Inbox", "Default", "Reviewer", "ews_folder"),
    ]
    inv.observations += [
        Observation("ex", A, "Inbox", "item_over_35mb", "2 item(s) over 35 MB: 40.0 MB, 36.0 MB"),
        Observation("ex", B, "Online Archive/X", "item_over_35mb", "1 item(s) over 35 MB: 151 MB"),
        Observation(
            "ex", B, "Online Archive/X", "item_over_150mb", "1 item(s) over 150 MB: 151 MB"
        ),
    ]
    return inv


def test_summary_and_rules_sheet() -> None:
    report = build_report(exchange_inventory())
    (facts,) = [b for b in report.summary if isinstance(b, FactList) and b.key == "exchange"]
    assert [f.value for f in facts.facts] == [3, 1, 1, 2, 3, 1]
    assert all(f.note is None for f in facts.facts)
    assert [f.alert for f in facts.facts] == [False, True, False, False, True, True]
    (rules,) = [t for t in report.sheets if t.key == "inbox_rules"]
    assert [r[1] for r in rules.rows] == ["Alles naar privé", SCRIPT, HYPERLINK]
    assert rules.rows[0][4:6] == (True, "lotte@gmail.com")
    partial = build_report(exchange_inventory(partial=True))
    (facts,) = [b for b in partial.summary if isinstance(b, FactList) and b.key == "exchange"]
    assert {f.note for f in facts.facts} == {AT_LEAST}


def test_nothing_of_exchange_without_an_exchange_source() -> None:
    report = build_report(replace(sample_inventory()))
    assert not [b for b in report.summary if b.key == "exchange"]
    assert not [t for t in report.sheets if t.key == "inbox_rules"]


def test_workbook_keeps_rule_names_as_text_and_json_validates(tmp_path: Path) -> None:
    xlsx, html, data = render(exchange_inventory(), tmp_path, ["xlsx", "html", "json"], "nl")
    _ = translations("nl").gettext
    ws = openpyxl.load_workbook(xlsx)[_("Inbox rules")]
    names = {c.value: c.data_type for c in ws["B"][1:]}
    assert names[HYPERLINK] == "s" and names[SCRIPT] == "s"
    page = html.read_text(encoding="utf-8")
    assert SCRIPT not in page and _("Inbox rules") in page
    doc = json.loads(data.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema()).validate(doc)
    assert [r["name"] for r in doc["inbox_rules"]][:1] == [HYPERLINK]
    assert "inbox_rules" not in doc["directory"]
