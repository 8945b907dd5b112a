"""inventory.json: the whole inventory as data (schema: ``inventory.schema.json``).

Unlike the workbook and the HTML, text is kept exactly as scanned (JSON escapes control
characters as ``\\u0001``), because downstream tools need the real folder names. A lone
surrogate (from an undecodable name) is written as its ``\\udcXX`` escape, so the file is
always valid UTF-8. Datetimes are ISO 8601 with an offset (naive values are UTC);
unknown figures are ``null``.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__, store_codec
from ..model import (
    DnsDomain,
    Folder,
    InboxRule,
    Mailbox,
    Observation,
    Permission,
    ProbeSample,
    Server,
    Unit,
)
from ..store import Inventory
from .aggregate import Coverage, MailboxTotals, Totals
from .views import Report, split_unit_key

if TYPE_CHECKING:
    from ..assess.outlook import Outlook

FORMAT = "mailsurvey-inventory"
FORMAT_VERSION = 1
SCHEMA_FILE = Path(__file__).with_name("inventory.schema.json")


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()


def _default(value: object) -> object:
    """For values inside the free-form config summary."""
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, set | frozenset | tuple):
        return sorted(value, key=str) if isinstance(value, set | frozenset) else list(value)
    return str(value)


def _unit(u: Unit) -> dict[str, Any]:
    mailbox, folder = split_unit_key(u.kind, u.key)
    return {
        "source": u.source,
        "kind": u.kind.value,
        "key": u.key,
        "mailbox": mailbox,
        "folder": folder,
        "status": u.status.value,
        "reason": u.reason.value,
        "message": u.message,
        "started": iso(u.started),
        "finished": iso(u.finished),
    }


def _server(s: Server) -> dict[str, Any]:
    d = asdict(s)
    d["capabilities"] = list(s.capabilities)
    return d


def _counted_once(m: Mailbox | None) -> dict[str, int | None] | None:
    """Gmail: the messages and bytes counted once by X-GM-MSGID, and the label copies."""
    if m is None or m.unique_messages is None:
        return None
    return {
        "messages": m.unique_messages,
        "bytes": m.unique_bytes,
        "copies": m.duplicate_messages,
        "copy_bytes": m.duplicate_bytes,
    }


def _mailbox(t: MailboxTotals) -> dict[str, Any]:
    m: Mailbox | None = t.mailbox
    record: dict[str, Any] = asdict(m) if m else {}
    if m:
        record["namespaces"] = [asdict(n) for n in m.namespaces]
    return {
        "source": t.source,
        "address": t.address,
        "scanned": m is not None,
        "status": t.status.value if t.status else None,
        "display_name": record.get("display_name"),
        "kind": record.get("kind", "unknown"),
        "quota_root": record.get("quota_root"),
        "quota_used_bytes": record.get("quota_used_bytes"),
        "quota_limit_bytes": record.get("quota_limit_bytes"),
        "quota_used_messages": record.get("quota_used_messages"),
        "quota_limit_messages": record.get("quota_limit_messages"),
        "quota_unlimited": record.get("quota_unlimited", False),
        "namespaces": record.get("namespaces", []),
        "delimiter": record.get("delimiter"),
        "last_logon": iso(m.last_logon) if m else None,
        "counted_once": _counted_once(m),
        "totals": {
            "complete": t.complete,
            "folders": t.folders,
            "messages": t.messages,
            "bytes": t.bytes,
            "largest": t.largest,
            "oldest": iso(t.oldest),
            "newest": iso(t.newest),
        },
    }


def _folder(f: Folder) -> dict[str, Any]:
    d = asdict(f)
    d.update(
        flags=list(f.flags),
        histogram=list(f.histogram) if f.histogram is not None else None,
        oldest=iso(f.oldest),
        newest=iso(f.newest),
    )
    return d


def _permission(p: Permission) -> dict[str, Any]:
    return asdict(p)


def _observation(o: Observation) -> dict[str, Any]:
    return asdict(o)


def _coverage(c: Coverage) -> dict[str, Any]:
    return {
        "kind": c.kind,
        "total": c.total,
        "ok": c.ok,
        "partial": c.partial,
        "failed": c.failed,
        "skipped": c.skipped,
        "ok_share": c.ok_share,
    }


def _totals(t: Totals) -> dict[str, Any]:
    d = asdict(t)
    d["histogram"] = list(t.histogram)
    return d


def _forecast(o: Outlook) -> dict[str, Any]:
    f = o.forecast
    known = f.known
    return {
        "method": {
            "id": f.method.id,
            "title": f.method.title,
            "side": f.method.side,
            "validated_by": f.method.validated_by,
            "references": list(f.method.references),
        },
        "computed_at": iso(o.at),
        "concurrency": f.concurrency,
        "p50_s": f.p50_s if known else None,
        "p90_s": f.p90_s if known else None,
        "bounding": f.bounding,
        "delta_base_p90_s": f.delta_base_p90_s if known else None,
        "delta_per_day_p90_s": f.delta_per_day_p90_s if known else None,
        "notes": list(f.notes),
        "mailboxes": [
            {
                "source": m.source,
                "address": m.address,
                "items": m.items,
                "bytes": m.bytes,
                "folders": None if m.items is None and not m.folders else m.folders,
                "p50_s": m.p50_s,
                "p90_s": m.p90_s,
                "slot": m.slot,
                "start_s": m.start_s,
                "end_s": m.end_s,
                "bound_by": m.bound_by,
            }
            for m in f.mailboxes
        ],
        "models": [
            {
                "source": model.source,
                "measured_at": iso(model.measured_at),
                "rtt_s": model.rtt_s,
                "levels": [asdict(level) for level in model.levels],
            }
            for model in f.models
        ],
    }


def _timeline(o: Outlook) -> dict[str, Any]:
    t = o.timeline
    known = o.forecast.known and t.status != "unknown"  # unknown: a wave's duration
    moments = ["cutover", "earliest_start", "latest_start", "start", "delta_start"]
    moments += ["earliest_cutover", "lower_ttl_at"]
    figures = ("bulk_p50_s", "bulk_p90_s", "delta_p90_s", "margin_s", "lead_s")
    return {
        "status": t.status if known or t.status == "no_cutover" else "unknown",
        "strategy": t.strategy,
        "waves": t.waves,
        "method": t.method,
        "concurrency": t.concurrency,
        "timezone": t.timezone,
        **{name: iso(getattr(t, name)) for name in moments},
        **{name: getattr(t, name) if known else None for name in figures},
        "mx_ttl_s": t.mx_ttl_s,
        "lower_ttl_late": t.lower_ttl_late,
        "events": [
            {"at": iso(e.at), "code": e.code, "wave": e.wave} for e in (t.events if known else ())
        ],
        "wave_plans": [
            {
                **asdict(w),
                **{k: iso(getattr(w, k)) for k in ("latest_start", "start", "end_p50", "end_p90")},
            }
            for w in t.wave_plans
        ],
        "proposals": [
            {"code": p.code, "concurrency": p.concurrency, "cutover": iso(p.cutover)}
            for p in (t.proposals if known else ())
        ],
    }


def document(inv: Inventory, report: Report) -> dict[str, Any]:
    info = inv.info
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "generator": {"name": "mailsurvey", "version": __version__},
        "generated": iso(report.generated),
        "info": None
        if info is None
        else {
            "project": info.project,
            "client": info.client,
            "language": info.language,
            "started": iso(info.started),
            "mailsurvey_version": info.mailsurvey_version,
            "config_summary": info.config_summary,
        },
        "summary": {
            "coverage": [_coverage(c) for c in report.coverage],
            "totals": _totals(report.totals),
            "insecure_sources": list(report.insecure_sources),
        },
        "units": [_unit(u) for u in inv.units],
        "servers": [_server(s) for s in inv.servers],
        "mailboxes": [_mailbox(t) for t in report.mailboxes],
        "folders": [_folder(f) for f in inv.folders],
        "permissions": [_permission(p) for p in inv.permissions],
        "observations": [_observation(o) for o in inv.observations],
        "inbox_rules": [asdict(r) for r in inv.inbox_rules],
        "directory": {
            table: [asdict(r) for r in getattr(inv, table)]
            for kind, (table, _) in store_codec.RECORD_TABLES.items()
            if kind not in (ProbeSample, InboxRule, DnsDomain)
        },
        "probe_samples": [asdict(s) for s in inv.probe_samples],
        "dns": _dns(inv),
        "directory_readiness": [asdict(f) for f in report.directory_findings],
        "forecast": _forecast(report.outlook) if report.outlook else None,
        "timeline": _timeline(report.outlook) if report.outlook else None,
        "readiness": _readiness(report),
        "waves": _waves(report),
        "quote": _quote(report),
    }


def _readiness(report: Report) -> dict[str, Any] | None:
    view = report.readiness
    if view is None:
        return None
    targets = []
    for t in view.targets:
        mine = [f for f in view.findings if f.target == t.id]
        targets.append(
            {
                "id": t.id,
                "title": t.title,
                "blockers": sum(1 for f in mine if f.severity == "blocker"),
                "warnings": sum(1 for f in mine if f.severity == "warning"),
                "info": sum(1 for f in mine if f.severity == "info"),
                "not_completely_known": sum(1 for f in mine if f.partial),
            }
        )
    return {
        "targets": targets,
        "unknown_targets": list(view.unknown_targets),
        "findings": [asdict(f) for f in view.findings],
    }


def _waves(report: Report) -> dict[str, Any] | None:
    if report.waves is None:
        return None
    w = report.waves.waves
    return {
        "window_s": w.window_s,
        "concurrency": w.concurrency,
        "threshold": w.threshold,
        "waves": [asdict(x) for x in w.waves],
        "set_aside": [asdict(x) for x in w.set_aside],
        "edges": [{"a": e.a, "b": e.b, "grants": [asdict(g) for g in e.grants]} for e in w.edges],
        "dropped_grantees": [asdict(x) for x in w.dropped_grantees],
    }


def _quote(report: Report) -> dict[str, Any] | None:
    """Amounts as decimal strings (never floats), each rounded half up to the currency's
    minor unit; GiB and hours exact."""
    if report.quote is None:
        return None
    from ..assess.quote import rounded

    q = report.quote.quote
    cur = q.pricing.currency

    def money(v: Decimal | None) -> str | None:
        return None if v is None else str(rounded(v, cur))

    prices = q.pricing.model_dump(mode="json", exclude={"currency", "exclude"})
    return {
        "currency": cur,
        "prices": prices,
        "exclude": list(q.pricing.exclude),
        "licence_target": q.licence_target,
        "lines": [
            {
                "source": x.source,
                "address": x.address,
                "kind": x.kind,
                "billed": x.billed,
                "excluded": None if x.excluded is None else asdict(x.excluded),
                "bytes": x.bytes,
                "gib": None if x.gib is None else f"{x.gib.normalize():f}",
                "archive": x.archive,
                "licence": x.licence,
                "licence_why": x.licence_why,
                "mailbox_fee": money(x.mailbox_fee),
                "size_fee": money(x.size_fee),
                "archive_fee": money(x.archive_fee),
                "total": money(x.total),
            }
            for x in q.lines
        ],
        "effort": {
            "p50_s": q.effort.p50_s,
            "p90_s": q.effort.p90_s,
            "complete": q.effort.complete,
            "hours": None if q.effort.hours is None else str(q.effort.hours),
        },
        "components": [
            {
                "code": c.code,
                "quantity": None if c.quantity is None else f"{c.quantity.normalize():f}",
                "unit_price": str(c.unit_price),
                "amount": money(c.amount),
                "complete": c.complete,
            }
            for c in q.components
        ],
        "total": money(q.total),
        "complete": q.complete,
        "by_hand": list(q.by_hand),
    }


def build(inv: Inventory, report: Report) -> bytes:
    text = json.dumps(document(inv, report), ensure_ascii=False, indent=2, default=_default)
    return (text + "\n").encode("utf-8", "backslashreplace")


def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return loaded


def _dns(inv: Inventory) -> dict[str, Any]:
    """The DNS source's domains and, per target of the config, what to change at cutover."""
    from ..assess.dns_changes import changes
    from .views_dns import config_targets

    return {
        "domains": [asdict(d) for d in inv.dns_domains],
        "changes": [asdict(c) for c in changes(inv.dns_domains, config_targets(inv))],
    }
