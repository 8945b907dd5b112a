"""Exchange Management Shell exports written the way Export-Csv writes them, from known data.

Every field quoted (doubled quotes inside), CRLF line ends, an optional ``#TYPE`` first
line (Windows PowerShell 5.1 without -NoTypeInformation), UTF-16 LE with BOM (``-Encoding
Unicode``), UTF-8 with BOM (5.1's ``-Encoding UTF8``) or without (PowerShell 7's default).
Sizes as ByteQuantifiedSize.ToString() gives them and dates in the session culture's
short date and long time pattern.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path

GB, MB, KB = 1024**3, 1024**2, 1024
ENCODINGS = {
    "utf-16": (b"\xff\xfe", "utf-16-le"),
    "utf-8-sig": (b"\xef\xbb\xbf", "utf-8"),
    "utf-8": (b"", "utf-8"),
}
# culture -> (decimal separator, group separator)
NUMBERS = {"en-US": (".", ","), "nl-NL": (",", "."), "pl-PL": (",", "\u00a0")}
HOSTILE = '=HYPERLINK("http://evil.example/","Info")'
SLASH = "\uf8ff"  # how FolderPath writes a "/" inside a folder name

Value = str | int | bool | datetime | tuple[str, int] | None  # ("size", n) is a size


def size(n: int) -> tuple[str, int]:
    return ("size", n)


UNLIMITED = ("unlimited", 0)

SERVERS = [
    {
        "Name": "EX01",
        "Fqdn": "ex01.acme.local",
        "AdminDisplayVersion": "Version 15.2 (Build 1118.7)",
        "Edition": "Standard",
        "ServerRole": "Mailbox",
    }
]
STATISTICS = [
    {
        "DisplayName": 'Jansen, Jan "JJ"',
        "ItemCount": 5234,
        "TotalItemSize": size(1_320_702_362),
        "TotalDeletedItemSize": size(1_572_864),
        "DeletedItemCount": 12,
        "LastLogonTime": datetime(2026, 11, 22, 9, 14, 3),
        "MailboxGuid": "0e4d7c1a-8f43-4a4b-9d36-1f0c2b7a5e11",
        "DatabaseProhibitSendReceiveQuota": size(2_469_606_195),
        "PrimarySmtpAddress": "jan@acme.nl",
        "RecipientTypeDetails": "UserMailbox",
        "ArchiveStatus": "Active",
        "ArchiveGuid": "5b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",
        "MailboxIdentity": "acme.local/Users/Jan Jansen",
        "SamAccountName": "jan",
        "UserPrincipalName": "jan@acme.local",
        "UseDatabaseQuotaDefaults": True,
        "ProhibitSendReceiveQuota": UNLIMITED,
    },
    {
        "DisplayName": HOSTILE,
        "ItemCount": 0,
        "TotalItemSize": size(0),
        "TotalDeletedItemSize": size(0),
        "DeletedItemCount": 0,
        "LastLogonTime": None,
        "MailboxGuid": "6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d",
        "DatabaseProhibitSendReceiveQuota": size(2_469_606_195),
        "PrimarySmtpAddress": "info@acme.nl",
        "RecipientTypeDetails": "SharedMailbox",
        "ArchiveStatus": "None",
        "ArchiveGuid": "00000000-0000-0000-0000-000000000000",
        "MailboxIdentity": "acme.local/Users/Info",
        "SamAccountName": "info",
        "UserPrincipalName": "info@acme.local",
        "UseDatabaseQuotaDefaults": False,
        "ProhibitSendReceiveQuota": UNLIMITED,
    },
    {
        "DisplayName": "Piet de Vries",
        "ItemCount": 17,
        "TotalItemSize": size(734_003),
        "TotalDeletedItemSize": size(0),
        "DeletedItemCount": 0,
        "LastLogonTime": datetime(2026, 1, 2, 16, 5, 0),
        "MailboxGuid": "7b8c9d0e-1f2a-4b3c-9d4e-5f6a7b8c9d0e",
        "DatabaseProhibitSendReceiveQuota": size(2_469_606_195),
        "PrimarySmtpAddress": "piet@acme.nl",
        "RecipientTypeDetails": "UserMailbox",
        "ArchiveStatus": "None",
        "ArchiveGuid": "00000000-0000-0000-0000-000000000000",
        "MailboxIdentity": "acme.local/Users/Piet de Vries",
        "SamAccountName": "piet",
        "UserPrincipalName": "piet@acme.local",
        "UseDatabaseQuotaDefaults": True,
        "ProhibitSendReceiveQuota": UNLIMITED,
    },
]


def _folder(
    owner: str, path: str, kind: str, cls: str | None, items: int, n: int, archive: bool = False
) -> dict[str, Value]:
    return {
        "Name": path.rsplit("/", 1)[-1],
        "FolderPath": path,
        "FolderType": kind,
        "ContainerClass": cls,
        "ItemsInFolder": items,
        "FolderSize": size(n),
        "ItemsInFolderAndSubfolders": items,
        "FolderAndSubfolderSize": size(n),
        "PrimarySmtpAddress": owner,
        "Archive": archive,
    }


J, INFO = "jan@acme.nl", "info@acme.nl"
FOLDERS = [
    _folder(J, "/Top of Information Store", "Root", None, 0, 0),
    _folder(J, "/Inbox", "Inbox", "IPF.Note", 4000, 1_181_116_006),
    _folder(J, "/Inbox/Projecten 2026", "User Created", "IPF.Note", 1000, 126_353_408),
    _folder(J, "/Calendar", "Calendar", "IPF.Appointment", 200, 13_232_948),
    _folder(J, "/Sent Items", "SentItems", "IPF.Note", 34, 2_097_152),
    _folder(J, "/Recoverable Items", "RecoverableItemsRoot", None, 0, 0),
    _folder(J, "/Deletions", "RecoverableItemsDeletions", None, 12, 1_572_864),
    _folder(J, "/Top of Information Store", "Root", None, 0, 0, archive=True),
    _folder(J, "/Inbox", "Inbox", "IPF.Note", 300, 262_144_000, archive=True),
    _folder(J, "/Recoverable Items", "RecoverableItemsRoot", None, 0, 0, archive=True),
    _folder(J, "/Purges", "RecoverableItemsPurges", None, 2, 10_240, archive=True),
    _folder(INFO, "/Top of Information Store", "Root", None, 0, 0),
    _folder(INFO, "/Inbox", "Inbox", "IPF.Note", 0, 0),
    _folder(INFO, "/Inbox/Zażółć gęślą jaźń", "User Created", "IPF.Note", 0, 0),
    _folder(INFO, f"/Facturen{SLASH}2026", "User Created", "IPF.Note", 0, 0),
]
# Get-MailboxPermission as an admin exports it without the script: no PrimarySmtpAddress
MAILBOX_PERMISSIONS = [
    {"Identity": "acme.local/Users/Info", "User": "ACME\\jan", "AccessRights": "FullAccess",
     "IsInherited": False, "Deny": False},
    {"Identity": "acme.local/Users/Info", "User": "NT AUTHORITY\\SELF",
     "AccessRights": "FullAccess, ReadPermission", "IsInherited": False, "Deny": False},
    {"Identity": "acme.local/Users/Info", "User": "ACME\\Exchange Servers",
     "AccessRights": "FullAccess", "IsInherited": True, "Deny": False},
    {"Identity": "acme.local/Users/Jan Jansen", "User": "ACME\\piet",
     "AccessRights": "{FullAccess, ReadPermission}", "IsInherited": False, "Deny": False},
    {"Identity": "acme.local/Users/Jan Jansen", "User": "ACME\\Domain Admins",
     "AccessRights": "FullAccess", "IsInherited": False, "Deny": True},
]  # fmt: skip
RECIPIENT_PERMISSIONS = [
    {"Identity": "Info", "Trustee": "ACME\\piet", "AccessControlType": "Allow",
     "AccessRights": "SendAs", "IsInherited": False, "PrimarySmtpAddress": INFO},
    {"Identity": "Jan Jansen", "Trustee": "NT AUTHORITY\\SELF", "AccessControlType": "Allow",
     "AccessRights": "SendAs", "IsInherited": False, "PrimarySmtpAddress": J},
    {"Identity": "Jan Jansen", "Trustee": "ACME\\extern", "AccessControlType": "Allow",
     "AccessRights": "SendAs", "IsInherited": False, "PrimarySmtpAddress": J},
]  # fmt: skip
DEVICES = [
    {
        "PrimarySmtpAddress": J,
        "Identity": "acme.local/Users/Jan Jansen/ExchangeActiveSyncDevices/iPhone§ApplF17XYZ",
        "DeviceId": "ApplF17XYZ",
        "DeviceType": "iPhone",
        "DeviceModel": "iPhone14,2",
        "DeviceOS": "iOS 17.1 21B74",
        "DeviceUserAgent": "Apple-iPhone14C2/2101.74",
        "FirstSyncTime": datetime(2025, 3, 1, 8, 0, 0),
        "LastSuccessSync": datetime(2026, 11, 22, 9, 14, 3),
        "DeviceAccessState": "Allowed",
    },
    {
        "PrimarySmtpAddress": INFO,
        "Identity": "acme.local/Users/Info/ExchangeActiveSyncDevices/Android§androidc123",
        "DeviceId": "androidc123",
        "DeviceType": "Android",
        "DeviceModel": "Pixel 7",
        "DeviceOS": "Android 14",
        "DeviceUserAgent": "Android-Mail/2023.10",
        "FirstSyncTime": datetime(2026, 1, 5, 13, 45, 0),
        "LastSuccessSync": None,
        "DeviceAccessState": "Quarantined",
    },
]
TYPES = {
    "ExchangeServer.csv": "Deserialized.Microsoft.Exchange.Data.Directory.Management"
    ".ExchangeServer",
    "MailboxStatistics.csv": "Selected.Microsoft.Exchange.Management.MapiTasks.Presentation"
    ".MailboxStatistics",
    "MailboxFolderStatistics.csv": "Selected.Microsoft.Exchange.Management.Tasks"
    ".MailboxFolderConfiguration",
    "MailboxPermission.csv": "Deserialized.Microsoft.Exchange.Management.RecipientTasks"
    ".MailboxAcePresentationObject",
    "RecipientPermission.csv": "Selected.Microsoft.Exchange.Management.RecipientTasks"
    ".RecipientPermission",
    "MobileDeviceStatistics.csv": "Selected.Microsoft.Exchange.Management.Tasks"
    ".MobileDeviceConfiguration",
    "ExportInfo.csv": "System.Management.Automation.PSCustomObject",
}


def ps_size(n: int, culture: str) -> str:
    """ByteQuantifiedSize.ToString(): ``1.23 GB (1,320,702,362 bytes)``."""
    point, group = NUMBERS[culture]
    unit, scale = next(
        ((u, s) for u, s in (("TB", 1024**4), ("GB", GB), ("MB", MB), ("KB", KB)) if n >= s),
        ("B", 1),
    )
    figure = f"{n / scale:.2f}".rstrip("0").rstrip(".").replace(".", point)
    return f"{figure} {unit} ({n:,} bytes)".replace(",", group)


def ps_date(d: datetime, culture: str) -> str:
    """The culture's short date and long time pattern (G)."""
    if culture == "en-US":
        hour = d.hour % 12 or 12
        return f"{d.month}/{d.day}/{d.year} {hour}:{d:%M:%S} {'AM' if d.hour < 12 else 'PM'}"
    if culture == "nl-NL":
        return f"{d.day}-{d.month}-{d.year} {d:%H:%M:%S}"
    return f"{d:%d.%m.%Y %H:%M:%S}"  # pl-PL


def cell(value: Value, culture: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, datetime):
        return ps_date(value, culture)
    if isinstance(value, tuple):
        return "Unlimited" if value[0] == "unlimited" else ps_size(value[1], culture)
    return str(value)


def csv_bytes(
    name: str,
    rows: Iterable[Mapping[str, Value]],
    culture: str = "en-US",
    encoding: str = "utf-16",
    type_line: bool = True,
) -> bytes:
    rows = list(rows)
    columns = list(rows[0]) if rows else ["Name"]
    lines = [f"#TYPE {TYPES.get(name, 'System.Management.Automation.PSCustomObject')}"]
    lines = lines if type_line else []
    quote = lambda text: '"' + text.replace('"', '""') + '"'  # noqa: E731
    lines.append(",".join(quote(c) for c in columns))
    for row in rows:
        lines.append(",".join(quote(cell(row.get(c), culture)) for c in columns))
    bom, codec = ENCODINGS[encoding]
    return bom + ("\r\n".join(lines) + "\r\n").encode(codec)


def write_export(
    directory: Path,
    culture: str = "en-US",
    encoding: str = "utf-16",
    type_line: bool = True,
    tables: Mapping[str, list[dict[str, Value]]] | None = None,
) -> Path:
    """The seven files of sample_configs/exchange-export.ps1 in ``directory``; ``tables``
    replaces (or, with an empty list, leaves out) some of them."""
    directory.mkdir(parents=True, exist_ok=True)
    files: dict[str, list[dict[str, Value]]] = {
        "ExchangeServer.csv": SERVERS,
        "MailboxStatistics.csv": STATISTICS,
        "MailboxFolderStatistics.csv": FOLDERS,
        "MailboxPermission.csv": MAILBOX_PERMISSIONS,
        "RecipientPermission.csv": RECIPIENT_PERMISSIONS,
        "MobileDeviceStatistics.csv": DEVICES,
    }
    files["ExportInfo.csv"] = [
        {"Culture": culture, "TimeZone": "W. Europe Standard Time", "PSVersion": "5.1.17763.1",
         "ExportedAt": datetime(2026, 11, 22, 9, 30, 0), "Script": "1"}
    ]  # fmt: skip
    files.update(tables or {})
    for name, rows in files.items():
        if rows:
            data = csv_bytes(name, rows, culture, encoding, type_line)
            (directory / name).write_bytes(data)
    return directory
