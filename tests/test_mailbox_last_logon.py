"""The last logon the mail server recorded: read from an Exchange export's LastLogonTime,
kept in the store (schema 4, a version 3 store upgraded in place), in inventory.json, and
used by the inactive-mailboxes check where the directory gives no last logon."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from mailsurvey.assess.checks import inactive_mailboxes as inactive
from mailsurvey.collectors.exchange_export import scan_export
from mailsurvey.config import ExchangeExportSource
from mailsurvey.model import Mailbox, Status, Unit, UnitKind
from mailsurvey.report.jsonout import _mailbox
from mailsurvey.report.views import build_report
from mailsurvey.store import SCHEMA_VERSION, Store

from . import exchange_export_samples as s
from .checks_helpers import NOW, TARGET, folder, inventory, person, with_directory

AMS = ZoneInfo("Europe/Amsterdam")


def _export_scan(tmp_path: Path, culture: str, written: str = "en-US") -> Store:
    """The sample export written in the ``written`` culture, read as ``culture``'s."""
    export = s.write_export(tmp_path / "export", written)
    src = ExchangeExportSource(name="ems", type="exchange_export", path=export, culture=culture)
    store = Store(tmp_path / "scan.sqlite")
    scan_export(src, store, "Europe/Amsterdam")
    return store


def test_the_export_gives_each_mailbox_its_last_logon_in_the_sessions_zone(
    tmp_path: Path,
) -> None:
    with _export_scan(tmp_path, "en-US") as store:
        inv = store.inventory()
    logons = {m.address: m.last_logon for m in inv.mailboxes}
    assert logons == {
        "jan@acme.nl": datetime(2026, 11, 22, 9, 14, 3, tzinfo=AMS),
        "info@acme.nl": None,  # never logged on: the cell is empty
        "piet@acme.nl": datetime(2026, 1, 2, 16, 5, tzinfo=AMS),
    }
    units = {(u.kind, u.key): u.status for u in inv.units}
    assert units[(UnitKind.FILE, "MailboxStatistics.csv")] is Status.OK


def test_a_last_logon_in_another_culture_is_unknown_and_said_so(tmp_path: Path) -> None:
    with _export_scan(tmp_path, "en-US", written="nl-NL") as store:
        inv = store.inventory()
    assert {m.address: m.last_logon for m in inv.mailboxes} == dict.fromkeys(
        ("jan@acme.nl", "info@acme.nl", "piet@acme.nl")
    )
    (unit,) = [u for u in inv.units if u.key == "MailboxStatistics.csv"]
    assert unit.status is Status.PARTIAL
    assert unit.message.startswith(
        "the last logon of 2 of 3 mailboxes is not known: MailboxStatistics.csv, line 3, "
        "column LastLogonTime: found '22-11-2026 09:14:03'; expected a date and time such as"
    )
    accounts = {u.key: u.status for u in inv.units if u.kind is UnitKind.ACCOUNT}
    assert accounts["jan@acme.nl"] is Status.OK  # its figures are fine


def test_the_last_logon_round_trips_and_a_version_3_store_is_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "scan.sqlite"
    when = datetime(2026, 3, 1, 8, 30, tzinfo=AMS)
    with Store(path) as store:
        unit = Unit("ems", UnitKind.ACCOUNT, "a@x", Status.OK)
        store.finish_account(unit, Mailbox("ems", "a@x", last_logon=when))
        assert store.inventory().mailboxes[0].last_logon == when
    db = sqlite3.connect(path)  # as version 3 wrote it: no column, version 3
    db.execute("ALTER TABLE mailboxes DROP COLUMN last_logon")
    db.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    db.commit()
    db.close()
    with Store(path) as store:
        assert store._meta("schema_version") == str(SCHEMA_VERSION) == "4"
        (old,) = store.inventory().mailboxes
        assert (old.address, old.last_logon) == ("a@x", None)  # not known, never made up
        unit = Unit("ems", UnitKind.ACCOUNT, "b@x", Status.OK)
        store.finish_account(unit, Mailbox("ems", "b@x", last_logon=when))
        assert [m.last_logon for m in store.inventory().mailboxes] == [None, when]


def test_inventory_json_holds_the_last_logon() -> None:
    when = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
    inv = inventory(mailboxes=(Mailbox("imap", "a@x", last_logon=when), Mailbox("imap", "b@x")))
    report = build_report(inv, NOW)
    got = {t.address: _mailbox(t)["last_logon"] for t in report.mailboxes}
    assert got == {"a@x": "2026-03-01T08:30:00+00:00", "b@x": None}


def _box(name: str, days: int | None, kind: str = "user") -> Mailbox:
    logon = None if days is None else NOW - timedelta(days=days)
    return Mailbox("ems", f"{name}@x", kind=kind, last_logon=logon)


def test_without_a_directory_the_servers_last_logon_tells_inactivity() -> None:
    inv = inventory(
        mailboxes=(
            _box("old", 200),
            _box("recent", 10),
            _box("never", None),  # unknown: not a finding
            _box("shared", 400, kind="shared"),  # nobody logs on to a shared mailbox
        )
    )
    inv.info = with_directory(inventory(), person("x")).info  # the scan's start: NOW
    (f,) = inactive.run(inv, TARGET)
    assert (f.mailbox, f.reason, f.partial) == ("old@x", "stale_logon", False)
    assert f.detail == "no logon for more than 90 days (the mail server's last logon: 2026-05-06)"
    assert inactive.run(inventory(folder("a@x")), TARGET) == []  # neither: nothing known


def test_the_directory_decides_where_it_gives_a_last_logon() -> None:
    inv = with_directory(
        inventory(
            mailboxes=(
                _box("a", 200),  # the directory's logon 3 days ago decides: active
                _box("b", 10),  # the directory has no logon: the server's recent one
                _box("c", 200),  # ... or its old one
                _box("d", 10),  # disabled stays disabled
                _box("e", 200),  # not in the directory at all
            )
        ),
        person("a"),
        person("b", last_logon=None),
        person("c", last_logon=None),
        person("d", enabled=False),
    )
    found = {(f.mailbox, f.reason) for f in inactive.run(inv, TARGET)}
    assert found == {("c@x", "stale_logon"), ("d@x", "account_disabled"), ("e@x", "stale_logon")}
