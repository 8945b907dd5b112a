"""User mailboxes whose directory account is disabled or has not logged on for a long
time (assess/join.py): candidates not to migrate, or to migrate as shared."""

from __future__ import annotations

from ...store import Inventory
from ..findings import CheckMeta, Finding, Severity
from ..targets import TargetProfile
from ._util import directory_not_known, directory_state, finding, joined

META = CheckMeta(
    id="inactive_mailboxes",
    title="Inactive mailboxes",
    severity=Severity.INFO,
    targets=(),
    fix="Ask the client whether to migrate them (a licence each), convert them to shared, or"
    " leave them out.",
)
WHY = {
    "account_disabled": "the account is disabled",
    "no_logon": "the account never logged on",
    "stale_logon": "no logon for more than 90 days",
}


def run(inv: Inventory, target: TargetProfile) -> list[Finding]:
    scanned, broken = directory_state(inv)
    if not scanned:
        return []  # no directory: nothing tells activity (see the module's docstring)
    out = [directory_not_known(META, target, broken, "inactivity")] if broken else []
    for j in joined(inv):
        if j.inactive and j.mailbox is not None and j.inactive_reason:
            key = (j.mailbox.source, j.mailbox.address)
            detail = WHY.get(j.inactive_reason, j.inactive_reason)
            out.append(finding(META, target, key, j.inactive_reason, detail))
    return out
