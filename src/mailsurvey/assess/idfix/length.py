"""The ``length`` rules: a value longer than its attribute allows.

Sources: microsoft/idfix src/Rules/Shared/StringMaxLengthRule.cs (suggest the value cut to the
limit) and src/Rules/MultiTentant/SamAccountNameMaxLengthRule.cs (20 for users, 256 for other
classes); the UPN's part limits from IdFix before 2.2 (Form1.cs mtChecks) and Microsoft's
attribute page. Lengths count UTF-16 code units, as .NET and AD do. Limits are in ``limits``.
"""

from __future__ import annotations

from . import limits
from .base import LENGTH, Hit, Step, Subject, utf16_len, utf16_truncate


def _too_long(length: int, limit: int, what: str = "") -> Hit:
    return Hit(LENGTH, f"{what}is {length} characters long; the limit is {limit}")


def max_length_step(limit: int) -> Step:
    """IdFix's StringMaxLengthRule: flag a value over ``limit``; suggest it cut to ``limit``."""

    def step(value: str, subject: Subject) -> tuple[list[Hit], str]:
        length = utf16_len(value)
        if length <= limit:
            return [], value
        return [_too_long(length, limit)], utf16_truncate(value, limit)

    return step


def sam_length_step(value: str, subject: Subject) -> tuple[list[Hit], str]:
    """sAMAccountName: 20 for objectClass user, 256 for anything else (IdFix)."""
    is_user = subject.object_class == "user"
    limit = limits.SAM_USER_MAX if is_user else limits.SAM_OTHER_MAX
    return max_length_step(limit)(value, subject)


def upn_parts_step(value: str, subject: Subject) -> tuple[list[Hit], str]:
    """The UPN's name before the last '@' (64) and domain after it (48).

    The suggestion cuts an over-long name; an over-long domain has no automatic fix.
    """
    at = value.rfind("@")
    if at < 0:
        return [], value
    name, domain = value[:at], value[at + 1 :]
    hits = []
    name_length, domain_length = utf16_len(name), utf16_len(domain)
    if name_length > limits.UPN_LOCAL_MAX:
        hits.append(_too_long(name_length, limits.UPN_LOCAL_MAX, "the name before the @ "))
        name = utf16_truncate(name, limits.UPN_LOCAL_MAX)
    if domain_length > limits.UPN_DOMAIN_MAX:
        hits.append(_too_long(domain_length, limits.UPN_DOMAIN_MAX, "the domain after the @ "))
    return hits, name + "@" + domain
