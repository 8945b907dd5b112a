"""Exchange Management Shell CSV exports as a source: the values as the cmdlets write them,
exact figures per mailbox and folder from exports in every encoding and culture, the
error cases, and ``mailsurvey scan`` of a config with this source."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import jsonschema
import pytest
from openpyxl import load_workbook

from mailsurvey.collectors import exchange_export_parse as p
from mailsurvey.collectors.exchange_export import scan_export
from mailsurvey.config import ConfigError, ExchangeExportSource, load
from mailsurvey.model import Device, Permission, Status, UnitKind
from mailsurvey.report.jsonout import SCHEMA_FILE
from mailsurvey.store import Inventory, Store

from . import exchange_export_samples as s

AMS = ZoneInfo("Europe/Amsterdam")

# -- values ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.23 GB (1,320,702,362 bytes)", 1_320_702_362),
        ("1,23 GB (1.320.702.362 bytes)", 1_320_702_362),
        ("1,23 GB (1\u00a0320\u00a0702\u00a0362 bytes)", 1_320_702_362),
        ("1.23 GB (1'320'702'362 bytes)", 1_320_702_362),
        ("0 B (0 bytes)", 0),
        ("1 B (1 byte)", 1),
        ("4096", 4096),
    ],
)
def test_sizes_in_any_culture(text: str, expected: int) -> None:
    assert p.size(text) == p.Size(expected)


def test_unlimited_is_known_and_not_a_number() -> None:
    assert p.size("Unlimited") == p.Size(None, unlimited=True)
    with pytest.raises(ValueError, match=r"1\.23 GB"):
        p.byte_count("Unlimited")
    for bad in ("lots", "1.23 GB", "(bytes)"):
        with pytest.raises(ValueError, match="a size such as"):
            p.size(bad)


def test_dates_by_culture_in_the_sessions_zone() -> None:
    when = datetime(2026, 11, 22, 9, 14, 3, tzinfo=AMS)
    assert p.moment(p.CULTURES["en-US"], AMS)("11/22/2026 9:14:03 AM") == when
    assert p.moment(p.CULTURES["nl-NL"], AMS)("22-11-2026 09:14:03") == when
    assert p.moment(p.CULTURES["pl-PL"], AMS)("22.11.2026 09:14:03") == when
    assert p.moment(p.CULTURES["en-US"], AMS)("11/22/2026 9:14:03 PM").hour == 21
    iso = p.moment(p.CULTURES["en-US"], AMS)("2026-11-22T08:14:03+00:00")
    assert iso == when and iso.utcoffset() is not None
    with pytest.raises(ValueError, match=r"'11/22/2026 09:14:03 AM'.*culture or date_format"):
        p.moment(p.CULTURES["en-US"], AMS)("22-11-2026 09:14:03")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("FullAccess", ("FullAccess",)),
        ("FullAccess, ReadPermission", ("FullAccess", "ReadPermission")),
        ("{FullAccess, ReadPermission}", ("FullAccess", "ReadPermission")),
        ("{Send-As}", ("SendAs",)),
        ("SendAs", ("SendAs",)),
    ],
)
def test_access_rights(text: str, expected: tuple[str, ...]) -> None:
    assert p.access_rights(text) == expected


def test_access_rights_refuse_what_is_not_rights() -> None:
    for bad in ("{}", "System.Object[]!", ""):
        with pytest.raises(ValueError, match="FullAccess"):
            p.access_rights(bad)


def test_identities_resolve_to_the_mailbox() -> None:
    d = p.Directory()
    d.add("jan@acme.nl", "acme.local/Users/Jan Jansen", "jan", "jan@acme.local", "Jan Jansen")
    d.add("info@acme.nl", "acme.local/Users/Info", "info", "Jan Jansen")  # a shared name
    assert d.resolve("acme.local/Users/Jan Jansen") == "jan@acme.nl"
    assert d.resolve("ACME\\jan") == "jan@acme.nl"
    assert d.resolve("JAN@ACME.LOCAL") == "jan@acme.nl"
    assert d.resolve("Jan Jansen") is None  # names two mailboxes: never guessed
    assert d.resolve("ACME\\Domain Admins") is None
    assert p.is_self("NT AUTHORITY\\SELF") and p.is_self("NT-AUTORITÄT\\SELBST")
    assert not p.is_self("ACME\\self-service")


def test_encodings_and_type_line() -> None:
    rows = [{"Name": "Zażółć", "Size": s.size(5)}]
    for encoding in s.ENCODINGS:
        for type_line in (True, False):
            data = s.csv_bytes("x.csv", rows, encoding=encoding, type_line=type_line)
            table = p.read_table("x.csv", data, ["name", "SIZE"])
            assert table.rows[0].text("name") == "Zażółć"
            assert table.rows[0].parsed("Size", p.byte_count) == 5
            assert table.rows[0].line == (3 if type_line else 2)
            assert (table.type_name is not None) == type_line
    with pytest.raises(p.ExportFormatError, match=r"x\.csv: byte 11 is neither UTF-8 nor UTF-16"):
        p.read_table("x.csv", '"Name"\r\n"Zaż"\r\n'.encode("cp1250"), ["Name"])


def test_file_errors_name_the_file_line_and_column() -> None:
    data = s.csv_bytes("MailboxStatistics.csv", s.STATISTICS, type_line=False)
    with pytest.raises(p.ExportFormatError, match=r"MailboxStatistics.csv: no column Nope;"):
        p.read_table("MailboxStatistics.csv", data, ["DisplayName", "Nope"])
    row = p.read_table("MailboxStatistics.csv", data, []).rows[1]
    with pytest.raises(
        p.ExportFormatError,
        match=r"MailboxStatistics.csv, line 3, column DisplayName: found '=HYPERLINK.*"
        r"expected a whole number",
    ):
        row.parsed("DisplayName", p.integer)
    short = b'"A","B"\r\n"1"\r\n'
    with pytest.raises(p.ExportFormatError, match=r"f\.csv, line 2: 1 values, the header has 2"):
        p.read_table("f.csv", short, [])


def test_semicolon_delimited_exports_are_read() -> None:
    data = b'"Name";"Size"\r\n"a, b";"1,5 KB (1.536 bytes)"\r\n'
    row = p.read_table("x.csv", data, ["Name"]).rows[0]
    assert (row.text("Name"), row.parsed("Size", p.byte_count)) == ("a, b", 1536)


# -- the collector against exports as the cmdlets write them ----------------------------------


def scanned(
    tmp_path: Path, culture: str = "en-US", encoding: str = "utf-16", type_line: bool = True,
    tables: dict[str, list[dict[str, s.Value]]] | None = None, **source: object,
) -> Inventory:  # fmt: skip
    export = s.write_export(tmp_path / "export", culture, encoding, type_line, tables)
    src = ExchangeExportSource.model_validate(
        {"name": "ems", "type": "exchange_export", "path": export, "culture": culture, **source}
    )
    before = {f: (f.read_bytes(), f.stat().st_mtime_ns) for f in export.iterdir()}
    with Store(tmp_path / "scan.sqlite") as store:
        scan_export(src, store, "Europe/Amsterdam")
        inv = store.inventory()
    assert {f: (f.read_bytes(), f.stat().st_mtime_ns) for f in export.iterdir()} == before
    return inv


def units(inv: Inventory) -> dict[tuple[str, str], tuple[str, str]]:
    return {(u.kind.value, u.key): (u.status.value, u.message) for u in inv.units}


def folders(inv: Inventory) -> set[tuple[str, str, str, int, int | None, int | None, object]]:
    return {
        (f.mailbox, f.area, f.path, f.depth, f.messages, f.bytes, (f.special_use, f.folder_class))
        for f in inv.folders
    }


EXPECTED_FOLDERS = {
    ("jan@acme.nl", "mailbox", "Inbox", 0, 4000, 1_181_116_006, ("\\Inbox", "IPF.Note")),
    ("jan@acme.nl", "mailbox", "Inbox/Projecten 2026", 1, 1000, 126_353_408, (None, "IPF.Note")),
    ("jan@acme.nl", "mailbox", "Calendar", 0, 200, 13_232_948, (None, "IPF.Appointment")),
    ("jan@acme.nl", "mailbox", "Sent Items", 0, 34, 2_097_152, ("\\Sent", "IPF.Note")),
    ("jan@acme.nl", "recoverable", "Deletions", 0, 12, 1_572_864, (None, None)),
    ("jan@acme.nl", "archive", "Inbox", 0, 300, 262_144_000, (None, "IPF.Note")),
    ("jan@acme.nl", "archive_recoverable", "Purges", 0, 2, 10_240, (None, None)),
    ("info@acme.nl", "mailbox", "Inbox", 0, 0, 0, ("\\Inbox", "IPF.Note")),
    ("info@acme.nl", "mailbox", "Inbox/Zażółć gęślą jaźń", 1, 0, 0, (None, "IPF.Note")),
    ("info@acme.nl", "mailbox", "Facturen/2026", 0, 0, 0, (None, "IPF.Note")),
}


@pytest.mark.parametrize(
    ("culture", "encoding", "type_line"),
    [
        ("en-US", "utf-16", True),  # Windows PowerShell 5.1, -Encoding Unicode (the script)
        ("nl-NL", "utf-16", False),
        ("nl-NL", "utf-8-sig", True),  # 5.1 with -Encoding UTF8
        ("en-US", "utf-8", False),  # PowerShell 7's defaults
        ("pl-PL", "utf-8", False),
    ],
)
def test_exact_figures_from_every_encoding_and_culture(
    tmp_path: Path, culture: str, encoding: str, type_line: bool
) -> None:
    inv = scanned(tmp_path, culture, encoding, type_line)
    assert folders(inv) == EXPECTED_FOLDERS
    boxes = {m.address: m for m in inv.mailboxes}
    assert set(boxes) == {"jan@acme.nl", "info@acme.nl", "piet@acme.nl"}
    jan, info, piet = boxes["jan@acme.nl"], boxes["info@acme.nl"], boxes["piet@acme.nl"]
    assert (jan.display_name, jan.kind, jan.quota_used_bytes) == (
        'Jansen, Jan "JJ"',
        "user",
        1_320_702_362,
    )
    assert (jan.quota_limit_bytes, jan.quota_unlimited) == (2_469_606_195, False)
    assert (info.display_name, info.kind) == (s.HOSTILE, "shared")
    assert (info.quota_used_bytes, info.quota_limit_bytes, info.quota_unlimited) == (0, None, True)
    assert (piet.quota_used_bytes, piet.delimiter) == (734_003, "/")
    assert set(inv.permissions) == {
        Permission("ems", "info@acme.nl", None, "jan@acme.nl", "FullAccess",
                   "ems_mailbox_permission"),
        Permission("ems", "jan@acme.nl", None, "piet@acme.nl", "FullAccess, ReadPermission",
                   "ems_mailbox_permission"),
        Permission("ems", "info@acme.nl", None, "piet@acme.nl", "SendAs", "ems_send_as"),
        Permission("ems", "jan@acme.nl", None, "ACME\\extern", "SendAs", "ems_send_as"),
    }  # fmt: skip
    assert set(inv.devices) == {
        Device("ems", "jan@acme.nl", "ApplF17XYZ", "iPhone", "iPhone14,2", "iOS 17.1 21B74",
               "Apple-iPhone14C2/2101.74", datetime(2025, 3, 1, 8, 0, tzinfo=AMS),
               datetime(2026, 11, 22, 9, 14, 3, tzinfo=AMS), "allowed"),
        Device("ems", "info@acme.nl", "androidc123", "Android", "Pixel 7", "Android 14",
               "Android-Mail/2023.10", datetime(2026, 1, 5, 13, 45, tzinfo=AMS), None,
               "quarantined"),
    }  # fmt: skip
    (server,) = inv.servers
    assert (server.software, server.version, server.port, server.security) == (
        "Microsoft Exchange (EMS export)", "Version 15.2 (Build 1118.7)", 0, "file"
    )  # fmt: skip
    got = units(inv)
    assert got[("account", "jan@acme.nl")] == ("ok", "")
    assert got[("account", "info@acme.nl")] == ("ok", "")
    assert got[("account", "piet@acme.nl")][0] == "partial"
    assert "not in MailboxFolderStatistics.csv" in got[("account", "piet@acme.nl")][1]
    files = {k[1]: v for k, v in got.items() if k[0] == UnitKind.FILE.value}
    assert files == {name: ("ok", "") for name in s.TYPES}


def test_a_malformed_row_fails_its_mailbox_only(tmp_path: Path) -> None:
    stats = [dict(r) for r in s.STATISTICS]
    stats[2]["TotalItemSize"] = "lots"
    found = [dict(r) for r in s.FOLDERS]
    found[12]["ItemsInFolder"] = "many"  # info's Inbox
    inv = scanned(tmp_path, tables={"MailboxStatistics.csv": stats,
                                    "MailboxFolderStatistics.csv": found})  # fmt: skip
    got = units(inv)
    assert got[("account", "piet@acme.nl")] == (
        "failed",
        "MailboxStatistics.csv, line 5, column TotalItemSize: found 'lots'; expected a size "
        'such as "1.23 GB (1,320,702,362 bytes)" or "Unlimited"',
    )
    assert got[("account", "info@acme.nl")] == (
        "failed",
        "MailboxFolderStatistics.csv, line 15, column ItemsInFolder: found 'many'; expected a "
        "whole number such as 1234",
    )
    assert got[("account", "jan@acme.nl")] == ("ok", "")
    assert {m.address for m in inv.mailboxes} == {"jan@acme.nl"}
    assert {f.mailbox for f in inv.folders} == {"jan@acme.nl"}


def test_missing_optional_files_are_skipped_units(tmp_path: Path) -> None:
    empty: list[dict[str, s.Value]] = []
    inv = scanned(tmp_path, tables={name: empty for name in (
        "MobileDeviceStatistics.csv", "MailboxPermission.csv", "RecipientPermission.csv",
        "ExchangeServer.csv")})  # fmt: skip
    got = units(inv)
    for name in ("MobileDeviceStatistics.csv", "MailboxPermission.csv", "ExchangeServer.csv"):
        status, message = got[("file", name)]
        assert status == "skipped" and f"{name} is not in the export" in message
    assert got[("account", "jan@acme.nl")] == ("ok", "")
    assert inv.servers[0].version is None and not inv.devices and not inv.permissions


def test_missing_folder_statistics_leaves_every_mailbox_partial(tmp_path: Path) -> None:
    inv = scanned(tmp_path, tables={"MailboxFolderStatistics.csv": []})
    got = units(inv)
    assert got[("file", "MailboxFolderStatistics.csv")][0] == "failed"
    for address in ("jan@acme.nl", "info@acme.nl", "piet@acme.nl"):
        status, message = got[("account", address)]
        assert status == "partial" and "its folders are unknown" in message
    assert not inv.folders and len(inv.mailboxes) == 3


def test_unreadable_statistics_fail_the_file_not_the_scan(tmp_path: Path) -> None:
    export = s.write_export(tmp_path / "export")
    (export / "MailboxStatistics.csv").write_bytes(b'"DisplayName"\r\n"x"\r\n')
    src = ExchangeExportSource(name="ems", type="exchange_export", path=export)
    with Store(tmp_path / "scan.sqlite") as store:
        scan_export(src, store, "UTC")
        got = units(store.inventory())
    assert got[("file", "MailboxStatistics.csv")] == (
        "failed",
        "MailboxStatistics.csv: no column PrimarySmtpAddress, ItemCount, TotalItemSize; the "
        "header has DisplayName (export it with sample_configs/exchange-export.ps1)",
    )
    assert not [k for k in got if k[0] == "account"]


def test_an_empty_file_is_no_rows_not_an_error(tmp_path: Path) -> None:
    export = s.write_export(tmp_path / "export")
    (export / "MobileDeviceStatistics.csv").write_bytes(b"")  # Export-Csv of no objects
    src = ExchangeExportSource(name="ems", type="exchange_export", path=export)
    with Store(tmp_path / "scan.sqlite") as store:
        scan_export(src, store, "UTC")
        inv = store.inventory()
    assert units(inv)[("file", "MobileDeviceStatistics.csv")] == ("ok", "") and not inv.devices
    (export / "MailboxStatistics.csv").write_bytes(b"")
    with Store(tmp_path / "again.sqlite") as store:
        scan_export(src, store, "UTC")
        got = units(store.inventory())
    assert got[("file", "MailboxStatistics.csv")] == (
        "failed", "MailboxStatistics.csv holds no mailbox"
    )  # fmt: skip


def test_dates_in_another_culture_than_configured(tmp_path: Path) -> None:
    export = s.write_export(tmp_path / "export", "nl-NL")
    src = ExchangeExportSource(name="ems", type="exchange_export", path=export, culture="en-US")
    with Store(tmp_path / "scan.sqlite") as store:
        scan_export(src, store, "UTC")
        inv = store.inventory()
    status, message = units(inv)[("file", "MobileDeviceStatistics.csv")]
    assert status == "partial"
    assert message.startswith(
        "2 of 2 rows not used: MobileDeviceStatistics.csv, line 3, column FirstSyncTime: "
        "found '1-3-2025 08:00:00'; expected a date and time such as '11/22/2026 09:14:03 AM'"
    )
    assert not inv.devices and units(inv)[("account", "jan@acme.nl")] == ("ok", "")
    custom = ExchangeExportSource(name="ems", type="exchange_export", path=export,
                                  culture="xx-YY", date_format="%d-%m-%Y %H:%M:%S")  # fmt: skip
    with Store(tmp_path / "again.sqlite") as store:
        scan_export(custom, store, "UTC")
        assert len(store.inventory().devices) == 2


def test_the_culture_the_script_recorded(tmp_path: Path) -> None:
    export = s.write_export(tmp_path / "export", "nl-NL")
    src = ExchangeExportSource(name="ems", type="exchange_export", path=export)
    with Store(tmp_path / "scan.sqlite") as store:
        scan_export(src, store, "Europe/Amsterdam")
        assert len(store.inventory().devices) == 2
    (export / "ExportInfo.csv").unlink()
    with Store(tmp_path / "again.sqlite") as store:
        scan_export(src, store, "Europe/Amsterdam")
        inv = store.inventory()
    status, message = units(inv)[("file", "MobileDeviceStatistics.csv")]
    assert status == "failed" and "set culture (or date_format)" in message
    assert units(inv)[("file", "ExportInfo.csv")][0] == "skipped"
    assert units(inv)[("account", "jan@acme.nl")] == ("ok", "")


def test_get_adpermission_shape_of_send_as(tmp_path: Path) -> None:
    rows: list[dict[str, s.Value]] = [
        {"Identity": "acme.local/Users/Info", "User": "ACME\\jan", "ExtendedRights": "{Send-As}",
         "Deny": False, "IsInherited": False},
        {"Identity": "acme.local/Users/Info", "User": "ACME\\piet", "ExtendedRights": "Send-As",
         "Deny": True, "IsInherited": False},
        {"Identity": "acme.local/Users/Nobody", "User": "ACME\\piet", "ExtendedRights": "Send-As",
         "Deny": False, "IsInherited": False},
    ]  # fmt: skip
    inv = scanned(tmp_path, tables={"RecipientPermission.csv": rows})
    send_as = {x for x in inv.permissions if x.origin == "ems_send_as"}
    assert send_as == {Permission("ems", "info@acme.nl", None, "jan@acme.nl", "SendAs",
                                  "ems_send_as")}  # fmt: skip
    status, message = units(inv)[("file", "RecipientPermission.csv")]
    assert status == "partial" and "line 5: 'acme.local/Users/Nobody' names no mailbox" in message


# -- config ----------------------------------------------------------------------------------


def write_config(tmp_path: Path, export: Path, extra: str = "") -> Path:
    config = tmp_path / "acme.yaml"
    config.write_text(
        "project: Acme export\nclient: Acme BV\nlanguage: nl\noutput_dir: out\n"
        "sources:\n  - name: ems\n    type: exchange_export\n"
        f"    path: {export.name}\n    culture: nl-NL\n{extra}",
        encoding="utf-8",
    )
    return config


def test_config_errors_name_the_key(tmp_path: Path) -> None:
    config = write_config(tmp_path, tmp_path / "nowhere")
    with pytest.raises(ConfigError, match=r"sources\[0\].path: .*nowhere is not a directory"):
        load(config)
    (tmp_path / "export").mkdir()
    config = write_config(tmp_path, tmp_path / "export")
    with pytest.raises(
        ConfigError, match=r"sources\[0\].files.mailbox_statistics: .*MailboxStatistics.csv"
    ):
        load(config)
    config = write_config(tmp_path, tmp_path / "export", "    culture: fr-FR\n")
    with pytest.raises(ConfigError, match="culture"):
        load(config)
    s.write_export(tmp_path / "export")
    config = write_config(tmp_path, tmp_path / "export", "    files: {devices: phones.csv}\n")
    source = load(config).config.sources[0]
    assert isinstance(source, ExchangeExportSource)
    assert source.files.devices == "phones.csv" and source.path == tmp_path / "export"


def test_sample_config_and_its_example_export(tmp_path: Path) -> None:
    sample = Path(__file__).parent.parent / "sample_configs" / "exchange-export.yaml"
    (source,) = load(sample).config.sources
    assert isinstance(source, ExchangeExportSource) and source.culture is None
    with Store(tmp_path / "scan.sqlite") as store:
        scan_export(source, store, "Europe/Amsterdam")
        inv = store.inventory()
    assert folders(inv) == EXPECTED_FOLDERS and len(inv.devices) == 2


# -- end to end ------------------------------------------------------------------------------


def test_scan_command_writes_the_workbook(tmp_path: Path) -> None:
    s.write_export(tmp_path / "export", "nl-NL", "utf-16", True)
    config = write_config(tmp_path, tmp_path / "export")
    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "mailsurvey", "scan", str(config), "--quiet"],
        capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip
    assert proc.returncode == 3, proc.stdout + proc.stderr  # piet@ is partial
    out = tmp_path / "out"
    book = load_workbook(next(out.glob("*.xlsx")))
    rows = [[c.value for c in r] for ws in book.worksheets for r in ws.iter_rows()]
    flat = [v for r in rows for v in r]
    assert "Microsoft Exchange (EMS export)" in flat and "Version 15.2 (Build 1118.7)" in flat
    assert "Inbox/Zażółć gęślą jaźń" in flat
    inbox = [r for r in rows if r[:3] == ["jan@acme.nl", "Postvak", "Inbox"]]
    assert len(inbox) == 1 and inbox[0][7] == 4000
    assert inbox[0][8] * s.MB == pytest.approx(1_181_116_006)  # sizes shown in MB
    for ws in book.worksheets:
        for r in ws.iter_rows():
            for c in r:
                if c.value == s.HOSTILE:
                    assert c.data_type == "s"
    assert s.HOSTILE in flat
    doc = json.loads((out / "inventory.json").read_text(encoding="utf-8"))
    jsonschema.validate(doc, json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))
    with Store.open_existing(out / "scan.sqlite") as store:
        inv = store.inventory()
    assert folders(inv) == EXPECTED_FOLDERS
    assert {u.key: u.status for u in inv.units if u.kind is UnitKind.ACCOUNT} == {
        "jan@acme.nl": Status.OK, "info@acme.nl": Status.OK, "piet@acme.nl": Status.PARTIAL
    }  # fmt: skip
