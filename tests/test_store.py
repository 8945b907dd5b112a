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


def test_a_version_1_store_is_upgraded_in_place(tmp_path: Path) -> None:
    import sqlite3

    from mailsurvey.model import Folder
    from mailsurvey.store import Store

    path = tmp_path / "scan.sqlite"
    db = sqlite3.connect(path)
    db.executescript(
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO meta VALUES ('schema_version', '1');
        CREATE TABLE folders (
            source TEXT NOT NULL, mailbox TEXT NOT NULL, path TEXT NOT NULL,
            delimiter TEXT, depth INTEGER NOT NULL, flags TEXT NOT NULL, special_use TEXT,
            noselect INTEGER NOT NULL, messages INTEGER, bytes INTEGER, largest INTEGER,
            oldest TEXT, newest TEXT, histogram TEXT, uidvalidity INTEGER, uidnext INTEGER,
            highestmodseq INTEGER, method TEXT, PRIMARY KEY (source, mailbox, path));
        INSERT INTO folders VALUES ('s', 'a@x', 'INBOX', '/', 0, '[]', NULL, 0, 3, 300,
            200, NULL, NULL, NULL, 1, 4, NULL, 'fetch');
        """
    )
    db.commit()
    db.close()
    with Store(path) as store:
        (old,) = store.inventory().folders
        assert old.path == "INBOX" and old.messages == 3 and old.area == "mailbox"
        # the archive's Inbox no longer collides with the mailbox's
        from mailsurvey.model import Status, Unit, UnitKind

        unit = Unit("s", UnitKind.FOLDER, "k", Status.OK)
        store.finish_folder(unit, Folder("s", "a@x", "INBOX", area="archive", messages=1))
        assert len(store.inventory().folders) == 2
    with Store(path) as again:  # the upgrade happens once
        assert len(again.inventory().folders) == 2
