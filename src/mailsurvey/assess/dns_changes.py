"""What must change in each mail domain's DNS at cutover, per target: pure, from the
``DnsDomain`` records of a scan.

The values are the ones the target's provider publishes (each cited where it is set); a
value only the target's admin console gives (a tenant name, a DKIM key) is named, never
guessed. A figure that depends on something unknown stays unknown (``None``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..model import DnsDomain
from .plan import LOWERED_TTL_S

# https://learn.microsoft.com/microsoft-365/enterprise/external-domain-name-system-records
# (External Domain Name System records for Microsoft 365): MX "<domain key>.mail.protection.
# outlook.com" at priority 0 (the domain with dots as dashes; the admin center shows the
# exact value), CNAME autodiscover -> autodiscover.outlook.com, SPF
# "v=spf1 include:spf.protection.outlook.com -all".
# https://learn.microsoft.com/defender-office-365/email-authentication-spf-configure
# (Set up SPF to identify valid email sources for your Microsoft 365 domain): one SPF
# record only; merge the include into an existing one.
# https://learn.microsoft.com/defender-office-365/email-authentication-dkim-configure
# (How to use DKIM for email in your custom domain): CNAMEs selector1._domainkey and
# selector2._domainkey -> selector1-<domain with dashes>._domainkey.<InitialDomain>...
# https://learn.microsoft.com/defender-office-365/email-authentication-dmarc-configure
# (Set up DMARC to validate the From address domain).
M365_SPF_INCLUDE = "spf.protection.outlook.com"
M365_AUTODISCOVER = "autodiscover.outlook.com"
# https://support.google.com/a/answer/140034 (Set up MX records for Google Workspace email):
# one MX, priority 1, SMTP.GOOGLE.COM, for domains set up since 2023.
# https://support.google.com/a/answer/10684623 (Define your SPF record: basic setup):
# "v=spf1 include:_spf.google.com ~all".
# https://support.google.com/a/answer/11611356 (DKIM selectors): the default selector is
# "google", a TXT record whose value the Admin console generates.
# https://support.google.com/a/answer/2466580 (Set up DMARC).
GOOGLE_MX = "1 smtp.google.com"
GOOGLE_SPF_INCLUDE = "_spf.google.com"
# DNS lookups each include costs an SPF evaluation, as the providers published them when
# this was written: spf.protection.outlook.com holds one further include
# (spfd.protection.outlook.com); _spf.google.com holds three (_netblocks, _netblocks2,
# _netblocks3). The include itself is one lookup.
INCLUDE_LOOKUPS = {M365_SPF_INCLUDE: 2, GOOGLE_SPF_INCLUDE: 4}
SPF_LIMIT = 10

# actions
CHANGE = "change"
ADD = "add"
KEEP = "keep"
LOWER = "lower"
MERGE = "merge"
REMOVE = "remove"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class DnsChange:
    domain: str
    target: str  # a target profile id
    record: str  # mx | mx_ttl | spf | autodiscover | autodiscover_srv | dkim | dmarc
    current: str | None  # as published; "" none; None: unknown (the lookup failed)
    required: str  # the value to publish; <...> names what the target's console gives
    action: str
    spf_lookups_after: int | None = None  # spf: lookups once the include is added
    over_limit: bool | None = None  # spf: would break the 10-lookup limit (None: unknown)


def family(target: str) -> str:
    """m365, google or imap: whose DNS records a target profile needs."""
    if target.startswith("exo-"):
        return "m365"
    if target.startswith("google-"):
        return "google"
    return "imap"


def measured_mx_ttl(domains: Iterable[DnsDomain]) -> int | None:
    """The longest MX TTL among the domains that have MX records: until it has passed
    since the MX change, some senders still deliver to the old host."""
    ttls = [d.mx_ttl for d in domains if d.mx_ttl is not None]
    return max(ttls) if ttls else None


def m365_mx(domain: str) -> str:
    return f"0 {domain.replace('.', '-')}.mail.protection.outlook.com"


def changes(domains: Iterable[DnsDomain], targets: Iterable[str]) -> list[DnsChange]:
    """Per target and existing domain, each record to change, add, lower or keep."""
    out: list[DnsChange] = []
    existing = [d for d in domains if d.exists]
    for target in targets:
        for d in existing:
            out.extend(_for_domain(d, target))
    return out


def _known(d: DnsDomain, part: str) -> bool:
    return part not in d.unknown


def _for_domain(d: DnsDomain, target: str) -> list[DnsChange]:
    fam = family(target)
    rows: list[DnsChange] = []

    def row(record: str, current: str | None, required: str, action: str) -> None:
        rows.append(DnsChange(d.domain, target, record, current, required, action))

    mx_now = "; ".join(d.mx) if _known(d, "mx") else None
    want_mx = {"m365": m365_mx(d.domain), "google": GOOGLE_MX}.get(fam, "<NewHostMX>")
    if mx_now is None:
        row("mx", None, want_mx, UNKNOWN)
    else:
        row("mx", mx_now, want_mx, KEEP if mx_now == want_mx else (CHANGE if mx_now else ADD))
    if d.mx_ttl is not None and d.mx_ttl > LOWERED_TTL_S:
        row("mx_ttl", str(d.mx_ttl), str(LOWERED_TTL_S), LOWER)
    elif _known(d, "mx") and d.mx:
        row("mx_ttl", str(d.mx_ttl), str(d.mx_ttl), KEEP)
    rows.append(_spf(d, target, fam))
    if fam == "m365":
        cname = d.autodiscover_cname if _known(d, "autodiscover") else None
        if cname is None and not _known(d, "autodiscover"):
            row("autodiscover", None, M365_AUTODISCOVER, UNKNOWN)
        else:
            current = cname or ""
            action = KEEP if current == M365_AUTODISCOVER else (CHANGE if current else ADD)
            row("autodiscover", current, M365_AUTODISCOVER, action)
        if d.autodiscover_srv:  # points Outlook at the old server before the CNAME is tried
            row("autodiscover_srv", d.autodiscover_srv, "", REMOVE)
    rows.append(_dkim(d, target, fam))
    rows.append(_dmarc(d, target))
    return rows


def _spf(d: DnsDomain, target: str, fam: str) -> DnsChange:
    include = {"m365": M365_SPF_INCLUDE, "google": GOOGLE_SPF_INCLUDE}.get(fam)
    required = f"include:{include}" if include else "<NewHostSPF>"
    if not _known(d, "spf"):
        return DnsChange(d.domain, target, "spf", None, required, UNKNOWN)
    if not d.spf_records:
        fresh = f"v=spf1 include:{include} -all" if include else required
        after = INCLUDE_LOOKUPS.get(include or "")
        return DnsChange(d.domain, target, "spf", "", fresh, ADD, after,
                         None if after is None else after > SPF_LIMIT)  # fmt: skip
    current = " | ".join(d.spf_records)
    if len(d.spf_records) > 1:
        return DnsChange(d.domain, target, "spf", current, required, MERGE)
    if include and include in d.spf_includes:
        return DnsChange(d.domain, target, "spf", current, required, KEEP, d.spf_lookups,
                         None if d.spf_lookups is None else d.spf_lookups > SPF_LIMIT)  # fmt: skip
    cost = INCLUDE_LOOKUPS.get(include or "")
    after = None if d.spf_lookups is None or cost is None else d.spf_lookups + cost
    return DnsChange(d.domain, target, "spf", current, required, CHANGE, after,
                     None if after is None else after > SPF_LIMIT)  # fmt: skip


def _dkim(d: DnsDomain, target: str, fam: str) -> DnsChange:
    """The target signs with its own keys: its selectors are added, or replace the old
    provider's records of the same name."""
    current = ", ".join(d.dkim_selectors) if _known(d, "dkim") else None
    if fam == "m365":
        mine = {"selector1", "selector2"}
        required = (
            "selector1._domainkey, selector2._domainkey CNAME selector1-/selector2-"
            f"{d.domain.replace('.', '-')}._domainkey.<InitialDomain>"
        )
    elif fam == "google":
        mine = {"google"}
        required = "google._domainkey TXT <AdminConsoleKey>"
    else:
        mine = set()
        required = "<NewHostDKIM>"
    action = UNKNOWN if current is None else CHANGE if mine & set(d.dkim_selectors) else ADD
    return DnsChange(d.domain, target, "dkim", current, required, action)


def _dmarc(d: DnsDomain, target: str) -> DnsChange:
    """A domain without DMARC gets one before the cutover (p=none to start, with reports):
    receivers then report which senders the new SPF and DKIM miss."""
    fresh = "v=DMARC1; p=none; rua=mailto:<ReportsAddress>"
    if not _known(d, "dmarc"):
        return DnsChange(d.domain, target, "dmarc", None, fresh, UNKNOWN)
    if d.dmarc_policy is None:
        return DnsChange(d.domain, target, "dmarc", d.dmarc_record or "", fresh, ADD)
    record = d.dmarc_record or ""
    return DnsChange(d.domain, target, "dmarc", record, record, KEEP)
