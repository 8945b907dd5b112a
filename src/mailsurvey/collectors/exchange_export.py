"""Exchange Management Shell CSV exports as a source: the files an admin wrote with
sample_configs/exchange-export.ps1, read into the same records the EWS collector gives.

One unit per mailbox of Get-MailboxStatistics (ok; partial when its folders, or some of
its permissions, are not in the export; failed when one of its rows does not parse), and
one unit per file (ok, partial with the rows it could not use or the dates it could not
read, failed when unreadable, skipped when an optional file is not in the export). The
files are only read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from ..config import ExchangeExportSource
from ..model import (
    Device,
    Folder,
    Mailbox,
    Observation,
    Permission,
    Reason,
    Server,
    Status,
    Unit,
    UnitKind,
)
from ..store import Store
from . import exchange_export_parse as p
from .ews_parse import SEPARATOR

SOFTWARE = "Microsoft Exchange (EMS export)"
STATISTICS_COLUMNS = ("PrimarySmtpAddress", "DisplayName", "ItemCount", "TotalItemSize")
FOLDER_COLUMNS = ("FolderPath", "FolderType", "ItemsInFolder", "FolderSize")
DEVICE_COLUMNS = ("DeviceId",)
MAILBOX_PERMISSION_COLUMNS = ("Identity", "User", "AccessRights")
SERVER_COLUMNS = ("Name", "AdminDisplayVersion")
_SHOWN = 5  # rows named in a unit's message before "and n more"


@dataclass
class _Box:
    """One mailbox of the statistics file and what the other files say of it."""

    key: str  # the primary SMTP address (or where its row is, when it has none)
    mailbox: Mailbox | None
    error: str | None = None  # its row did not parse: the mailbox fails
    logon_error: str | None = None  # its LastLogonTime did not parse: not known
    folders: list[Folder] | None = None  # None: not in the folder statistics
    folders_note: str | None = None  # why its folders are unknown, when the file is
    folder_error: str | None = None
    permissions: list[Permission] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)


@dataclass
class _FileOutcome:
    status: Status
    reason: Reason = Reason.NONE
    message: str = ""


class _Missing(Exception):
    """An optional file is not in the export."""


def scan_export(
    src: ExchangeExportSource,
    store: Store,
    zone: str,
    started_mailboxes: Callable[[int], None] = lambda n: None,
    advance: Callable[[], None] = lambda: None,
) -> None:
    """Read the export in ``src.path`` into ``store``. ``zone``: the admin's session time
    zone (its dates carry none). ``started_mailboxes`` is told how many mailboxes there
    are, ``advance`` each time one is committed."""
    started = datetime.now(UTC)
    files = src.files

    def finish_file(name: str, outcome: _FileOutcome, records: Iterable[object] = ()) -> None:
        unit = Unit(src.name, UnitKind.FILE, name, outcome.status, outcome.reason,
                    outcome.message, started, datetime.now(UTC))  # fmt: skip
        store.finish_partition(unit, records)

    version, server_outcome = _servers(src)
    dates, info_outcome = _date_format(src)
    store.write_server(
        Server(
            source=src.name,
            host=str(src.path),
            port=0,
            software=SOFTWARE,
            version=version,
            greeting=None,
            capabilities=("EMS export", f"dates as {dates or 'not known'}"),
            security="file",
            tls_verified=True,
        )
    )
    finish_file(files.servers, server_outcome)
    finish_file(files.export_info, info_outcome)
    try:
        statistics = _read(src, files.mailbox_statistics, STATISTICS_COLUMNS)
    except Exception as exc:
        finish_file(files.mailbox_statistics, _failure(exc))
        return
    if not statistics.rows:
        message = f"{files.mailbox_statistics} holds no mailbox"
        finish_file(files.mailbox_statistics, _FileOutcome(Status.FAILED, Reason.PROTOCOL, message))
        return
    logon = p.moment(dates, ZoneInfo(src.timezone or zone))
    boxes, directory = _mailboxes(src, statistics, logon)
    finish_file(files.mailbox_statistics, _statistics_outcome(statistics, boxes))
    started_mailboxes(len(boxes))
    by_address = {b.key.lower(): b for b in boxes if b.mailbox is not None}

    finish_file(files.folder_statistics, _folders(src, by_address, directory))
    for name, reader in (
        (files.mailbox_permissions, _mailbox_permissions),
        (files.recipient_permissions, _send_as),
    ):
        finish_file(name, _permissions(src, name, reader, by_address, directory))
    devices, outcome = _devices(src, directory, dates, ZoneInfo(src.timezone or zone))
    finish_file(files.devices, outcome, devices)

    for box in boxes:
        _finish(src, store, box, started)
        advance()


def _finish(src: ExchangeExportSource, store: Store, box: _Box, started: datetime) -> None:
    def unit(status: Status, reason: Reason, message: str) -> Unit:
        return Unit(src.name, UnitKind.ACCOUNT, box.key, status, reason, message, started,
                    datetime.now(UTC))  # fmt: skip

    failure = box.error or box.folder_error
    if box.mailbox is None or failure is not None:
        store.finish_account(unit(Status.FAILED, Reason.PROTOCOL, failure or ""), None)
        return
    problems = list(box.problems)
    if box.folders is None:
        problems.insert(
            0,
            box.folders_note
            or f"not in {src.files.folder_statistics}: its folders are unknown "
            f"({src.files.mailbox_statistics} gives its size)",
        )
    folders: list[Folder] = []
    for f, renamed in p.unique_paths(box.folders or []):
        folders.append(f)
        if renamed:
            box.observations.append(
                Observation(
                    src.name,
                    box.key,
                    f.path,
                    "duplicate_folder_path",
                    "two folders have this path in the export; the second is shown with a number",
                )
            )
    status = Status.PARTIAL if problems else Status.OK
    reason = Reason.PROTOCOL if box.problems else Reason.NONE
    store.finish_mailbox(
        unit(status, reason, "; ".join(problems)),
        box.mailbox,
        folders,
        box.permissions,
        box.observations,
    )


# -- the files -------------------------------------------------------------------------------


def _read(src: ExchangeExportSource, name: str, required: tuple[str, ...]) -> p.Table:
    path = src.path / name
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise _Missing(f"{name} is not in the export ({src.path})") from None
    return p.read_table(name, data, required)


def _failure(exc: BaseException, optional: bool = False) -> _FileOutcome:
    """A file that could not be used, as a unit's outcome."""
    if isinstance(exc, _Missing):
        status = Status.SKIPPED if optional else Status.FAILED
        return _FileOutcome(status, Reason.NONE, f"{exc}: what it holds is unknown")
    if isinstance(exc, p.ExportFormatError):
        return _FileOutcome(Status.FAILED, Reason.PROTOCOL, str(exc))
    if isinstance(exc, PermissionError):
        return _FileOutcome(Status.FAILED, Reason.PERMISSION, f"cannot read: {exc}")
    if isinstance(exc, OSError):
        return _FileOutcome(Status.FAILED, Reason.UNAVAILABLE, f"cannot read: {exc}")
    return _FileOutcome(Status.FAILED, Reason.INTERNAL, f"unexpected {type(exc).__name__}: {exc}")


def _rows_outcome(table: p.Table, problems: list[str | None]) -> _FileOutcome:
    bad = [x for x in problems if x]
    if not bad:
        return _FileOutcome(Status.OK)
    more = f"; and {len(bad) - _SHOWN} more" if len(bad) > _SHOWN else ""
    return _FileOutcome(
        Status.PARTIAL,
        Reason.PROTOCOL,
        f"{len(bad)} of {len(table.rows)} rows not used: " + "; ".join(bad[:_SHOWN]) + more,
    )


def _servers(src: ExchangeExportSource) -> tuple[str | None, _FileOutcome]:
    """The Exchange versions Get-ExchangeServer gave (AdminDisplayVersion), e.g.
    ``Version 15.2 (Build 1118.7)``; several when the servers differ."""
    try:
        table = _read(src, src.files.servers, SERVER_COLUMNS)
    except Exception as exc:
        return None, _failure(exc, optional=True)
    versions = sorted({v for r in table.rows if (v := r.text("AdminDisplayVersion"))})
    return ", ".join(versions) or None, _FileOutcome(Status.OK)


def _date_format(src: ExchangeExportSource) -> tuple[str | None, _FileOutcome]:
    """The dates' format: the config's, else that of the culture the script recorded."""
    try:
        table = _read(src, src.files.export_info, ("Culture",))
    except Exception as exc:
        return src.dates, _failure(exc, optional=True)
    recorded = next((c for r in table.rows if (c := r.text("Culture"))), None)
    if src.dates or recorded in p.CULTURES:
        return src.dates or p.CULTURES[str(recorded)], _FileOutcome(Status.OK)
    known = ", ".join(p.CULTURES)
    message = f"culture {recorded!r} has no known date format ({known}); set date_format"
    return None, _FileOutcome(Status.PARTIAL, Reason.UNSUPPORTED, message)


def _statistics_outcome(table: p.Table, boxes: list[_Box]) -> _FileOutcome:
    """Rows not used; else LastLogonTime values not read (the date format is wrong or not
    known): the mailboxes are fine, their last logon is not known."""
    outcome = _rows_outcome(table, [b.error for b in boxes])
    unread = [b.logon_error for b in boxes if b.logon_error]
    if outcome.status is not Status.OK or not unread:
        return outcome
    more = f"; and {len(unread) - _SHOWN} more" if len(unread) > _SHOWN else ""
    return _FileOutcome(
        Status.PARTIAL,
        Reason.PROTOCOL,
        f"the last logon of {len(unread)} of {len(table.rows)} mailboxes is not known: "
        + "; ".join(unread[:_SHOWN])
        + more,
    )


def _mailboxes(
    src: ExchangeExportSource, table: p.Table, logon: p.Parse[datetime]
) -> tuple[list[_Box], p.Directory]:
    directory = p.Directory()
    boxes: list[_Box] = []
    lines: dict[str, int] = {}
    for row in table.rows:
        address = row.text("PrimarySmtpAddress")
        key = address or row.where()
        if address is None:
            boxes.append(_Box(key, None, f"{row.where()}: no PrimarySmtpAddress"))
            continue
        if address.lower() in lines:
            first = lines[address.lower()]
            again = f"{row.where()}: {address} again (first on line {first})"
            boxes.append(_Box(f"{key} ({row.where()})", None, again))
            continue
        lines[address.lower()] = row.line
        try:
            box = _Box(key, _mailbox(src, row, address))
        except p.ExportFormatError as exc:
            box = _Box(key, None, str(exc))
        if box.mailbox is not None:
            try:
                last_logon = row.parsed("LastLogonTime", logon)
            except p.ExportFormatError as exc:
                box.logon_error = str(exc)
            else:
                box.mailbox = replace(box.mailbox, last_logon=last_logon)
        boxes.append(box)
        directory.add(
            address,
            *(row.text(c) for c in ("MailboxIdentity", "Identity", "UserPrincipalName")),
            *(row.text(c) for c in ("SamAccountName", "Alias", "DisplayName")),
            *(row.text(c) for c in ("DistinguishedName", "ExchangeGuid", "MailboxGuid")),
        )
    return boxes, directory


def _mailbox(src: ExchangeExportSource, row: p.Row, address: str) -> Mailbox:
    used = row.parsed("TotalItemSize", p.byte_count)
    row.parsed("ItemCount", p.integer)  # a malformed count is a malformed row
    own = row.parsed("UseDatabaseQuotaDefaults", p.boolean) is False
    column = "ProhibitSendReceiveQuota" if own else "DatabaseProhibitSendReceiveQuota"
    quota = row.parsed(column, p.size)
    return Mailbox(
        source=src.name,
        address=address,
        display_name=row.text("DisplayName"),
        kind=p.mailbox_kind(row.text("RecipientTypeDetails")),
        quota_used_bytes=used,
        quota_limit_bytes=quota.bytes if quota else None,
        quota_unlimited=bool(quota and quota.unlimited),
        delimiter=SEPARATOR,
    )


def _owner(row: p.Row, directory: p.Directory, marker: str = "\\") -> str | None:
    """The mailbox a row belongs to: the PrimarySmtpAddress the script adds, else its
    Identity up to ``marker`` (``acme.local/Users/Jan\\Inbox``)."""
    address = row.text("PrimarySmtpAddress")
    if address:
        return directory.resolve(address) or address
    identity = row.text("Identity") or ""
    head = identity.split(marker, 1)[0] if marker in identity else identity
    return directory.resolve(head)


def _folders(
    src: ExchangeExportSource, boxes: dict[str, _Box], directory: p.Directory
) -> _FileOutcome:
    try:
        table = _read(src, src.files.folder_statistics, FOLDER_COLUMNS)
    except Exception as exc:
        outcome = _failure(exc)
        for unknown in boxes.values():
            unknown.folders_note = f"its folders are unknown: {outcome.message}"
        return outcome
    strangers: list[str | None] = []
    for row in table.rows:
        owner = _owner(row, directory)
        box = boxes.get(owner.lower()) if owner else None
        if box is None:
            strangers.append(f"line {row.line}: names no mailbox of {src.files.mailbox_statistics}")
            continue
        if box.folder_error is not None:
            continue
        if box.folders is None:
            box.folders = []
        try:
            archive = bool(row.parsed("Archive", p.boolean))
            found = p.folder(src.name, box.key, row, archive)
        except p.ExportFormatError as exc:
            box.folder_error = str(exc)
            continue
        if found is not None:
            box.folders.append(found)
    return _rows_outcome(table, strangers)


Reader = Callable[[ExchangeExportSource, p.Row, p.Directory], Permission | None]


def _permissions(
    src: ExchangeExportSource,
    name: str,
    reader: Reader,
    boxes: dict[str, _Box],
    directory: p.Directory,
) -> _FileOutcome:
    columns = MAILBOX_PERMISSION_COLUMNS if reader is _mailbox_permissions else ("Identity",)
    try:
        table = _read(src, name, columns)
    except Exception as exc:
        return _failure(exc, optional=True)
    problems: list[str | None] = []
    for row in table.rows:
        owner = _owner(row, directory)
        box = boxes.get(owner.lower()) if owner else None
        if box is None:
            problems.append(
                f"line {row.line}: {row.text('Identity')!r} names no mailbox of "
                f"{src.files.mailbox_statistics}"
            )
            continue
        try:
            found = reader(src, row, directory)
        except p.ExportFormatError as exc:
            problems.append(str(exc))
            box.problems.append(f"a permission is unknown: {exc}")
            continue
        if found is not None:
            box.permissions.append(
                Permission(src.name, box.key, None, found.grantee, found.rights, found.origin)
            )
    return _rows_outcome(table, problems)


def _grantee(trustee: str, directory: p.Directory) -> str:
    return directory.resolve(trustee) or trustee


def _mailbox_permissions(
    src: ExchangeExportSource, row: p.Row, directory: p.Directory
) -> Permission | None:
    """A Get-MailboxPermission row: explicit Allow entries of another trustee than SELF
    (inherited entries are the database's and the organisation's, not grants to a user)."""
    trustee = row.text("User") or ""
    rights = row.parsed("AccessRights", p.access_rights)
    inherited = row.parsed("IsInherited", p.boolean)
    deny = row.parsed("Deny", p.boolean)
    if not trustee or not rights or inherited or deny or p.is_self(trustee):
        return None
    grantee = _grantee(trustee, directory)
    return Permission(src.name, "", None, grantee, ", ".join(rights), "ems_mailbox_permission")


def _send_as(src: ExchangeExportSource, row: p.Row, directory: p.Directory) -> Permission | None:
    """A Get-RecipientPermission row (Trustee, AccessControlType, AccessRights), or
    Get-ADPermission's shape (User, Deny, ExtendedRights) from older Exchange versions."""
    trustee = row.text("Trustee") or row.text("User") or ""
    rights = row.parsed("AccessRights" if row.has("AccessRights") else "ExtendedRights",
                        p.access_rights)  # fmt: skip
    allow = (row.text("AccessControlType") or "Allow").lower() == "allow"
    deny = row.parsed("Deny", p.boolean)
    inherited = row.parsed("IsInherited", p.boolean)
    if not trustee or not rights or "SendAs" not in rights or not allow or deny or inherited:
        return None
    if p.is_self(trustee):
        return None
    return Permission(src.name, "", None, _grantee(trustee, directory), "SendAs", "ems_send_as")


def _devices(
    src: ExchangeExportSource, directory: p.Directory, dates: str | None, zone: ZoneInfo
) -> tuple[list[Device], _FileOutcome]:
    try:
        table = _read(src, src.files.devices, DEVICE_COLUMNS)
    except Exception as exc:
        return [], _failure(exc, optional=True)
    if dates is None:
        return [], _FileOutcome(
            Status.FAILED,
            Reason.UNSUPPORTED,
            f"its dates cannot be read: {src.files.export_info} does not give the admin's "
            "session culture and the config neither; set culture (or date_format)",
        )
    parse_date = p.moment(dates, zone)
    devices: list[Device] = []
    problems: list[str | None] = []
    for row in table.rows:
        owner = _owner(row, directory, "/ExchangeActiveSyncDevices") or _owner(
            row, directory, "\\ExchangeActiveSyncDevices"
        )
        identity = row.text("Identity") or ""
        try:
            devices.append(
                Device(
                    source=src.name,
                    owner_dn=owner or identity.split("ExchangeActiveSyncDevices")[0].rstrip("/\\"),
                    device_id=row.text("DeviceId") or f"line {row.line}",
                    device_type=row.text("DeviceType"),
                    model=row.text("DeviceModel"),
                    os=row.text("DeviceOS"),
                    user_agent=row.text("DeviceUserAgent"),
                    first_sync=row.parsed("FirstSyncTime", parse_date),
                    last_sync=row.parsed("LastSuccessSync", parse_date),
                    access_state=p.access_state(row.text("DeviceAccessState")),
                )
            )
        except p.ExportFormatError as exc:
            problems.append(str(exc))
    return devices, _rows_outcome(table, problems)
