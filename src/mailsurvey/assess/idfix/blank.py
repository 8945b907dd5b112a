"""The ``blank`` rule: an attribute that must hold a value has none.

Source: microsoft/idfix src/Rules/Shared/BlankStringRule.cs and MultiTenantRuleCollection.cs,
where displayName is the only attribute with a blank rule (missing or empty counts as blank),
and IdFix suggests the object's cn. Every other attribute is optional to IdFix: a missing or
empty value is simply not checked. Microsoft's attribute page agrees for displayName ("if this
attribute exists in the user object, there must be a value for it").
"""

from __future__ import annotations

from .base import BLANK, Hit, Subject


def blank_step(value: str, subject: Subject) -> tuple[list[Hit], str]:
    """Flag an empty value; suggest the cn (None-equivalent "" when the cn is unknown)."""
    if value:
        return [], value
    return [Hit(BLANK, "is empty; Microsoft 365 needs a value here")], subject.cn or ""
