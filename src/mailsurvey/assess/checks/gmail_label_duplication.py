"""Gmail sources: a message with several labels is in several IMAP folders, and a copy of
every folder moves it once per label. Where the scan counted every message once by its
X-GM-MSGID (the mailbox's unique and duplicate figures) those exact figures are used;
otherwise the unique volume is estimated as All Mail plus Trash and Spam (not in All
Mail), and the rest of the folders' bytes are copies."""

from __future__ import annotations

import re

from ...model import Folder, Mailbox
from ...store import Inventory
from ..findings import CheckMeta, Finding, Severity
from ..targets import TargetProfile
from ._util import by_mailbox, finding, incomplete, not_known, size

META = CheckMeta(
    id="gmail_label_duplication",
    title="Gmail labels copied once per label",
    severity=Severity.WARNING,
    targets=(),
    fix="Migrate All Mail only (labels as categories where the target has them), or exclude"
    " All Mail and accept the duplicates; quote the volume accordingly.",
)
GMAIL = re.compile(r"gmail|gimap", re.IGNORECASE)
ROOTS = ("[Gmail]", "[Google Mail]")
UNIQUE = ("\\All", "\\Trash", "\\Junk")


def gmail_sources(inv: Inventory) -> set[str]:
    """Sources whose server says it is Gmail (or offers its X-GM-EXT-1), or whose folders
    have Gmail's root."""
    said = {
        s.source
        for s in inv.servers
        if GMAIL.search(f"{s.software} {s.greeting}") or "X-GM-EXT-1" in s.capabilities
    }
    return said | {f.source for f in inv.folders if f.path.startswith(ROOTS)}


def _use(f: Folder) -> str | None:
    if f.special_use:
        return f.special_use
    leaf = f.path.rsplit(f.delimiter or "/", 1)[-1]
    if f.path.startswith(ROOTS):
        return {"All Mail": "\\All", "Trash": "\\Trash", "Bin": "\\Trash", "Spam": "\\Junk"}.get(
            leaf
        )
    return None


def run(inv: Inventory, target: TargetProfile) -> list[Finding]:
    sources = gmail_sources(inv)
    unsure = incomplete(inv)
    counted = {(m.source, m.address): m for m in inv.mailboxes if m.unique_bytes is not None}
    out: list[Finding] = []
    for key, folders in sorted(by_mailbox(inv.folders).items()):
        if key[0] not in sources:
            continue
        real = [f for f in folders if not f.noselect]
        if key in counted and key not in unsure:
            out += _counted(target, key, counted[key])
            continue
        if key in unsure or any(f.bytes is None for f in real):
            out.append(
                not_known(
                    META,
                    target,
                    key,
                    unsure.get(key, "a folder's size is unknown"),
                    "the label duplication",
                )
            )
            continue
        if not any(_use(f) == "\\All" for f in real):
            out.append(
                not_known(META, target, key, "no All Mail folder seen", "the label duplication")
            )
            continue
        every = sum(f.bytes or 0 for f in real)
        unique = sum(f.bytes or 0 for f in real if _use(f) in UNIQUE)
        if every > unique:
            detail = (
                f"copying every folder moves {size(every)}; the mail itself is {size(unique)}"
                f" (All Mail, Trash, Spam): {size(every - unique)} are copies per label"
            )
            out.append(
                finding(META, target, key, "labels_duplicate", detail, value=every, limit=unique)
            )
    return out


def _counted(target: TargetProfile, key: tuple[str, str], m: Mailbox) -> list[Finding]:
    """The exact figures: every message counted once by X-GM-MSGID over all folders."""
    copies, extra = m.duplicate_messages or 0, m.duplicate_bytes or 0
    if not copies:
        return []
    unique, octets = m.unique_messages or 0, m.unique_bytes or 0
    detail = (
        f"copying every folder moves {size(octets + extra)}; the mail itself is {unique}"
        f" messages, {size(octets)} (counted once by X-GM-MSGID): {copies} copies,"
        f" {size(extra)}, are copies per label"
    )
    return [finding(META, target, key, "labels_counted", detail, value=copies, limit=unique)]
