"""Mailboxes that hold no message at all (every folder read, each with 0 messages)."""

from __future__ import annotations

from ...store import Inventory
from ..findings import CheckMeta, Finding, Severity
from ..targets import TargetProfile
from ._util import by_mailbox, finding, incomplete, mailbox_keys, not_known

META = CheckMeta(
    id="empty_mailboxes",
    title="Empty mailboxes",
    severity=Severity.INFO,
    targets=(),
    fix="Ask the client whether these are still needed; an empty mailbox needs no data move.",
)


def run(inv: Inventory, target: TargetProfile) -> list[Finding]:
    unsure = incomplete(inv)
    folders = by_mailbox(inv.folders)
    out: list[Finding] = []
    for key in sorted(mailbox_keys(inv)):
        counts = [f.messages for f in folders.get(key, []) if not f.noselect]
        if any(n for n in counts):
            continue  # holds something: not empty, whatever else is unknown
        if key in unsure or None in counts:
            out.append(
                not_known(
                    META,
                    target,
                    key,
                    unsure.get(key, "a count is unknown"),
                    "whether the mailbox is empty",
                )
            )
        else:
            out.append(finding(META, target, key, "empty", "no messages in any folder", value=0))
    return out
