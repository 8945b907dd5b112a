"""GetInboxRules, GetDelegate, ConvertId and ResolveNames."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from . import ews_xml
from .ews_store import Ctx, Failure, folder_elements
from .ews_xml import M, T, el, esc, parse_id

_OPEN = f'xmlns:m="{M}" xmlns:t="{T}"'


def _fail(op: str, exc: Failure) -> tuple[str, list[str]]:
    """The whole response as one error (these operations have no response messages)."""
    inner = exc.message("X").removeprefix('<m:X ResponseClass="Error">').removesuffix("</m:X>")
    return f'<m:{op}Response ResponseClass="Error" {_OPEN}>{inner}</m:{op}Response>', [exc.code]


def _owner(ctx: Ctx, address: str | None) -> str:
    """A mailbox whose rules or delegates the caller may read (owner or Full Access)."""
    mailbox = ctx.mailbox(address)
    if not ctx.full_access(mailbox):
        raise Failure("ErrorAccessDenied")
    return mailbox


def get_inbox_rules(ctx: Ctx, op: ET.Element) -> tuple[str, list[str]]:
    try:
        address = _owner(ctx, op.findtext(f"{{{M}}}MailboxSmtpAddress"))
    except Failure as exc:
        return _fail("GetInboxRules", exc)
    box = ctx.store.ews.mailboxes[address]
    paths = ctx.store.paths(address)
    rules = "".join(ews_xml.rule(r, paths) for r in box.rules)
    return (
        f'<m:GetInboxRulesResponse ResponseClass="Success" {_OPEN}>'
        "<m:ResponseCode>NoError</m:ResponseCode>"
        f"{el('m:OutlookRuleBlobExists', bool(box.rules))}"
        f"<m:InboxRules>{rules}</m:InboxRules></m:GetInboxRulesResponse>",
        ["NoError"],
    )


def get_delegate(ctx: Ctx, op: ET.Element) -> tuple[str, list[str]]:
    try:
        address = _owner(ctx, op.findtext(f"{{{M}}}Mailbox/{{{T}}}EmailAddress"))
    except Failure as exc:
        return _fail("GetDelegate", exc)
    box = ctx.store.ews.mailboxes[address]
    wanted = {
        (u.findtext(f"{{{T}}}PrimarySmtpAddress") or "").lower()
        for u in folder_elements(op.find(f"{{{M}}}UserIds"))
    }
    with_permissions = op.get("IncludePermissions", "false").lower() == "true"
    messages = []
    for d in box.delegates:
        if wanted and d.user not in wanted:
            continue
        user = ctx.store.ews.mailboxes[d.user]
        xml = ews_xml.delegate(d, user.sid, user.name)
        if not with_permissions:
            start = xml.index("<t:DelegatePermissions>")
            xml = xml[:start] + xml[xml.index("</t:DelegatePermissions>") + 24 :]
        messages.append(xml)
    inner = f"<m:ResponseMessages>{''.join(messages)}</m:ResponseMessages>" if messages else ""
    meeting = el("m:DeliverMeetingRequests", box.deliver_meeting_requests)
    return (
        f'<m:GetDelegateResponse ResponseClass="Success" {_OPEN}>'
        f"<m:ResponseCode>NoError</m:ResponseCode>{inner}{meeting}</m:GetDelegateResponse>",
        ["NoError"] * max(len(messages), 1),
    )


def convert_id(ctx: Ctx, op: ET.Element) -> tuple[str, list[str]]:
    """Ids of this server convert to themselves; anything else is malformed."""
    fmt = op.get("DestinationFormat", "EwsId")
    messages, codes = [], []
    for source in folder_elements(op.find(f"{{{M}}}SourceIds")):
        tag = "ConvertIdResponseMessage"
        value = source.get("Id", "")
        if parse_id(value) is None:
            messages.append(ews_xml.error(tag, "ErrorInvalidIdMalformed", "Id is malformed."))
            codes.append("ErrorInvalidIdMalformed")
            continue
        mailbox = esc(source.get("Mailbox", ""))
        alt = (
            f'<m:AlternateId xsi:type="t:AlternateIdType" Format="{esc(fmt)}" '
            f'Id="{esc(value)}" Mailbox="{mailbox}"/>'
        )
        messages.append(ews_xml.success(tag, alt))
        codes.append("NoError")
    return ews_xml.response("ConvertId", messages), codes


def resolve_names(ctx: Ctx, op: ET.Element) -> tuple[str, list[str]]:
    """Mailboxes whose address or display name starts with the unresolved entry."""
    entry = (op.findtext(f"{{{M}}}UnresolvedEntry") or "").strip().lower()
    entry = entry.removeprefix("smtp:")
    found = [
        (a, m.name)
        for a, m in ctx.store.ews.mailboxes.items()
        if entry
        and (a.startswith(entry) or m.name.lower().startswith(entry))
        and ctx.broken.get(a) != "ErrorNonExistentMailbox"
    ][:100]
    tag = "ResolveNamesResponseMessage"
    if not found:
        text = "No results were found."
        message = ews_xml.error(tag, "ErrorNameResolutionNoResults", text)
        return ews_xml.response("ResolveNames", [message]), ["ErrorNameResolutionNoResults"]
    resolutions = "".join(f"<t:Resolution>{ews_xml.mailbox(a, n)}</t:Resolution>" for a, n in found)
    rset = (
        f'<m:ResolutionSet TotalItemsInView="{len(found)}" IncludesLastItemInRange="true">'
        f"{resolutions}</m:ResolutionSet>"
    )
    if len(found) == 1:
        return ews_xml.response("ResolveNames", [ews_xml.success(tag, rset)]), ["NoError"]
    code = "ErrorNameResolutionMultipleResults"
    warning = (
        f'<m:{tag} ResponseClass="Warning"><m:MessageText>Multiple results were found.'
        f"</m:MessageText><m:ResponseCode>{code}</m:ResponseCode>"
        f"<m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>{rset}</m:{tag}>"
    )
    return ews_xml.response("ResolveNames", [warning]), [code]
