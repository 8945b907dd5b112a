"""What a mailbox holds beyond its folders: inbox rules, delegates, large items.

One request each (GetInboxRules, GetDelegate), and one restricted FindItem (paged) over
only the folders that can hold an item over 35 MB: a folder is at least as big as its
largest item, so a folder of 35 MB or less is never searched, and a mailbox without a
bigger folder sends no FindItem. Each call goes through ``retry`` (the collector's
throttling policy); an error is raised to the caller, which keeps what was read.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any, TypeVar

from ..model import InboxRule, Observation, Permission
from . import ews_parse
from .ews_services import ITEM_FIELDS, LargerThan, RawDelegates, RawFindItem, RawInboxRules

T = TypeVar("T")
Retry = Callable[[Callable[[], list[Any]]], list[Any]]
PAGE = 1000  # items per FindItem page
SMALLEST = ews_parse.OVER[0][1]  # the lowest limit searched for


def _answers(found: Iterable[Any]) -> list[Any]:
    """The answer's elements; the first error in it is raised."""
    out = list(found)
    for x in out:
        if isinstance(x, Exception):
            raise x
    return out


def inbox_rules(
    ews: Any, retry: Retry, source: str, address: str, accepted: Collection[str]
) -> list[InboxRule]:
    rules = retry(lambda: _answers(RawInboxRules(account=ews).call(mailbox=address)))
    return ews_parse.inbox_rules(source, address, rules, accepted)


def delegates(ews: Any, retry: Retry, source: str, address: str) -> list[Permission]:
    users = retry(
        lambda: _answers(RawDelegates(account=ews).call(user_ids=None, include_permissions=True))
    )
    return ews_parse.delegates(source, address, users)


def large_folders(folders: Iterable[ews_parse.RawFolder]) -> list[str]:
    """Ids of the folders that may hold an item over the smallest limit (size unknown:
    may)."""
    return [f.id for f in folders if f.size is None or f.size > SMALLEST]


def large_items(
    ews: Any,
    retry: Retry,
    source: str,
    address: str,
    folder_ids: list[str],
    where: Mapping[str, tuple[str, str, int]],
) -> tuple[list[Observation], Exception | None]:
    """Observations of the items over the limits in ``folder_ids`` (none: no request),
    and the first folder's error if one could not be searched (the others still count)."""
    if not folder_ids:
        return [], None

    def find() -> list[Any]:
        return list(
            RawFindItem(account=ews, page_size=PAGE).call(
                folders=[(i, None) for i in folder_ids],
                additional_fields=ITEM_FIELDS,
                restriction=LargerThan(SMALLEST),
                order_fields=None,
                shape="IdOnly",
                query_string=None,
                depth="Shallow",
                calendar_view=None,
                max_items=None,
                offset=0,
            )
        )

    found = retry(find)
    errors = [x for x in found if isinstance(x, Exception)]
    items = [x for x in found if not isinstance(x, Exception)]
    return ews_parse.large_items(source, address, items, where), (errors[0] if errors else None)
