"""The ``duplicate`` rule: a value that another object (or this one) also holds.

Source: microsoft/idfix src/DuplicateStore.cs and src/Rules/Shared/NoDuplicatesRule.cs as of
2.5 (pull request #64): values are compared per attribute name only, never across attributes
(a mail equal to another object's proxy address is not a duplicate to IdFix), and ignoring
case (StringComparer.InvariantCultureIgnoreCase; here ``str.casefold``). A proxy address is
compared whole, prefix included, so "SMTP:a@x" and "smtp:A@X" are duplicates and "SIP:a@x" is
not. The attributes compared are mail, mailNickname, proxyAddresses, userPrincipalName and,
only for objects without a userPrincipalName, sAMAccountName (SamAccountNameDuplicateRule).

Two differences, both deliberate: IdFix 2.5+ reports the first holder plus each later one (the
first once per later one); here every occurrence is reported exactly once. And IdFix compares
the value as its earlier rules have already rewritten it; here the stored value is compared,
which is what the directory actually holds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from . import limits
from .base import DUPLICATE, Hit

COMPARED = (
    limits.MAIL,
    limits.MAIL_NICKNAME,
    limits.PROXY_ADDRESSES,
    limits.USER_PRINCIPAL_NAME,
    limits.SAM_ACCOUNT_NAME,
)


@dataclass(frozen=True)
class Occurrence:
    """One value of one attribute of one examined object."""

    owner: int  # the object's position among the objects examined
    attribute: str
    index: int  # the value's position within the attribute
    value: str


def _message(attribute: str, others: int, repeats: int) -> str:
    same = f"the same {attribute} value (ignoring case)"
    if others and repeats > 1:
        return f"{same} is on {others} other object(s) and {repeats} times on this one"
    if others:
        return f"{same} is also on {others} other object(s); only one object can keep it"
    return f"{same} appears {repeats} times on this object"


def duplicate_hits(occurrences: Iterable[Occurrence]) -> dict[tuple[int, str, int], Hit]:
    """A duplicate hit for every occurrence that shares its value, keyed (owner, attr, index)."""
    groups: dict[tuple[str, str], list[Occurrence]] = {}
    for occurrence in occurrences:
        key = (occurrence.attribute, occurrence.value.casefold())
        groups.setdefault(key, []).append(occurrence)
    hits: dict[tuple[int, str, int], Hit] = {}
    for (attribute, _), group in groups.items():
        if len(group) < 2:
            continue
        owners = Counter(o.owner for o in group)
        for o in group:
            message = _message(attribute, len(owners) - 1, owners[o.owner])
            hits[(o.owner, attribute, o.index)] = Hit(DUPLICATE, message)
    return hits
