"""exchangelib's EWS services, answering raw XML where exchangelib would misread it.

exchangelib reads a non-calendar folder's PermissionLevel from CalendarPermissionLevel and
looks for ``CanCreateSubfolders`` (the schema spells ``CanCreateSubFolders``); rules,
delegates and found items are needed only in part. So these services hand back the
answer's elements and ``ews_parse`` reads them. Every one also keeps the server's
BackOffMilliseconds of an ErrorServerBusy sent as a response message (exchangelib keeps
it only from a SOAP fault).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from exchangelib import ExtendedProperty
from exchangelib.errors import ErrorServerBusy
from exchangelib.fields import ExtendedPropertyField, FieldPath
from exchangelib.items import Item
from exchangelib.services import FindFolder, FindItem, GetDelegate, GetFolder, GetInboxRules
from exchangelib.services.common import EWSService, parse_folder_elem
from exchangelib.util import TNS, create_element


class BackOff:
    """Mixin: ErrorServerBusy in a response message keeps its BackOffMilliseconds."""

    @staticmethod
    def _get_exception(
        code: Any, text: Any, msg_xml: Any = None, rule_errors: Any = None
    ) -> Exception:
        exc: Exception = EWSService._get_exception(code, text, msg_xml, rule_errors)
        if isinstance(exc, ErrorServerBusy) and msg_xml is not None:
            for value in msg_xml.iter(f"{{{TNS}}}Value"):
                if value.get("Name") == "BackOffMilliseconds" and (value.text or "").isdigit():
                    exc.back_off = int(value.text) / 1000
        return exc


class Folders(BackOff, FindFolder):  # type: ignore[misc]
    """FindFolder (exchangelib's folder objects)."""


class RawGetFolder(BackOff, GetFolder):  # type: ignore[misc]
    """GetFolder answering (folder, element) per folder asked, or the error. The element
    is a copy: exchangelib empties what it has parsed."""

    def _elems_to_objs(self, elems: Any) -> Iterator[Any]:
        for folder, elem in zip(self.folders, elems, strict=False):
            if isinstance(elem, Exception):
                yield elem
            else:
                kept = copy.deepcopy(elem)
                yield parse_folder_elem(elem=elem, folder=folder), kept


class RawInboxRules(BackOff, GetInboxRules):  # type: ignore[misc]
    """GetInboxRules answering the t:Rule elements."""

    def _elem_to_obj(self, elem: Any) -> Any:
        return elem


class RawDelegates(BackOff, GetDelegate):  # type: ignore[misc]
    """GetDelegate answering the m:DelegateUser elements."""

    def _elem_to_obj(self, elem: Any) -> Any:
        return elem


class RawFindItem(BackOff, FindItem):  # type: ignore[misc]
    """FindItem answering the item elements."""

    def _elem_to_obj(self, elem: Any) -> Any:
        return elem


class MessageSize(ExtendedProperty):  # type: ignore[misc]
    """PR_MESSAGE_SIZE (0x0E08 as Integer): an item's size in bytes."""

    property_tag = 0x0E08
    property_type = "Integer"


ITEM_FIELDS = {
    FieldPath(field=Item.get_field_by_fieldname("parent_folder_id")),
    FieldPath(field=ExtendedPropertyField("mailsurvey_message_size", value_cls=MessageSize)),
}


class LargerThan:
    """A FindItem restriction: PR_MESSAGE_SIZE greater than ``size`` bytes (what
    exchangelib's FindItem asks of a restriction is ``to_xml``)."""

    def __init__(self, size: int) -> None:
        self.size = size

    def to_xml(self, version: Any) -> Any:
        restriction = create_element("m:Restriction")
        compare = create_element("t:IsGreaterThan")
        compare.append(
            create_element(
                "t:ExtendedFieldURI", attrs={"PropertyTag": "0x0e08", "PropertyType": "Integer"}
            )
        )
        constant = create_element("t:FieldURIOrConstant")
        constant.append(create_element("t:Constant", attrs={"Value": str(self.size)}))
        compare.append(constant)
        restriction.append(compare)
        return restriction
