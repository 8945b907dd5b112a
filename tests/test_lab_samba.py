"""The lab's Samba AD DC, read with ldap3 over LDAPS (verified) as the read-only account.

Exactly what a collector will meet: counts equal the seed's ground truth, paging,
ranged retrieval of a >1,500-member group, security descriptors with the SD flags
control, devices under their users, the Exchange organisation in the configuration
partition, and the refusals (wrong password, unknown CA, Samba's missing NTLM bind).
"""

from __future__ import annotations

import json
import socket
import ssl
import struct
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from ldap3 import BASE, LEVEL, NTLM, SCHEMA, SIMPLE, SUBTREE, Connection, Server, Tls
from ldap3.core.exceptions import LDAPException
from ldap3.protocol.microsoft import security_descriptor_control

from mailsurvey.lab import AdInfo, ad_down, ad_seed, ad_up

pytestmark = pytest.mark.lab

SEND_AS = uuid.UUID("ab721a54-1e2f-11d0-9819-00aa0040529b").bytes_le
SELF_SID = "S-1-5-10"


def _server(info: AdInfo, ca_file: str | None = None) -> Server:
    tls = Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=ca_file or str(info.ca_file))
    return Server(info.host, port=info.ldaps_port, use_ssl=True, tls=tls, get_info=SCHEMA)


def _password(info: AdInfo) -> str:
    return info.bind_password_file.read_text(encoding="ascii").strip()


@pytest.fixture(scope="module")
def conn(samba_lab: AdInfo) -> Iterator[Connection]:
    c = Connection(
        _server(samba_lab),
        user=samba_lab.bind_upn,
        password=_password(samba_lab),
        authentication=SIMPLE,
        auto_range=False,  # ranged retrieval done by hand below
        return_empty_attributes=False,  # ldap3 trips over ";range=" types otherwise
        read_only=True,
    )
    assert c.bind(), c.result
    yield c
    c.unbind()


def _entries(c: Connection) -> list[dict[str, Any]]:
    return [e for e in c.response or [] if e["type"] == "searchResEntry"]


def _paged(c: Connection, base: str, flt: str, attrs: list[str]) -> list[dict[str, Any]]:
    gen = c.extend.standard.paged_search(
        base, flt, SUBTREE, attributes=attrs, paged_size=500, generator=True
    )
    return [e for e in gen if e["type"] == "searchResEntry"]


def _low(dns: list[str]) -> set[str]:
    return {d.lower() for d in dns}


def _sid(raw: bytes) -> str:
    sub = raw[1]
    auth = int.from_bytes(raw[2:8], "big")
    subs = struct.unpack_from(f"<{sub}I", raw, 8)
    return "S-1-" + "-".join([str(auth), *map(str, subs)])


def _aces(sd: bytes) -> list[tuple[int, int, bytes | None, str]]:
    """(type, mask, object type GUID bytes or None, SID) of each DACL ACE (self-relative SD)."""
    dacl_off = struct.unpack_from("<I", sd, 16)[0]
    assert dacl_off, "no DACL returned"
    count = struct.unpack_from("<H", sd, dacl_off + 4)[0]
    pos, out = dacl_off + 8, []
    for _ in range(count):
        ace_type, _flags, size = struct.unpack_from("<BBH", sd, pos)
        mask = struct.unpack_from("<I", sd, pos + 4)[0]
        body, obj = pos + 8, None
        if ace_type in (5, 6, 7, 8):  # object ACEs
            present = struct.unpack_from("<I", sd, body)[0]
            body += 4
            if present & 1:
                obj = sd[body : body + 16]
                body += 16
            if present & 2:
                body += 16
        out.append((ace_type, mask, obj, _sid(sd[body : pos + size])))
        pos += size
    return out


def _read_sd(c: Connection, dn: str, attr: str) -> bytes:
    ok = c.search(
        dn,
        "(objectClass=*)",
        BASE,
        attributes=[attr],
        controls=security_descriptor_control(sdflags=0x04),
    )
    assert ok, c.result
    value: bytes = _entries(c)[0]["raw_attributes"][attr][0]
    return value


def test_counts_equal_ground_truth(conn: Connection, ad_truth: dict[str, Any]) -> None:
    ou = ad_truth["seeded_ou"]
    filters = {
        "users": "(&(objectCategory=person)(objectClass=user))",
        "groups": "(objectClass=group)",
        "contacts": "(objectClass=contact)",
    }
    for name, flt in filters.items():
        assert len(_paged(conn, ou, flt, ["cn"])) == ad_truth["counts"][name], name
    for name, flt in filters.items():  # the whole domain, built-ins included
        assert (
            len(_paged(conn, ad_truth["base_dn"], flt, ["cn"])) == ad_truth["domain_counts"][name]
        )


def test_paged_search_returns_every_user(conn: Connection, ad_truth: dict[str, Any]) -> None:
    users = [dn for dn, o in ad_truth["objects"].items() if o["objectClass"] == "user"]
    assert len(users) > 1000
    found = _paged(
        conn,
        ad_truth["seeded_ou"],
        "(&(objectCategory=person)(objectClass=user))",
        ["sAMAccountName"],
    )
    assert _low([e["dn"] for e in found]) == _low(users)


def test_big_group_by_ranged_retrieval(conn: Connection, ad_truth: dict[str, Any]) -> None:
    dn, group = next((k, v) for k, v in ad_truth["groups"].items() if len(v["members"]) > 1500)
    members: list[str] = []
    low, steps = 0, 0
    while True:
        assert conn.search(dn, "(objectClass=*)", BASE, attributes=[f"member;range={low}-*"])
        attrs = _entries(conn)[0]["raw_attributes"]
        (name,) = [a for a in attrs if a.lower().startswith("member;range=")]
        members += [v.decode() for v in attrs[name]]
        steps += 1
        end = name.split("-")[-1]
        if end == "*":
            break
        low = int(end) + 1
    assert _low(members) == _low(group["members"])
    # a bounded range comes back as asked: the collector's loop is exercised for real
    assert conn.search(dn, "(objectClass=*)", BASE, attributes=["member;range=0-999"])
    attrs = _entries(conn)[0]["raw_attributes"]
    assert [len(v) for k, v in attrs.items() if k.lower() == "member;range=0-999"] == [1000]


def test_send_as_grant_and_self_ace(
    conn: Connection, samba_lab: AdInfo, ad_truth: dict[str, Any]
) -> None:
    grant = next(p for p in ad_truth["permissions"] if p["right"] == "SendAs")
    grantee_sid = ad_truth["objects"][grant["grantee_dn"]]["sid"]
    aces = _aces(_read_sd(conn, grant["mailbox_dn"], "nTSecurityDescriptor"))
    send_as = [(t, m, sid) for t, m, obj, sid in aces if obj == SEND_AS and t == 5]
    assert (5, 0x100, grantee_sid) in send_as  # ACCESS_ALLOWED_OBJECT, control access
    assert any(sid == SELF_SID for _, _, sid in send_as)  # the default SELF ACE, not a grant


def test_full_access_in_mailbox_security_descriptor(
    conn: Connection, ad_truth: dict[str, Any]
) -> None:
    grants = [
        p for p in ad_truth["permissions"] if p["source"] == "msExchMailboxSecurityDescriptor"
    ]
    box = grants[0]["mailbox_dn"]
    want = {ad_truth["objects"][p["grantee_dn"]]["sid"] for p in grants if p["mailbox_dn"] == box}
    aces = _aces(_read_sd(conn, box, "msExchMailboxSecurityDescriptor"))
    full = {sid for t, m, _, sid in aces if t == 0 and m & 0x1 and sid != SELF_SID}
    assert full == want


def test_device_found_under_its_user(conn: Connection, ad_truth: dict[str, Any]) -> None:
    user_dn, devices = next((k, v) for k, v in ad_truth["devices"].items() if len(v) >= 3)
    base = f"CN=ExchangeActiveSyncDevices,{user_dn}"
    assert conn.search(base, "(objectClass=msExchActiveSyncDevice)", LEVEL, attributes=["*"])
    found = {e["attributes"]["msExchDeviceID"]: e["attributes"] for e in _entries(conn)}
    assert set(found) == {d["deviceId"] for d in devices}
    for d in devices:
        got = found[d["deviceId"]]
        assert got["msExchDeviceType"] == d["deviceType"]
        assert got["msExchDeviceModel"] == d["model"]
        assert got["msExchDeviceAccessState"] == d["accessState"]
        first = datetime.fromisoformat(d["firstSync"].replace("Z", "+00:00"))
        assert got["msExchFirstSyncTime"] == first.astimezone(UTC)


def test_exchange_organisation_in_configuration(conn: Connection, ad_truth: dict[str, Any]) -> None:
    config = ad_truth["config_dn"]
    servers = _paged(conn, config, "(objectClass=msExchExchangeServer)", ["name", "serialNumber"])
    got = {e["attributes"]["name"]: e["attributes"]["serialNumber"][0] for e in servers}
    assert got == {s["name"]: s["version"] for s in ad_truth["exchange"]["servers"]}
    dbs = _paged(conn, config, "(objectClass=msExchPrivateMDB)", ["name"])
    assert len(dbs) == len(ad_truth["exchange"]["databases"])
    domains = _paged(
        conn, config, "(objectClass=msExchAcceptedDomain)", ["msExchAcceptedDomainName"]
    )
    names = {e["attributes"]["msExchAcceptedDomainName"] for e in domains}
    assert names == {d["name"] for d in ad_truth["exchange"]["accepted_domains"]}


def test_identity_values_and_planted_problems(conn: Connection, ad_truth: dict[str, Any]) -> None:
    attrs = [
        "mail",
        "mailNickname",
        "userPrincipalName",
        "lastLogonTimestamp",
        "msExchRecipientTypeDetails",
        "userAccountControl",
        "msExchHideFromAddressLists",
    ]
    entries = _paged(conn, ad_truth["seeded_ou"], "(msExchRecipientTypeDetails=*)", attrs)
    by_dn = {e["dn"].lower(): e["attributes"] for e in entries}
    for dn, want in ad_truth["objects"].items():
        if want["recipientTypeDetails"] is None:
            continue
        got = by_dn[dn.lower()]
        assert got["msExchRecipientTypeDetails"] == want["recipientTypeDetails"], dn
        assert (got.get("mail") or None) == want["mail"], dn
        assert bool(got.get("msExchHideFromAddressLists")) == want["hidden"], dn
        if want["objectClass"] == "user":
            assert (not got["userAccountControl"] & 2) == want["enabled"], dn
            stamp = got.get("lastLogonTimestamp")
            iso = stamp.isoformat().replace("+00:00", "Z") if stamp else None
            assert iso == want["lastLogon"], dn
    for p in ad_truth["problems"]:
        got = by_dn[p["dn"].lower()]
        value = got.get(p["attribute"]) if p["attribute"] != "proxyAddresses" else None
        if p["rule"] == "blank":
            assert not value
        elif value is not None:
            assert value == p["value"]


def test_wrong_password_is_refused(samba_lab: AdInfo) -> None:
    c = Connection(_server(samba_lab), user=samba_lab.bind_upn, password="not-the-password")
    assert not c.bind()
    assert c.result["description"] == "invalidCredentials"


def test_unknown_ca_is_refused(samba_lab: AdInfo) -> None:
    ctx = ssl.create_default_context()  # the system's CAs only: the lab CA is unknown
    with (
        socket.create_connection((samba_lab.host, samba_lab.ldaps_port), timeout=5) as raw,
        pytest.raises(ssl.SSLCertVerificationError),
    ):
        ctx.wrap_socket(raw, server_hostname=samba_lab.dns_name)
    c = Connection(
        _server(samba_lab, ca_file=ssl.get_default_verify_paths().cafile or ""),
        user=samba_lab.bind_upn,
        password=_password(samba_lab),
    )
    with pytest.raises(LDAPException):
        c.bind()


def test_service_account_cannot_write(
    conn: Connection, samba_lab: AdInfo, ad_truth: dict[str, Any]
) -> None:
    writer = Connection(
        _server(samba_lab), user=samba_lab.bind_upn, password=_password(samba_lab), auto_bind=True
    )
    box = next(dn for dn, o in ad_truth["objects"].items() if o["recipientType"] == "SharedMailbox")
    assert not writer.modify(box, {"description": [("MODIFY_REPLACE", ["changed"])]})
    assert writer.result["description"] == "insufficientAccessRights"
    writer.unbind()


def test_ntlm_bind_is_not_offered_by_samba(samba_lab: AdInfo) -> None:
    """ldap3's NTLM is Microsoft's "Sicily" bind; Samba 4.17's LDAP server does not speak
    it and drops the connection (real AD accepts it). A collector must report this as an
    unsupported authentication method, not crash."""
    c = Connection(
        _server(samba_lab),
        user=samba_lab.bind_netbios,
        password=_password(samba_lab),
        authentication=NTLM,
    )
    try:
        bound = c.bind()
    except LDAPException:
        bound = False
    assert not bound


def test_odd_names_come_back_as_the_truth_writes_them(
    conn: Connection, ad_truth: dict[str, Any]
) -> None:
    """Escaped comma, formula and HTML names, non-ASCII: the DN Samba returns is the
    ground truth's key, byte for byte; the displayName is the untrusted text as seeded."""
    for odd in ad_truth["odd_values"]:
        assert conn.search(odd["dn"], "(objectClass=*)", BASE, attributes=["displayName"])
        (entry,) = _entries(conn)
        assert entry["dn"] == odd["dn"]
        if odd["attribute"] == "displayName":
            assert entry["attributes"]["displayName"] == odd["value"]


def test_bulk_profile_small(tmp_path_factory: pytest.TempPathFactory, samba_lab: AdInfo) -> None:
    """The benchmark's profile, small: the standard organisation plus N users and devices."""
    lab_dir = tmp_path_factory.mktemp("adbulk")
    info = ad_up(lab_dir, host=_free_host(avoid=samba_lab.host))
    try:
        truth = json.loads(ad_seed(lab_dir, profile="bulk", users=120, devices=30).read_text())
        c = Connection(_server(info), user=info.bind_upn, password=_password(info), auto_bind=True)
        users = _paged(c, truth["seeded_ou"], "(&(objectCategory=person)(objectClass=user))", [])
        devices = _paged(c, truth["seeded_ou"], "(objectClass=msExchActiveSyncDevice)", [])
        c.unbind()
        assert len(users) == truth["counts"]["users"] == ad_truth_users(truth)
        assert len(devices) == truth["counts"]["devices"] == 30 + 9
    finally:
        ad_down(lab_dir)


def _free_host(avoid: str) -> str:
    for last in range(3, 40):
        host = f"127.0.0.{last}"
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.settimeout(0.3)
            if host != avoid and s.connect_ex((host, 636)) != 0:
                return host
    raise AssertionError("no free loopback address for a second DC")


def ad_truth_users(truth: dict[str, Any]) -> int:
    return sum(1 for o in truth["objects"].values() if o["objectClass"] == "user")
