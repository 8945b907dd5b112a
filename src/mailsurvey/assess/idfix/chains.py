"""Which rules run on which attribute, in IdFix's order, and what each value comes to.

Source: microsoft/idfix src/Rules/MultiTenantRuleCollection.cs and
src/Rules/MultiTentant/ProxyAddressComposedRule.cs (multi-tenant rule set). The order matters:
a failing rule hands its suggestion to the next one, and the last suggestion is IdFix's UPDATE.
Duplicates are found across objects, in ``duplicate``.

Per attribute (limits in ``limits``):
- displayName: length (255), blank. No character rules: any Unicode text is fine.
- mail: length (256) only; the multi-tenant set does not check mail's format.
- mailNickname: length (64), character (a leading period). Spaces are not checked.
- proxyAddresses, each value: length (256), character (':' after the prefix), then by type:
  SMTP (contains "smtp:") the SMTP character class and the RFC 2822 rules; X400/X500 their
  own class; any other type (SIP:, EUM:, ...) the generic class.
- sAMAccountName: length (20 for users, 256 otherwise), character.
- userPrincipalName: length (113; 64 before and 48 after the @), character, RFC 2822 rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from mailsurvey.model import Identity

from . import limits
from .base import Hit, Step, Subject
from .blank import blank_step
from .character import proxy_colon_step, regex_step
from .length import max_length_step, sam_length_step, upn_parts_step
from .rfc2822 import rfc2822_step
from .scope import cn_from_dn

DISPLAY_NAME_STEPS: tuple[Step, ...] = (max_length_step(limits.DISPLAY_NAME_MAX), blank_step)
MAIL_STEPS: tuple[Step, ...] = (max_length_step(limits.MAIL_MAX),)
MAIL_NICKNAME_STEPS: tuple[Step, ...] = (
    max_length_step(limits.MAIL_NICKNAME_MAX),
    regex_step(limits.NICKNAME_LEADING_PERIODS, "starts with a period"),
)
SAM_ACCOUNT_NAME_STEPS: tuple[Step, ...] = (sam_length_step, regex_step(limits.SAM_INVALID))
UPN_STEPS: tuple[Step, ...] = (
    max_length_step(limits.UPN_MAX),
    upn_parts_step,
    regex_step(limits.UPN_INVALID),
    rfc2822_step,
)
_PROXY_COMMON: tuple[Step, ...] = (max_length_step(limits.PROXY_ADDRESS_MAX), proxy_colon_step)
SMTP_PROXY_STEPS = (*_PROXY_COMMON, regex_step(limits.SMTP_PROXY_INVALID), rfc2822_step)
X400_X500_PROXY_STEPS = (*_PROXY_COMMON, regex_step(limits.X400_X500_PROXY_INVALID))
OTHER_PROXY_STEPS = (*_PROXY_COMMON, regex_step(limits.OTHER_PROXY_INVALID))


def proxy_steps(value: str) -> tuple[Step, ...]:
    """The rules for one proxy address, chosen by its type as IdFix chooses them."""
    if limits.SMTP_MARKER.search(value):
        return SMTP_PROXY_STEPS
    if limits.X400_PREFIX.search(value) or limits.X500_PREFIX.search(value):
        return X400_X500_PROXY_STEPS
    return OTHER_PROXY_STEPS


@dataclass(frozen=True)
class ValueResult:
    """One value of one attribute after its chain: the rules it breaks and IdFix's UPDATE."""

    attribute: str
    index: int  # position within a multi-valued attribute; 0 otherwise
    value: str  # as stored ("" for a missing displayName)
    hits: tuple[Hit, ...]
    proposed: str  # IdFix's suggested value ("" when it has none)


def run(
    attribute: str, index: int, value: str, steps: tuple[Step, ...], subject: Subject
) -> ValueResult:
    """Run ``steps`` over ``value`` as IdFix's ComposedRule does."""
    hits: list[Hit] = []
    current = value
    for step in steps:
        found, suggested = step(current, subject)
        if found:
            hits.extend(found)
            current = suggested
    return ValueResult(attribute, index, value, tuple(hits), current)


def subject_of(identity: Identity) -> Subject:
    """The object as the rules see it: its class and its cn (from the DN's first RDN)."""
    return Subject(identity.object_class.lower(), cn_from_dn(identity.dn))


def evaluate(identity: Identity) -> list[ValueResult]:
    """Every checked value of the object, in IdFix's attribute order; empty values skipped."""
    subject = subject_of(identity)
    results = [
        run(limits.DISPLAY_NAME, 0, identity.display_name or "", DISPLAY_NAME_STEPS, subject)
    ]
    singles = (
        (limits.MAIL, identity.mail, MAIL_STEPS),
        (limits.MAIL_NICKNAME, identity.mail_nickname, MAIL_NICKNAME_STEPS),
    )
    results += [run(a, 0, v, steps, subject) for a, v, steps in singles if v]
    results += [
        run(limits.PROXY_ADDRESSES, i, v, proxy_steps(v), subject)
        for i, v in enumerate(identity.proxy_addresses)
        if v
    ]
    singles = (
        (limits.SAM_ACCOUNT_NAME, identity.sam_account_name, SAM_ACCOUNT_NAME_STEPS),
        (limits.USER_PRINCIPAL_NAME, identity.upn, UPN_STEPS),
    )
    results += [run(a, 0, v, steps, subject) for a, v, steps in singles if v]
    return results
