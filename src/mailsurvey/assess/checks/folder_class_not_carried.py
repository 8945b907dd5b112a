"""Calendars, contacts, tasks and notes the migration method does not carry (Exchange
folder classes; an IMAP source does not hold them, so this check cannot see them there)."""

from __future__ import annotations

from collections import defaultdict

from ...store import Inventory
from ..findings import CheckMeta, Finding, Severity
from ..targets import TargetProfile
from ._util import Key, exchange_sources, finding, not_known, unlisted

META = CheckMeta(
    id="folder_class_not_carried",
    title="Calendars, contacts or tasks the method does not carry",
    severity=Severity.WARNING,
    targets=(),
    fix="Export and import these separately (PST, CSV, ICS) or choose a method that carries them.",
)
KINDS = {  # folder class prefix -> what the target profile's ``carries`` calls it
    "IPF.Appointment": "calendar",
    "IPF.Contact": "contacts",
    "IPF.Task": "tasks",
    "IPF.StickyNote": "notes",
    "IPF.Journal": "journal",
}


def kind_of(folder_class: str | None) -> str | None:
    for prefix, kind in KINDS.items():
        if folder_class and (folder_class == prefix or folder_class.startswith(prefix + ".")):
            return kind
    return None


def run(inv: Inventory, target: TargetProfile) -> list[Finding]:
    ews = exchange_sources(inv)
    missing = unlisted(inv)
    out = [
        not_known(META, target, k, why, "calendars and contacts")
        for k, why in sorted(missing.items())
        if k[0] in ews
    ]
    counts: dict[tuple[Key, str], list[int | None]] = defaultdict(list)
    for f in inv.folders:
        kind = kind_of(f.folder_class)
        if kind and kind not in target.carries:
            counts[((f.source, f.mailbox), kind)].append(f.messages)
    for (key, kind), items in sorted(counts.items()):
        known = sum(n for n in items if n is not None)
        whole = None not in items
        if whole and not known:
            continue  # empty calendars lose nothing
        least = "" if whole else "at least "
        detail = f"{kind}: {least}{known:,} item(s) in {len(items)} folder(s) not carried"
        out.append(
            finding(
                META, target, key, f"{kind}_not_carried", detail, value=known, partial=not whole
            )
        )
    return out
