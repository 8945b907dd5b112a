"""The mailboxes an Exchange source reads when its config says ``mailboxes: from_ad``:
every directory identity with an Exchange mailbox (a mailbox recipient type and a home
database), by its primary SMTP address, with its kind (user, shared, room, equipment)."""

from __future__ import annotations

from collections.abc import Iterable

from .assess.join import MAILBOX_TYPES, smtp_addresses
from .config import Account
from .model import Identity

_KINDS = {"shared": "shared", "room": "room", "equipment": "equipment"}


def from_directory(identities: Iterable[Identity]) -> list[Account]:
    out: dict[str, Account] = {}
    for ident in identities:
        if ident.recipient_type not in MAILBOX_TYPES or not ident.home_mdb:
            continue  # a mail user, contact or group, or a mailbox not on Exchange here
        primary, _ = smtp_addresses(ident)
        if primary and primary not in out:
            kind = _KINDS.get(ident.recipient_type or "", "user")
            out[primary] = Account.model_validate({"address": primary, "kind": kind})
    return sorted(out.values(), key=lambda a: a.address)
