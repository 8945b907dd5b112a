"""The store: units and records round-trip; a re-run replaces, never duplicates."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from mailsurvey.model import (
    AcceptedDomain,
    Device,
    GroupMember,
    Identity,
    Permission,
    Status,
    Unit,
    UnitKind,
)
from mailsurvey.store import Store


def test_directory_records_round_trip_and_rerun_replaces(tmp_path: Path) -> None:
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    ident = Identity(
        source="dc1",
        dn="CN=Vries\\, Jan de,OU=Staff,DC=acme,DC=local",
        object_class="user",
        proxy_addresses=("SMTP:jan@acme.nl", "smtp:j@acme.nl"),
        enabled=False,
        last_logon=when,
        recipient_type_details=1,
        display_name='=HYPERLINK("x")',
    )
    records = [
        ident,
        GroupMember("dc1", "CN=G,DC=acme,DC=local", ident.dn, direct=True),
        Device("dc1", ident.dn, "ABC123", model="iPhone", last_sync=when),
        AcceptedDomain("dc1", "acme.nl", "authoritative", default=True),
    ]
    perm = Permission("dc1", "info@acme.nl", None, "jan@acme.nl", "SendAs", "ad_send_as")
    unit = Unit("dc1", UnitKind.PARTITION, "domain", Status.OK)
    with Store(tmp_path / "s.sqlite") as store:
        store.finish_partition(unit, records, [perm])
        store.finish_partition(unit, records, [perm])  # a re-run: nothing twice
        inv = store.inventory()
    assert inv.identities == [ident]
    assert inv.group_members == [records[1]]
    assert inv.devices == [records[2]]
    assert inv.accepted_domains == [records[3]]
    assert inv.permissions == [perm]
    assert [u.key for u in inv.units] == ["domain"]
