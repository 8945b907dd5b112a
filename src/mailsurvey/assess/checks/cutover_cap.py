"""More mailboxes than the migration method takes in one batch (a cutover), or than its
publisher recommends. Counted: every distinct mailbox address scanned or in the directory."""

from __future__ import annotations

from ...store import Inventory
from ..findings import CheckMeta, Finding, Severity
from ..targets import TargetProfile
from ._util import directory_state, finding, joined

META = CheckMeta(
    id="cutover_cap",
    title="More mailboxes than one migration batch takes",
    severity=Severity.BLOCKER,
    targets=(),
    fix="Use a staged or batched method (waves), or migrate fewer mailboxes at once.",
)


def run(inv: Inventory, target: TargetProfile) -> list[Finding]:
    cap, advised = target.max_mailboxes, target.recommended_max_mailboxes
    if cap is None and advised is None:
        return []
    count = len({j.address.lower() for j in joined(inv)})
    _, broken = directory_state(inv)
    partial = broken is not None
    least = "at least " if partial else ""
    if cap is not None and count > cap:
        detail = f"{least}{count:,} mailboxes, one batch takes at most {cap:,}"
        return [
            finding(META, target, None, "over_cap", detail, value=count, limit=cap, partial=partial)
        ]
    if advised is not None and count > advised:
        detail = f"{least}{count:,} mailboxes, at most {advised:,} recommended in one batch"
        return [
            finding(
                META,
                target,
                None,
                "over_recommended",
                detail,
                value=count,
                limit=advised,
                partial=partial,
                severity=Severity.WARNING,
            )
        ]
    if partial:
        return [
            finding(
                META,
                target,
                None,
                "not_known",
                f"{count:,} mailboxes or more: the directory was read in part ({broken})",
                value=count,
                partial=True,
            )
        ]
    return []
