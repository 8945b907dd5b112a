"""What every EWS operation shares: the served data, the caller, and folder resolution.

``Store`` indexes the organisation; ``Ctx`` is one request's caller, the mailbox it acts
as (itself or the impersonated one) and the mailboxes a fault made unreachable; a
``Failure`` is an EWS error that belongs in a response message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.etree import ElementTree as ET

from . import ews_xml
from .ews_extras import Grant
from .ews_items import Realized, realize
from .ews_org import EwsOrg, Folder
from .ews_xml import M, Shape, T, parse_id

NO_MAILBOX = "The SMTP address has no mailbox associated with it."
BUSY = "The server cannot service this request right now. Try again later."
MESSAGES = {
    "ErrorNonExistentMailbox": NO_MAILBOX,
    "ErrorMailboxMoveInProgress": "Mailbox move in progress. Try again later.",
    "ErrorFolderNotFound": "The specified folder could not be found in the store.",
    "ErrorItemNotFound": "The specified object was not found in the store.",
    "ErrorAccessDenied": "Access is denied. Check credentials and try again.",
    "ErrorInvalidIdMalformed": "Id is malformed.",
    "ErrorMissingEmailAddress": (
        "When making a request as an account that does not have a mailbox, you must "
        "specify the mailbox primary SMTP address for any distinguished folders."
    ),
}
PAGE_LIMIT = 1000  # EWSFindCountLimit: no page holds more


class Failure(Exception):
    """An error for one response message: an EWS ResponseCode and its text."""

    def __init__(self, code: str, text: str | None = None, **values: str) -> None:
        super().__init__(code)
        self.code = code
        self.text = text or MESSAGES.get(code, code)
        self.values = values  # MessageXml's Value elements

    def message(self, tag: str) -> str:
        """This error as a response message ``<m:{tag} ResponseClass="Error">``."""
        return ews_xml.error(tag, self.code, self.text, self.values)


@dataclass(frozen=True)
class Caller:
    user: str  # the authenticated account, as it logged on
    mailbox: str | None  # its own mailbox; None for the service account
    can_impersonate: bool = False


@dataclass
class Ctx:
    store: Store
    caller: Caller
    acting: str | None  # the mailbox the request acts as
    broken: dict[str, str] = field(default_factory=dict)  # mailbox or "*" -> code (faults)
    impersonating: bool = False
    back_off_ms: int = 5000  # for ErrorServerBusy in a response message

    def mailbox(self, address: str | None) -> str:
        """``address`` (or the acting mailbox) if it exists and is reachable."""
        address = (address or self.acting or "").lower()
        if not address:
            raise Failure("ErrorMissingEmailAddress")
        code = self.broken.get(address) or self.broken.get("*")
        if address not in self.store.ews.mailboxes:
            code = "ErrorNonExistentMailbox"
        if code == "ErrorServerBusy":
            raise Failure(code, BUSY, BackOffMilliseconds=str(self.back_off_ms))
        if code:
            raise Failure(code)
        return address

    def full_access(self, address: str) -> bool:
        """Owner, impersonating the owner, or the service account (Full Access to all)."""
        if address == self.acting:
            return True
        return self.caller.can_impersonate and not self.impersonating

    def may_see(self, f: Folder) -> bool:
        if self.full_access(f.mailbox):
            return True
        grant = next((g for g in f.grants if g.user == self.acting), None)
        return grant is not None and _visible(grant)


def _visible(g: Grant) -> bool:
    return g.visible or g.read != "None"


class Store:
    """The organisation, indexed for the operations."""

    def __init__(self, ews: EwsOrg) -> None:
        self.ews = ews
        self.names = {a: m.name for a, m in ews.mailboxes.items()}
        self.by_path: dict[tuple[str, str, str], Folder] = {}
        self.by_dist: dict[tuple[str, str], Folder] = {}
        self.children: dict[tuple[str, str, str], list[Folder]] = {}
        self.by_sid = {m.sid: a for a, m in ews.mailboxes.items()}
        for address, box in ews.mailboxes.items():
            for f in box.folders:
                self.by_path[(address, f.store, f.path)] = f
                if f.distinguished:
                    self.by_dist[(address, f.distinguished)] = f
                if f.parent_path is not None:
                    key = (address, f.store, f.parent_path)
                    self.children.setdefault(key, []).append(f)

    def items(self, f: Folder) -> Realized:
        return realize(f.items)

    def warm(self) -> None:
        """Make every folder's items (cached) and their totals now."""
        for box in self.ews.mailboxes.values():
            for f in box.folders:
                items = realize(f.items)
                _ = items.bytes, items.largest

    def parent(self, f: Folder) -> Folder | None:
        if f.parent_path is None:
            return None
        return self.by_path[(f.mailbox, f.store, f.parent_path)]

    def kids(self, f: Folder) -> list[Folder]:
        return self.children.get((f.mailbox, f.store, f.path), [])

    def descendants(self, f: Folder) -> list[Folder]:
        out: list[Folder] = []
        for kid in self.kids(f):
            out.append(kid)
            out += self.descendants(kid)
        return out

    def paths(self, address: str) -> dict[str, Folder]:
        """The primary store's folders of a mailbox by path (for rules)."""
        box = self.ews.mailboxes[address]
        return {f.path: f for f in box.folders if f.store == "primary"}


def resolve_folder(ctx: Ctx, elem: ET.Element) -> Folder:
    """The folder a t:DistinguishedFolderId or t:FolderId names; Failure if none."""
    if elem.tag == f"{{{T}}}DistinguishedFolderId":
        box = elem.find(f"{{{T}}}Mailbox/{{{T}}}EmailAddress")
        address = ctx.mailbox(box.text if box is not None else None)
        found = ctx.store.by_dist.get((address, elem.get("Id", "")))
        if found is None:
            raise Failure("ErrorFolderNotFound")
    else:
        parsed = parse_id(elem.get("Id", ""))
        if parsed is None or parsed[0] != "folder" or len(parsed[1]) != 3:
            raise Failure("ErrorInvalidIdMalformed")
        address = ctx.mailbox(parsed[1][0])
        key = (address, parsed[1][1], parsed[1][2])
        if key not in ctx.store.by_path:
            raise Failure("ErrorFolderNotFound")
        found = ctx.store.by_path[key]
    if not ctx.may_see(found):
        raise Failure("ErrorAccessDenied")
    return found


def folder_elements(parent: ET.Element | None) -> list[ET.Element]:
    if parent is None:
        return []
    return list(parent)


def local(elem: ET.Element) -> str:
    """An element's name without its namespace."""
    return elem.tag.rsplit("}", 1)[-1]


def parse_shape(elem: ET.Element | None) -> Shape:
    """A FolderShape or ItemShape element as a Shape."""
    if elem is None:
        return Shape()
    base = elem.findtext(f"{{{T}}}BaseShape") or "Default"
    fields: set[str] = set()
    extended: list[tuple[int, str]] = []
    for prop in folder_elements(elem.find(f"{{{T}}}AdditionalProperties")):
        if prop.tag == f"{{{T}}}FieldURI":
            fields.add(prop.get("FieldURI", ""))
        elif prop.tag == f"{{{T}}}ExtendedFieldURI" and prop.get("PropertyTag"):
            extended.append(
                (property_tag(prop.get("PropertyTag", "")), prop.get("PropertyType", ""))
            )
    return Shape(base, frozenset(fields), tuple(extended))


def property_tag(value: str) -> int:
    """A PropertyTag attribute: "0x0E08", "0xe08" or decimal."""
    value = value.strip()
    return int(value, 16) if value.lower().startswith("0x") else int(value)


def view(op: ET.Element, name: str) -> tuple[int, int, bool]:
    """(max entries, offset, from the end) of an Indexed*View; everything when absent."""
    elem = op.find(f"{{{M}}}{name}")
    if elem is None:
        return PAGE_LIMIT, 0, False
    limit = int(elem.get("MaxEntriesReturned") or PAGE_LIMIT)
    return min(limit, PAGE_LIMIT), int(elem.get("Offset") or 0), elem.get("BasePoint") == "End"


def page(total: int, limit: int, offset: int, from_end: bool) -> tuple[range, str]:
    """The indexes of one page and the RootFolder element's paging attributes."""
    start = max(total - offset - limit, 0) if from_end else min(offset, total)
    stop = total - offset if from_end else min(offset + limit, total)
    stop = max(stop, start)
    last = stop >= total if not from_end else start == 0
    attrs = (
        f'IndexedPagingOffset="{stop if not from_end else start}" '
        f'TotalItemsInView="{total}" IncludesLastItemInRange="{"true" if last else "false"}"'
    )
    return range(start, stop), attrs
