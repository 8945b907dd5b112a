"""The DNS collector: one unit per mail domain, read with dnspython.

The resolver is the system's (``/etc/resolv.conf``) unless the source names nameservers
(an address and a port each: the lab's authoritative server listens on a free port).
Every question is asked over UDP; dnspython asks again over TCP when an answer comes back
truncated (a long SPF or DKIM record). NXDOMAIN and an empty answer are facts (a domain
that does not exist is a finding); SERVFAIL, REFUSED and timeouts are failures: when the
domain's first question (its MX) fails the unit fails, when a later one fails the unit is
partial and that part is listed as unknown. The turning of answers into facts is in
``dns_parse.py``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import dns.exception
import dns.name
import dns.nameserver
import dns.rdatatype
import dns.resolver
from checkdmarc import utils as cd_utils

from ..model import DnsDomain, Reason, Status, Unit, UnitKind
from . import dns_parse as p

Classify = Callable[[BaseException], tuple[Reason, str]]
_CACHE_LOCK = threading.Lock()
_T = TypeVar("_T")


def make_resolver(nameservers: Sequence[tuple[str, int]] | None, timeout: float) -> Any:
    """A dnspython resolver asking ``nameservers`` (address, port), or the system's."""
    if nameservers is None:
        resolver = dns.resolver.Resolver()
    else:
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [dns.nameserver.Do53Nameserver(a, port) for a, port in nameservers]
    resolver.lifetime = timeout
    resolver.timeout = min(timeout, 2.0)  # per try: a lost UDP datagram is asked again
    resolver.cache = None
    return resolver


def forget_cached_answers() -> None:
    """checkdmarc caches answers module-wide, keyed by name only: a scan asking other
    nameservers (the lab's, a client's internal ones) must not reuse them."""
    with _CACHE_LOCK:
        cd_utils.DNS_CACHE.clear()


@dataclass
class _Answers:
    """One domain's questions; the failures of parts after the first are kept, not raised."""

    resolver: Any
    failures: dict[str, BaseException]

    def ask(self, name: str, rdtype: str) -> list[Any] | None:
        """The rdatas (empty for NoAnswer), None for NXDOMAIN; other errors are raised."""
        rows, _ = self.ask_ttl(name, rdtype)
        return rows

    def ask_ttl(self, name: str, rdtype: str) -> tuple[list[Any] | None, int | None]:
        try:
            answer = self.resolver.resolve(name, rdtype, raise_on_no_answer=False)
        except dns.resolver.NXDOMAIN:
            return None, None
        if answer.rrset is None:
            return [], None
        return list(answer.rrset), int(answer.rrset.ttl)


def scan_domain(
    source: str,
    domain: str,
    resolver: Any,
    selectors: Sequence[str],
    timeout: float,
    classify: Classify,
) -> tuple[Unit, DnsDomain]:
    """Read one domain; the unit says ok, partial (a later lookup failed) or failed."""
    started = datetime.now(UTC)
    q = _Answers(resolver, {})
    try:
        mx_answer, mx_ttl = q.ask_ttl(domain, "MX")
    except Exception as exc:  # the first question: nothing is known about the domain
        reason, message = classify(exc)
        unit = Unit(source, UnitKind.DOMAIN, domain, Status.FAILED, reason, message, started,
                    datetime.now(UTC))  # fmt: skip
        return unit, DnsDomain(source, domain, exists=None, unknown=_PARTS)
    if mx_answer is None:
        record = DnsDomain(source, domain, exists=False, problems=(p.NXDOMAIN,))
        return _unit(source, domain, started, {}, classify), record
    mx = p.mx_hosts(mx_answer)
    spf = _part(q, "spf", lambda: p.spf_records(p.txt_strings(q.ask(domain, "TXT") or [])))
    spf_facts = None
    if spf is not None:
        spf_facts = _part(q, "spf", lambda: p.assess_spf(spf, domain, resolver, timeout))
    dmarc_txt = _part(
        q, "dmarc", lambda: p.dmarc_record(p.txt_strings(q.ask(f"_dmarc.{domain}", "TXT") or []))
    )
    dmarc = _part(q, "dmarc", lambda: p.assess_dmarc(dmarc_txt, domain, resolver, timeout))
    checked = tuple(dict.fromkeys([*selectors, *p.COMMON_SELECTORS]))
    dkim = _part(q, "dkim", lambda: tuple(s for s in checked if _has_dkim(q, s, domain)))
    cname = _part(q, "autodiscover", lambda: _cname(q, f"autodiscover.{domain}"))
    srv = _part(
        q, "autodiscover", lambda: p.srv_text(q.ask(f"_autodiscover._tcp.{domain}", "SRV") or [])
    )
    record = DnsDomain(
        source=source,
        domain=domain,
        exists=True,
        mx=mx,
        mx_ttl=mx_ttl,
        spf_records=spf or (),
        spf_lookups=spf_facts.lookups if spf_facts else None,
        spf_includes=spf_facts.includes if spf_facts else (),
        spf_problems=spf_facts.problems if spf_facts else (),
        spf_detail=spf_facts.detail if spf_facts else None,
        dmarc_record=dmarc_txt,
        dmarc_policy=dmarc.policy if dmarc else None,
        dmarc_subdomain_policy=dmarc.subdomain_policy if dmarc else None,
        dmarc_pct=dmarc.pct if dmarc else None,
        dmarc_rua=dmarc.rua if dmarc else (),
        dkim_selectors=dkim or (),
        dkim_checked=checked,
        autodiscover_cname=cname,
        autodiscover_srv=srv,
        problems=p.domain_problems(mx, spf, spf_facts, dmarc, dkim),
        unknown=tuple(dict.fromkeys(q.failures)),
    )
    return _unit(source, domain, started, q.failures, classify), record


_PARTS = ("mx", "spf", "dmarc", "dkim", "autodiscover")


def _part(q: _Answers, name: str, read: Callable[[], _T]) -> _T | None:
    """``read()``, or None with the failure kept under ``name`` (the part is unknown)."""
    if name in q.failures:
        return None
    try:
        return read()
    except p.LookupFailed as exc:
        q.failures[name] = exc.cause
    except dns.exception.DNSException as exc:
        q.failures[name] = exc
    return None


def _has_dkim(q: _Answers, selector: str, domain: str) -> bool:
    """A key at ``<selector>._domainkey``, or a CNAME there (a provider's hosted key, as
    Microsoft 365 publishes them: followed only as far as the nameservers answer)."""
    name = f"{selector}._domainkey.{domain}"
    txts = q.ask(name, "TXT")
    if txts is None:
        return False
    if p.dkim_key(p.txt_strings(txts)):
        return True
    return bool(q.ask(name, "CNAME"))


def _cname(q: _Answers, name: str) -> str | None:
    rows = q.ask(name, "CNAME")
    return rows[0].target.to_text(omit_final_dot=True) if rows else None


def _unit(
    source: str,
    domain: str,
    started: datetime,
    failures: dict[str, BaseException],
    classify: Classify,
) -> Unit:
    if not failures:
        return Unit(source, UnitKind.DOMAIN, domain, Status.OK, started=started,
                    finished=datetime.now(UTC))  # fmt: skip
    first = next(iter(failures.values()))
    reason, message = classify(first)
    parts = ", ".join(failures)
    return Unit(source, UnitKind.DOMAIN, domain, Status.PARTIAL, reason,
                f"{parts} unknown: {message}", started, datetime.now(UTC))  # fmt: skip
