"""The ``character`` rules: invalid characters, and a ':' after a proxy address's prefix.

Sources: microsoft/idfix src/Rules/Shared/RegexRule.cs (flag any match; suggest the value with
every match removed, or the object's cn when nothing is left) and
src/Rules/Shared/FixProxyTargetAddressRule.cs (no ':' in the part after the type prefix).
The character classes themselves are in ``limits``.
"""

from __future__ import annotations

import re

from .base import CHARACTER, Hit, Step, Subject, show_chars


def regex_step(pattern: re.Pattern[str], message: str | None = None) -> Step:
    """IdFix's RegexRule for ``pattern``; ``message`` replaces the generic one if given."""

    def step(value: str, subject: Subject) -> tuple[list[Hit], str]:
        found = pattern.findall(value)
        if not found:
            return [], value
        rest = pattern.sub("", value)
        text = message or f"contains characters that are not allowed: {show_chars(''.join(found))}"
        return [Hit(CHARACTER, text)], rest if rest else (subject.cn or "")

    return step


def proxy_colon_step(value: str, subject: Subject) -> tuple[list[Hit], str]:
    """IdFix's FixProxyTargetAddressRule: the address after ``type:`` may not hold a ':'."""
    colon = value.find(":")
    if colon > 0:
        address = value[colon + 1 :]
        if ":" in address:
            text = "has a ':' in the address after its type prefix"
            return [Hit(CHARACTER, text)], value[:colon] + ":" + address.replace(":", "")
    return [], value
