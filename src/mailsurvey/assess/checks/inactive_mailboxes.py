"""User mailboxes whose directory account is disabled or has not logged on for a long
time (assess/join.py): candidates not to migrate, or to migrate as shared.

Where no directory identity gives a last logon (no directory scanned, the mailbox not in
it, or its account without one), the last logon the mail server recorded is used: an
Exchange export's LastLogonTime (``Mailbox.last_logon``). Without either, nothing tells
activity and no finding is made.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ...store import Inventory
from ..findings import CheckMeta, Finding, Severity
from ..join import PERSONAL_TYPES, Joined
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
INACTIVE_DAYS = 90  # as join's default
WHY = {
    "account_disabled": "the account is disabled",
    "no_logon": "the account never logged on",
    "stale_logon": f"no logon for more than {INACTIVE_DAYS} days",
}


def _by_server_logon(j: Joined, cutoff: datetime) -> tuple[bool, str | None]:
    """(the mail server's last logon decides, the reason when inactive): for a personal
    mailbox whose directory identity gives no last logon and is not disabled."""
    box, ident = j.mailbox, j.identity
    if box is None or box.last_logon is None:
        return False, None
    if ident is not None:
        if ident.recipient_type not in PERSONAL_TYPES or ident.enabled is False:
            return False, None
        if ident.last_logon is not None:
            return False, None
    elif box.kind != "user":
        return False, None
    return True, "stale_logon" if box.last_logon < cutoff else None


def run(inv: Inventory, target: TargetProfile) -> list[Finding]:
    scanned, broken = directory_state(inv)
    if not scanned and not any(m.last_logon for m in inv.mailboxes):
        return []  # nothing tells activity (see the module's docstring)
    out = [directory_not_known(META, target, broken, "inactivity")] if broken else []
    now = inv.info.started if inv.info else datetime.now(UTC)
    cutoff = now - timedelta(days=INACTIVE_DAYS)
    for j in joined(inv):
        if j.mailbox is None:
            continue
        key = (j.mailbox.source, j.mailbox.address)
        decides, reason = _by_server_logon(j, cutoff)
        if decides and reason and j.mailbox.last_logon:
            seen = j.mailbox.last_logon.date().isoformat()
            detail = f"{WHY[reason]} (the mail server's last logon: {seen})"
            out.append(finding(META, target, key, reason, detail))
        elif not decides and j.inactive and j.inactive_reason:
            detail = WHY.get(j.inactive_reason, j.inactive_reason)
            out.append(finding(META, target, key, j.inactive_reason, detail))
    return out
