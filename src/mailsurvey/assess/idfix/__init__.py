"""Directory-sync readiness: Microsoft IdFix's multi-tenant rule set as pure functions.

``check(identities)`` returns one ``DirectoryFinding`` per rule a value breaks: the rules are
IdFix's (character, format, topleveldomain, domainpart, localpart, length, duplicate, blank),
over userPrincipalName, mail, mailNickname, proxyAddresses, sAMAccountName and displayName of
the users, contacts and groups IdFix examines. Each finding's ``fix`` is the value IdFix would
put in its UPDATE column for that value (all its rules applied in IdFix's order), or None when
that would not change anything or when only a person can decide: a duplicate (who keeps the
value), a non-routable top-level domain (which domain to use) and a format error (IdFix's
documentation: "For certain types of errors (duplicates and format errors), a recommendation
for correction is not provided"). A blank displayName gets IdFix's suggestion, the cn.

Sources per rule are in the modules: ``limits`` (every limit and character class), ``scope``,
``chains``, ``character``, ``length``, ``rfc2822``, ``duplicate``, ``blank``.
"""

from __future__ import annotations

from collections.abc import Iterable

from mailsurvey.model import DirectoryFinding, Identity

from . import limits
from .base import DUPLICATE, FORMAT, RULES, TOPLEVELDOMAIN
from .chains import ValueResult, evaluate
from .duplicate import COMPARED, Occurrence, duplicate_hits
from .scope import cn_from_dn, in_scope

__all__ = ["RULES", "check", "cn_from_dn", "in_scope"]

# Rules whose finding never carries a suggested value: a person decides.
_NO_FIX = frozenset({DUPLICATE, FORMAT, TOPLEVELDOMAIN})


def _compared(identity: Identity, result: ValueResult) -> bool:
    if result.attribute not in COMPARED or not result.value:
        return False
    # IdFix compares sAMAccountName only on objects without a userPrincipalName.
    return result.attribute != limits.SAM_ACCOUNT_NAME or not identity.upn


def check(identities: Iterable[Identity], *, source: str | None = None) -> list[DirectoryFinding]:
    """IdFix's findings for ``identities`` (only those of ``source`` when it is given).

    The identities checked together are one IdFix query: duplicates are looked for among them
    all. Call once per source to match IdFix's one-forest scope, or with several sources to
    also catch values that collide between forests synchronised into one tenant.
    """
    examined = [i for i in identities if (source is None or i.source == source) and in_scope(i)]
    results = [evaluate(identity) for identity in examined]
    duplicates = duplicate_hits(
        Occurrence(owner, r.attribute, r.index, r.value)
        for owner, identity in enumerate(examined)
        for r in results[owner]
        if _compared(identity, r)
    )
    findings: list[DirectoryFinding] = []
    for owner, identity in enumerate(examined):
        for r in results[owner]:
            fix = r.proposed if r.proposed and r.proposed != r.value else None
            hits = [(hit, None if hit.rule in _NO_FIX else fix) for hit in r.hits]
            duplicate = duplicates.get((owner, r.attribute, r.index))
            if duplicate is not None:
                hits.append((duplicate, None))
            findings += [
                DirectoryFinding(
                    source=identity.source,
                    dn=identity.dn,
                    attribute=r.attribute,
                    value=r.value,
                    rule=hit.rule,
                    fix=hit_fix,
                    message=hit.message,
                )
                for hit, hit_fix in hits
            ]
    return findings
