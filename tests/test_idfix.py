"""IdFix's directory-sync readiness rules (mailsurvey.assess.idfix) on hand-built identities."""

from __future__ import annotations

from typing import Any

import pytest

from mailsurvey.assess.idfix import RULES, check, cn_from_dn, in_scope
from mailsurvey.model import DirectoryFinding, Identity

DN = "CN=Test User,OU=Staff,DC=acme,DC=local"


def user(dn: str = DN, **fields: Any) -> Identity:
    """A user that breaks no rule unless ``fields`` say otherwise."""
    values: dict[str, Any] = {"display_name": "Test User", "source": "dc1", "object_class": "user"}
    values.update(fields)
    return Identity(dn=dn, **values)


def found(
    identities: list[Identity], attribute: str | None = None, rule: str | None = None
) -> list[DirectoryFinding]:
    return [
        f
        for f in check(identities)
        if (attribute is None or f.attribute == attribute) and (rule is None or f.rule == rule)
    ]


def rules_of(identity: Identity, attribute: str) -> dict[str, str | None]:
    """rule -> fix for the findings on one attribute of one object."""
    return {f.rule: f.fix for f in found([identity], attribute)}


# -- a clean object ---------------------------------------------------------------------------


def test_a_clean_object_has_no_findings() -> None:
    clean = user(
        upn="test.user@acme.nl",
        mail="test.user@acme.nl",
        mail_nickname="test.user",
        sam_account_name="tuser",
        proxy_addresses=(
            "SMTP:test.user@acme.nl",
            "smtp:t.user@acme.nl",
            "X500:/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients",
            "SIP:test.user@acme.nl",
        ),
    )
    assert check([clean]) == []


# -- character --------------------------------------------------------------------------------


def test_character_in_upn_is_removed_in_the_fix() -> None:
    assert rules_of(user(upn="John Smith@acme.nl"), "userPrincipalName") == {
        "character": "JohnSmith@acme.nl"
    }
    assert rules_of(user(upn="john,smith@acme.nl"), "userPrincipalName") == {
        "character": "johnsmith@acme.nl"
    }
    assert rules_of(user(upn="john_smith@acme.nl"), "userPrincipalName") == {}


def test_apostrophe_is_valid_in_upn_and_smtp_proxies_since_idfix_2_6() -> None:
    person = user(upn="d'agostini@acme.nl", proxy_addresses=("SMTP:d'agostini@acme.nl",))
    assert check([person]) == []


def test_character_in_sam_account_name() -> None:
    assert rules_of(user(sam_account_name="j*smith"), "sAMAccountName") == {"character": "jsmith"}
    assert rules_of(user(sam_account_name="j.smith-2"), "sAMAccountName") == {}


def test_mail_nickname_may_not_start_with_a_period() -> None:
    assert rules_of(user(mail_nickname="..jsmith"), "mailNickname") == {"character": "jsmith"}
    assert rules_of(user(mail_nickname="j.smith."), "mailNickname") == {}
    # Nothing left after the fix: IdFix suggests the cn.
    assert rules_of(user(mail_nickname="."), "mailNickname") == {"character": "Test User"}


def test_colon_after_the_proxy_prefix() -> None:
    finding = found([user(proxy_addresses=("smtp:jo:hn@acme.nl",))], "proxyAddresses")
    assert [(f.rule, f.fix) for f in finding] == [("character", "smtp:john@acme.nl")]


# -- proxyAddresses prefixes -------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["SMTP:", "smtp:", "Smtp:"])
def test_smtp_proxies_get_the_address_rules_whatever_the_prefix_case(prefix: str) -> None:
    person = user(proxy_addresses=(f"{prefix}john smith@acme.local",))
    assert rules_of(person, "proxyAddresses") == {
        "character": f"{prefix}johnsmith@acme.local",
        "topleveldomain": None,
    }


def test_x500_proxy_allows_spaces_and_parentheses_but_not_an_apostrophe() -> None:
    legacy_dn = (
        "X500:/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients"
    )
    assert rules_of(user(proxy_addresses=(legacy_dn + "/cn=jsmith",)), "proxyAddresses") == {}
    odd = legacy_dn + "/cn=d'agostini"
    assert rules_of(user(proxy_addresses=(odd,)), "proxyAddresses") == {
        "character": odd.replace("'", "")
    }


def test_x400_proxy_allows_semicolons_and_spaces() -> None:
    x400 = "X400:c=NL;a= ;p=Acme;o=Exchange;s=Smith;g=John;"
    assert rules_of(user(proxy_addresses=(x400,)), "proxyAddresses") == {}


def test_other_proxy_types_get_the_generic_class_and_no_address_rules() -> None:
    assert rules_of(user(proxy_addresses=("SIP:john smith@acme.nl",)), "proxyAddresses") == {
        "character": "SIP:johnsmith@acme.nl"
    }
    # Not SMTP: no RFC 2822 rules, so a .local SIP address passes.
    assert rules_of(user(proxy_addresses=("SIP:john@acme.local",)), "proxyAddresses") == {}
    assert rules_of(user(proxy_addresses=("EUM:1234;phone-context=acme",)), "proxyAddresses") == {}


# -- topleveldomain, domainpart, localpart, format ---------------------------------------------


@pytest.mark.parametrize("tld", ["local", "lan", "corp", "internal", "localdomain"])
def test_non_routable_top_level_domains(tld: str) -> None:
    finding = found([user(upn=f"john@acme.{tld}")], "userPrincipalName")
    assert [(f.rule, f.fix) for f in finding] == [("topleveldomain", None)]
    assert f"'.{tld}'" in finding[0].message


@pytest.mark.parametrize("tld", ["nl", "pl", "COM", "app", "africa", "swiss", "cloud", "gmbh"])
def test_internet_top_level_domains_pass(tld: str) -> None:
    assert rules_of(user(upn=f"john@acme.{tld}"), "userPrincipalName") == {}


def test_domain_part() -> None:
    assert rules_of(user(upn="john@acme_corp.nl"), "userPrincipalName") == {
        "domainpart": "john@acmecorp.nl"
    }
    assert rules_of(user(upn="john@mail.acme-corp.nl"), "userPrincipalName") == {}


def test_local_part() -> None:
    assert rules_of(user(upn="josé@acme.nl"), "userPrincipalName") == {"localpart": "jos@acme.nl"}
    assert rules_of(user(upn="john.@acme.nl"), "userPrincipalName") == {"localpart": "john@acme.nl"}
    assert rules_of(user(upn="a@b@acme.nl"), "userPrincipalName") == {"localpart": "ab@acme.nl"}
    # IdFix's cleaning keeps the dots, so it has no suggestion for a double dot.
    assert rules_of(user(upn="john..smith@acme.nl"), "userPrincipalName") == {
        "localpart": None,
        "format": None,
    }


def test_format_without_an_at_sign_has_no_suggestion() -> None:
    assert rules_of(user(upn="administrator"), "userPrincipalName") == {
        "domainpart": None,
        "localpart": None,
        "format": None,
    }


def test_mail_gets_no_address_rules_in_the_multi_tenant_set() -> None:
    assert rules_of(user(mail="john smith@acme.local"), "mail") == {}


# -- length -----------------------------------------------------------------------------------


def test_length_of_upn_and_its_parts() -> None:
    assert rules_of(user(upn="a" * 64 + "@acme.nl"), "userPrincipalName") == {}
    assert rules_of(user(upn="a" * 65 + "@acme.nl"), "userPrincipalName") == {
        "length": "a" * 64 + "@acme.nl"
    }
    long_domain = "a@" + "b" * 46 + ".nl"  # 49 after the @: no automatic fix
    assert rules_of(user(upn=long_domain), "userPrincipalName") == {"length": None}
    too_long = "a" * 60 + "@" + "b" * 50 + ".nl"  # 114 in all
    messages = [f.message for f in found([user(upn=too_long)], "userPrincipalName")]
    assert "is 114 characters long; the limit is 113" in messages


@pytest.mark.parametrize(
    ("field", "attribute", "limit"),
    [
        ("mail_nickname", "mailNickname", 64),
        ("mail", "mail", 256),
        ("display_name", "displayName", 255),
        ("sam_account_name", "sAMAccountName", 20),
    ],
)
def test_length_limits(field: str, attribute: str, limit: int) -> None:
    assert rules_of(user(**{field: "x" * limit}), attribute) == {}
    assert rules_of(user(**{field: "x" * (limit + 1)}), attribute) == {"length": "x" * limit}


def test_proxy_length_counts_the_prefix() -> None:
    fits = "smtp:" + "a" * 243 + "@acme.nl"  # 256
    assert rules_of(user(proxy_addresses=(fits,)), "proxyAddresses") == {}
    assert "length" in rules_of(user(proxy_addresses=(fits + "x",)), "proxyAddresses")


def test_sam_account_name_limit_is_20_for_users_only() -> None:
    group = Identity("dc1", "CN=Sales,DC=acme,DC=nl", "group", mail="sales@acme.nl")
    group = Identity(**{**group.__dict__, "display_name": "Sales", "sam_account_name": "x" * 21})
    assert check([group]) == []


def test_length_counts_utf16_units_as_ad_does() -> None:
    # 128 emoji are 256 UTF-16 units: over displayName's 255; the fix never splits a pair.
    finding = found([user(display_name="😀" * 128)], "displayName")
    assert [(f.rule, f.fix) for f in finding] == [("length", "😀" * 127)]


# -- blank --------------------------------------------------------------------------------------


@pytest.mark.parametrize("display_name", [None, ""])
def test_blank_display_name_suggests_the_cn(display_name: str | None) -> None:
    person = user(dn="CN=Smith\\, John,OU=Staff,DC=acme,DC=nl", display_name=display_name)
    finding = found([person])
    assert [(f.attribute, f.value, f.rule, f.fix) for f in finding] == [
        ("displayName", "", "blank", "Smith, John")
    ]


def test_missing_optional_attributes_are_not_findings() -> None:
    for object_class in ("user", "contact"):
        bare = Identity("dc1", DN, object_class, display_name="Test User", upn="", mail=None)
        assert check([bare]) == []


def test_non_ascii_display_names_are_fine() -> None:
    names = ["Łukasz Żółć", "Jürgen Müller", "山田 太郎", "Zoë O'Brien-Smith", "Ana María (IT)"]
    assert check([user(display_name=n) for n in names]) == []


# -- duplicate ----------------------------------------------------------------------------------


def test_a_duplicate_across_three_objects_is_reported_on_all_three() -> None:
    people = [
        user(dn="CN=A,DC=acme,DC=nl", proxy_addresses=("SMTP:info@acme.nl",)),
        user(dn="CN=B,DC=acme,DC=nl", proxy_addresses=("smtp:info@acme.nl",)),
        user(dn="CN=C,DC=acme,DC=nl", proxy_addresses=("smtp:INFO@ACME.NL", "SMTP:c@acme.nl")),
    ]
    duplicates = found(people, rule="duplicate")
    assert [(f.dn, f.value, f.fix) for f in duplicates] == [
        ("CN=A,DC=acme,DC=nl", "SMTP:info@acme.nl", None),
        ("CN=B,DC=acme,DC=nl", "smtp:info@acme.nl", None),
        ("CN=C,DC=acme,DC=nl", "smtp:INFO@ACME.NL", None),
    ]
    assert all("2 other object(s)" in f.message for f in duplicates)


@pytest.mark.parametrize(
    ("field", "attribute", "first", "second"),
    [
        ("upn", "userPrincipalName", "John@Acme.nl", "john@acme.NL"),
        ("mail", "mail", "Info@acme.nl", "INFO@acme.nl"),
        ("mail_nickname", "mailNickname", "JSmith", "jsmith"),
    ],
)
def test_duplicates_ignore_case(field: str, attribute: str, first: str, second: str) -> None:
    people = [user(dn="CN=A,DC=x", **{field: first}), user(dn="CN=B,DC=x", **{field: second})]
    assert [f.dn for f in found(people, attribute, "duplicate")] == ["CN=A,DC=x", "CN=B,DC=x"]


def test_duplicates_are_not_compared_across_attributes() -> None:
    people = [
        user(dn="CN=A,DC=x", mail="info@acme.nl"),
        user(dn="CN=B,DC=x", proxy_addresses=("smtp:info@acme.nl",), upn="info@acme.nl"),
    ]
    assert found(people, rule="duplicate") == []


def test_different_proxy_types_with_the_same_address_are_not_duplicates() -> None:
    people = [
        user(dn="CN=A,DC=x", proxy_addresses=("SIP:john@acme.nl",)),
        user(dn="CN=B,DC=x", proxy_addresses=("SMTP:john@acme.nl",)),
    ]
    assert found(people, rule="duplicate") == []


def test_sam_account_name_duplicates_only_count_objects_without_a_upn() -> None:
    with_upn = [
        user(dn="CN=A,DC=x", sam_account_name="jsmith", upn="a@acme.nl"),
        user(dn="CN=B,DC=y", sam_account_name="JSMITH", upn="b@acme.nl"),
    ]
    assert found(with_upn, rule="duplicate") == []
    without = [
        user(dn="CN=A,DC=x", sam_account_name="jsmith"),
        user(dn="CN=B,DC=y", sam_account_name="JSMITH"),
    ]
    assert len(found(without, "sAMAccountName", "duplicate")) == 2


def test_a_value_repeated_on_one_object() -> None:
    person = user(proxy_addresses=("SMTP:john@acme.nl", "smtp:John@acme.nl"))
    duplicates = found([person], rule="duplicate")
    assert len(duplicates) == 2
    assert "2 times on this object" in duplicates[0].message


# -- which objects IdFix examines ---------------------------------------------------------------


@pytest.mark.parametrize(
    "identity",
    [
        user(dn="CN=krbtgt,CN=Users,DC=acme,DC=nl"),
        user(dn="CN=Administrator,CN=Users,DC=acme,DC=nl"),
        user(dn="CN=SystemMailbox{1f05a927-1f3b},CN=Users,DC=acme,DC=nl"),
        user(dn="CN=HealthMailbox0a1b2c,CN=Monitoring Mailboxes,DC=acme,DC=nl"),
        user(dn="CN=WS01$,CN=Computers,DC=acme,DC=nl"),
        user(dn="CN=John\\0ACNF:4f1d8e2c-0000,OU=Staff,DC=acme,DC=nl"),
        user(sam_account_name="MSOL_0123abcd"),
        user(mail_nickname="SystemMailbox{abc}"),
        user(hidden_from_gal=True, display_name="MSOL_AD_Sync"),
        user(object_class="computer"),
        Identity("dc1", "CN=Domain Users,CN=Users,DC=acme,DC=nl", "group"),
    ],
)
def test_objects_idfix_skips(identity: Identity) -> None:
    broken = Identity(**{**identity.__dict__, "upn": "bad upn@acme.local"})
    assert not in_scope(broken)
    assert check([broken]) == []


def test_skipped_objects_do_not_count_for_duplicates() -> None:
    people = [user(upn="admin@acme.nl"), user(dn="CN=Administrator,DC=x", upn="admin@acme.nl")]
    assert check(people) == []


def test_source_selects_the_identities_checked_together() -> None:
    people = [user(source="forest1", upn="a@acme.nl"), user(source="forest2", upn="a@acme.nl")]
    assert check(people, source="forest1") == []
    both = check(people)
    assert [(f.source, f.rule) for f in both] == [
        ("forest1", "duplicate"),
        ("forest2", "duplicate"),
    ]


# -- odd values ----------------------------------------------------------------------------------

ODD = [
    "",
    " ",
    "\x00",
    "\x07\x1b[31m",
    "\r\n\t",
    '=HYPERLINK("http://evil.example","x")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "-2+3",
    "<script>alert(1)</script>",
    "smtp:",
    "SMTP::::",
    "@",
    ".",
    "..@..",
    "\ud800",
    "😀" * 300,
    "a" * 5000,
    "x500:",
    "\u200b\u00a0\u3000",
]


@pytest.mark.parametrize("value", ODD)
def test_odd_values_never_crash(value: str) -> None:
    odd = Identity(
        source="dc1",
        dn=f"CN={value},DC=acme,DC=nl",
        object_class="user",
        upn=value,
        mail=value,
        mail_nickname=value,
        sam_account_name=value,
        display_name=value,
        proxy_addresses=(value, "smtp:" + value, "X500:" + value, "SIP:" + value),
    )
    for finding in check([odd, odd]):
        assert finding.rule in RULES
        assert finding.message and finding.message.isprintable()
        assert finding.message[0] not in "=+-@"


def test_control_characters_are_flagged_and_shown_visibly() -> None:
    finding = found([user(proxy_addresses=("smtp:john\tsmith@acme.nl",))], "proxyAddresses")
    assert [(f.rule, f.fix) for f in finding] == [("character", "smtp:johnsmith@acme.nl")]
    assert "U+0009" in finding[0].message


# -- the cn IdFix falls back to -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dn", "cn"),
    [
        ("CN=Smith\\, John,OU=Staff,DC=acme,DC=nl", "Smith, John"),
        ("CN=\\23Sales\\2C NL,DC=acme,DC=nl", "#Sales, NL"),
        ("cn=M\\C3\\BCller,dc=acme", "Müller"),
        ("CN=a+UID=1,DC=x", "a"),
        ("garbage", None),
        ("", None),
        ("CN=,DC=x", None),
    ],
)
def test_cn_from_dn(dn: str, cn: str | None) -> None:
    assert cn_from_dn(dn) == cn
