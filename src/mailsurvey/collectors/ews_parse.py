"""Turning EWS answers into model records: folders, permissions, inbox rules, large items.

A deep FindFolder answers a flat list: each folder names its parent. The paths are
rebuilt here from the parents, up to the root each area starts from (the top of the
information store, the archive's, Recoverable Items). Permissions, delegates, rules and
found items are read from the answer's XML elements as Microsoft's schema names them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..addressing import SEPARATOR as SEPARATOR
from ..addressing import area_path, is_outside
from ..model import Folder, InboxRule, Observation, Permission

# exchangelib's class for a well-known folder -> the IMAP special-use flag it matches
SPECIAL_USE = {
    "Inbox": "\\Inbox",
    "SentItems": "\\Sent",
    "DeletedItems": "\\Trash",
    "Drafts": "\\Drafts",
    "JunkEmail": "\\Junk",
    "Archive": "\\Archive",
}
AREAS = ("mailbox", "recoverable", "archive", "archive_recoverable")


@dataclass(frozen=True)
class RawFolder:
    """What an EWS answer says of one folder (None: the server did not say)."""

    id: str
    parent_id: str | None
    name: str
    kind: str  # exchangelib's class name: Inbox, Calendar, Folder, ...
    folder_class: str | None
    total_count: int | None
    size: int | None
    child_folder_count: int | None


def places(roots: Mapping[str, str], found: Iterable[RawFolder]) -> dict[str, tuple[str, str, int]]:
    """Folder id -> (area, path, depth) from a flat list that names each folder's parent.
    ``roots``: root folder id -> area. A folder whose chain of parents does not reach a
    root (an answer cut short) keeps the part of its path that is known."""
    by_id = {f.id: f for f in found}
    out = {}
    for f in by_id.values():
        names, area, seen = [f.name], "mailbox", {f.id}
        parent = f.parent_id
        while parent is not None and parent not in roots and parent in by_id:
            if parent in seen:  # a cycle in a broken answer: stop climbing
                break
            seen.add(parent)
            names.append(by_id[parent].name)
            parent = by_id[parent].parent_id
        if parent is not None and parent in roots:
            area = roots[parent]
        out[f.id] = (area, SEPARATOR.join(reversed(names)), len(names) - 1)
    return out


def folders(
    source: str, mailbox: str, roots: Mapping[str, str], found: Iterable[RawFolder]
) -> list[Folder]:
    """The Folder records of a deep FindFolder's answer (see ``places``)."""
    by_id = {f.id: f for f in found}
    out = []
    for key, (area, path, depth) in places(roots, by_id.values()).items():
        f = by_id[key]
        out.append(
            Folder(
                source=source,
                mailbox=mailbox,
                path=path,
                delimiter=SEPARATOR,
                depth=depth,
                special_use=SPECIAL_USE.get(f.kind) if area == "mailbox" else None,
                messages=f.total_count,
                bytes=f.size,
                method="ews",
                area=area,
                folder_class=f.folder_class,
            )
        )
    return sorted(out, key=lambda x: (AREAS.index(x.area), x.path))


# -- permissions, delegates, inbox rules, large items (raw XML elements) -------------------

_T = "{http://schemas.microsoft.com/exchange/services/2006/types}"
Xml = Any  # an answer's element (lxml from exchangelib, ElementTree in tests)
# the explicit rights of a folder permission, as Exchange's AccessRights name them
_FLAGS = (
    ("CanCreateItems", "CreateItems"),
    ("CanCreateSubFolders", "CreateSubfolders"),
    ("IsFolderOwner", "FolderOwner"),
    ("IsFolderContact", "FolderContact"),
    ("IsFolderVisible", "FolderVisible"),
)
_LEVELS = {
    "EditItems": {"Owned": "EditOwnedItems", "All": "EditAllItems"},
    "DeleteItems": {"Owned": "DeleteOwnedItems", "All": "DeleteAllItems"},
    "ReadItems": {
        "FullDetails": "ReadItems",
        "TimeOnly": "FreeBusyTimeOnly",
        "TimeAndSubjectAndLocation": "FreeBusyTimeAndSubjectAndLocation",
    },
}
_DELEGATE_FOLDERS = ("Calendar", "Tasks", "Inbox", "Contacts", "Notes", "Journal")
FORWARDS = ("ForwardToRecipients", "RedirectToRecipients", "ForwardAsAttachmentToRecipients")
MB = 1024 * 1024
OVER = (("item_over_35mb", 35 * MB), ("item_over_150mb", 150 * MB))


def _local(elem: Xml) -> str:
    return str(elem.tag).rsplit("}", 1)[-1]


def _text(elem: Xml, path: str) -> str:
    return str(elem.findtext(path) or "").strip()


def _true(elem: Xml, path: str) -> bool:
    return _text(elem, path).lower() == "true"


def _user(user_id: Xml | None) -> str:
    """An EWS UserId as a grantee: the primary SMTP address, Default or Anonymous."""
    if user_id is None:
        return "unknown"
    smtp = _text(user_id, f"{_T}PrimarySmtpAddress")
    if smtp:
        return smtp.lower()
    return (
        _text(user_id, f"{_T}DistinguishedUser")
        or _text(user_id, f"{_T}DisplayName")
        or _text(user_id, f"{_T}SID")
        or "unknown"
    )


def explicit_rights(entry: Xml) -> str:
    """The rights of a (Calendar)Permission element, in Exchange's AccessRights words."""
    out = [name for tag, name in _FLAGS if _true(entry, f"{_T}{tag}")]
    for tag, words in _LEVELS.items():
        word = words.get(_text(entry, f"{_T}{tag}"))
        if word:
            out.append(word)
    return " ".join(out)


def folder_permissions(source: str, mailbox: str, folder: str, elem: Xml) -> list[Permission]:
    """The PermissionSet of a folder element: one Permission per entry that grants
    something (its role, or the explicit rights when the role is Custom). Entries as
    Exchange creates them are left out: none for Anonymous, none for Default (free/busy
    time on a calendar)."""
    found = elem.find(f"{_T}PermissionSet")
    if found is None:
        return []
    out = []
    for entry in found.iter():
        kind = _local(entry)
        if kind not in ("Permission", "CalendarPermission"):
            continue
        level = _text(entry, f"{_T}PermissionLevel") or _text(entry, f"{_T}CalendarPermissionLevel")
        rights = level if level and level != "Custom" else explicit_rights(entry)
        who = _user(entry.find(f"{_T}UserId"))
        default = "FreeBusyTimeOnly" if kind == "CalendarPermission" else "None"
        if rights and rights != "None" and not (who == "Default" and rights == default):
            out.append(Permission(source, mailbox, folder, who, rights, "ews_folder"))
    return out


def delegates(source: str, mailbox: str, users: Iterable[Xml]) -> list[Permission]:
    """GetDelegate's DelegateUser elements as Permissions on the whole mailbox, the rights
    as ``calendar:Editor inbox:Reviewer receives-meeting-copies view-private-items``."""
    out = []
    for user in users:
        rights = []
        for name in _DELEGATE_FOLDERS:
            level = _text(user, f"{_T}DelegatePermissions/{_T}{name}FolderPermissionLevel")
            if level and level != "None":
                rights.append(f"{name.lower()}:{level}")
        if _true(user, f"{_T}ReceiveCopiesOfMeetingMessages"):
            rights.append("receives-meeting-copies")
        if _true(user, f"{_T}ViewPrivateItems"):
            rights.append("view-private-items")
        who = _user(user.find(f"{_T}UserId"))
        out.append(
            Permission(source, mailbox, None, who, " ".join(rights) or "None", "ews_delegate")
        )
    return out


def inbox_rules(
    source: str, mailbox: str, rules: Iterable[Xml], accepted: Collection[str]
) -> list[InboxRule]:
    """GetInboxRules' Rule elements; a recipient whose routing type is not SMTP (EX: a
    recipient of this organisation) is never outside."""
    out = []
    for n, rule in enumerate(rules):
        actions = rule.find(f"{_T}Actions")
        names = tuple(_local(a) for a in actions) if actions is not None else ()
        recipients: list[str] = []
        outside: list[str] = []
        for action in actions if actions is not None else ():
            if _local(action) not in FORWARDS:
                continue
            for address in action.iter(f"{_T}Address"):
                email = _text(address, f"{_T}EmailAddress")
                routing = _text(address, f"{_T}RoutingType").upper() or "SMTP"
                if not email or email in recipients:
                    continue
                recipients.append(email)
                if routing == "SMTP" and is_outside(email, accepted):
                    outside.append(email)
        out.append(
            InboxRule(
                source=source,
                mailbox=mailbox,
                rule_id=_text(rule, f"{_T}RuleId") or f"#{n + 1}",  # the key: never empty
                name=_text(rule, f"{_T}DisplayName"),
                enabled=_true(rule, f"{_T}IsEnabled"),
                in_error=_true(rule, f"{_T}IsInError"),
                actions=names,
                recipients=tuple(recipients),
                outside=tuple(outside),
            )
        )
    return out


def _size(item: Xml) -> int | None:
    for prop in item.iter(f"{_T}ExtendedProperty"):
        uri = prop.find(f"{_T}ExtendedFieldURI")
        tag = uri.get("PropertyTag", "") if uri is not None else ""
        value = _text(prop, f"{_T}Value")
        if tag.lower() in ("0xe08", "0x0e08", "3592") and value.isdigit():
            return int(value)
    return None


def large_items(
    source: str, mailbox: str, items: Iterable[Xml], where: Mapping[str, tuple[str, str, int]]
) -> list[Observation]:
    """Items a restricted FindItem found over 35 MB as one Observation per folder and
    limit (count and sizes; the subject is never asked for). ``where``: see ``places``."""
    sizes: dict[str | None, list[int | None]] = {}
    for item in items:
        parent = item.find(f"{_T}ParentFolderId")
        place = where.get(parent.get("Id", "")) if parent is not None else None
        folder = area_path(place[0], place[1]) if place else None
        sizes.setdefault(folder, []).append(_size(item))
    out = []
    for folder, found in sizes.items():
        for code, limit in OVER:
            over = sorted((s for s in found if s is None or s > limit), key=lambda s: -(s or 0))
            if not over:
                continue
            shown = ", ".join("size not given" if s is None else f"{s / MB:.1f} MB" for s in over)
            text = f"{len(over)} item(s) over {limit // MB} MB: {shown}"
            out.append(Observation(source, mailbox, folder, code, text))
    return out
