"""What the rule families share: rule names, a rule's hit, a step in a chain, UTF-16 lengths.

IdFix runs the rules of one attribute as a chain: a rule that fails passes its suggested value
to the next rule, and the last suggestion is the UPDATE IdFix shows (ComposedRule.Execute in
microsoft/idfix). A ``Step`` here is one such rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

# IdFix's error types (src/Settings/Enums.cs, ErrorType), lower-case.
CHARACTER = "character"
FORMAT = "format"
TOPLEVELDOMAIN = "topleveldomain"
DOMAINPART = "domainpart"
LOCALPART = "localpart"
LENGTH = "length"
DUPLICATE = "duplicate"
BLANK = "blank"
RULES = (CHARACTER, FORMAT, TOPLEVELDOMAIN, DOMAINPART, LOCALPART, LENGTH, DUPLICATE, BLANK)


@dataclass(frozen=True)
class Hit:
    """One rule that a value breaks, and why, in a short English sentence."""

    rule: str
    message: str


@dataclass(frozen=True)
class Subject:
    """What a rule may consult besides the value: the object's class and common name."""

    object_class: str  # lower-case: user | inetorgperson | contact | group
    cn: str | None  # IdFix's fallback suggestion when a fix would leave nothing


# A rule in a chain: (current value, subject) -> (hits, value to pass on).
Step = Callable[[str, Subject], tuple[list[Hit], str]]


def utf16_len(text: str) -> int:
    """Length as .NET's String.Length (and AD's rangeUpper) counts it: UTF-16 code units."""
    return sum(2 if ord(c) > 0xFFFF else 1 for c in text)


def utf16_truncate(text: str, limit: int) -> str:
    """The longest prefix of ``text`` of at most ``limit`` UTF-16 units, never half a pair."""
    used = 0
    for i, c in enumerate(text):
        used += 2 if ord(c) > 0xFFFF else 1
        if used > limit:
            return text[:i]
    return text


def show_char(c: str) -> str:
    """A character as a message can show it: quoted if printable, else its code point."""
    if c == " ":
        return "space"
    if c.isprintable() and not c.isspace():
        return f"'{c}'"
    return f"U+{ord(c):04X}"


def show_chars(chars: Iterable[str]) -> str:
    """Distinct characters, in order of appearance, for a message."""
    return ", ".join(show_char(c) for c in dict.fromkeys(chars))


def show_text(text: str, limit: int = 40) -> str:
    """A short piece of a value for a message: control characters made visible, cut to size."""
    shown = "".join(c if c.isprintable() else f"U+{ord(c):04X}" for c in text)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"
