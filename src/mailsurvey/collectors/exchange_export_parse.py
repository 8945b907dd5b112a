"""Exchange Management Shell CSV exports as text: pure functions, no file access.

``Export-Csv`` writes what each property's ``ToString()`` gives in the admin's session:
sizes as ``1.23 GB (1,320,702,362 bytes)`` (``1,23 GB (1.320.702.362 bytes)`` in nl-NL,
or ``Unlimited``), dates in the culture's short date and long time pattern, arrays of
rights as ``FullAccess, ReadPermission`` (``{FullAccess, ReadPermission}`` when copied
from the console), booleans as ``True``/``False``. Windows PowerShell 5.1 writes a
``#TYPE ...`` first line unless told ``-NoTypeInformation``; PowerShell 7 does not.
A value that does not parse raises ``ExportFormatError`` naming the file, the line and
the column.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from typing import TypeVar

from ..model import Folder
from .ews_parse import SEPARATOR, SPECIAL_USE

T = TypeVar("T")
Parse = Callable[[str], T]  # a text value to a figure; raises ValueError("<what was expected>")

# .NET's short date + long time pattern of the cultures our users' servers run, as strptime
# formats (strptime takes unpadded days, months and hours for %d, %m, %H and %I)
CULTURES: dict[str, str] = {
    "en-US": "%m/%d/%Y %I:%M:%S %p",  # 11/22/2026 9:14:03 AM
    "en-GB": "%d/%m/%Y %H:%M:%S",  # 22/11/2026 09:14:03
    "nl-NL": "%d-%m-%Y %H:%M:%S",  # 22-11-2026 09:14:03
    "nl-BE": "%d/%m/%Y %H:%M:%S",  # 22/11/2026 9:14:03
    "pl-PL": "%d.%m.%Y %H:%M:%S",  # 22.11.2026 09:14:03
    "de-DE": "%d.%m.%Y %H:%M:%S",  # 22.11.2026 09:14:03
}
_BOMS = (
    (b"\xff\xfe", "utf-16-le"),  # -Encoding Unicode
    (b"\xfe\xff", "utf-16-be"),  # -Encoding BigEndianUnicode
    (b"\xef\xbb\xbf", "utf-8"),  # -Encoding UTF8 in Windows PowerShell 5.1
)
_BYTES = re.compile(r"\(\s*([0-9][0-9\s.,'\u00a0\u202f]*)\s*bytes?\s*\)", re.IGNORECASE)
_RIGHTS_SPLIT = re.compile(r"[,;\s]+")
# recipient types (RecipientTypeDetails) -> model.Mailbox.kind
MAILBOX_KINDS = {
    "usermailbox": "user",
    "linkedmailbox": "user",
    "legacymailbox": "user",
    "sharedmailbox": "shared",
    "roommailbox": "room",
    "equipmentmailbox": "equipment",
}
ACCESS_STATES = {
    "allowed": "allowed",
    "blocked": "blocked",
    "quarantined": "quarantined",
    "devicediscovery": "device_discovery",
}
# FolderType values of the Recoverable Items folder and the folders below it
RECOVERABLE_TYPES = frozenset(
    {
        "recoverableitemsroot",
        "recoverableitemsdeletions",
        "recoverableitemspurges",
        "recoverableitemsversions",
        "recoverableitemsdiscoveryholds",
        "recoverableitemssubstrateholds",
        "recoverableitemsmigratedmessages",
        "discoveryholds",
        "audits",
        "calendarlogging",
    }
)
ROOT_TYPES = frozenset({"root", "recoverableitemsroot", "archiveroot"})
# Exchange writes a "/" inside a folder's name as U+F8FF in FolderPath
_SLASH_IN_NAME = "\uf8ff"


class ExportFormatError(ValueError):
    """A file, a row or a value of an export is not what the cmdlet writes."""


@dataclass(frozen=True)
class Row:
    """One exported object: its values by column name (case-insensitive)."""

    file: str
    line: int  # the line the row ends on, as an editor numbers them
    values: dict[str, str]  # lower-cased column name -> text as written

    def text(self, column: str) -> str | None:
        """The value, stripped; None when the column is absent or the value empty."""
        value = self.values.get(column.lower(), "").strip()
        return value or None

    def has(self, column: str) -> bool:
        return column.lower() in self.values

    def parsed(self, column: str, parse: Parse[T]) -> T | None:
        """``parse`` of the column's value (None when empty); a value that does not parse
        raises ExportFormatError naming the file, line, column and what was expected."""
        value = self.text(column)
        if value is None:
            return None
        try:
            return parse(value)
        except ValueError as exc:
            raise ExportFormatError(
                f"{self.file}, line {self.line}, column {column}: found {value!r}; expected {exc}"
            ) from None

    def where(self) -> str:
        return f"{self.file}, line {self.line}"


@dataclass(frozen=True)
class Table:
    file: str
    columns: tuple[str, ...]  # as the header names them
    rows: tuple[Row, ...]
    type_name: str | None  # the #TYPE line's type, when the file has one


def decode(file: str, data: bytes) -> str:
    """The text of an export: UTF-16 with its BOM (``-Encoding Unicode``), UTF-8 with or
    without one (PowerShell 7's default, or ``-Encoding UTF8``), or ASCII (Windows
    PowerShell 5.1's default for Export-Csv, a subset of UTF-8)."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(codec)
            except UnicodeDecodeError as exc:
                raise ExportFormatError(
                    f"{file}: starts as {codec} but byte {exc.start + len(bom)} is not {codec}"
                ) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ExportFormatError(
            f"{file}: byte {exc.start} is neither UTF-8 nor UTF-16 text; export again with "
            "Export-Csv -Encoding Unicode (as sample_configs/exchange-export.ps1 does)"
        ) from None


def read_table(file: str, data: bytes, required: Iterable[str]) -> Table:
    """Rows of one Export-Csv file; the header must name every ``required`` column (an
    empty file, what Export-Csv writes for no objects, has no rows and no columns)."""
    text = decode(file, data)
    offset = 0
    type_name = None
    if text.startswith("#TYPE"):
        first, _, text = text.partition("\n")
        type_name = first.removeprefix("#TYPE").strip() or None
        offset = 1
    if not text.strip():  # Export-Csv of nothing writes an empty file: no rows
        return Table(file, (), (), type_name)
    header_line = text.split("\n", 1)[0]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader, None)
        if not header or not any(h.strip() for h in header):
            raise ExportFormatError(f"{file}: empty; expected a header row of column names")
        columns = tuple(h.strip() for h in header)
        names = [c.lower() for c in columns]
        missing = [c for c in required if c.lower() not in names]
        if missing:
            raise ExportFormatError(
                f"{file}: no column {', '.join(missing)}; the header has "
                f"{', '.join(columns)} (export it with sample_configs/exchange-export.ps1)"
            )
        rows = []
        for fields in reader:
            line = reader.line_num + offset
            if not fields or fields == [""]:
                continue
            if len(fields) != len(columns):
                raise ExportFormatError(
                    f"{file}, line {line}: {len(fields)} values, the header has {len(columns)}"
                )
            rows.append(Row(file, line, dict(zip(names, fields, strict=True))))
    except csv.Error as exc:
        raise ExportFormatError(f"{file}, line {reader.line_num + offset}: {exc}") from None
    return Table(file, columns, tuple(rows), type_name)


# -- values ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Size:
    bytes: int | None  # None with unlimited
    unlimited: bool = False


def size(text: str) -> Size:
    """``1.23 GB (1,320,702,362 bytes)`` in any culture's digit grouping, ``0 B (0 bytes)``,
    ``Unlimited``, or a plain number of bytes."""
    if text.strip().lower() == "unlimited":
        return Size(None, unlimited=True)
    found = _BYTES.search(text)
    digits = re.sub(r"\D", "", found[1]) if found else text.strip()
    if not digits.isdigit() or (not found and not text.strip().isdigit()):
        raise ValueError('a size such as "1.23 GB (1,320,702,362 bytes)" or "Unlimited"')
    return Size(int(digits))


def byte_count(text: str) -> int:
    """A size that cannot be unlimited (an item count's size, a folder's)."""
    found = size(text)
    if found.bytes is None:
        raise ValueError('a size such as "1.23 GB (1,320,702,362 bytes)"')
    return found.bytes


def integer(text: str) -> int:
    if not text.strip().isdigit():
        raise ValueError("a whole number such as 1234")
    return int(text.strip())


def boolean(text: str) -> bool:
    low = text.strip().lower()
    if low not in ("true", "false"):
        raise ValueError("True or False")
    return low == "true"


def moment(date_format: str | None, zone: tzinfo) -> Parse[datetime]:
    """A parser of dates as the session's culture wrote them (``date_format``, a strptime
    format; None: not known), in the session's time zone; ISO 8601 is taken too."""

    def parse(text: str) -> datetime:
        value = text.strip()
        try:
            if date_format is None:
                raise ValueError(date_format)
            found = datetime.strptime(value, date_format)
        except ValueError:
            try:
                found = datetime.fromisoformat(value)
            except ValueError:
                if date_format is None:
                    raise ValueError(
                        "an ISO 8601 date and time (the session culture's format is not "
                        "known: set the source's culture or date_format)"
                    ) from None
                example = datetime(2026, 11, 22, 9, 14, 3).strftime(date_format)
                raise ValueError(
                    f"a date and time such as {example!r} (format {date_format}; set the "
                    "source's culture or date_format to the admin's session culture)"
                ) from None
        return found if found.tzinfo else found.replace(tzinfo=zone)

    return parse


def access_rights(text: str) -> tuple[str, ...]:
    """``FullAccess``, ``FullAccess, ReadPermission`` or ``{FullAccess, ReadPermission}``;
    Get-ADPermission's ``Send-As`` is SendAs."""
    inner = text.strip().removeprefix("{").removesuffix("}")
    out = []
    for word in _RIGHTS_SPLIT.split(inner):
        if not word:
            continue
        if not re.fullmatch(r"[A-Za-z-]+", word):
            raise ValueError("access rights such as FullAccess or {FullAccess, ReadPermission}")
        word = "SendAs" if word.lower() == "send-as" else word
        if word not in out:
            out.append(word)
    if not out:
        raise ValueError("access rights such as FullAccess or {FullAccess, ReadPermission}")
    return tuple(out)


# -- identities ------------------------------------------------------------------------------


class Directory:
    """The names an export uses for a mailbox, each to its primary SMTP address:
    ``acme.local/Users/Jan`` (Identity), ``ACME\\jan`` (a trustee), the user principal
    name, the alias, the display name, the distinguished name."""

    def __init__(self) -> None:
        self._names: dict[str, str] = {}
        self._ambiguous: set[str] = set()

    def add(self, address: str, *names: str | None) -> None:
        for name in names:
            if not name:
                continue
            key = name.strip().lower()
            if key in self._names and self._names[key] != address:
                self._ambiguous.add(key)
            self._names.setdefault(key, address)
        self._names[address.lower()] = address

    def resolve(self, name: str) -> str | None:
        """The address ``name`` means, None when unknown or when it names several."""
        key = name.strip().lower()
        if key in self._ambiguous:
            return None
        if key in self._names:
            return self._names[key]
        if "\\" in key:  # DOMAIN\sam: the sAMAccountName is unique within the domain
            sam = key.rsplit("\\", 1)[1]
            if sam not in self._ambiguous and sam in self._names:
                return self._names[sam]
        return None


def is_self(trustee: str) -> bool:
    """``NT AUTHORITY\\SELF`` (S-1-5-10, localised in some languages): the owner itself."""
    low = trustee.strip().lower()
    return low == "s-1-5-10" or low.endswith(("\\self", "\\selbst", "\\soi"))


def mailbox_kind(recipient_type: str | None) -> str:
    if recipient_type is None:
        return "unknown"
    return MAILBOX_KINDS.get(recipient_type.strip().lower(), "unknown")


def access_state(text: str | None) -> str | None:
    if text is None:
        return None
    return ACCESS_STATES.get(text.strip().lower(), "unknown")


# -- folders ---------------------------------------------------------------------------------


def folder(
    source: str,
    mailbox: str,
    row: Row,
    archive: bool,
) -> Folder | None:
    """A Get-MailboxFolderStatistics row as a Folder, with its area as the EWS collector
    gives it: Recoverable Items folders (by FolderType) in ``recoverable``, the online
    archive's (``-Archive``) in ``archive`` / ``archive_recoverable``; paths relative to
    the area's root. A root folder is None unless it holds items itself."""
    raw_path = row.text("FolderPath")
    if raw_path is None:
        raise ExportFormatError(f"{row.where()}, column FolderPath: empty; expected /Inbox")
    kind = (row.text("FolderType") or "").replace(" ", "").lower()
    messages = row.parsed("ItemsInFolder", integer)
    bytes_ = row.parsed("FolderSize", byte_count)
    names = [n.replace(_SLASH_IN_NAME, "/") for n in raw_path.strip("/").split("/")]
    recoverable = kind in RECOVERABLE_TYPES
    if recoverable:
        area = "archive_recoverable" if archive else "recoverable"
    else:
        area = "archive" if archive else "mailbox"
    if kind in ROOT_TYPES and not messages:
        return None
    special = SPECIAL_USE.get(row.text("FolderType") or "") if area == "mailbox" else None
    return Folder(
        source=source,
        mailbox=mailbox,
        path=SEPARATOR.join(names),
        delimiter=SEPARATOR,
        depth=len(names) - 1,
        special_use=special,
        messages=messages,
        bytes=bytes_,
        method="ems_export",
        area=area,
        folder_class=row.text("ContainerClass"),
    )


def unique_paths(folders: Iterable[Folder]) -> Iterator[tuple[Folder, bool]]:
    """Each folder with its path made unique within its mailbox and area (two folders can
    share a path once ``/`` in a name reads as a separator); True when it was renamed."""
    seen: set[tuple[str, str]] = set()
    for f in folders:
        path, n = f.path, 1
        while (f.area, path) in seen:
            n += 1
            path = f"{f.path} ({n})"
        seen.add((f.area, path))
        if path == f.path:
            yield f, False
        else:
            yield replace(f, path=path), True
