"""Addressing mail, as the collectors and the readiness checks both need it: whether an
address is outside the organisation's domains, and a folder's place in its mailbox (its
path with the area in front: Exchange's archive and Recoverable Items)."""

from __future__ import annotations

from collections.abc import Collection

SEPARATOR = "/"  # between the levels of an Exchange folder's path
AREA_ROOTS = {
    "mailbox": "",
    "recoverable": "Recoverable Items",
    "archive": "Online Archive",
    "archive_recoverable": "Online Archive/Recoverable Items",
}


def is_outside(address: str, accepted: Collection[str]) -> bool:
    """Whether an SMTP address is outside the accepted domains (``*.acme.nl`` takes the
    subdomains of acme.nl); an address without a domain (an X.500 one) is inside."""
    if "@" not in address:
        return False
    domain = address.rsplit("@", 1)[1].strip().lower().rstrip(".")
    for d in accepted:
        d = d.lower()
        if domain == d or (d.startswith("*.") and domain.endswith(d[1:])):
            return False
    return True


def area_path(area: str, path: str) -> str:
    """A folder's path with its area in front (``Online Archive/Inbox``), unique within
    a mailbox; the mailbox area's paths stay as they are."""
    root = AREA_ROOTS.get(area, area)
    return f"{root}{SEPARATOR}{path}" if root else path
