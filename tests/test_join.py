"""Mailboxes joined to directory identities; inactive and unmatched ones named."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mailsurvey.assess.join import join
from mailsurvey.model import Identity, Mailbox

NOW = datetime(2026, 11, 22, tzinfo=UTC)


def person(name: str, kind: str = "user", **kw: object) -> Identity:
    defaults: dict[str, object] = {
        "proxy_addresses": (f"SMTP:{name}@acme.nl", f"smtp:{name}@acme.be"),
        "recipient_type": kind,
        "enabled": True,
        "last_logon": NOW - timedelta(days=3),
    }
    defaults.update(kw)
    return Identity("dc1", f"CN={name},DC=acme,DC=local", "user", **defaults)  # type: ignore[arg-type]


def box(address: str) -> Mailbox:
    return Mailbox("imap", address)


def by_address(rows: list) -> dict:  # type: ignore[type-arg]
    return {r.address: r for r in rows}


def test_match_by_primary_then_by_proxy_and_both_orphans() -> None:
    rows = by_address(
        join(
            [box("jan@acme.nl"), box("PIET@acme.be"), box("ghost@acme.nl")],
            [person("jan"), person("piet"), person("kees")],
            now=NOW,
        )
    )
    assert rows["jan@acme.nl"].matched_by == "primary"
    assert rows["PIET@acme.be"].matched_by == "proxy" and rows[
        "PIET@acme.be"
    ].identity.dn.startswith("CN=piet")
    assert rows["ghost@acme.nl"].identity is None  # a mailbox without a directory object
    assert rows["kees@acme.nl"].mailbox is None  # a directory mailbox nobody scanned


def test_inactive_user_mailboxes_but_not_shared_ones() -> None:
    rows = by_address(
        join(
            [
                box(a)
                for a in (
                    "old@acme.nl",
                    "off@acme.nl",
                    "never@acme.nl",
                    "info@acme.nl",
                    "ok@acme.nl",
                )
            ],
            [
                person("old", last_logon=NOW - timedelta(days=91)),
                person("off", enabled=False),
                person("never", last_logon=None),
                person("info", kind="shared", enabled=False, last_logon=None),
                person("ok"),
            ],
            inactive_days=90,
            now=NOW,
        )
    )
    assert rows["old@acme.nl"].inactive and rows["old@acme.nl"].inactive_reason == "stale_logon"
    assert rows["off@acme.nl"].inactive_reason == "account_disabled"
    assert rows["never@acme.nl"].inactive_reason == "no_logon"
    assert rows["info@acme.nl"].inactive is None  # shared: disabled by design
    assert rows["ok@acme.nl"].inactive is False


def test_contacts_and_groups_are_not_orphan_mailboxes() -> None:
    contact = Identity(
        "dc1", "CN=ext,DC=acme,DC=local", "contact", mail="x@ext.com", recipient_type="contact"
    )
    group = Identity(
        "dc1", "CN=g,DC=acme,DC=local", "group", mail="g@acme.nl", recipient_type="group"
    )
    assert join([], [contact, group], now=NOW) == []
