"""Mailboxes without a directory identity, and mailbox identities without a scanned
mailbox (assess/join.py). Only when a directory was scanned."""

from __future__ import annotations

from ...store import Inventory
from ..findings import CheckMeta, Finding, Severity
from ..targets import TargetProfile
from ._util import directory_state, finding, joined

META = CheckMeta(
    id="identity_mismatch",
    title="Mailboxes without an identity, and the reverse",
    severity=Severity.WARNING,
    targets=(),
    fix="Create (or match) the directory account for each mailbox, and add the missing"
    " mailboxes to the scan or mark them not to migrate.",
)


def run(inv: Inventory, target: TargetProfile) -> list[Finding]:
    scanned, broken = directory_state(inv)
    if not scanned:
        return []
    partial = broken is not None
    why = f"; the directory was read in part ({broken})" if broken else ""
    out = []
    for j in joined(inv):
        if j.mailbox is not None and j.identity is None:
            key = (j.mailbox.source, j.mailbox.address)
            detail = "no directory account has this address" + why
            out.append(
                finding(META, target, key, "mailbox_without_identity", detail, partial=partial)
            )
        elif j.mailbox is None and j.identity is not None:
            kind = j.identity.recipient_type or "mailbox"
            detail = f"a {kind} mailbox in the directory ({j.identity.dn}) was not scanned"
            out.append(
                finding(
                    META, target, (j.identity.source, j.address), "identity_without_mailbox", detail
                )
            )
    return out
