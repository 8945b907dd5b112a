"""Addresses held twice: one mailbox address in several sources, or one SMTP address on
several directory objects (a directory sync refuses the second)."""

from __future__ import annotations

from collections import defaultdict

from ...store import Inventory
from ..findings import CheckMeta, Finding, Severity
from ..join import smtp_addresses
from ..targets import TargetProfile
from ._util import directory_not_known, directory_state, finding, mailbox_keys

META = CheckMeta(
    id="duplicate_addresses",
    title="Duplicate addresses",
    severity=Severity.WARNING,
    targets=(),
    fix="Decide which mailbox or object keeps the address; remove it from the others before"
    " the directory sync and the move.",
)


def run(inv: Inventory, target: TargetProfile) -> list[Finding]:
    out: list[Finding] = []
    sources: dict[str, set[str]] = defaultdict(set)
    for source, address in mailbox_keys(inv):
        sources[address.lower()].add(source)
    for address, found in sorted(sources.items()):
        if len(found) > 1:
            detail = f"a mailbox in {len(found)} sources: {', '.join(sorted(found))}"
            out.append(
                finding(
                    META,
                    target,
                    (sorted(found)[0], address),
                    "mailbox_in_several_sources",
                    detail,
                    value=len(found),
                )
            )
    scanned, broken = directory_state(inv)
    if not scanned:
        return out
    if broken:
        out.append(directory_not_known(META, target, broken, "duplicates in the directory"))
    holders: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for ident in inv.identities:
        for address in smtp_addresses(ident)[1]:
            holders[address].append((ident.source, ident.dn))
    for address, held in sorted(holders.items()):
        dns = sorted(dn for _, dn in held)
        if len(dns) > 1:
            detail = f"held by {len(dns)} directory objects: {'; '.join(dns)}"
            out.append(
                finding(
                    META,
                    target,
                    (held[0][0], address),
                    "address_on_several_objects",
                    detail,
                    value=len(dns),
                )
            )
    return out
