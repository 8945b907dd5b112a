"""The DNS collector's parsing: answers to facts, SPF lookups counted through nested
includes, DMARC tags. SPF and DMARC follow includes through a resolver; here it answers
from an in-memory zone (dnspython's zone parser), so no server is involved."""

from __future__ import annotations

from typing import Any

import dns.exception
import dns.name
import dns.rdataclass
import dns.rdatatype
import dns.resolver
import dns.zone
import pytest

from mailsurvey.collectors import dns_parse as p

ZONE = """
$ORIGIN t.example.
@ 3600 IN SOA ns. host. 1 3600 900 604800 300
@ 3600 IN NS ns.
@ 300 IN MX 20 b.t.example.
@ 300 IN MX 10 a.t.example.
a 60 IN A 192.0.2.1
b 60 IN A 192.0.2.2
ok 60 IN TXT "v=spf1 ip4:192.0.2.0/24 include:one.t.example -all"
one 60 IN TXT "v=spf1 a:a.t.example include:two.t.example ~all"
two 60 IN TXT "v=spf1 mx:t.example a:b.t.example ~all"
deep 60 IN TXT "v=spf1 include:d1.t.example include:d2.t.example include:d3.t.example -all"
d1 60 IN TXT "v=spf1 a:a.t.example a:b.t.example mx:t.example include:two.t.example ~all"
d2 60 IN TXT "v=spf1 a:a.t.example a:b.t.example ~all"
d3 60 IN TXT "v=spf1 include:d2.t.example ~all"
ten 60 IN TXT "v=spf1 include:d1.t.example include:d2.t.example include:two.t.example -all"
loop 60 IN TXT "v=spf1 include:loop2.t.example -all"
loop2 60 IN TXT "v=spf1 include:loop.t.example -all"
split 60 IN TXT "v=spf1 ip4:192.0.2.0/24 " "include:one.t.example -all"
"""


class _Answer:
    def __init__(self, rrset: Any) -> None:
        self.rrset = rrset

    def __iter__(self) -> Any:
        return iter(self.rrset or ())


class ZoneResolver:
    """The part of dnspython's Resolver that the collector and checkdmarc use, answering
    from a zone; names outside it fail the way an unreachable nameserver does."""

    lifetime = 1.0

    def __init__(self, text: str = ZONE) -> None:
        self.zone = dns.zone.from_text(text, relativize=False)
        self.asked: list[tuple[str, str]] = []

    def resolve(
        self, qname: str, rdtype: str, raise_on_no_answer: bool = True, **_: Any
    ) -> _Answer:
        self.asked.append((str(qname).rstrip("."), str(rdtype)))
        name = dns.name.from_text(str(qname))
        if not name.is_subdomain(self.zone.origin):
            raise dns.resolver.NoNameservers()
        node = self.zone.get_node(name)
        if node is None:
            raise dns.resolver.NXDOMAIN(qnames=[name])
        rds = node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.from_text(str(rdtype)))
        if rds is None and raise_on_no_answer:
            raise dns.resolver.NoAnswer()
        return _Answer(rds)


def _spf(name: str, resolver: ZoneResolver | None = None) -> p.SpfFacts:
    r = resolver or ZoneResolver()
    txts = p.txt_strings(r.resolve(f"{name}.t.example", "TXT"))
    return p.assess_spf(p.spf_records(txts), f"{name}.t.example", r, 1.0)


def test_mx_sorted_by_preference_and_null_mx() -> None:
    r = ZoneResolver()
    assert p.mx_hosts(r.resolve("t.example", "MX")) == ("10 a.t.example", "20 b.t.example")
    null = dns.zone.from_text(
        "$ORIGIN n.example.\n@ 60 IN SOA ns. h. 1 1 1 1 1\n@ 60 IN NS ns.\n@ 60 IN MX 0 .\n",
        relativize=False,
    )
    rds = null.get_node(null.origin).get_rdataset(dns.rdataclass.IN, dns.rdatatype.MX)
    assert p.mx_hosts(rds) == ("0 .",)


def test_spf_lookups_counted_through_nested_includes() -> None:
    # include one (1) -> a (1), include two (1) -> mx (1), a (1): 5; ip4 costs nothing
    facts = _spf("ok")
    assert facts.lookups == 5
    assert facts.includes == ("one.t.example",)
    assert facts.problems == ()


def test_spf_over_ten_lookups_flagged() -> None:
    # includes d1 d2 d3 (3); d1: a a mx include (4) + two: mx a (2); d2: a a (2): 11 when
    # d3 is reached; d3's own include and a's (3 more, 14 in all) lie past the limit, where
    # the library stops following: a figure over 10 is a lower bound
    facts = _spf("deep")
    assert facts.lookups is not None and 11 <= facts.lookups <= 14
    assert facts.problems == (p.SPF_TOO_MANY,)
    assert p.domain_problems(("10 a",), ("x",), facts, None, None) == (p.SPF_BROKEN,)
    # d1 (1) + a a mx include (4) + two's mx a (2) = 7; d2 (1) + a a (2) = 3; two (1) + 2 = 3
    assert _spf("ten").lookups == 13


def test_spf_within_the_limit_is_no_problem() -> None:
    facts = _spf("ok")
    assert facts.lookups == 5 and facts.lookups <= p.SPF_LIMIT
    assert p.domain_problems(("10 a",), ("x",), facts, None, None) == ()


def test_spf_split_strings_are_joined_without_spaces() -> None:
    r = ZoneResolver()
    assert p.txt_strings(r.resolve("split.t.example", "TXT")) == [
        "v=spf1 ip4:192.0.2.0/24 include:one.t.example -all"
    ]
    assert _spf("split").lookups == 5


def test_spf_two_records_are_not_evaluated() -> None:
    facts = p.assess_spf(("v=spf1 -all", "v=spf1 a -all"), "t.example", ZoneResolver(), 1.0)
    assert facts.lookups is None
    assert facts.problems == (p.SPF_MULTIPLE,)


def test_spf_record_selection_follows_the_version_rule() -> None:
    txts = ["MS=ms1", "v=spf10 a", "V=SPF1 -all", "v=spf1", "google-site-verification=x"]
    assert p.spf_records(txts) == ("V=SPF1 -all", "v=spf1")


def test_spf_syntax_error_missing_include_and_loop() -> None:
    r = ZoneResolver()
    bad = p.assess_spf(("v=spf1 foo:bar -all",), "t.example", r, 1.0)
    assert bad.problems == (p.SPF_SYNTAX,) and bad.lookups is None and bad.detail
    missing = p.assess_spf(("v=spf1 include:gone.t.example -all",), "t.example", r, 1.0)
    assert missing.problems == (p.SPF_INCLUDE_MISSING,)
    assert _spf("loop").problems == (p.SPF_LOOP,)


class _TimesOut(ZoneResolver):
    def resolve(self, qname: str, rdtype: str, raise_on_no_answer: bool = True, **_: Any) -> Any:
        if "slow" in str(qname):
            raise dns.resolver.LifetimeTimeout(timeout=1.0, errors=[])
        return super().resolve(qname, rdtype, raise_on_no_answer)


@pytest.mark.parametrize(
    ("resolver", "target"),
    [(ZoneResolver(), "elsewhere.invalid"), (_TimesOut(), "slow.t.example")],
    ids=["refused", "timeout"],
)
def test_spf_include_that_cannot_be_resolved_is_unknown_not_a_problem(
    resolver: ZoneResolver, target: str
) -> None:
    with pytest.raises(p.LookupFailed) as caught:
        p.assess_spf((f"v=spf1 include:{target} -all",), "t.example", resolver, 1.0)
    assert isinstance(caught.value.cause, dns.exception.DNSException)


def test_spf_includes_as_written() -> None:
    record = "v=spf1 +include:A.example. ~include:b.example ip4:1.2.3.4 redirect=c.example"
    assert p.spf_includes(record) == ("a.example", "b.example")


def test_dmarc_tags() -> None:
    record = "v=DMARC1; p=quarantine; sp=reject; pct=50; rua=mailto:d@t.example"
    facts = p.assess_dmarc(record, "t.example", ZoneResolver(), 1.0)
    assert (facts.policy, facts.subdomain_policy, facts.pct) == ("quarantine", "reject", 50)
    assert facts.rua == ("mailto:d@t.example",)
    assert facts.problems == ()


def test_dmarc_defaults_none_and_missing() -> None:
    facts = p.assess_dmarc("v=DMARC1; p=none", "t.example", ZoneResolver(), 1.0)
    assert (facts.policy, facts.subdomain_policy, facts.pct, facts.rua) == ("none", "none",
                                                                            None, ())  # fmt: skip
    assert facts.problems == (p.DMARC_NOT_ENFORCED,)
    assert p.assess_dmarc(None, "t.example", ZoneResolver(), 1.0).problems == (p.NO_DMARC,)
    broken = p.assess_dmarc("v=DMARC1; p=maybe", "t.example", ZoneResolver(), 1.0)
    assert broken.policy is None and broken.problems == (p.DMARC_INVALID,)


def test_dmarc_record_selection() -> None:
    assert p.dmarc_record(["x", "v=DMARC1; p=reject"]) == "v=DMARC1; p=reject"
    assert p.dmarc_record(["v=spf1 -all"]) is None


def test_dkim_key_and_revoked_key() -> None:
    assert p.dkim_key(["v=DKIM1; k=rsa; p=MIGfMA0"])
    assert not p.dkim_key(["v=DKIM1; k=rsa; p="])
    assert not p.dkim_key(["some other text"])


def test_problems_claim_nothing_about_unknown_parts() -> None:
    assert p.domain_problems(None, None, None, None, None) == ()
    no_dmarc = p.DmarcFacts(None, None, None, (), (p.NO_DMARC,))
    assert p.domain_problems((), (), None, no_dmarc, ()) == (
        p.NO_MX,
        p.NO_SPF,
        p.NO_DMARC,
        p.NO_DKIM,
    )
