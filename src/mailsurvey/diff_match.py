"""How a folder of one mail system is found again on another, and renamed mailboxes.

A folder is matched by a *key*: its area and its path split at its own hierarchy
delimiter (so ``INBOX.Sent.2024`` with "." and ``Sent/2024`` with "/" compare), after
these rules, applied in order:

1. A personal namespace prefix the server puts before every folder (``INBOX.`` on
   Courier and cPanel) is dropped.
2. Gmail's ``[Gmail]/`` and ``[Google Mail]/`` prefixes are dropped.
3. The first component is replaced by its *role* when it has one: the folder's special
   use (``\\Sent``, ...) decides first, else its name in ``ROLE_NAMES`` (case-insensitive:
   "Sent", "Sent Items", "Sent Messages", "Verzonden items", "Wysłane", ... are all the
   sent folder). ``INBOX`` is the inbox in any case.

Folders of one side that end on the same key are taken together: a migration tool that
merges "Sent" and "Sent Items" into one target folder is compared with both.

Folders a target does not carry are *not expected to arrive* (``not_expected``):
Exchange's Recoverable Items (of the mailbox and of the archive), and Gmail's views that
only show messages of other folders (All Mail, Important, Starred), which migration
tools leave out.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from .model import Folder, Mailbox

INBOX = "inbox"
# role -> names (compared case-insensitively) that mean it, in the languages mailsurvey
# reports in and as the common servers and clients name them
ROLE_NAMES: dict[str, tuple[str, ...]] = {
    INBOX: ("INBOX", "Postvak IN", "Odebrane"),
    "sent": (
        "Sent",
        "Sent Items",
        "Sent Messages",
        "Sent Mail",
        "Verzonden",
        "Verzonden items",
        "Wysłane",
        "Elementy wysłane",
    ),
    "drafts": ("Drafts", "Draft", "Concepten", "Kopie robocze", "Wersje robocze"),
    "trash": (
        "Trash",
        "Deleted Items",
        "Deleted Messages",
        "Bin",
        "Prullenbak",
        "Verwijderde items",
        "Kosz",
        "Elementy usunięte",
    ),
    "junk": (
        "Junk",
        "Junk E-mail",
        "Junk Email",
        "Spam",
        "Ongewenste e-mail",
        "Wiadomości-śmieci",
    ),
    "archive": ("Archive", "Archives", "Archief", "Archiwum"),
}
SPECIAL_USE_ROLES = {
    "\\inbox": INBOX,
    "\\sent": "sent",
    "\\drafts": "drafts",
    "\\trash": "trash",
    "\\junk": "junk",
    "\\archive": "archive",
}
GMAIL_PREFIXES = ("[Gmail]", "[Google Mail]")
GMAIL_VIEWS = frozenset({"all mail", "important", "starred"})
NOT_CARRIED_AREAS = frozenset({"recoverable", "archive_recoverable"})
_BY_NAME = {name.casefold(): role for role, names in ROLE_NAMES.items() for name in names}


@dataclass(frozen=True)
class FolderKey:
    area: str  # mailbox | archive | recoverable | archive_recoverable
    parts: tuple[str, ...]  # the first one may be a role: "@sent"

    def __str__(self) -> str:
        return "/".join(self.parts)


def personal_prefix(mailbox: Mailbox | None) -> str:
    """The personal namespace's prefix (``INBOX.``), or "" when there is none."""
    if mailbox is None:
        return ""
    return next((n.prefix for n in mailbox.namespaces if n.kind == "personal"), "")


def top_roles(folders: list[Folder], prefix: str = "") -> dict[str, str]:
    """First path component -> role, from the special use of the top-level folders (so a
    subfolder of a sent folder with an unlisted name, "Gesendet/2024", keeps the role)."""
    roles = {}
    for f in folders:
        role = SPECIAL_USE_ROLES.get((f.special_use or "").lower())
        parts = _parts(f, prefix)
        if role is not None and len(parts) == 1:
            roles[parts[0]] = role
    return roles


def _parts(folder: Folder, prefix: str) -> list[str]:
    path = folder.path
    if prefix and path.startswith(prefix) and len(path) > len(prefix):
        path = path[len(prefix) :]
    parts = path.split(folder.delimiter) if folder.delimiter else [path]
    if len(parts) > 1 and parts[0] in GMAIL_PREFIXES:
        parts = parts[1:]
    return parts


def folder_key(folder: Folder, prefix: str = "", roles: dict[str, str] | None = None) -> FolderKey:
    """The key a folder is matched by (see the module's rules); ``prefix``: the personal
    namespace's, ``roles``: ``top_roles`` of the folder's mailbox."""
    parts = _parts(folder, prefix)
    role = (roles or {}).get(parts[0]) or _BY_NAME.get(parts[0].casefold())
    if len(parts) == 1:
        role = SPECIAL_USE_ROLES.get((folder.special_use or "").lower()) or role
    if role is not None:
        parts[0] = "@" + role
    return FolderKey(folder.area, tuple(parts))


def not_expected(folder: Folder) -> bool:
    """Whether a migration does not carry this folder to the target."""
    if folder.area in NOT_CARRIED_AREAS:
        return True
    parts = folder.path.split(folder.delimiter) if folder.delimiter else [folder.path]
    return (
        len(parts) == 2 and parts[0] in GMAIL_PREFIXES and parts[1].casefold() in GMAIL_VIEWS
    ) or (folder.special_use or "").lower() in ("\\all", "\\flagged", "\\important")


class MappingError(ValueError):
    pass


def read_mapping(path: Path) -> dict[str, str]:
    """A CSV of renamed mailboxes: ``old,new`` a line (a first line ``old,new`` is a header).

    Addresses are compared case-insensitively; the result maps old -> new, lower-cased."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingError(f"{path}: cannot read the mailbox mapping ({exc})") from None
    mapping: dict[str, str] = {}
    for n, row in enumerate(csv.reader(text.splitlines()), start=1):
        cells = [c.strip() for c in row]
        if not any(cells):
            continue
        if n == 1 and [c.lower() for c in cells] == ["old", "new"]:
            continue
        if len(cells) != 2 or not all("@" in c for c in cells):
            raise MappingError(
                f"{path}, line {n}: found {','.join(cells)!r}; expected two addresses, "
                "old,new (the source address, then its address on the target)"
            )
        old, new = (c.lower() for c in cells)
        if old in mapping:
            raise MappingError(f"{path}, line {n}: {old} is mapped twice; expected once")
        mapping[old] = new
    return mapping
