"""The address rules: ``topleveldomain``, ``domainpart``, ``localpart`` and ``format``.

A port of microsoft/idfix src/Rules/Shared/RFC2822Rule.cs, applied to userPrincipalName and to
SMTP proxy addresses. IdFix's own regular expressions decide (``limits``): an e-mail library
would pass or fail other values (quoted or internationalised local parts, label lengths), and
the point is to say what IdFix says. Its order and quirks are kept:

- the address of a value containing "smtp:" starts after the value's first ':';
- the top-level domain is what follows the value's last '.', checked against the list of
  Internet TLDs (so "j.doe@contoso" is checked as ".doe@contoso");
- a bad domain part has its characters outside [a-z0-9.-] removed, then a bad local part
  its characters outside RFC 2822's atext and '.', and ".@" becomes "@";
- ``format``: the cleaned value still does not match IdFix's whole-address pattern.
"""

from __future__ import annotations

from . import limits
from .base import DOMAINPART, FORMAT, LOCALPART, TOPLEVELDOMAIN, Hit, Subject, show_text


def _tld_hit(address: str) -> Hit | None:
    dot = address.rfind(".")
    if dot < 0:
        return None
    tld = address[dot:].lower()
    if len(tld) <= 1 or tld[1:] in limits.VALID_TLDS:
        return None
    return Hit(
        TOPLEVELDOMAIN,
        f"'{show_text(tld)}' is not an Internet top-level domain, so the address is not routable",
    )


def rfc2822_step(value: str, subject: Subject) -> tuple[list[Hit], str]:
    """IdFix's RFC2822Rule: TLD, domain part, local part and whole-address checks."""
    is_smtp = limits.SMTP_MARKER.search(value) is not None
    address = value[value.index(":") + 1 :] if is_smtp else value
    hits: list[Hit] = []

    tld = _tld_hit(address)
    if tld is not None:
        hits.append(tld)

    if not limits.DOMAIN_PART.search(address):
        hits.append(Hit(DOMAINPART, "the domain after the @ is missing or not a valid DNS name"))
        at = address.rfind("@")
        if at >= 0:
            address = address[: at + 1] + limits.NOT_DOMAIN_CHAR.sub("", address[at + 1 :])

    several_ats = address.count("@") > 1
    if several_ats or not limits.LOCAL_PART.search(address):
        text = (
            "contains more than one @"
            if several_ats
            else "the name before the @ is missing or has characters or dots RFC 2822 forbids"
        )
        hits.append(Hit(LOCALPART, text))
        at = address.rfind("@")
        if at >= 0:
            local = limits.NOT_LOCAL_CHAR.sub("", address[:at])
            address = (local + address[at:]).replace(".@", "@")

    if not limits.RFC2822.search(address):
        hits.append(Hit(FORMAT, "is not an address of the form name@domain that RFC 2822 allows"))

    if not hits:
        return [], value
    if is_smtp:
        return hits, value[: value.index(":") + 1].strip() + address
    return hits, address
