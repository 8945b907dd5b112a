"""Mailboxes joined to directory identities by primary SMTP address, then proxyAddresses.

The join tells the quote which mailboxes have no directory object (and the reverse), and
which are inactive: a user mailbox whose account is disabled, or whose last logon is
older than the threshold. Shared, room and equipment mailboxes have disabled accounts by
design and nobody logs on to them, so logon-based inactivity does not apply to them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ..model import Identity, Mailbox

# msExchRecipientTypeDetails families that are mailboxes (model.Identity.recipient_type)
MAILBOX_TYPES = frozenset({"user", "linked", "shared", "legacy", "room", "equipment"})
PERSONAL_TYPES = frozenset({"user", "linked", "legacy"})


@dataclass(frozen=True)
class Joined:
    address: str  # the mailbox's address, or the identity's primary address
    mailbox: Mailbox | None
    identity: Identity | None
    matched_by: str | None  # primary | proxy; None when one side is missing
    inactive: bool | None  # None: does not apply, or not known
    inactive_reason: str | None  # account_disabled | no_logon | stale_logon


def smtp_addresses(ident: Identity) -> tuple[str | None, set[str]]:
    """(primary, all) SMTP addresses, lower-case; the primary is ``SMTP:`` (upper-case
    prefix) or else ``mail``."""
    primary = None
    every: set[str] = set()
    for proxy in ident.proxy_addresses:
        prefix, _, address = proxy.partition(":")
        if prefix.lower() != "smtp" or not address:
            continue
        every.add(address.lower())
        if prefix == "SMTP":
            primary = address.lower()
    if ident.mail:
        every.add(ident.mail.lower())
        primary = primary or ident.mail.lower()
    return primary, every


def join(
    mailboxes: Iterable[Mailbox],
    identities: Iterable[Identity],
    *,
    inactive_days: int = 90,
    now: datetime | None = None,
) -> list[Joined]:
    now = now or datetime.now(UTC)
    cutoff = now - timedelta(days=inactive_days)
    people = [i for i in identities if i.object_class == "user" or i.recipient_type]
    by_primary: dict[str, Identity] = {}
    by_proxy: dict[str, Identity] = {}
    for person in people:
        primary, every = smtp_addresses(person)
        if primary:
            by_primary.setdefault(primary, person)
        for address in every:
            by_proxy.setdefault(address, person)
    out: list[Joined] = []
    matched: set[str] = set()
    for box in mailboxes:
        key = box.address.lower()
        ident: Identity | None = by_primary.get(key)
        how = "primary"
        if ident is None:
            ident, how = by_proxy.get(key), "proxy"
        if ident is not None:
            matched.add(ident.dn)
        inactive, why = _inactive(ident, cutoff)
        out.append(Joined(box.address, box, ident, how if ident else None, inactive, why))
    for person in people:
        if person.dn in matched or person.recipient_type not in MAILBOX_TYPES:
            continue
        primary, _ = smtp_addresses(person)
        inactive, why = _inactive(person, cutoff)
        out.append(Joined(primary or person.dn, None, person, None, inactive, why))
    return out


def _inactive(ident: Identity | None, cutoff: datetime) -> tuple[bool | None, str | None]:
    if ident is None or ident.recipient_type not in PERSONAL_TYPES:
        return None, None
    if ident.enabled is False:
        return True, "account_disabled"
    if ident.last_logon is None:
        return True, "no_logon"
    if ident.last_logon < cutoff:
        return True, "stale_logon"
    return False, None
