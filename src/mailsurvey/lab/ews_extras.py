"""What only Exchange has, as data: folder permissions, inbox rules and delegates.

Folder permissions come from the IMAP lab's ACLs (rights mapped to Exchange's permission
flags and roles) and from the delegates; delegates match the directory's
``publicDelegates`` (``ad_org.py``). Some inbox rules forward or redirect to an outside
domain, others inside acme.nl; one is disabled, one is in error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from .base import DOMAIN

if TYPE_CHECKING:
    from .ews_org import Folder, Mailbox

# Exchange's folder roles as flags:
# (create items, create subfolders, owner, visible, contact, edit, delete, read)
ROLES: dict[str, tuple[bool, bool, bool, bool, bool, str, str, str]] = {
    "Owner": (True, True, True, True, True, "All", "All", "FullDetails"),
    "PublishingEditor": (True, True, False, True, False, "All", "All", "FullDetails"),
    "Editor": (True, False, False, True, False, "All", "All", "FullDetails"),
    "PublishingAuthor": (True, True, False, True, False, "Owned", "Owned", "FullDetails"),
    "Author": (True, False, False, True, False, "Owned", "Owned", "FullDetails"),
    "NoneditingAuthor": (True, False, False, True, False, "None", "Owned", "FullDetails"),
    "Reviewer": (False, False, False, True, False, "None", "None", "FullDetails"),
    "Contributor": (True, False, False, True, False, "None", "None", "None"),
    "None": (False, False, False, False, False, "None", "None", "None"),
}
CALENDAR_ONLY = {
    "FreeBusyTimeOnly": (False, False, False, False, False, "None", "None", "TimeOnly"),
}

Value = str | bool | tuple[str, ...]


@dataclass(frozen=True)
class Grant:
    """One entry of a folder's PermissionSet; ``user`` is an address, Default or Anonymous."""

    user: str
    level: str
    create_items: bool = False
    create_subfolders: bool = False
    owner: bool = False
    visible: bool = False
    contact: bool = False
    edit: str = "None"  # None | Owned | All
    delete: str = "None"
    read: str = "None"  # None | FullDetails (| TimeOnly | TimeAndSubjectAndLocation)


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    priority: int
    enabled: bool
    conditions: tuple[tuple[str, Value], ...] = ()
    actions: tuple[tuple[str, Value], ...] = ()  # MoveToFolder's value: a folder path
    in_error: bool = False

    def forwards(self) -> list[str]:
        """Every address the rule forwards, redirects or sends a copy to."""
        out: list[str] = []
        for element, value in self.actions:
            if element.endswith("Recipients") and isinstance(value, tuple):
                out += value
        return out


@dataclass(frozen=True)
class Delegate:
    user: str
    calendar: str = "None"
    tasks: str = "None"
    inbox: str = "None"
    contacts: str = "None"
    notes: str = "None"
    journal: str = "None"
    meeting_copies: bool = False
    view_private: bool = False


def role(user: str, level: str) -> Grant:
    """A grant with the flags of one of Exchange's roles."""
    flags = ROLES.get(level) or CALENDAR_ONLY[level]
    return Grant(user, level, *flags)


def from_imap_rights(user: str, rights: str) -> Grant:
    """An IMAP ACL entry (RFC 4314 letters) as Exchange permission flags and role."""
    flags = (
        "i" in rights or "p" in rights,
        "k" in rights,
        "a" in rights,
        "l" in rights,
        "a" in rights,
        "All" if "w" in rights else "None",
        "All" if "t" in rights or "e" in rights else "None",
        "FullDetails" if "r" in rights else "None",
    )
    level = next((name for name, f in ROLES.items() if f == flags), "Custom")
    return Grant(user, level, *flags)


def _a(local: str) -> str:
    return f"{local}@{DOMAIN}"


def _rule(
    n: int,
    name: str,
    *actions: tuple[str, Value],
    conditions: tuple[tuple[str, Value], ...] = (),
    priority: int = 1,
    enabled: bool = True,
    in_error: bool = False,
) -> Rule:
    return Rule(f"AQAAAAAA{n:04d}", name, priority, enabled, conditions, actions, in_error)


RULES: dict[str, tuple[Rule, ...]] = {
    _a("lotte.mulder"): (
        _rule(1, "Alles naar privé", ("RedirectToRecipients", ("lotte.mulder@gmail.com",))),
    ),
    _a("support"): (
        _rule(
            2,
            "Naar de helpdesk van de partner",
            ("ForwardToRecipients", ("helpdesk@partner.example", _a("sanne.bakker"))),
            ("StopProcessingRules", True),
        ),
    ),
    _a("koen.willems"): (
        _rule(
            3,
            "Vakantie: doorsturen",
            ("ForwardAsAttachmentToRecipients", ("koen.willems@outlook.com",)),
            enabled=False,
        ),
    ),
    _a("jan.devries"): (
        _rule(
            4,
            "Facturen naar Sophie",
            ("ForwardToRecipients", (_a("sophie.deboer"),)),
            conditions=(("ContainsSubjectStrings", ("Factuur", "Faktura")),),
        ),
        _rule(
            5,
            "Nieuwsbrieven",
            ("MoveToFolder", "Top of Information Store/Archive"),
            ("StopProcessingRules", True),
            conditions=(("ContainsSenderStrings", ("nieuwsbrief",)),),
            priority=2,
        ),
    ),
    _a("sales"): (_rule(6, "Offertes naar Piotr", ("ForwardToRecipients", (_a("piotr.nowak"),))),),
    _a("emma.visser"): (
        _rule(
            7, "Casino weg", ("Delete", True), conditions=(("ContainsSubjectStrings", ("casino",)),)
        ),
    ),
    _a("hr"): (
        _rule(
            8,
            "Oude map sollicitaties",
            ("MoveToFolder", "Top of Information Store/Sollicitaties 2019"),
            in_error=True,
        ),
    ),
}
DELEGATES: dict[str, tuple[str, tuple[Delegate, ...]]] = {
    _a("jan.devries"): (
        "DelegatesAndSendInformationToMe",
        (Delegate(_a("sophie.deboer"), "Editor", "Editor", "Reviewer", meeting_copies=True),),
    ),
    _a("directie"): (
        "DelegatesAndMe",
        (
            Delegate(_a("pieter.jansen"), "Editor", inbox="Editor", view_private=True),
            Delegate(_a("emma.visser"), "Reviewer"),
        ),
    ),
    _a("vergaderzaal.amsterdam"): ("DelegatesOnly", (Delegate(_a("lieke.vandijk"), "Editor"),)),
}
_DELEGATE_FOLDERS = {
    "calendar": "calendar",
    "tasks": "tasks",
    "inbox": "inbox",
    "contacts": "contacts",
    "notes": "notes",
    "journal": "journal",
}


Delegates = tuple[str, tuple[Delegate, ...]]  # (DeliverMeetingRequests, the delegates)


def for_large(addresses: list[str]) -> tuple[dict[str, tuple[Rule, ...]], dict[str, Delegates]]:
    """A few rules and delegates for the large profile, by position: every 50th mailbox
    (from the 4th) redirects to an outside address, every 50th (from the 29th) forwards to
    the next mailbox; every 100th (from the 11th) has the next mailbox as delegate."""
    rules: dict[str, tuple[Rule, ...]] = {}
    delegates: dict[str, Delegates] = {}
    for i, address in enumerate(addresses):
        after = addresses[(i + 1) % len(addresses)]
        if i % 50 == 3:
            outside = f"{address.split('@')[0]}@gmail.com"
            rules[address] = (
                _rule(100 + i, "Alles naar privé", ("RedirectToRecipients", (outside,))),
            )
        elif i % 50 == 28 and after != address:
            rules[address] = (
                _rule(100 + i, "Kopie naar collega", ("ForwardToRecipients", (after,))),
            )
        if i % 100 == 10 and after != address:
            delegates[address] = (
                "DelegatesAndSendInformationToMe",
                (Delegate(after, "Editor", inbox="Reviewer"),),
            )
    return rules, delegates


def decorate(
    mailboxes: dict[str, Mailbox],
    rules: Mapping[str, tuple[Rule, ...]] = RULES,
    delegations: Mapping[str, Delegates] = DELEGATES,
) -> None:
    """Add permissions, rules and delegates to every mailbox (in place in the dict)."""
    for address, box in list(mailboxes.items()):
        meeting, delegates = delegations.get(address, ("DelegatesAndSendInformationToMe", ()))
        folders = [_grants(f, delegates) for f in box.folders]
        users = {g.user for f in folders for g in f.grants} - {"Default", "Anonymous"}
        folders = [_root_visible(f, users) for f in folders]
        mailboxes[address] = replace(
            box,
            folders=tuple(folders),
            rules=rules.get(address, ()),
            delegates=delegates,
            deliver_meeting_requests=meeting,
        )


def _grants(folder: Folder, delegates: tuple[Delegate, ...]) -> Folder:
    calendar = folder.folder_class == "IPF.Appointment"
    default = role("Default", "FreeBusyTimeOnly" if calendar else "None")
    grants = [default, role("Anonymous", "None")]
    spec = folder.items.imap if folder.items else None
    for ident, rights in spec.acl if spec else ():
        if ident == "anyone":
            grants[0] = from_imap_rights("Default", rights)
        else:
            grants.append(from_imap_rights(ident.removeprefix("user="), rights))
    if folder.store == "primary" and folder.distinguished in _DELEGATE_FOLDERS:
        for d in delegates:
            level = getattr(d, _DELEGATE_FOLDERS[folder.distinguished])
            if level != "None" and all(g.user != d.user for g in grants):
                grants.append(role(d.user, level))
    return replace(folder, grants=tuple(grants))


def _root_visible(folder: Folder, users: set[str]) -> Folder:
    """Whoever has rights on a folder also sees the top of the mailbox (FolderVisible)."""
    if folder.distinguished != "msgfolderroot" or not users:
        return folder
    seen = Grant("", "Custom", visible=True)
    extra = tuple(replace(seen, user=u) for u in sorted(users))
    return replace(folder, grants=folder.grants + extra)
