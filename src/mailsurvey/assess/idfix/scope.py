"""Which directory objects IdFix examines, and an object's cn.

Source: microsoft/idfix src/Rules/MultiTenantRuleCollection.cs (Skip) and its default LDAP
filter (|(objectCategory=Person)(objectCategory=Group)). Lists are in ``limits``.

Two of IdFix's skips cannot be reproduced from an ``Identity`` and are left out:
isCriticalSystemObject (not collected), and the group rule, which needs groupType: IdFix skips
a security group without mail and a distribution group without proxyAddresses; here a group is
skipped when it has neither. IdFix's msExchRecipientTypeDetails skip compares the value with
strings such as "0x1000", which the decimal value LDAP returns never equals, so IdFix never
skips on it; neither does this.
"""

from __future__ import annotations

from string import hexdigits

from mailsurvey.model import Identity

from . import limits


def _unescape(value: str) -> str:
    """An RFC 4514 attribute value with its escapes (\\, and \\2C) resolved."""
    out = bytearray()
    i = 0
    while i < len(value):
        c = value[i]
        if c == "\\" and i + 1 < len(value):
            pair = value[i + 1 : i + 3]
            if len(pair) == 2 and all(h in hexdigits for h in pair):
                out.append(int(pair, 16))
                i += 3
                continue
            c = value[i + 1]
            i += 1
        out += c.encode("utf-8", "surrogatepass")
        i += 1
    return out.decode("utf-8", "replace")


def cn_from_dn(dn: str) -> str | None:
    """The value of the DN's first RDN: an AD object's cn. None if the DN has no such RDN."""
    end = 0
    while end < len(dn) and dn[end] not in ",+;":
        end += 2 if dn[end] == "\\" else 1
    rdn = dn[:end]
    eq = rdn.find("=")
    if eq <= 0:
        return None
    return _unescape(rdn[eq + 1 :]) or None


def _starts(value: str | None, prefixes: tuple[str, ...]) -> bool:
    return value is not None and value.upper().startswith(tuple(p.upper() for p in prefixes))


def in_scope(identity: Identity) -> bool:
    """Whether IdFix's multi-tenant rule set examines this object."""
    object_class = identity.object_class.lower()
    if object_class not in limits.EXAMINED_CLASSES:
        return False
    cn = cn_from_dn(identity.dn)
    if cn is not None and (cn.endswith("$") or _starts(cn, limits.EXCLUDED_CN_PREFIXES)):
        return False
    if any(marker in identity.dn.lower() for marker in limits.CONFLICT_MARKERS):
        return False
    if object_class == "user":
        if _starts(identity.sam_account_name, limits.EXCLUDED_USER_SAM_PREFIXES):
            return False
        if _starts(identity.mail_nickname, limits.EXCLUDED_USER_NICKNAME_PREFIXES):
            return False
        if identity.hidden_from_gal and _starts(identity.display_name, ("MSOL",)):
            return False
    return not (object_class == "group" and not identity.mail and not any(identity.proxy_addresses))
