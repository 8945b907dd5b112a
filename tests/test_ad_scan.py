"""A scan of the lab's real Samba AD DC equals the seeded ground truth, writes nothing,
binds once, and refuses an unknown CA."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

import ldap3
import pytest
import yaml

from mailsurvey.config import load
from mailsurvey.lab import AdInfo
from mailsurvey.model import Reason, Status, UnitKind
from mailsurvey.report import render
from mailsurvey.scan import run_scan
from mailsurvey.store import Inventory, Store

ORIGINS = {
    "msExchMailboxSecurityDescriptor": "ad_full_access",
    "msExchDelegateListLink": "ad_automapping",
    "nTSecurityDescriptor": "ad_send_as",
    "publicDelegates": "ad_send_on_behalf",
}


def ad_config(lab: AdInfo, out: Path, **changes: Any) -> Path:
    source = {
        "name": "dc1",
        "type": "active_directory",
        "host": lab.host,
        "port": lab.ldaps_port,
        "ca_file": str(lab.ca_file),
        "bind_user": lab.bind_netbios,
        "password_file": str(lab.bind_password_file),
        "base_dn": lab.base_dn,
    }
    source.update(changes)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "ad.yaml"
    doc = {"project": "AD lab", "client": "Acme BV", "output_dir": str(out), "sources": [source]}
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


def ad_scan(lab: AdInfo, out: Path, **changes: Any) -> Inventory:
    loaded = load(ad_config(lab, out, **changes))
    with Store(out / "scan.sqlite") as store:
        run_scan(loaded, store, show_progress=False)
        return store.inventory()


def admin(lab: AdInfo) -> ldap3.Connection:
    tls = ldap3.Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=str(lab.ca_file))
    server = ldap3.Server(lab.host, port=lab.ldaps_port, use_ssl=True, tls=tls, get_info=ldap3.NONE)
    return ldap3.Connection(
        server,
        f"Administrator@{lab.realm.lower()}",
        lab.admin_password_file.read_text().strip(),
        auto_bind=True,
    )


def root_value(lab: AdInfo, name: str) -> int:
    return object_value(lab, "", name)


def object_value(lab: AdInfo, dn: str, name: str) -> int:
    """An integer attribute as the directory holds it now (0 when absent)."""
    with admin(lab) as conn:
        conn.search(dn, "(objectClass=*)", ldap3.BASE, attributes=[name])
        values = conn.response[0]["raw_attributes"].get(name) or [b"0"]
        return int(values[0])


@pytest.fixture(scope="module")
def scanned(samba_lab: AdInfo, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("ad-scan")
    usn_before = root_value(samba_lab, "highestCommittedUSN")
    inv = ad_scan(samba_lab, out, page_size=200)  # several pages on purpose
    usn_after = root_value(samba_lab, "highestCommittedUSN")
    paths = render(inv, out, ("xlsx", "html", "json"), "nl")
    return {"inv": inv, "usn": (usn_before, usn_after), "paths": paths, "out": out}


def low(dn: str) -> str:
    return dn.lower()


def test_every_partition_ok(scanned: dict[str, Any]) -> None:
    units = [u for u in scanned["inv"].units if u.kind is UnitKind.PARTITION]
    assert sorted(u.key for u in units) == ["configuration", "domain"]
    assert all(u.status is Status.OK for u in units), units


def test_scan_writes_nothing(scanned: dict[str, Any], samba_lab: AdInfo) -> None:
    before, after = scanned["usn"]
    with admin(samba_lab) as conn:
        conn.search(samba_lab.base_dn, f"(uSNChanged>={before + 1})", attributes=["uSNChanged"])
        changed = {low(e["dn"]) for e in conn.response if e.get("type") == "searchResEntry"}
    # the only change during the scan is the DC noting the service account's own logon
    assert changed <= {low(samba_lab.bind_dn)}, changed
    assert after - before <= 1


def test_identities_equal_ground_truth(scanned: dict[str, Any], ad_truth: dict[str, Any]) -> None:
    got = {low(i.dn): i for i in scanned["inv"].identities}
    assert len(got) > 1000  # paged: more than one page of 1,000, and 200 per page here
    for dn, want in ad_truth["objects"].items():
        i = got[low(dn)]
        assert i.object_class == want["objectClass"], dn
        assert (i.sam_account_name, i.upn, i.mail, i.mail_nickname) == (
            want["sAMAccountName"],
            want["userPrincipalName"],
            want["mail"],
            want["mailNickname"],
        ), dn
        assert i.display_name == want["displayName"], dn
        assert sorted(i.proxy_addresses) == sorted(want["proxyAddresses"]), dn
        assert i.recipient_type_details == want["recipientTypeDetails"], dn
        if want["objectClass"] == "user":
            assert i.enabled == want["enabled"], dn
        assert bool(i.hidden_from_gal) == bool(want["hidden"]), dn
        last = i.last_logon.isoformat().replace("+00:00", "Z") if i.last_logon else None
        assert last == want["lastLogon"], dn


def test_groups_fully_expanded(scanned: dict[str, Any], ad_truth: dict[str, Any]) -> None:
    members: dict[str, set[str]] = {}
    for m in scanned["inv"].group_members:
        members.setdefault(low(m.group_dn), set()).add(low(m.member_dn))
    biggest = max(len(g["members"]) for g in ad_truth["groups"].values())
    assert biggest > 1500  # ranged retrieval was needed
    for dn, g in ad_truth["groups"].items():
        want = {low(x) for x in g["expanded_members"] + g["nested_groups"]}
        assert members.get(low(dn), set()) == want, dn


def test_permissions_equal_ground_truth(scanned: dict[str, Any], ad_truth: dict[str, Any]) -> None:
    inv: Inventory = scanned["inv"]
    name = {low(i.dn): i.mail or i.upn or i.sam_account_name or i.dn for i in inv.identities}
    want = {
        (name[low(p["mailbox_dn"])], name[low(p["grantee_dn"])], p["right"], ORIGINS[p["source"]])
        for p in ad_truth["permissions"]
    }
    got = {(p.mailbox, p.grantee, p.rights, p.origin) for p in inv.permissions}
    assert want and got == want  # Send As grants found; the default SELF ACE is no grant


def test_devices_equal_ground_truth(scanned: dict[str, Any], ad_truth: dict[str, Any]) -> None:
    got = {(low(d.owner_dn), d.device_id): d for d in scanned["inv"].devices}
    want = {(low(u), d["deviceId"]): d for u, ds in ad_truth["devices"].items() for d in ds}
    assert set(got) == set(want)
    for key, d in want.items():
        dev = got[key]
        assert (dev.device_type, dev.model, dev.os, dev.user_agent) == (
            d["deviceType"],
            d["model"],
            d["os"],
            d["userAgent"],
        )


def test_exchange_organisation(scanned: dict[str, Any], ad_truth: dict[str, Any]) -> None:
    inv: Inventory = scanned["inv"]
    ex = ad_truth["exchange"]
    assert {(s.name, s.version) for s in inv.exchange_servers} == {
        (s["name"], s["version"]) for s in ex["servers"]
    }
    assert {d.name for d in inv.mailbox_databases} == {d["name"] for d in ex["databases"]}
    kinds = {
        "Authoritative": "authoritative",
        "InternalRelay": "internal_relay",
        "ExternalRelay": "external_relay",
    }
    assert {(d.name, d.domain_type, d.default) for d in inv.accepted_domains} == {
        (d["name"], kinds[d["type"]], d["default"]) for d in ex["accepted_domains"]
    }
    (server,) = [s for s in inv.servers if s.source == "dc1"]
    assert server.software == "Samba" and server.tls_verified


def test_simple_bind_works_too(samba_lab: AdInfo, tmp_path: Path) -> None:
    inv = ad_scan(samba_lab, tmp_path, bind_user=samba_lab.bind_upn)
    assert all(u.status is Status.OK for u in inv.units)


def test_wrong_bind_password_is_tried_once(samba_lab: AdInfo, tmp_path: Path) -> None:
    wrong = tmp_path / "wrong"
    wrong.write_text("not-the-password\n")
    with admin(samba_lab) as conn:  # Samba counts bad passwords only under a lockout policy
        conn.modify(samba_lab.base_dn, {"lockoutThreshold": [(ldap3.MODIFY_REPLACE, ["50"])]})
    before = object_value(samba_lab, samba_lab.bind_dn, "badPwdCount")
    inv = ad_scan(samba_lab, tmp_path, password_file=str(wrong))
    after = object_value(samba_lab, samba_lab.bind_dn, "badPwdCount")
    assert after == before + 1  # the directory saw exactly one failed attempt
    assert all(u.status is Status.FAILED and u.reason is Reason.AUTH for u in inv.units)
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("scan.sqlite*"))
    assert b"not-the-password" not in stored


def test_unknown_ca_is_refused(samba_lab: AdInfo, tmp_path: Path) -> None:
    from mailsurvey.lab.certs import ensure_certs

    other = tmp_path / "other-ca"
    ensure_certs(other)
    inv = ad_scan(samba_lab, tmp_path, ca_file=str(other / "ca.pem"))
    assert all(u.status is Status.FAILED and u.reason is Reason.TLS for u in inv.units), inv.units


def test_odd_values_survive(scanned: dict[str, Any], ad_truth: dict[str, Any]) -> None:
    names = {i.display_name for i in scanned["inv"].identities}
    assert any((n or "").startswith("=") for n in names)  # formula-like, kept as text
    assert any("\\," in i.dn for i in scanned["inv"].identities)  # escaped comma in a DN
    from openpyxl import load_workbook

    xlsx = next(p for p in scanned["paths"] if p.suffix == ".xlsx")
    cells = [c for ws in load_workbook(xlsx).worksheets for row in ws.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)  # nothing became a formula


def test_starttls_works_too(samba_lab: AdInfo, tmp_path: Path) -> None:
    inv = ad_scan(samba_lab, tmp_path, security="starttls", port=samba_lab.ldap_port)
    assert all(u.status is Status.OK for u in inv.units), inv.units


def test_imap_mailboxes_join_directory_identities(
    samba_lab: AdInfo, lab: Any, ground_truth: dict[str, Any], tmp_path: Path
) -> None:
    """Both labs hold one organisation: a scan of both joins mailboxes to identities."""
    from mailsurvey.assess.join import join

    from .imap_helpers import write_config

    imap_config = yaml.safe_load(write_config(lab, tmp_path / "imap").read_text())
    ad_source = yaml.safe_load(ad_config(samba_lab, tmp_path / "ad").read_text())["sources"][0]
    imap_config["sources"].append(ad_source)
    both = tmp_path / "both.yaml"
    both.write_text(yaml.safe_dump(imap_config), encoding="utf-8")
    with Store(tmp_path / "both.sqlite") as store:
        result = run_scan(load(both), store, show_progress=False)
        inv = store.inventory()
    assert result.all_ok
    rows = {j.address.lower(): j for j in join(inv.mailboxes, inv.identities)}
    scanned = {a.lower() for a in ground_truth["mailboxes"]}
    matched = {a for a in scanned if rows[a].identity is not None}
    assert len(matched) >= 0.9 * len(scanned), scanned - matched
    paths = render(inv, tmp_path, ("xlsx",), "pl")
    from openpyxl import load_workbook

    assert "Powiązanie z katalogiem" in load_workbook(paths[0]).sheetnames
