"""The directory parsers, on raw values as ldap3 returns them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from winacl.dtyp.security_descriptor import SECURITY_DESCRIPTOR

from mailsurvey.collectors import ad_parse as ap

USER = "S-1-5-21-1-2-3-1105"
OTHER = "S-1-5-21-1-2-3-1106"


def sd(sddl: str) -> bytes:
    return bytes(SECURITY_DESCRIPTOR.from_sddl("O:S-1-5-32-544G:S-1-5-32-544D:" + sddl).to_bytes())


def test_send_as_grant_found_and_self_ace_ignored() -> None:
    right = str(ap.SEND_AS)
    dacl = sd(f"(OA;;CR;{right};;PS)(OA;;CR;{right};;{USER})(D;;CR;;;{OTHER})")
    assert ap.send_as_sids(dacl) == [USER]
    assert ap.send_as_sids(None) == []


def test_full_access_from_the_mailbox_descriptor() -> None:
    assert ap.full_access_sids(sd(f"(A;;CC;;;{USER})(A;;CC;;;PS)(A;;RC;;;{OTHER})")) == [USER]


def test_identity_from_raw_values() -> None:
    guid = uuid.uuid4()
    raw = {
        "objectclass": [b"top", b"person", b"organizationalPerson", b"user"],
        "objectguid": [guid.bytes_le],
        "objectsid": [
            b"\x01\x05\x00\x00\x00\x00\x00\x05\x15\x00\x00\x00\x01\x00\x00\x00"
            b"\x02\x00\x00\x00\x03\x00\x00\x00Q\x04\x00\x00"
        ],
        "useraccountcontrol": [b"514"],
        "lastlogontimestamp": [b"133500000000000000"],
        "msexchrecipienttypedetails": [b"4"],
        "proxyaddresses": [b"SMTP:info@acme.nl", b"smtp:info@acme.be"],
        "displayname": ["Łukasz Żółć".encode()],
        "msexchhidefromaddresslists": [b"TRUE"],
        "whencreated": [b"20240131120000.0Z"],
    }
    ident = ap.identity("dc1", "CN=Info,DC=acme,DC=local", raw)
    assert ident.object_class == "user" and ident.recipient_type == "shared"
    assert ident.object_guid == str(guid) and ident.sid == USER
    assert ident.enabled is False and ident.hidden_from_gal is True
    assert ident.proxy_addresses == ("SMTP:info@acme.nl", "smtp:info@acme.be")
    assert ident.last_logon == datetime(2024, 1, 17, 21, 20, tzinfo=UTC)
    assert ident.when_created == datetime(2024, 1, 31, 12, tzinfo=UTC)
    assert ident.display_name == "Łukasz Żółć"


def test_odd_binary_values_are_dropped_not_fatal() -> None:
    raw = {
        "objectclass": [b"user"],
        "objectguid": [b"\x00\x01"],
        "objectsid": [b"\xff"],
        "useraccountcontrol": [b"not-a-number"],
        "displayname": [b"\xff\xfe bad utf-8"],
    }
    ident = ap.identity("dc1", "CN=x", raw)
    assert ident.object_guid is None and ident.sid is None and ident.enabled is None
    assert ident.display_name is not None and "bad utf-8" in ident.display_name


def test_parent_dn_keeps_escaped_commas() -> None:
    dn = "CN=iPhone1,CN=ExchangeActiveSyncDevices,CN=Vries\\, Jan de,OU=Staff,DC=acme,DC=local"
    assert ap.parent_dn(ap.parent_dn(dn)) == "CN=Vries\\, Jan de,OU=Staff,DC=acme,DC=local"


def test_filetime_never_and_zero_are_unknown() -> None:
    assert ap.filetime(0) is None and ap.filetime(0x7FFFFFFFFFFFFFFF) is None
    assert ap.filetime(116444736000000000) == datetime(1970, 1, 1, tzinfo=UTC)


def test_exchange_product_from_version() -> None:
    def product(version: str) -> str | None:
        return ap.exchange_server("dc1", "CN=EX1", {"serialnumber": [version.encode()]}).product

    assert product("Version 15.1 (Build 2507.6)") == "Exchange Server 2016"
    assert product("Version 15.2 (Build 1544.4)") == "Exchange Server 2019"
    assert product("Version 15.2 (Build 2562.17)") == "Exchange Server SE"
    assert product("garbage") is None


def test_negative_filetime_is_unknown() -> None:
    assert ap.filetime(-5) is None


class OneMailboxDirectory:
    """A directory holding one shared mailbox whose security descriptor is garbage."""

    def search(
        self, base: str, filter_: str, attributes: list[str], page_size: int, dacl: bool = False
    ):  # type: ignore[no-untyped-def]
        if "msExchActiveSyncDevice" in filter_:
            return iter(())
        raw = {
            "objectclass": [b"user"],
            "mail": [b"info@acme.nl"],
            "msexchrecipienttypedetails": [b"4"],
            "ntsecuritydescriptor": [b"\x01\x00garbage"],
            "publicdelegates": [b"CN=Jan,DC=acme,DC=local"],
        }
        return iter([("CN=Info,DC=acme,DC=local", raw)])


def test_unreadable_descriptor_is_an_observation_not_a_lost_partition() -> None:
    from mailsurvey.collectors.ad import _domain
    from mailsurvey.config import ActiveDirectorySource
    from mailsurvey.model import Identity, Observation

    src = ActiveDirectorySource.model_validate(
        {
            "name": "dc1",
            "type": "active_directory",
            "host": "h",
            "bind_user": "u",
            "base_dn": "DC=acme,DC=local",
        }
    )
    records, permissions = _domain(OneMailboxDirectory(), src)  # type: ignore[arg-type]
    assert [r.mail for r in records if isinstance(r, Identity)] == ["info@acme.nl"]
    (obs,) = [r for r in records if isinstance(r, Observation)]
    assert (
        obs.code == "unreadable_security_descriptor" and obs.mailbox == "CN=Info,DC=acme,DC=local"
    )
    assert [(p.rights, p.origin) for p in permissions] == [("SendOnBehalf", "ad_send_on_behalf")]
