"""Mail forwarded outside the organisation: Exchange inbox rules that forward outside the
accepted domains, and directory forwarding (altRecipient, msExchGenericForwardingAddress)
to an outside address. A migration must keep these on purpose or stop them."""

from __future__ import annotations

from ...addressing import is_outside
from ...model import Identity, Status, UnitKind
from ...store import Inventory
from ..findings import CheckMeta, Finding, Severity
from ..join import smtp_addresses
from ..targets import TargetProfile
from ._util import directory_not_known, directory_state, exchange_sources, finding, not_known

META = CheckMeta(
    id="external_forwarding",
    title="Mail forwarded outside the organisation",
    severity=Severity.WARNING,
    targets=(),
    fix="Ask the client whether each forward must stay; recreate the ones that must in the"
    " target (outbound forwarding is often blocked there by default).",
)


def _forward_address(ident: Identity, by_dn: dict[str, Identity]) -> str | None:
    """Where the directory forwards to: an SMTP address, or the mail of the object a DN
    names (None: that object was not read)."""
    value = ident.forwarding_to or ""
    prefix, _, rest = value.partition(":")
    if prefix.lower() == "smtp" and "@" in rest:
        return rest
    if "@" in value and "=" not in value:
        return value
    other = by_dn.get(value)
    return smtp_addresses(other)[0] if other else None


def _rules(inv: Inventory, target: TargetProfile) -> list[Finding]:
    ews = exchange_sources(inv)
    out = [
        not_known(META, target, (u.source, u.key), f"account {u.status.value}", "inbox rules")
        for u in inv.units
        if u.kind is UnitKind.ACCOUNT and u.source in ews and u.status is not Status.OK
    ]
    for r in inv.inbox_rules:
        if r.outside:
            state = "" if r.enabled else " (disabled)"
            detail = f"inbox rule {r.name!r}{state} forwards to {', '.join(r.outside)}"
            out.append(
                finding(
                    META,
                    target,
                    (r.source, r.mailbox),
                    "rule_forwards_outside",
                    detail,
                    severity=None if r.enabled else Severity.INFO,
                )
            )
    return out


def _directory(inv: Inventory, target: TargetProfile) -> list[Finding]:
    scanned, broken = directory_state(inv)
    if not scanned:
        return []
    out = [directory_not_known(META, target, broken, "directory forwarding")] if broken else []
    accepted = [d.name for d in inv.accepted_domains]
    by_dn = {i.dn: i for i in inv.identities}
    for ident in inv.identities:
        if not ident.forwarding_to:
            continue
        key = (ident.source, smtp_addresses(ident)[0] or ident.dn)
        address = _forward_address(ident, by_dn)
        if address is None or not accepted:
            what = "its address" if address is None else "the accepted domains"
            detail = f"forwards to {address or ident.forwarding_to}; {what} not known"
            out.append(finding(META, target, key, "directory_forward", detail, partial=True))
        elif is_outside(address, accepted):
            keep = " (and keeps a copy)" if ident.deliver_and_redirect else ""
            detail = f"the directory forwards to {address}{keep}"
            out.append(finding(META, target, key, "directory_forwards_outside", detail))
    return out


def run(inv: Inventory, target: TargetProfile) -> list[Finding]:
    return _rules(inv, target) + _directory(inv, target)
