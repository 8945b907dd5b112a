"""The quote: exact amounts from hand-built inventories, the config's pricing: section, the
Quote sheet and summary in the workbook, the HTML section, inventory.json; and one quote of
a real scan of the lab's Dovecot against the ground truth."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import jsonschema
import openpyxl
import pytest

from mailsurvey.assess.estimate import Forecast, MailboxForecast
from mailsurvey.assess.methods import PROFILES as METHODS
from mailsurvey.assess.quote import QuoteLine, pricing_of, quote, rounded
from mailsurvey.assess.targets import PROFILES
from mailsurvey.config import ConfigError, PricingSettings, load
from mailsurvey.lab import LabInfo
from mailsurvey.model import Mailbox, ScanInfo, Status, Unit, UnitKind
from mailsurvey.report import render
from mailsurvey.report.jsonout import schema
from mailsurvey.report.views import FactList, Kind, build_report
from mailsurvey.store import Inventory

from .checks_helpers import GIB, MIB, NOW, SRC, folder, inventory, person, with_directory
from .imap_helpers import accounts_file, scan

EXO = [PROFILES["exo-imap"]]
PRICES = {"currency": "EUR", "per_mailbox": "12.50", "per_gb": "0.80", "fixed": "450"}


def pricing(**changes: Any) -> PricingSettings:
    return PricingSettings.model_validate({**PRICES, **changes})


def line(q: Any, address: str) -> QuoteLine:
    (found,) = [x for x in q.lines if x.address == address]
    return found


def amounts(q: Any) -> dict[str, Decimal | None]:
    return {c.code: c.amount for c in q.components}


def organisation() -> Inventory:
    """a: 3 GiB; b: empty; s: shared, 60 GiB (over Microsoft 365's 50 GB free); old: a
    disabled account's 1 GiB; dup: the same address in a second source (1 GiB each)."""
    inv = inventory(
        folder("a@x", bytes=3 * GIB),
        folder("a@x", "Sent", bytes=512 * MIB),
        folder("b@x", messages=0, bytes=0, largest=None),
        folder("s@x", bytes=60 * GIB),
        folder("old@x", bytes=1 * GIB),
        folder("dup@x", bytes=1 * GIB),
        folder("dup@x", bytes=1 * GIB, source="other"),
        mailboxes=(Mailbox(SRC, "s@x", kind="shared"),),
    )
    return with_directory(
        inv,
        person("a"),
        person("s", "shared", enabled=False),  # a shared mailbox's account is disabled
        person("old", enabled=False),
        person("dup"),
    )


def test_exact_amounts_with_excluded_mailboxes_and_their_reasons() -> None:
    q = quote(organisation(), pricing(per_shared_mailbox="5"), None, EXO)
    assert [(x.source, x.address, x.billed) for x in q.lines] == [
        ("imap", "a@x", True),
        ("imap", "b@x", False),
        ("imap", "dup@x", True),
        ("imap", "old@x", False),
        ("imap", "s@x", True),
        ("other", "dup@x", False),
    ]
    empty = line(q, "b@x").excluded
    assert empty is not None and empty.why == "empty"
    old = line(q, "old@x").excluded
    assert old is not None and (old.why, old.detail) == ("inactive", "account_disabled")
    (other,) = [x for x in q.lines if x.source == "other"]
    assert other.excluded is not None and (other.excluded.why, other.excluded.detail) == (
        "duplicate",
        "imap",
    )
    # a: 3.5 GiB at 0.80 = 2.80; s: 60 GiB = 48.00; dup: 1 GiB = 0.80
    assert line(q, "a@x").size_fee == Decimal("2.8") and line(q, "a@x").total == Decimal("15.3")
    shared = line(q, "s@x")
    assert shared.kind == "shared" and shared.mailbox_fee == Decimal(5)
    assert (shared.licence, shared.licence_why) == (True, "over_free_size")
    assert line(q, "a@x").licence is None  # a user licence anyway: not the question
    assert amounts(q) == {
        "mailboxes": Decimal("25.00"),
        "shared_mailboxes": Decimal("5.00"),
        "size": Decimal("51.60"),
        "fixed": Decimal("450.00"),
    }
    assert q.total == Decimal("531.60") and q.complete and not q.by_hand
    assert [x.address for x in q.licences] == ["s@x"]
    assert [line(q, a).total for a in ("b@x", "old@x")] == [Decimal(0), Decimal(0)]


def test_exclude_decides_what_is_billed() -> None:
    q = quote(organisation(), pricing(exclude=["duplicate"]), None, EXO)
    assert sorted(x.address for x in q.lines if not x.billed) == ["dup@x"]
    assert amounts(q)["mailboxes"] == Decimal("50.00")  # a, b, dup, old


def test_unknown_size_is_never_billed_as_zero() -> None:
    inv = inventory(
        folder("a@x", bytes=1 * GIB),
        folder("p@x", bytes=1 * GIB),
        folder("p@x", "Sent", messages=None, bytes=None),
        folder("q@x", bytes=1 * GIB),
        partial=("p@x", "q@x"),
        failed=("f@x",),
        mailboxes=(Mailbox(SRC, "q@x", quota_used_bytes=2 * GIB),),
    )
    q = quote(inv, pricing(), None, EXO)
    for address in ("p@x", "f@x"):
        unknown = line(q, address)
        assert unknown.bytes is None and unknown.size_fee is None and unknown.total is None
        assert unknown.billed and unknown.mailbox_fee == Decimal("12.50")
    # read in part, but the server's quota usage is a complete figure (as the quota check)
    assert line(q, "q@x").bytes == 2 * GIB and line(q, "q@x").size_fee == Decimal("1.6")
    assert q.by_hand == ("f@x", "p@x")
    assert not q.complete
    size = next(c for c in q.components if c.code == "size")
    assert size.quantity == Decimal(3) and not size.complete  # a and q: a lower bound
    assert q.total == Decimal("50.00") + Decimal("2.40") + Decimal("450.00")
    # with no price per GiB the size does not matter: nothing to price by hand
    free = quote(inv, pricing(per_gb="0"), None, EXO)
    assert free.complete and not free.by_hand and free.total == Decimal("500.00")


def test_amounts_round_half_up_once_from_exact_figures() -> None:
    # 1/8 GiB at 0.20 is 0.025 exactly: half up gives 0.03 (float or half-even: 0.02)
    inv = inventory(folder("a@x", bytes=GIB // 8), folder("b@x", bytes=GIB // 8))
    q = quote(inv, pricing(per_mailbox="0", per_gb="0.10", fixed="0"), None, EXO)
    assert line(q, "a@x").size_fee == Decimal("0.0125")  # exact, unrounded on the line
    assert amounts(q)["size"] == Decimal("0.03")  # 0.025, rounded once, half up
    one = quote(inventory(folder("a@x", bytes=GIB // 8)), pricing(per_gb="0.2"), None, EXO)
    assert amounts(one)["size"] == Decimal("0.03")
    assert Decimal("0.025").quantize(Decimal("0.01"), ROUND_HALF_UP) == Decimal("0.03")
    odd = inventory(folder("a@x", bytes=1))  # one byte: exact, not lost to precision
    assert line(quote(odd, pricing(per_gb="1"), None, EXO), "a@x").size_fee == Decimal(1) / Decimal(
        2**30
    )
    assert rounded(Decimal("2.5"), "JPY") == Decimal(3)  # no minor unit
    assert rounded(Decimal("2.345"), "PLN") == Decimal("2.35")


def _forecast(p50: float, p90: float, unknown: bool = False) -> Forecast:
    rows = [MailboxForecast(SRC, "a@x", 1, 1, 1, p50, p90, 0, 0.0, p50, "bytes")]
    if unknown:
        rows.append(MailboxForecast(SRC, "f@x", None, None, 0, None, None, None, None, None, "x"))
    return Forecast(METHODS["mbsync"], 4, p50, p90, "a@x", tuple(rows), 0.0, 0.0, (), ())


def test_effort_is_the_forecast_p90_in_tenths_of_an_hour_rounded_up() -> None:
    inv = inventory(folder("a@x", bytes=GIB))
    q = quote(inv, pricing(per_hour="95"), _forecast(3000.0, 5000.0), EXO)
    assert q.effort.hours == Decimal("1.4")  # 5000 s = 1.389 h
    assert amounts(q)["effort"] == Decimal("133.00") and q.complete
    assert q.total == Decimal("12.50") + Decimal("0.80") + Decimal("133.00") + Decimal("450.00")
    partly = quote(inv, pricing(per_hour="95"), _forecast(3000.0, 5000.0, unknown=True), EXO)
    assert not partly.effort.complete and not partly.complete  # at least this effort
    none = quote(inv, pricing(per_hour="95"), None, EXO)
    assert none.effort.hours is None and amounts(none)["effort"] is None
    assert not none.complete and none.total == Decimal("463.30")
    unpriced = quote(inv, pricing(), None, EXO)  # no per_hour: the effort is not a component
    assert "effort" not in amounts(unpriced) and unpriced.complete


def _exchange_shared(archive_bytes: int | None) -> Inventory:
    ews = dict(source="ex", method="ews")
    inv = inventory(
        folder("s@x", bytes=GIB, **ews),
        folder("s@x", "Archive/Inbox", area="archive", bytes=archive_bytes, **ews),
        folder("u@x", bytes=GIB, **ews),
        mailboxes=(Mailbox("ex", "s@x", kind="shared"), Mailbox("ex", "u@x")),
    )
    return inv


def test_a_shared_mailbox_with_an_archive_needs_a_licence_and_the_archive_is_priced() -> None:
    q = quote(_exchange_shared(2 * GIB), pricing(per_archive="25"), None, EXO)
    shared = line(q, "s@x")
    assert (shared.archive, shared.licence, shared.licence_why) == (True, True, "archive")
    assert shared.bytes == 3 * GIB and shared.archive_fee == Decimal(25)
    assert line(q, "u@x").archive is False and line(q, "u@x").archive_fee == Decimal(0)
    assert amounts(q)["archives"] == Decimal("25.00")
    # no Microsoft 365 target: shared mailbox licences are not assessed (never "no")
    google = quote(_exchange_shared(2 * GIB), pricing(), None, [PROFILES["google-dms"]])
    assert google.licence_target is None and line(google, "s@x").licence is None
    # an archive whose size is unknown still tells there is one
    unknown = quote(_exchange_shared(None), pricing(per_archive="25"), None, EXO)
    assert line(unknown, "s@x").archive is True and line(unknown, "s@x").bytes is None


def test_archive_not_known_is_priced_by_hand() -> None:
    inv = _exchange_shared(GIB)
    inv.folders = [f for f in inv.folders if f.mailbox != "u@x"]
    inv.units = [u for u in inv.units if u.key != "u@x"] + [
        Unit("ex", UnitKind.ACCOUNT, "u@x", Status.FAILED)
    ]
    q = quote(inv, pricing(per_archive="25", per_gb="0"), None, EXO)
    failed = line(q, "u@x")
    assert failed.archive is None and failed.archive_fee is None and failed.total is None
    assert q.by_hand == ("u@x",) and not q.complete


# -- the config ------------------------------------------------------------------------------

CONFIG = """\
project: p
client: c
sources:
  - name: hosting
    type: imap
    host: mail.acme.nl
    auth: {method: master, user: admin, password_env: X}
    accounts: [jan@acme.nl]
"""


def _load(tmp_path: Path, pricing_yaml: str) -> Any:
    path = tmp_path / "c.yaml"
    path.write_text(CONFIG + pricing_yaml, encoding="utf-8")
    return load(path)


def test_config_pricing_is_decimal_and_stored_with_the_scan(tmp_path: Path) -> None:
    cfg = _load(tmp_path, "pricing: {currency: pln, per_mailbox: 0.1, per_gb: 0.2}\n").config
    p = cfg.pricing
    assert p is not None and p.currency == "PLN"
    assert p.per_mailbox == Decimal("0.1") and p.per_gb == Decimal("0.2")  # not 0.1000000000001
    assert p.fixed == 0 and p.per_shared_mailbox is None
    assert p.exclude == ["inactive", "empty", "duplicate"]
    inv = Inventory(info=ScanInfo("p", "c", "en", NOW, "t", config_summary=cfg.summary()))
    assert pricing_of(inv) == p  # `mailsurvey report STORE` quotes again from the store
    assert pricing_of(Inventory(info=None)) is None
    assert _load(tmp_path, "").config.pricing is None


def test_config_pricing_problems_name_the_key(tmp_path: Path) -> None:
    text = (
        "pricing: {currency: EURO, per_mailbox: -1, per_gb: abc, per_hour: .nan,"
        " exclude: [inactive, inactief], colour: 1}\n"
    )
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, text)
    assert info.value.problems == [
        "pricing.currency: found 'EURO'; expected an ISO 4217 currency code such as EUR or PLN",
        "pricing.per_mailbox: found -1; expected greater than or equal to 0",
        "pricing.per_gb: found 'abc'; expected a valid decimal",
        "pricing.per_hour: found nan; expected a finite number",
        "pricing.exclude[1]: found 'inactief'; expected 'inactive', 'empty' or 'duplicate'",
        "pricing.colour: unknown key (check the spelling; see sample_configs/)",
    ]
    with pytest.raises(ConfigError) as missing:
        _load(tmp_path, "pricing: {per_mailbox: 1}\n")
    assert missing.value.problems == ["pricing.currency: missing; this key is required"]
    with pytest.raises(ConfigError) as twice:
        _load(tmp_path, "pricing: {currency: EUR, per_mailbox: 1, exclude: [empty, empty]}\n")
    assert "each of inactive, empty, duplicate at most once" in twice.value.problems[0]


# -- the reports -------------------------------------------------------------------------------


def priced(inv: Inventory, **changes: Any) -> Inventory:
    summary = {"targets": ["exo-imap"], "pricing": {**PRICES, **changes}}
    inv.info = ScanInfo("Project", "Client", "en", NOW, "test", config_summary=summary)
    return inv


def test_no_pricing_no_quote_anywhere(tmp_path: Path) -> None:
    inv = organisation()
    report = build_report(inv, NOW)
    assert report.quote is None
    assert not [b for b in report.summary if b.key.startswith("quote")]
    assert not [t for t in report.sheets if t.key == "quote"]
    xlsx_path, html_path, json_path = render(inv, tmp_path, formats=["xlsx", "html", "json"])
    assert "Quote" not in openpyxl.load_workbook(xlsx_path).sheetnames
    assert 'id="quote' not in html_path.read_text(encoding="utf-8")
    assert json.loads(json_path.read_text(encoding="utf-8"))["quote"] is None


def test_summary_follows_the_forecast_and_the_sheet_follows_the_waves() -> None:
    report = build_report(priced(organisation()), NOW)
    keys = [t.key for t in report.sheets]
    assert keys[keys.index("quote") - 1] == "waves"
    assert report.estimate is not None
    blocks = [b.key for b in report.summary]
    summary = report.summary[blocks.index("quote_summary")]
    assert blocks.index("quote_summary") == blocks.index(report.estimate.summary[-1].key) + 1
    assert isinstance(summary, FactList)
    facts = {f.label: f for f in summary.facts}
    total = facts["Quote total"]  # 3 mailboxes at 12.50, 64.5 GiB at 0.80, 450 fixed
    assert (total.value, total.kind, total.unit, total.note) == (
        Decimal("539.10"),
        Kind.MONEY,
        "EUR",
        None,
    )
    assert facts["Mailboxes billed"].value == 3 and facts["Mailboxes not billed"].value == 3
    assert facts["Shared mailboxes that need a licence"].value == 1


def _rows(ws: Any, header_row: int = 1) -> list[dict[str, Any]]:
    header = [c.value for c in ws[header_row]]
    out = []
    for row in ws.iter_rows(min_row=header_row + 1):
        if row[0].value is None:
            break
        out.append({h: c for h, c in zip(header, row, strict=False) if h})
    return out


def test_workbook_quote_sheet_values_and_money_formats(tmp_path: Path) -> None:
    inv = priced(organisation(), per_shared_mailbox="5")
    (path,) = render(inv, tmp_path, formats=["xlsx"], language="nl")
    wb = openpyxl.load_workbook(path)
    ws = wb["Offerte"]
    rows = {r["Postvak"].value: r for r in _rows(ws)}
    a = rows["a@x"]
    assert a["Gefactureerd"].value == "Ja"
    assert a["Tarief per postvak (EUR)"].value == 12.5
    assert a["Tarief per postvak (EUR)"].number_format == '"€" #,##0.00;"€" -#,##0.00'
    assert a["Regeltotaal (EUR)"].value == pytest.approx(15.3)
    assert a["Grootte (GB)"].value == pytest.approx(3.5)
    old = rows["old@x"]
    assert old["Gefactureerd"].value == "Nee"
    assert old["Niet gefactureerd omdat"].value == "Inactief: Het account is uitgeschakeld"
    assert old["Niet gefactureerd omdat"].data_type == "s"
    assert rows["s@x"]["Licentie"].value.startswith("Nodig:")
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "Totalen van de offerte" in texts and "Prijs per eenheid (EUR)" in texts
    (total_row,) = [row for row in ws.iter_rows() if row[0].value == "Totaal"]
    assert total_row[3].value == pytest.approx(531.60)
    assert total_row[3].number_format == '"€" #,##0.00;"€" -#,##0.00'
    summary = wb["Samenvatting"]
    (fact,) = [row for row in summary.iter_rows() if row[0].value == "Totaal offerte"]
    assert fact[1].value == pytest.approx(531.60) and fact[1].data_type == "n"
    assert wb.sheetnames.index("Offerte") == wb.sheetnames.index("Golven") + 1


def test_workbook_in_polish_zloty(tmp_path: Path) -> None:
    inv = priced(organisation(), currency="PLN")
    (path,) = render(inv, tmp_path, formats=["xlsx"], language="pl")
    ws = openpyxl.load_workbook(path)["Wycena"]
    rows = {r["Skrzynka pocztowa"].value: r for r in _rows(ws)}
    assert rows["a@x"]["Opłata za skrzynkę (PLN)"].number_format == '#,##0.00 "zł"'


def test_html_quote_section_in_the_locale(tmp_path: Path) -> None:
    inv = priced(organisation(), currency="PLN", per_mailbox="1234.5")
    (path,) = render(inv, tmp_path, formats=["html"], language="pl")
    text = path.read_text(encoding="utf-8")
    assert 'id="quote"' in text and "Wycena" in text and "Podsumowanie wyceny" in text
    assert "1\u00a0234,50\u00a0zł" in text  # babel's Polish currency format
    (en,) = render(priced(organisation()), tmp_path / "en", formats=["html"])
    assert "€539.10" in en.read_text(encoding="utf-8")


def test_html_says_at_least_and_who_to_price_by_hand(tmp_path: Path) -> None:
    inv = priced(inventory(folder("a@x", bytes=GIB), failed=("f@x",)))
    (path,) = render(inv, tmp_path, formats=["html"])
    text = path.read_text(encoding="utf-8")
    assert "price them by hand: f@x" in text
    assert "At least: some figures are unknown" in text


def _quote_validator() -> jsonschema.Draft202012Validator:
    full = schema()
    return jsonschema.Draft202012Validator({"$defs": full["$defs"], **full["properties"]["quote"]})


def test_json_quote_has_decimal_strings_and_validates(tmp_path: Path) -> None:
    inv = priced(
        inventory(
            folder("a@x", bytes=GIB // 8), folder("b@x", messages=0, bytes=0), failed=("f@x",)
        ),
        per_gb="0.2",
    )
    (path,) = render(inv, tmp_path, formats=["json"])
    doc = json.loads(path.read_text(encoding="utf-8"))["quote"]
    _quote_validator().validate(doc)
    assert doc["currency"] == "EUR" and doc["prices"]["per_gb"] == "0.2"
    assert doc["total"] == "475.03" and doc["complete"] is False and doc["by_hand"] == ["f@x"]
    a, b, f = doc["lines"]
    assert (a["gib"], a["size_fee"], a["total"]) == ("0.125", "0.03", "12.53")
    assert b["billed"] is False and b["excluded"] == {"why": "empty", "detail": ""}
    assert (f["bytes"], f["gib"], f["size_fee"], f["total"]) == (None, None, None, None)
    assert {c["code"]: c["amount"] for c in doc["components"]} == {
        "mailboxes": "25.00",
        "size": "0.03",
        "fixed": "450.00",
    }
    with pytest.raises(jsonschema.ValidationError):
        _quote_validator().validate({**doc, "total": 475.03})  # a float is refused


# -- a real scan -----------------------------------------------------------------------------


def test_quote_of_the_lab_equals_the_ground_truth(
    lab: LabInfo, ground_truth: dict[str, Any], tmp_path: Path
) -> None:
    boxes = ground_truth["mailboxes"]
    accounts = accounts_file(
        tmp_path / "in", [f"{a},{box['kind']}" for a, box in boxes.items()], "address,kind"
    )
    result, inv = scan(lab, tmp_path, accounts=accounts)
    assert result.all_ok, result.failures[:3]
    report = build_report(inv, NOW)
    assert report.quote is not None
    q = report.quote.quote
    p = q.pricing  # sample_configs/lab.yaml's pricing
    assert (p.currency, p.per_mailbox, p.per_shared_mailbox, p.per_gb) == (
        "EUR",
        Decimal("12.50"),
        Decimal("7.50"),
        Decimal("0.80"),
    )

    def size(box: dict[str, Any]) -> int:
        return sum(f["bytes"] for f in box["folders"].values() if not f["noselect"])

    def empty(box: dict[str, Any]) -> bool:
        return not any(f["messages"] for f in box["folders"].values() if not f["noselect"])

    billed = {a: box for a, box in boxes.items() if not empty(box)}
    assert set(boxes) - set(billed) == {"stagiair@acme.nl"}
    users = sum(1 for box in billed.values() if box["kind"] == "user")
    shared = len(billed) - users
    assert shared == 7  # the functional mailboxes but the trainee's (a user, and empty)
    gib = sum(Decimal(size(box)) for box in billed.values()) / Decimal(2**30)
    cents = Decimal("0.01")
    expected = {
        "mailboxes": (users * p.per_mailbox).quantize(cents),
        "shared_mailboxes": (shared * Decimal("7.50")).quantize(cents),
        "size": (gib * p.per_gb).quantize(cents, ROUND_HALF_UP),
        "archives": Decimal("0.00"),  # IMAP: no online archives
        "effort": None,  # no probe: the effort is unknown
        "fixed": Decimal("450.00"),
    }
    assert amounts(q) == expected
    assert q.total == sum(v for v in expected.values() if v is not None)
    assert not q.complete and not q.by_hand  # at least: only the effort is unknown
    assert {x.address: x.bytes for x in q.billed} == {a: size(b) for a, b in billed.items()}
    assert not q.licences and q.licence_target == "exo-imap"  # every shared one under 50 GB
    assert [x.excluded.why for x in q.lines if x.excluded] == ["empty"]
