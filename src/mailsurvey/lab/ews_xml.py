"""EWS answers as XML text: the envelope, faults, response messages, folders and items.

Element names and order follow Microsoft's schema (MS-OXWSFOLD, MS-OXWSCORE, the EWS
reference). Text is escaped here; characters XML 1.0 cannot hold (a folder named
``esc\\x1b[31mrood``) go out as character references, as Exchange writes them.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from .ews_extras import Delegate, Grant, Rule, Value
from .ews_items import Realized
from .ews_org import Folder
from .ews_truth import SERVER

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
M = "http://schemas.microsoft.com/exchange/services/2006/messages"
T = "http://schemas.microsoft.com/exchange/services/2006/types"
E = "http://schemas.microsoft.com/exchange/services/2006/errors"
_SPECIAL = re.compile('[&<>"\x00-\x08\x0b\x0c\x0d\x0e-\x1f\ufffe\uffff]')
_NAMED = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}
_FOLDER_ID = b"LABF\x00"
_ITEM_ID = b"LABI\x00"
CHANGE_KEY = "AQAAABYAAABUcCLhSV8uQ7cYkXLrkVdWAAAAAAAA"
_GONE = base64.b64encode(_FOLDER_ID + b"gone").decode("ascii")


def esc(text: str) -> str:
    return _SPECIAL.sub(lambda m: _NAMED.get(m[0]) or f"&#x{ord(m[0]):X};", text)


def el(tag: str, text: str | int | bool) -> str:
    if isinstance(text, bool):
        text = "true" if text else "false"
    return f"<{tag}>{esc(str(text))}</{tag}>"


@dataclass(frozen=True)
class Shape:
    """A FolderShape or ItemShape: the base shape plus additional properties."""

    base: str = "Default"  # IdOnly | Default | AllProperties
    fields: frozenset[str] = frozenset()  # FieldURI values, e.g. folder:TotalCount
    extended: tuple[tuple[int, str], ...] = ()  # (property tag, property type)


def envelope(body: str) -> bytes:
    v = SERVER
    header = (
        f'<h:ServerVersionInfo MajorVersion="{v["major_version"]}" '
        f'MinorVersion="{v["minor_version"]}" MajorBuildNumber="{v["major_build"]}" '
        f'MinorBuildNumber="{v["minor_build"]}" Version="{v["version"]}" '
        f'xmlns:h="{T}" xmlns="{T}" xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>'
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<s:Envelope xmlns:s="{SOAP}"><s:Header>{header}</s:Header>'
        '<s:Body xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xmlns:xsd="http://www.w3.org/2001/XMLSchema">{body}</s:Body></s:Envelope>'
    ).encode()


def fault(code: str, message: str, values: dict[str, str] | None = None) -> bytes:
    """A SOAP fault as Exchange sends it (HTTP 500), e.g. ErrorServerBusy."""
    xml_values = "".join(
        f'<t:Value Name="{esc(k)}">{esc(v)}</t:Value>' for k, v in (values or {}).items()
    )
    detail = (
        f'<e:ResponseCode xmlns:e="{E}">{code}</e:ResponseCode>'
        f'<e:Message xmlns:e="{E}">{esc(message)}</e:Message>'
    )
    if xml_values:
        detail += f'<t:MessageXml xmlns:t="{T}">{xml_values}</t:MessageXml>'
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<s:Envelope xmlns:s="{SOAP}"><s:Body><s:Fault>'
        f'<faultcode xmlns:a="{T}">a:{code}</faultcode>'
        f'<faultstring xml:lang="en-US">{esc(message)}</faultstring>'
        f"<detail>{detail}</detail></s:Fault></s:Body></s:Envelope>"
    ).encode()


def response(op: str, messages: list[str]) -> str:
    """``<m:{op}Response>`` holding ``<m:ResponseMessages>``."""
    inner = "".join(messages)
    return (
        f'<m:{op}Response xmlns:m="{M}" xmlns:t="{T}">'
        f"<m:ResponseMessages>{inner}</m:ResponseMessages></m:{op}Response>"
    )


def success(tag: str, inner: str = "") -> str:
    return (
        f'<m:{tag} ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>'
        f"{inner}</m:{tag}>"
    )


def error(tag: str, code: str, text: str, values: dict[str, str] | None = None) -> str:
    xml = ""
    if values:
        xml = "".join(f'<t:Value Name="{esc(k)}">{esc(v)}</t:Value>' for k, v in values.items())
        xml = f"<m:MessageXml>{xml}</m:MessageXml>"
    return (
        f'<m:{tag} ResponseClass="Error"><m:MessageText>{esc(text)}</m:MessageText>'
        f"<m:ResponseCode>{code}</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>"
        f"{xml}</m:{tag}>"
    )


def folder_id(f: Folder) -> str:
    raw = _FOLDER_ID + f"{f.mailbox}\x00{f.store}\x00{f.path}".encode()
    return base64.b64encode(raw).decode("ascii")


def item_id(f: Folder, index: int) -> str:
    raw = _ITEM_ID + f"{f.mailbox}\x00{f.store}\x00{f.path}\x00{index}".encode()
    return base64.b64encode(raw).decode("ascii")


def parse_id(value: str) -> tuple[str, list[str]] | None:
    """("folder" | "item", parts) of an id this server made; None if it is not one."""
    try:
        raw = base64.b64decode(value, validate=True)
        for kind, prefix in (("folder", _FOLDER_ID), ("item", _ITEM_ID)):
            if raw.startswith(prefix):
                return kind, raw[len(prefix) :].decode().split("\x00")
    except (ValueError, UnicodeDecodeError):
        return None
    return None


def id_element(tag: str, f: Folder) -> str:
    return f'<t:{tag} Id="{folder_id(f)}" ChangeKey="{CHANGE_KEY}"/>'


def extended(tag: int, ptype: str, value: str | int | bool) -> str:
    return (
        f'<t:ExtendedProperty><t:ExtendedFieldURI PropertyTag="{hex(tag)}" '
        f'PropertyType="{ptype}"/>{el("t:Value", value)}</t:ExtendedProperty>'
    )


def folder(
    f: Folder,
    parent: Folder | None,
    items: Realized,
    children: int,
    shape: Shape,
    names: dict[str, str],
) -> str:
    """One folder element (Folder, CalendarFolder, ...) in ``shape``."""
    base, fields = shape.base, shape.fields
    everything = base == "AllProperties"
    default = everything or base == "Default"

    def want(name: str, in_default: bool = False, in_all: bool = True) -> bool:
        return f"folder:{name}" in fields or (in_default and default) or (in_all and everything)

    parts = [id_element("FolderId", f)]
    if parent is not None and want("ParentFolderId"):
        parts.append(id_element("ParentFolderId", parent))
    if f.folder_class and want("FolderClass"):
        parts.append(el("t:FolderClass", f.folder_class))
    if want("DisplayName", True):
        parts.append(el("t:DisplayName", f.name))
    if want("TotalCount", True):
        parts.append(el("t:TotalCount", items.count))
    if want("ChildFolderCount", True):
        parts.append(el("t:ChildFolderCount", children))
    values: dict[int, str | int | bool] = {
        0x0E08: items.bytes,  # PR_MESSAGE_SIZE_EXTENDED
        0x66B3: items.bytes,  # PR_NORMAL_MESSAGE_SIZE_EXTENDED
        0x3602: items.count,  # PR_CONTENT_COUNT
        0x3603: items.unread,  # PR_CONTENT_UNREAD
        0x360A: children > 0,  # PR_SUBFOLDERS
        0x6638: children,  # PR_FOLDER_CHILD_COUNT
        0x3001: f.name,  # PR_DISPLAY_NAME
    }
    if f.folder_class:
        values[0x3613] = f.folder_class  # PR_CONTAINER_CLASS
    parts += [extended(t, p, values[t]) for t, p in shape.extended if t in values]
    if want("EffectiveRights"):
        rights = "".join(
            el(f"t:{r}", True)
            for r in ("CreateAssociated", "CreateContents", "CreateHierarchy", "Delete")
        )
        rights += el("t:Modify", True) + el("t:Read", True) + el("t:ViewPrivateItems", True)
        parts.append(f"<t:EffectiveRights>{rights}</t:EffectiveRights>")
    if f.distinguished and "folder:DistinguishedFolderId" in fields:
        parts.append(el("t:DistinguishedFolderId", f.distinguished))
    calendar = f.element == "CalendarFolder"
    if "folder:PermissionSet" in fields:  # never in AllProperties (Exchange 2013 and later)
        parts.append(permission_set(f.grants, calendar, names))
    if f.element in ("Folder", "TasksFolder") and want("UnreadCount", True):
        parts.append(el("t:UnreadCount", items.unread))
    return f"<t:{f.element}>{''.join(parts)}</t:{f.element}>"


def permission_set(grants: tuple[Grant, ...], calendar: bool, names: dict[str, str]) -> str:
    tag = "CalendarPermission" if calendar else "Permission"
    entries = []
    for g in grants:
        if g.user in ("Default", "Anonymous"):
            user = el("t:DistinguishedUser", g.user)
        else:
            user = el("t:PrimarySmtpAddress", g.user) + el(
                "t:DisplayName", names.get(g.user, g.user)
            )
        flags = (
            el("t:CanCreateItems", g.create_items)
            + el("t:CanCreateSubFolders", g.create_subfolders)
            + el("t:IsFolderOwner", g.owner)
            + el("t:IsFolderVisible", g.visible)
            + el("t:IsFolderContact", g.contact)
            + el("t:EditItems", g.edit)
            + el("t:DeleteItems", g.delete)
            + el("t:ReadItems", g.read)
        )
        level = el(f"t:{'CalendarPermissionLevel' if calendar else 'PermissionLevel'}", g.level)
        entries.append(f"<t:{tag}><t:UserId>{user}</t:UserId>{flags}{level}</t:{tag}>")
    return f"<t:PermissionSet><t:{tag}s>{''.join(entries)}</t:{tag}s></t:PermissionSet>"


def item(f: Folder, items: Realized, i: int, shape: Shape) -> str:
    """One item (Message, CalendarItem, ...) of folder ``f`` in ``shape``."""
    fields, everything = shape.fields, shape.base == "AllProperties"
    default = everything or shape.base == "Default"
    size, when = items.sizes[i], items.when[i]
    received = datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    parts = [f'<t:ItemId Id="{item_id(f, i)}" ChangeKey="{CHANGE_KEY}"/>']
    if everything or "item:ParentFolderId" in fields:
        parts.append(id_element("ParentFolderId", f))
    if everything or "item:ItemClass" in fields:
        parts.append(el("t:ItemClass", items.item_class))
    if default or "item:Subject" in fields:
        parts.append(el("t:Subject", items.subject_of(i)))
    if default or "item:DateTimeReceived" in fields:
        parts.append(el("t:DateTimeReceived", received))
    if default or "item:Size" in fields:
        parts.append(el("t:Size", size))
    if default or "item:HasAttachments" in fields:
        parts.append(el("t:HasAttachments", size > 64 * 1024))
    values: dict[int, str | int] = {
        0x0E08: size,  # PR_MESSAGE_SIZE (Integer) / PR_MESSAGE_SIZE_EXTENDED (Long)
        0x0E06: received,  # PR_MESSAGE_DELIVERY_TIME
        0x001A: items.item_class,  # PR_MESSAGE_CLASS
        0x0037: items.subject_of(i),  # PR_SUBJECT
    }
    parts += [extended(t, p, values[t]) for t, p in shape.extended if t in values]
    return f"<t:{items.element}>{''.join(parts)}</t:{items.element}>"


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def rule(r: Rule, folders: dict[str, Folder]) -> str:
    """One inbox rule (t:Rule); MoveToFolder names a folder path of the same mailbox."""

    def value(element: str, v: Value) -> str:
        if isinstance(v, bool):
            return el(f"t:{element}", v)
        if element.endswith("Recipients") and isinstance(v, tuple):
            addresses = "".join(
                f"<t:Address>{el('t:EmailAddress', a)}{el('t:RoutingType', 'SMTP')}"
                f"{el('t:MailboxType', 'OneOff')}</t:Address>"
                for a in v
            )
            return f"<t:{element}>{addresses}</t:{element}>"
        if isinstance(v, tuple):
            strings = "".join(el("t:String", s) for s in v)
            return f"<t:{element}>{strings}</t:{element}>"
        target = folders.get(v)
        if target is None:  # a folder that is gone: Exchange keeps the rule, in error
            return f'<t:{element}><t:FolderId Id="{_GONE}" ChangeKey="{CHANGE_KEY}"/></t:{element}>'
        return f"<t:{element}>{id_element('FolderId', target)}</t:{element}>"

    conditions = "".join(value(k, v) for k, v in r.conditions)
    actions = "".join(value(k, v) for k, v in r.actions)
    return (
        f"<t:Rule>{el('t:RuleId', r.id)}{el('t:DisplayName', r.name)}"
        f"{el('t:Priority', r.priority)}{el('t:IsEnabled', r.enabled)}"
        f"{el('t:IsNotSupported', False)}{el('t:IsInError', r.in_error)}"
        f"<t:Conditions>{conditions}</t:Conditions><t:Exceptions/>"
        f"<t:Actions>{actions}</t:Actions></t:Rule>"
    )


def delegate(d: Delegate, sid: str, name: str) -> str:
    levels = "".join(
        el(f"t:{tag}FolderPermissionLevel", getattr(d, attr))
        for tag, attr in (
            ("Calendar", "calendar"),
            ("Tasks", "tasks"),
            ("Inbox", "inbox"),
            ("Contacts", "contacts"),
            ("Notes", "notes"),
            ("Journal", "journal"),
        )
    )
    user = el("t:SID", sid) + el("t:PrimarySmtpAddress", d.user) + el("t:DisplayName", name)
    return success(
        "DelegateUserResponseMessageType",
        f"<m:DelegateUser><t:UserId>{user}</t:UserId>"
        f"<t:DelegatePermissions>{levels}</t:DelegatePermissions>"
        f"{el('t:ReceiveCopiesOfMeetingMessages', d.meeting_copies)}"
        f"{el('t:ViewPrivateItems', d.view_private)}</m:DelegateUser>",
    )


def mailbox(address: str, name: str) -> str:
    return (
        f"<t:Mailbox>{el('t:Name', name)}{el('t:EmailAddress', address)}"
        f"{el('t:RoutingType', 'SMTP')}{el('t:MailboxType', 'Mailbox')}</t:Mailbox>"
    )
