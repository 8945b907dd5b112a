"""The DNS sheet: per mail domain what its DNS publishes (MX and TTL, SPF with its lookups
and problem, DMARC, DKIM selectors, autodiscover), and below it what to change at cutover
for each target of the config. Present only when a DNS source was scanned."""

from __future__ import annotations

from ..assess.dns_changes import DnsChange, changes
from ..model import DnsDomain, Status, UnitKind
from ..store import Inventory
from .i18n import N_, NOT_KNOWN, STATUS_WORDS, Word
from .views import Column, Kind, Table, Value
from .views_readiness import target_word

NONE = Word("none published")
SPF_WORDS = {
    "spf_multiple_records": Word("Two or more SPF records"),
    "spf_too_many_lookups": Word("More than 10 DNS lookups"),
    "spf_too_many_void_lookups": Word("More than 2 lookups without an answer"),
    "spf_syntax": Word("Syntax error"),
    "spf_include_missing": Word("An include has no SPF record"),
    "spf_loop": Word("Include loop"),
    "spf_error": Word("SPF error"),
}
ACTION_WORDS = {
    "change": Word("Change"),
    "add": Word("Add"),
    "keep": Word("Already in place"),
    "lower": Word("Lower"),
    "merge": Word("Merge into one record"),
    "remove": Word("Remove"),
    "unknown": NOT_KNOWN,
}
WHY_WORDS = {
    "mx": Word("Mail goes to the target once the MX points there: change it at the cutover"),
    "mx_ttl": Word("Lower it at least one current TTL before the cutover, raise it after"),
    "spf": Word("One SPF record, with the target's include, within 10 lookups"),
    "autodiscover": Word("Outlook and phones find the mailbox through this name"),
    "autodiscover_srv": Word("Remove it: it sends Outlook to the old server"),
    "dkim": Word("Publish the target's DKIM records, then turn signing on in its console"),
    "dmarc": Word("DMARC reports show which senders the new SPF and DKIM miss"),
}
UNKNOWN_WHY = Word("The lookup failed: check this record by hand")


def dns_sheets(inv: Inventory) -> tuple[Table, ...]:
    if not inv.dns_domains:
        return ()
    targets = config_targets(inv)
    status = {(u.source, u.key): u.status for u in inv.units if u.kind is UnitKind.DOMAIN}
    rows = tuple(_row(d, status.get((d.source, d.domain))) for d in inv.dns_domains)
    columns = (
        Column("domain", N_("Domain"), width=24),
        Column("status", N_("Status"), width=10),
        Column("exists", N_("Exists"), Kind.BOOL, 8, alert=frozenset({False})),
        Column("mx", N_("MX"), width=34, alert=frozenset({NONE})),
        Column("mx_ttl", N_("MX TTL (s)"), Kind.INT, 10),
        Column("spf", N_("SPF"), width=50, alert=frozenset({NONE})),
        Column("spf_lookups", N_("SPF lookups"), Kind.INT, 10),
        Column("spf_problem", N_("SPF problem"), width=28, alert=frozenset(SPF_WORDS.values())),
        Column("dmarc", N_("DMARC policy"), width=12, alert=frozenset({NONE, "none"})),
        Column("dmarc_pct", N_("DMARC pct"), Kind.INT, 8),
        Column("dmarc_rua", N_("DMARC reports to"), width=28),
        Column("dkim", N_("DKIM selectors found"), width=22, alert=frozenset({NONE})),
        Column("autodiscover", N_("Autodiscover CNAME"), width=26),
        Column("autodiscover_srv", N_("Autodiscover SRV"), width=26),
        Column("source", N_("Source"), width=12),
    )
    notes: tuple[Word, ...] = (
        Word("An SPF count over 10 is at least that many: evaluation stops past the limit"),
    )
    return (
        Table("dns", N_("DNS"), columns, rows, frozen_columns=1, notes=notes,
              extras=(_changes(changes(inv.dns_domains, targets), bool(targets)),)),
    )  # fmt: skip


def config_targets(inv: Inventory) -> list[str]:
    """The target profiles the scan's config named."""
    summary = inv.info.config_summary if inv.info else {}
    raw = summary.get("targets") if isinstance(summary, dict) else None
    return [str(t) for t in raw] if isinstance(raw, list) else []


def _text(d: DnsDomain, part: str, value: str) -> str | Word:
    if part in d.unknown or d.exists is None:
        return NOT_KNOWN
    return value or NONE


def _row(d: DnsDomain, status: Status | None) -> tuple[Value, ...]:
    known = d.exists is not None
    if d.exists is False:  # nothing below a name that does not exist
        blank: tuple[Value, ...] = (None,) * 11
        return (d.domain, _status(status), False, *blank, d.source)
    spf_problem: Value = SPF_WORDS.get(d.spf_problems[0]) if d.spf_problems else None
    dmarc: Value = NOT_KNOWN if "dmarc" in d.unknown or not known else (d.dmarc_policy or NONE)
    return (
        d.domain,
        _status(status),
        d.exists,
        _text(d, "mx", "; ".join(d.mx)),
        d.mx_ttl,
        _text(d, "spf", " | ".join(d.spf_records)),
        d.spf_lookups,
        spf_problem,
        dmarc,
        d.dmarc_pct,
        "; ".join(d.dmarc_rua) or None,
        _text(d, "dkim", ", ".join(d.dkim_selectors)),
        d.autodiscover_cname if known and "autodiscover" not in d.unknown else NOT_KNOWN,
        d.autodiscover_srv if known and "autodiscover" not in d.unknown else NOT_KNOWN,
        d.source,
    )


def _status(status: Status | None) -> Value:
    return STATUS_WORDS[status] if status else None


def _changes(rows: list[DnsChange], have_targets: bool) -> Table:
    columns = (
        Column("domain", N_("Domain"), width=24),
        Column("target", N_("Target"), width=30),
        Column("record", N_("Record"), width=16),
        Column("current", N_("Now"), width=40),
        Column("required", N_("To publish"), width=48),
        Column("action", N_("Action"), width=16, alert=frozenset({ACTION_WORDS["unknown"]})),
        Column("spf_after", N_("SPF lookups after"), Kind.INT, 10),
        Column(
            "over_limit", N_("Over the 10-lookup limit"), Kind.BOOL, 10, alert=frozenset({True})
        ),
        Column("why", N_("Why"), width=50),
    )
    body = tuple(
        (
            c.domain,
            target_word(c.target),
            c.record.replace("_", " ").upper().replace("AUTODISCOVER", "Autodiscover"),
            NOT_KNOWN if c.current is None else (c.current or NONE),
            c.required or None,
            ACTION_WORDS[c.action],
            c.spf_lookups_after,
            c.over_limit,
            UNKNOWN_WHY if c.action == "unknown" else WHY_WORDS[c.record],
        )
        for c in rows
    )
    notes: tuple[Word, ...] = (
        Word("Values in <angle brackets> are given by the target's admin console"),
    )
    if not have_targets:
        notes += (Word("No target in the config: add targets to see what to change"),)
    return Table("dns_changes", N_("What to change at cutover"), columns, body, notes=notes)
