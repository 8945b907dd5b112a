"""Turning DNS answers into the facts of a ``DnsDomain``: pure, except that SPF and DMARC
evaluation follow includes and report addresses through the resolver they are given.

SPF and DMARC are read by checkdmarc (a maintained parser of both, Apache-2.0): it counts
an SPF record's DNS lookups through nested includes, redirects, a, mx, ptr and exists the
way RFC 7208 section 4.6.4 does, detects loops, void lookups and syntax errors, and parses
DMARC tags with their defaults. It takes a dnspython resolver, so it asks the same
nameservers as the rest of the scan (the lab's, on any port). pyspf was the other
candidate; it evaluates a record for one sender address through its own global DNS
functions and does not report the lookup count. checkdmarc follows RFC 9989, which removed
DMARC's ``pct`` tag; receivers still on RFC 7489 honour it, so ``pct`` is read from the
record's own tags here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import dns.exception
import dns.resolver
from checkdmarc import dmarc as cd_dmarc
from checkdmarc import spf as cd_spf

SPF_LIMIT = 10  # DNS lookups per evaluation (RFC 7208 section 4.6.4)
COMMON_SELECTORS = (
    "selector1",
    "selector2",
    "google",
    "default",
    "k1",
    "s1",
    "s2",
    "dkim",
    "mail",
)

# SPF problem codes (DnsDomain.spf_problems)
SPF_MULTIPLE = "spf_multiple_records"  # receivers answer permerror (RFC 7208 section 4.5)
SPF_TOO_MANY = "spf_too_many_lookups"
SPF_TOO_MANY_VOID = "spf_too_many_void_lookups"
SPF_SYNTAX = "spf_syntax"
SPF_INCLUDE_MISSING = "spf_include_missing"
SPF_LOOP = "spf_loop"
SPF_ERROR = "spf_error"
# domain problem codes (DnsDomain.problems)
NXDOMAIN = "nxdomain"
NO_MX = "no_mx"
NO_SPF = "no_spf"
SPF_BROKEN = "spf_broken"
NO_DMARC = "no_dmarc"
DMARC_INVALID = "dmarc_invalid"
DMARC_NOT_ENFORCED = "dmarc_not_enforced"
NO_DKIM = "no_dkim"


class LookupFailed(Exception):
    """A DNS question got no usable answer (SERVFAIL, REFUSED, timeout) while SPF or DMARC
    was being evaluated: the figures are unknown, not wrong. ``cause`` is dnspython's error."""

    def __init__(self, what: str, cause: BaseException) -> None:
        super().__init__(f"{what}: {cause}")
        self.cause = cause


@dataclass(frozen=True)
class SpfFacts:
    lookups: int | None
    includes: tuple[str, ...]
    problems: tuple[str, ...]
    detail: str | None


@dataclass(frozen=True)
class DmarcFacts:
    policy: str | None
    subdomain_policy: str | None
    pct: int | None
    rua: tuple[str, ...]
    problems: tuple[str, ...]


def mx_hosts(answer: Iterable[Any]) -> tuple[str, ...]:
    """MX rdatas as "preference host", lowest preference first. A null MX ("0 .", RFC
    7505: this domain accepts no mail) stays as written."""
    rows = sorted((r.preference, r.exchange.to_text(omit_final_dot=True) or ".") for r in answer)
    return tuple(f"{pref} {host}" for pref, host in rows)


def txt_strings(answer: Iterable[Any]) -> list[str]:
    """TXT rdatas as text: each record's character-strings joined without spaces (RFC 7208
    section 3.3); bytes that are not UTF-8 are shown as replacement characters."""
    return [b"".join(r.strings).decode("utf-8", "replace") for r in answer]


def spf_records(txts: Iterable[str]) -> tuple[str, ...]:
    """The SPF records among a name's TXT records: version exactly ``v=spf1`` (section 4.5)."""
    return tuple(t for t in txts if t.lower() == "v=spf1" or t.lower().startswith("v=spf1 "))


def spf_includes(record: str) -> tuple[str, ...]:
    """The include: targets of a record as written (qualifier and case kept out)."""
    out = []
    for term in record.split()[1:]:
        body = term.lstrip("+-~?")
        if body.lower().startswith("include:"):
            out.append(body.split(":", 1)[1].lower().rstrip("."))
    return tuple(out)


def assess_spf(records: tuple[str, ...], domain: str, resolver: Any, timeout: float) -> SpfFacts:
    """Lookups and problems of a domain's SPF. Two or more records are a permerror for
    every receiver, so none of them is evaluated. Raises LookupFailed when an include's
    lookup failed (the count is then unknown)."""
    if not records:
        return SpfFacts(None, (), (), None)
    if len(records) > 1:
        return SpfFacts(None, (), (SPF_MULTIPLE,), f"{len(records)} SPF records")
    record = records[0]
    includes = spf_includes(record)
    watch = _Watching(resolver)
    try:
        parsed = cd_spf.parse_spf_record(
            record, domain, resolver=watch, ignore_too_many_lookups=True, timeout=timeout,
            retries=0,
        )  # fmt: skip
    except Exception as exc:
        if watch.failure is not None:  # the library reports some as "no SPF record"
            raise LookupFailed(f"SPF of {domain}", watch.failure) from exc
        return SpfFacts(None, includes, (_spf_code(exc),), str(exc))
    if watch.failure is not None:
        raise LookupFailed(f"SPF of {domain}", watch.failure)
    lookups = int(parsed["dns_lookups"])
    problems = (SPF_TOO_MANY,) if lookups > SPF_LIMIT else ()
    detail = "; ".join(parsed.get("warnings") or []) or None
    return SpfFacts(lookups, includes, problems, detail)


def _spf_code(exc: Exception) -> str:
    match exc:
        case cd_spf.SPFTooManyVoidDNSLookups():
            return SPF_TOO_MANY_VOID
        case cd_spf.SPFSyntaxError():
            return SPF_SYNTAX
        case cd_spf.SPFIncludeLoop() | cd_spf.SPFRedirectLoop():
            return SPF_LOOP
        case cd_spf.SPFRecordNotFound():
            return SPF_INCLUDE_MISSING
    return SPF_ERROR


class _Watching:
    """The resolver given to checkdmarc, noting the first lookup that failed (SERVFAIL,
    REFUSED, timeout): the library turns some of those into "no record", which would
    claim a problem where the truth is unknown."""

    def __init__(self, resolver: Any) -> None:
        self.resolver = resolver
        self.failure: BaseException | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.resolver, name)

    def resolve(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return self.resolver.resolve(*args, **kwargs)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            raise
        except dns.exception.DNSException as exc:
            self.failure = self.failure or exc
            raise


def assess_dmarc(record: str | None, domain: str, resolver: Any, timeout: float) -> DmarcFacts:
    """Policy, subdomain policy, pct and report addresses of ``_dmarc.<domain>``'s record."""
    if record is None:
        return DmarcFacts(None, None, None, (), (NO_DMARC,))
    pct = _pct(record)
    watch = _Watching(resolver)
    try:
        parsed = cd_dmarc.parse_dmarc_record(
            record, domain, resolver=watch, timeout=timeout, retries=0
        )
    except Exception as exc:
        if watch.failure is not None:
            raise LookupFailed(f"DMARC of {domain}", watch.failure) from exc
        if isinstance(exc, cd_dmarc.DMARCError):
            return DmarcFacts(None, None, pct, (), (DMARC_INVALID,))
        raise
    tags = parsed["tags"]
    policy = str(tags["p"]["value"])
    rua = tuple(f"{u['scheme']}:{u['address']}" for u in tags.get("rua", {}).get("value", []))
    problems = (DMARC_NOT_ENFORCED,) if policy == "none" else ()
    return DmarcFacts(policy, str(tags["sp"]["value"]), pct, rua, problems)


def _pct(record: str) -> int | None:
    for tag in record.split(";"):
        key, _, value = tag.partition("=")
        if key.strip().lower() == "pct" and value.strip().isdigit():
            return int(value.strip())
    return None


def dmarc_record(txts: Iterable[str]) -> str | None:
    """The DMARC record among ``_dmarc``'s TXT records (the first ``v=DMARC1``)."""
    found = [t for t in txts if t.replace(" ", "").upper().startswith("V=DMARC1")]
    return found[0] if found else None


def dkim_key(txts: Iterable[str]) -> bool:
    """A DKIM key record with a key: ``p=`` not empty (an empty p= is a revoked key)."""
    for t in txts:
        tags = {
            k.strip().lower(): v.strip() for k, _, v in (p.partition("=") for p in t.split(";"))
        }
        if tags.get("p"):
            return True
    return False


def srv_text(answer: Iterable[Any]) -> str | None:
    """The first SRV record (lowest priority, then highest weight) as "prio weight port host"."""
    rows = sorted(answer, key=lambda r: (r.priority, -r.weight))
    if not rows:
        return None
    r = rows[0]
    return f"{r.priority} {r.weight} {r.port} {r.target.to_text(omit_final_dot=True)}"


def domain_problems(
    mx: tuple[str, ...] | None,
    spf: tuple[str, ...] | None,
    spf_facts: SpfFacts | None,
    dmarc: DmarcFacts | None,
    dkim: tuple[str, ...] | None,
) -> tuple[str, ...]:
    """What the migration must notice; ``None`` for a part whose lookup failed (no problem
    is claimed about what is unknown)."""
    out: list[str] = []
    if mx is not None and not mx:
        out.append(NO_MX)
    if spf is not None and not spf:
        out.append(NO_SPF)
    if spf_facts is not None and spf_facts.problems:
        out.append(SPF_BROKEN)
    if dmarc is not None:
        out.extend(dmarc.problems)
    if dkim is not None and not dkim:
        out.append(NO_DKIM)
    return tuple(out)
