"""The DNS collector against the lab's real authoritative server (Knot on loopback),
with exact figures from the zones' ground truth."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from mailsurvey.assess.dns_changes import measured_mx_ttl
from mailsurvey.config import load
from mailsurvey.lab import DnsInfo
from mailsurvey.model import AcceptedDomain, DnsDomain, Reason, Status, Unit, UnitKind
from mailsurvey.report import jsonout, render
from mailsurvey.report.i18n import NOT_APPLICABLE, NOT_KNOWN, SECURITY_WORDS
from mailsurvey.report.views import Table, build_report
from mailsurvey.report.views_readiness import target_word
from mailsurvey.scan import run_scan
from mailsurvey.store import Store

pytestmark = pytest.mark.lab


def scan(tmp_path: Path, nameserver: str, domains: list[str], timeout: float = 3.0) -> Store:
    config = {
        "project": "dns",
        "client": "Acme BV",
        "targets": ["exo-imap", "google-dms"],
        "sources": [
            {
                "name": "dns",
                "type": "dns",
                "domains": domains,
                "nameservers": [nameserver],
                "dkim_selectors": ["acme2024"],
                "timeout": timeout,
            }
        ],
    }
    path = tmp_path / "dns.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    store = Store(tmp_path / "scan.sqlite")
    run_scan(load(path), store, show_progress=False)
    return store


@pytest.fixture(scope="module")
def scanned(
    dns_lab: DnsInfo, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Store, dict[str, Any]]:
    truth = json.loads(dns_lab.ground_truth.read_text(encoding="utf-8"))
    store = scan(tmp_path_factory.mktemp("dnsscan"), f"127.0.0.1:{dns_lab.port}",
                 list(truth["domains"]))  # fmt: skip
    return store, truth


def _record(store: Store, domain: str) -> DnsDomain:
    return next(r for r in store.records(DnsDomain) if r.domain == domain)


FIELDS = ("mx", "mx_ttl", "spf_lookups", "spf_includes", "spf_problems", "dmarc_policy",
          "dmarc_subdomain_policy", "dmarc_pct", "dmarc_rua", "autodiscover_cname",
          "autodiscover_srv", "problems")  # fmt: skip


@pytest.mark.parametrize("domain", ["acme.nl", "acme.be", "acme-legacy.nl"])
def test_domain_figures_equal_the_ground_truth(
    scanned: tuple[Store, dict[str, Any]], domain: str
) -> None:
    store, truth = scanned
    want = truth["domains"][domain]
    got = _record(store, domain)
    assert got.exists is True
    for name in FIELDS:
        value = getattr(got, name)
        assert (list(value) if isinstance(value, tuple) else value) == want[name], name
    assert len(got.spf_records) == want["spf_records"]
    assert sorted(got.dkim_selectors) == sorted(want["dkim_selectors"])
    assert got.unknown == ()
    unit = store.unit("dns", UnitKind.DOMAIN, domain)
    assert unit.status is Status.OK


def test_good_domain(scanned: tuple[Store, dict[str, Any]]) -> None:
    got = _record(scanned[0], "acme.nl")
    assert got.mx_ttl == 14400 and got.spf_lookups == 4 and got.dmarc_policy == "quarantine"
    assert set(got.dkim_selectors) == {"selector1", "acme2024"}
    assert "acme2024" in got.dkim_checked and "google" in got.dkim_checked


def test_broken_spf_and_missing_mx_are_flagged(scanned: tuple[Store, dict[str, Any]]) -> None:
    be = _record(scanned[0], "acme.be")
    assert be.spf_lookups == 11 and "spf_too_many_lookups" in be.spf_problems
    legacy = _record(scanned[0], "acme-legacy.nl")
    assert legacy.spf_problems == ("spf_multiple_records",) and len(legacy.spf_records) == 2
    assert legacy.spf_lookups is None  # not evaluated: unknown, never 0
    assert legacy.mx == () and legacy.mx_ttl is None
    assert {"no_mx", "no_dmarc"} <= set(legacy.problems)


def test_a_domain_that_does_not_exist_is_a_finding(
    scanned: tuple[Store, dict[str, Any]],
) -> None:
    store, truth = scanned
    got = _record(store, "partner-relay.example")
    assert (
        got.exists is False
        and list(got.problems) == truth["domains"]["partner-relay.example"]["problems"]
    )
    assert store.unit("dns", UnitKind.DOMAIN, "partner-relay.example").status is Status.OK


def test_refused_domain_is_a_failed_unit_and_others_go_on(dns_lab: DnsInfo, tmp_path: Path) -> None:
    store = scan(tmp_path, f"127.0.0.1:{dns_lab.port}", ["not-served.test", "acme.nl"])
    unit = store.unit("dns", UnitKind.DOMAIN, "not-served.test")
    assert unit.status is Status.FAILED and unit.reason is Reason.PROTOCOL
    assert "REFUSED" in unit.message
    failed = _record(store, "not-served.test")
    assert failed.exists is None and "mx" in failed.unknown
    assert store.unit("dns", UnitKind.DOMAIN, "acme.nl").status is Status.OK


def _closed_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_nameserver_with_nothing_listening_fails_the_unit(tmp_path: Path) -> None:
    store = scan(tmp_path, f"127.0.0.1:{_closed_udp_port()}", ["acme.nl"], timeout=1.0)
    unit = store.unit("dns", UnitKind.DOMAIN, "acme.nl")
    assert unit.status is Status.FAILED
    assert unit.reason in (Reason.CONNECT, Reason.TIMEOUT)
    record = _record(store, "acme.nl")
    assert record.mx_ttl is None and record.spf_lookups is None


def test_silent_nameserver_times_out(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:  # bound, never answers
        silent.bind(("127.0.0.1", 0))
        port = silent.getsockname()[1]
        store = scan(tmp_path, f"127.0.0.1:{port}", ["acme.nl"], timeout=0.5)
    unit = store.unit("dns", UnitKind.DOMAIN, "acme.nl")
    assert unit.status is Status.FAILED and unit.reason is Reason.TIMEOUT


def test_report_sheet_and_what_to_change(
    scanned: tuple[Store, dict[str, Any]], dns_lab: DnsInfo, tmp_path: Path
) -> None:
    store, truth = scanned
    inv = store.inventory()
    assert measured_mx_ttl(inv.dns_domains) == 86400  # the longest: acme.be's
    report = build_report(inv)
    sources = next(b for b in report.summary if b.key == "sources")
    assert isinstance(sources, Table)
    (row,) = sources.rows  # the nameserver asked, the kind of source, no certificate
    assert row[1:4] == ("127.0.0.1", str(dns_lab.port), "DNS")
    assert row[5:] == (SECURITY_WORDS["dns"], NOT_APPLICABLE)
    sheet = next(t for t in report.sheets if t.key == "dns")
    keys = [c.key for c in sheet.columns]
    rows = {r[0]: dict(zip(keys, r, strict=True)) for r in sheet.rows}
    assert set(rows) == set(truth["domains"])
    assert rows["acme.nl"]["mx_ttl"] == 14400 and rows["acme.be"]["spf_lookups"] == 11
    assert rows["acme-legacy.nl"]["mx"] != NOT_KNOWN and rows["acme-legacy.nl"]["mx_ttl"] is None
    changes = sheet.extras[0]
    ckeys = [c.key for c in changes.columns]
    got = [dict(zip(ckeys, r, strict=True)) for r in changes.rows]

    def one(domain: str, target: str, record: str) -> dict[str, Any]:
        shown = target_word(target)  # the target's name, as the report shows it
        return next(
            c for c in got
            if (c["domain"], c["target"], c["record"]) == (domain, shown, record)
        )  # fmt: skip

    assert one("acme.nl", "exo-imap", "MX")["required"] == "0 acme-nl.mail.protection.outlook.com"
    assert one("acme.nl", "google-dms", "MX")["required"] == "1 smtp.google.com"
    nl_spf = one("acme.nl", "exo-imap", "SPF")
    assert (nl_spf["spf_after"], nl_spf["over_limit"]) == (6, False)  # 4 + 2
    be_spf = one("acme.be", "google-dms", "SPF")
    assert (be_spf["spf_after"], be_spf["over_limit"]) == (15, True)  # 11 + 4
    assert one("acme.nl", "exo-imap", "MX TTL")["required"] == "300"
    assert one("acme.nl", "exo-imap", "Autodiscover")["required"] == "autodiscover.outlook.com"
    assert all(c["domain"] != "partner-relay.example" for c in got)
    paths = render(inv, tmp_path, ("xlsx", "html", "json"), "nl")
    assert len(paths) == 3
    document = json.loads(next(p for p in paths if p.suffix == ".json").read_text("utf-8"))
    jsonschema.validate(document, jsonout.schema())
    assert len(document["dns"]["domains"]) == 4
    assert "dns_domains" not in document["directory"]
    legacy = next(c for c in document["dns"]["changes"]
                  if c["domain"] == "acme-legacy.nl" and c["record"] == "spf")  # fmt: skip
    assert legacy["action"] == "merge"


def test_domains_from_the_directory(dns_lab: DnsInfo, tmp_path: Path) -> None:
    """domains: from_ad reads the accepted domains a directory scan stored before."""
    config = {
        "project": "dns",
        "client": "Acme BV",
        "sources": [
            {"name": "dc", "type": "active_directory", "host": "127.0.0.9",
             "bind_user": "ACME\\svc", "password_env": "UNUSED", "base_dn": "DC=acme,DC=local"},
            {"name": "dns", "type": "dns", "domains": "from_ad",
             "nameservers": [f"127.0.0.1:{dns_lab.port}"]},
        ],
    }  # fmt: skip
    path = tmp_path / "dns.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    store = Store(tmp_path / "scan.sqlite")
    unit = Unit("dc", UnitKind.PARTITION, "configuration", Status.OK)
    accepted = [AcceptedDomain("dc", n, "authoritative", n == "acme.nl")
                for n in ("acme.nl", "ACME.be")]  # fmt: skip
    store.finish_partition(unit, accepted)
    run_scan(load(path), store, only=["dns"], show_progress=False)
    assert sorted(r.domain for r in store.records(DnsDomain)) == ["acme.be", "acme.nl"]
    assert _record(store, "acme.be").spf_lookups == 11
