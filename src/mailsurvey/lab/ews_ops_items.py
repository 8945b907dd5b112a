"""FindItem and GetItem: a folder's items, filtered by a Restriction, sorted and paged;
GetItem with their MIME content when asked (``ews_mime``).

Restrictions compare the item size (item:Size, or the extended property 0x0E08:
PR_MESSAGE_SIZE as Integer, PR_MESSAGE_SIZE_EXTENDED as Long), the received time or the
subject with a constant, combined with And/Or/Not; anything else is answered with
ErrorUnsupportedPathForQuery.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from xml.etree import ElementTree as ET

from . import ews_xml
from .ews_items import Realized
from .ews_mime import Mime, Part, with_mime
from .ews_org import Folder
from .ews_store import (
    Ctx,
    Failure,
    folder_elements,
    local,
    page,
    parse_shape,
    property_tag,
    resolve_folder,
    view,
)
from .ews_xml import M, T, parse_id

Test = Callable[[Realized, int], bool]
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "IsEqualTo": lambda a, b: a == b,
    "IsNotEqualTo": lambda a, b: a != b,
    "IsGreaterThan": lambda a, b: a > b,
    "IsGreaterThanOrEqualTo": lambda a, b: a >= b,
    "IsLessThan": lambda a, b: a < b,
    "IsLessThanOrEqualTo": lambda a, b: a <= b,
}


def find_item(ctx: Ctx, op: ET.Element) -> tuple[str, list[str]]:
    shape = parse_shape(op.find(f"{{{M}}}ItemShape"))
    traversal = op.get("Traversal", "Shallow")
    limit, offset, from_end = view(op, "IndexedPageItemView")
    messages, codes = [], []
    for elem in folder_elements(op.find(f"{{{M}}}ParentFolderIds")):
        tag = "FindItemResponseMessage"
        try:
            if traversal == "Deep":
                raise Failure("ErrorInvalidOperation", "Deep traversal needs a search folder.")
            if op.find(f"{{{M}}}QueryString") is not None:
                raise Failure("ErrorUnsupportedQueryFilter", "The lab does not search with AQS.")
            if op.find(f"{{{M}}}CalendarView") is not None:
                raise Failure("ErrorInvalidOperation", "The lab has no CalendarView.")
            f = resolve_folder(ctx, elem)
            test = _restriction(op.find(f"{{{M}}}Restriction"))
            items = ctx.store.items(f)
            chosen: Sequence[int] = range(items.count)  # 200,000 items: no list per page
            if traversal in ("SoftDeleted", "Associated"):
                chosen = []
            elif test is not None:
                chosen = [i for i in chosen if test(items, i)]
            chosen = _sorted(op.find(f"{{{M}}}SortOrder"), items, chosen)
        except Failure as exc:
            messages.append(exc.message(tag))
            codes.append(exc.code)
            continue
        indexes, attrs = page(len(chosen), limit, offset, from_end)
        xml = "".join(ews_xml.item(f, items, chosen[i], shape) for i in indexes)
        messages.append(
            ews_xml.success(tag, f"<m:RootFolder {attrs}><t:Items>{xml}</t:Items></m:RootFolder>")
        )
        codes.append("NoError")
    return ews_xml.response("FindItem", messages), codes


def get_item(ctx: Ctx, op: ET.Element) -> tuple[str | list[Part], list[str]]:
    """The items asked for; with item:MimeContent (or IncludeMimeContent) each one's
    message too, made and encoded while the answer goes out (``ews_mime``)."""
    shape_elem = op.find(f"{{{M}}}ItemShape")
    shape = parse_shape(shape_elem)
    include = shape_elem is not None and shape_elem.findtext(f"{{{T}}}IncludeMimeContent")
    mime = "item:MimeContent" in shape.fields or (include or "").strip() == "true"
    messages: list[Part] = []
    codes = []
    for elem in folder_elements(op.find(f"{{{M}}}ItemIds")):
        tag = "GetItemResponseMessage"
        try:
            f, index = _item(ctx, elem)
            items = ctx.store.items(f)
            xml = ews_xml.item(f, items, index, shape)
        except Failure as exc:
            messages.append(exc.message(tag))
            codes.append(exc.code)
            continue
        if not mime:
            messages.append(ews_xml.success(tag, f"<m:Items>{xml}</m:Items>"))
        else:
            opening, closing = ews_xml.success(tag, "<m:Items>\x00</m:Items>").split("\x00")
            content = with_mime(xml, items.element, Mime(f, items, index))
            messages += [opening, *content, closing]
        codes.append("NoError")
    if not mime:
        return ews_xml.response("GetItem", [m for m in messages if isinstance(m, str)]), codes
    opening, closing = ews_xml.response("GetItem", ["\x00"]).split("\x00")
    return [opening, *messages, closing], codes


def _item(ctx: Ctx, elem: ET.Element) -> tuple[Folder, int]:
    parsed = parse_id(elem.get("Id", ""))
    if parsed is None or parsed[0] != "item" or len(parsed[1]) != 4:
        raise Failure("ErrorInvalidIdMalformed")
    address, store, path, index = parsed[1]
    address = ctx.mailbox(address)
    f = ctx.store.by_path.get((address, store, path))
    if f is None or not index.isdigit() or int(index) >= ctx.store.items(f).count:
        raise Failure("ErrorItemNotFound")
    if not ctx.may_see(f):
        raise Failure("ErrorAccessDenied")
    return f, int(index)


def _restriction(elem: ET.Element | None) -> Test | None:
    if elem is None:
        return None
    kids = folder_elements(elem)
    if len(kids) != 1:
        raise Failure("ErrorInvalidRestriction", "A Restriction holds one search expression.")
    return _expression(kids[0])


def _expression(elem: ET.Element) -> Test:
    name = local(elem)
    kids = folder_elements(elem)
    if name in ("And", "Or"):
        tests = [_expression(k) for k in kids]
        if name == "And":
            return lambda items, i: all(t(items, i) for t in tests)
        return lambda items, i: any(t(items, i) for t in tests)
    if name == "Not":
        inner = _expression(kids[0])
        return lambda items, i: not inner(items, i)
    if name == "Exists":
        get = _path(kids[0])
        return lambda items, i: True
    if name in _COMPARE:
        get = _path(kids[0])
        constant = elem.find(f"{{{T}}}FieldURIOrConstant/{{{T}}}Constant")
        if constant is None:
            raise Failure("ErrorUnsupportedQueryFilter", "Compare with a constant.")
        value = _value(kids[0], constant.get("Value", ""))
        compare = _COMPARE[name]
        return lambda items, i: compare(get(items, i), value)
    if name == "Contains":
        get = _path(kids[0])
        text = (elem.find(f"{{{T}}}Constant") or elem).get("Value", "")
        ignore_case = "Ignore" in elem.get("ContainmentComparison", "")
        mode = elem.get("ContainmentMode", "Substring")
        needle = text.lower() if ignore_case else text

        def contains(items: Realized, i: int) -> bool:
            hay = str(get(items, i))
            hay = hay.lower() if ignore_case else hay
            if mode == "FullString":
                return hay == needle
            return hay.startswith(needle) if mode == "Prefixed" else needle in hay

        return contains
    raise Failure("ErrorUnsupportedQueryFilter", f"The lab cannot filter with {name}.")


def _path(elem: ET.Element) -> Callable[[Realized, int], Any]:
    name = local(elem)
    uri = elem.get("FieldURI", "")
    if name == "ExtendedFieldURI":
        tag = property_tag(elem.get("PropertyTag") or "-1")
        if tag == 0x0E08:
            return lambda items, i: items.sizes[i]
        if tag == 0x0037:
            return lambda items, i: items.subject_of(i)
    elif uri == "item:Size":
        return lambda items, i: items.sizes[i]
    elif uri == "item:DateTimeReceived":
        return lambda items, i: items.when[i]
    elif uri == "item:Subject":
        return lambda items, i: items.subject_of(i)
    raise Failure("ErrorUnsupportedPathForQuery", f"The lab cannot filter on {uri or name}.")


def _value(path: ET.Element, text: str) -> Any:
    uri = path.get("FieldURI", "")
    if uri == "item:DateTimeReceived":
        return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())
    if uri == "item:Subject" or path.get("PropertyTag") in ("0x37", "0x0037"):
        return text
    try:
        return int(text)
    except ValueError as exc:
        raise Failure("ErrorInvalidValueForProperty", f"{text!r} is not a number.") from exc


def _sorted(elem: ET.Element | None, items: Realized, chosen: Sequence[int]) -> Sequence[int]:
    for order in reversed(folder_elements(elem)):
        kids = folder_elements(order)
        if not kids:
            continue
        try:
            get = _path(kids[0])
        except Failure:
            continue  # the lab sorts only by the paths it can filter on
        descending = order.get("Order") == "Descending"
        chosen = sorted(chosen, key=lambda i: get(items, i), reverse=descending)
    return chosen
