"""The EWS operations: parse a SOAP request, settle who acts as whom, answer it.

Read-only: Get/Find/Resolve/Convert operations are answered; every operation that would
change something (CreateItem, UpdateFolder, UpdateInboxRules, AddDelegate, ...) is
answered with ErrorAccessDenied and marked ``mutating`` for the request log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from xml.etree import ElementTree as ET

from . import ews_mime, ews_ops_items, ews_ops_misc, ews_xml
from .ews_mime import Part, Streamed
from .ews_org import Folder
from .ews_store import (
    NO_MAILBOX,
    Caller,
    Ctx,
    Failure,
    Store,
    folder_elements,
    local,
    page,
    parse_shape,
    resolve_folder,
    view,
)
from .ews_xml import SOAP, M, Shape, T, parse_id

MUTATING_PREFIXES = (
    "Create", "Update", "Delete", "Add", "Remove", "Set", "Move", "Copy", "Send", "Empty",
    "Mark", "Upload", "Apply", "Install", "Uninstall", "Disable", "Enable", "Archive",
    "Play", "Perform", "Start", "Stop", "Report", "Refresh",
)  # fmt: skip
VERSIONS = {
    "Exchange2007", "Exchange2007_SP1", "Exchange2010", "Exchange2010_SP1", "Exchange2010_SP2",
    "Exchange2013", "Exchange2013_SP1", "Exchange2015", "Exchange2016",
}  # fmt: skip


class BadRequest(Exception):
    """Not a SOAP request this server can read (answered with ErrorSchemaValidation)."""


@dataclass(frozen=True)
class Request:
    op: str
    elem: ET.Element
    impersonate: tuple[str, str] | None  # (PrimarySmtpAddress | SmtpAddress | ..., value)
    version: str | None


@dataclass(frozen=True)
class Outcome:
    body: bytes | Streamed  # Streamed: an answer with MIME contents, made as it is sent
    status: int = 200
    codes: tuple[str, ...] = ()
    access: str | None = None  # own | impersonation | delegate
    mutating: bool = False
    unsupported: bool = False


def parse(body: bytes) -> Request:
    if b"<!DOCTYPE" in body or b"<!ENTITY" in body:  # SOAP forbids them; no entity tricks
        raise BadRequest("A SOAP request must not hold a document type declaration.")
    try:
        root = ET.fromstring(body)  # noqa: S314 (no DTD gets here: no entities)
    except ET.ParseError as exc:
        raise BadRequest(f"The request is not well-formed XML: {exc}") from exc
    soap_body = root.find(f"{{{SOAP}}}Body")
    ops = [e for e in soap_body if isinstance(e.tag, str)] if soap_body is not None else []
    if root.tag != f"{{{SOAP}}}Envelope" or len(ops) != 1 or not ops[0].tag.startswith(f"{{{M}}}"):
        raise BadRequest("The request is not a SOAP envelope with one EWS operation.")
    header = root.find(f"{{{SOAP}}}Header")
    impersonate = version = None
    if header is not None:
        sid = header.find(f"{{{T}}}ExchangeImpersonation/{{{T}}}ConnectingSID")
        if sid is not None:
            kids = folder_elements(sid)
            if not kids or not (kids[0].text or "").strip():
                raise BadRequest("ConnectingSID names nobody.")
            impersonate = (local(kids[0]), (kids[0].text or "").strip())
        rsv = header.find(f"{{{T}}}RequestServerVersion")
        version = rsv.get("Version") if rsv is not None else None
    return Request(local(ops[0]), ops[0], impersonate, version)


def target(req: Request, store: Store) -> str | None:
    """The mailbox a request is about, for faults and the request log (None if none)."""
    if req.impersonate:
        return _impersonated(req.impersonate, store)
    paths = (
        f".//{{{T}}}Mailbox/{{{T}}}EmailAddress",
        f".//{{{M}}}Mailbox/{{{T}}}EmailAddress",
        f".//{{{M}}}MailboxSmtpAddress",
    )
    for path in paths:
        found = req.elem.find(path)
        if found is not None and found.text:
            return found.text.strip().lower()
    for elem in req.elem.iter():
        if elem.tag not in (f"{{{T}}}FolderId", f"{{{T}}}ItemId"):
            continue
        parsed = parse_id(elem.get("Id", ""))
        if parsed:
            return parsed[1][0]
    return None


def _impersonated(who: tuple[str, str], store: Store) -> str:
    kind, value = who
    if kind == "SID":
        return store.by_sid.get(value, value)
    return value.lower()


def execute(
    req: Request, caller: Caller, store: Store, broken: dict[str, str], back_off_ms: int = 5000
) -> Outcome:
    """Answer one request as ``caller``; ``broken`` maps mailboxes to forced error codes."""
    if req.version is not None and req.version not in VERSIONS and not req.version.startswith("V2"):
        return _fault("ErrorInvalidServerVersion", "The specified server version is invalid.")
    ctx = Ctx(store, caller, caller.mailbox, broken, back_off_ms=back_off_ms)
    access = "own" if caller.mailbox else None
    if req.impersonate:
        if not caller.can_impersonate:
            return _fault(
                "ErrorImpersonateUserDenied",
                "The account does not have permission to impersonate the requested user.",
            )
        address = _impersonated(req.impersonate, store)
        code = broken.get(address) or (None if address in store.ews.mailboxes else "missing")
        if code in ("missing", "ErrorNonExistentMailbox"):
            return _fault("ErrorNonExistentMailbox", NO_MAILBOX)
        ctx.acting, ctx.impersonating, access = address, True, "impersonation"
    handler = HANDLERS.get(req.op)
    if handler is None:
        if req.op.startswith(MUTATING_PREFIXES):
            text = "The lab's EWS server is read-only: nothing may be changed."
            tag = f"{req.op}ResponseMessage"
            body = ews_xml.response(req.op, [ews_xml.error(tag, "ErrorAccessDenied", text)])
            return Outcome(ews_xml.envelope(body), 200, ("ErrorAccessDenied",), access, True)
        out = _fault("ErrorInvalidOperation", f"The lab's EWS server does not answer {req.op}.")
        return Outcome(out.body, out.status, out.codes, access, unsupported=True)
    answer, codes = handler(ctx, req.elem)
    if access is None or access == "own":
        mailbox = target(req, store)
        if mailbox and mailbox != caller.mailbox:
            access = "delegate"
    sent = ews_xml.envelope(answer) if isinstance(answer, str) else ews_mime.envelope(answer)
    return Outcome(sent, 200, tuple(codes), access)


def _fault(code: str, text: str) -> Outcome:
    return Outcome(ews_xml.fault(code, text), 500, (code,))


def get_folder(ctx: Ctx, op: ET.Element) -> tuple[str, list[str]]:
    shape = parse_shape(op.find(f"{{{M}}}FolderShape"))
    messages, codes = [], []
    for elem in folder_elements(op.find(f"{{{M}}}FolderIds")):
        tag = "GetFolderResponseMessage"
        try:
            f = resolve_folder(ctx, elem)
        except Failure as exc:
            messages.append(exc.message(tag))
            codes.append(exc.code)
            continue
        xml = _folder_xml(ctx, f, shape)
        messages.append(ews_xml.success(tag, f"<m:Folders>{xml}</m:Folders>"))
        codes.append("NoError")
    return ews_xml.response("GetFolder", messages), codes


def find_folder(ctx: Ctx, op: ET.Element) -> tuple[str, list[str]]:
    shape = parse_shape(op.find(f"{{{M}}}FolderShape"))
    traversal = op.get("Traversal", "Shallow")
    limit, offset, from_end = view(op, "IndexedPageFolderView")
    messages, codes = [], []
    for elem in folder_elements(op.find(f"{{{M}}}ParentFolderIds")):
        tag = "FindFolderResponseMessage"
        try:
            if op.find(f"{{{M}}}Restriction") is not None:
                raise Failure("ErrorUnsupportedQueryFilter", "The lab cannot filter folders.")
            parent = resolve_folder(ctx, elem)
        except Failure as exc:
            messages.append(exc.message(tag))
            codes.append(exc.code)
            continue
        if traversal == "Deep":
            found = ctx.store.descendants(parent)
        elif traversal == "Shallow":
            found = ctx.store.kids(parent)
        else:
            found = []  # SoftDeleted: none
        found = [f for f in found if ctx.may_see(f)]
        indexes, attrs = page(len(found), limit, offset, from_end)
        xml = "".join(_folder_xml(ctx, found[i], shape) for i in indexes)
        messages.append(
            ews_xml.success(
                tag, f"<m:RootFolder {attrs}><t:Folders>{xml}</t:Folders></m:RootFolder>"
            )
        )
        codes.append("NoError")
    return ews_xml.response("FindFolder", messages), codes


def _folder_xml(ctx: Ctx, f: Folder, shape: Shape) -> str:
    store = ctx.store
    parent = store.parent(f)
    return ews_xml.folder(f, parent, store.items(f), len(store.kids(f)), shape, store.names)


Handler = Callable[[Ctx, ET.Element], tuple[str | list[Part], list[str]]]
HANDLERS: dict[str, Handler] = {
    "GetFolder": get_folder,
    "FindFolder": find_folder,
    "FindItem": ews_ops_items.find_item,
    "GetItem": ews_ops_items.get_item,
    "GetInboxRules": ews_ops_misc.get_inbox_rules,
    "GetDelegate": ews_ops_misc.get_delegate,
    "ConvertId": ews_ops_misc.convert_id,
    "ResolveNames": ews_ops_misc.resolve_names,
}
