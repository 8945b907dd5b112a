"""Pure functions that turn IMAP answers into model figures (tested with captured answers)."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from imapclient import imap_utf7
from imapclient.response_parser import parse_fetch_response

from ..model import SIZE_BUCKETS, Namespace

SPECIAL_USE = frozenset(
    {"\\All", "\\Archive", "\\Drafts", "\\Flagged", "\\Junk", "\\Sent", "\\Trash", "\\Important"}
)


def text(value: bytes | str | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def decode_name(raw: bytes | str) -> str:
    """A mailbox name as the user sees it: modified UTF-7 decoded; never raises."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogateescape")
    try:
        return str(imap_utf7.decode(raw))
    except (UnicodeError, ValueError):
        return raw.decode("utf-8", "replace")


def folder_depth(path: str, delimiter: str | None) -> int:
    return path.count(delimiter) if delimiter else 0


def special_use(path: str, flags: Iterable[str]) -> str | None:
    for f in flags:
        if f in SPECIAL_USE:
            return f
    return "\\Inbox" if path.upper() == "INBOX" else None


@dataclass
class SizeAggregate:
    """Streams message sizes and dates into a folder's figures, in constant memory.
    Dates are kept as POSIX seconds (cheap to compare) and turned into datetimes once."""

    messages: int = 0
    bytes: int = 0
    largest: int | None = None
    oldest_ts: int | None = None
    newest_ts: int | None = None
    histogram: list[int] = field(default_factory=lambda: [0] * (len(SIZE_BUCKETS) + 1))

    def add(self, size: int, when: int | None) -> None:
        self.messages += 1
        self.bytes += size
        if self.largest is None or size > self.largest:
            self.largest = size
        self.histogram[bisect_right(SIZE_BUCKETS, size)] += 1
        if when is not None:
            if self.oldest_ts is None or when < self.oldest_ts:
                self.oldest_ts = when
            if self.newest_ts is None or when > self.newest_ts:
                self.newest_ts = when

    @property
    def oldest(self) -> datetime | None:
        return None if self.oldest_ts is None else datetime.fromtimestamp(self.oldest_ts, UTC)

    @property
    def newest(self) -> datetime | None:
        return None if self.newest_ts is None else datetime.fromtimestamp(self.newest_ts, UTC)


_MONTHS = {
    m: i
    for i, m in enumerate(
        (
            b"jan",
            b"feb",
            b"mar",
            b"apr",
            b"may",
            b"jun",
            b"jul",
            b"aug",
            b"sep",
            b"oct",
            b"nov",
            b"dec",
        ),
        start=1,
    )
}
_INTERNALDATE = re.compile(
    rb"^\s?(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)$"
)


def internaldate_ts(raw: bytes) -> int | None:
    """``17-Jul-1996 02:44:25 -0700`` (RFC 3501 date-time) as POSIX seconds; None if it
    is not one. Arithmetic, not strptime: a folder may hold a million of them."""
    m = _INTERNALDATE.match(raw)
    if not m:
        return None
    day, mon, year, hh, mm, ss, sign, zh, zm = m.groups()
    month = _MONTHS.get(mon.lower())
    if month is None:
        return None
    y, mo = int(year), month
    # days from civil (Howard Hinnant's algorithm), 1970-01-01 = 0
    y -= mo <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (mo + (-3 if mo > 2 else 9)) + 2) // 5 + int(day) - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    days = era * 146097 + doe - 719468
    offset = (int(zh) * 3600 + int(zm) * 60) * (-1 if sign == b"-" else 1)
    return days * 86400 + int(hh) * 3600 + int(mm) * 60 + int(ss) - offset


_FETCH_SIZE_DATE = re.compile(
    rb'^\d+ \((?:RFC822\.SIZE (\d+) INTERNALDATE "([^"]*)"'
    rb'|INTERNALDATE "([^"]*)" RFC822\.SIZE (\d+))\)$'
)


def parse_size_date_lines(data: Sequence[object]) -> Iterator[tuple[int, int | None]]:
    """(size, INTERNALDATE seconds) per FETCH answer, as imaplib keeps them
    (``1 (RFC822.SIZE 120 INTERNALDATE "...")``). The usual one-line shape is read
    with one regex; anything else (a literal, extra items such as an unsolicited FLAGS)
    goes through imapclient's general parser."""
    odd: list[object] = []
    for item in data:
        m = _FETCH_SIZE_DATE.match(item) if isinstance(item, bytes) else None
        if m is None:
            if item is not None:
                odd.append(item)
            continue
        size, date = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        yield int(size), internaldate_ts(date)
    if odd:
        for values in parse_fetch_response(odd, False, False).values():
            if b"RFC822.SIZE" not in values:
                continue  # an unsolicited FLAGS update, say
            when = values.get(b"INTERNALDATE")
            yield int(values[b"RFC822.SIZE"]), int(when.timestamp()) if when else None


def as_utc(when: datetime) -> datetime:
    if when.tzinfo is None:
        return when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def histogram_from_counts(total: int, at_least: Sequence[int]) -> tuple[int, ...]:
    """Buckets from "messages of at least SIZE_BUCKETS[i] bytes" counts (ESEARCH LARGER)."""
    if len(at_least) != len(SIZE_BUCKETS):
        raise ValueError("one count per bucket bound expected")
    bounds = [total, *at_least, 0]
    buckets = tuple(bounds[i] - bounds[i + 1] for i in range(len(SIZE_BUCKETS) + 1))
    if any(b < 0 for b in buckets):
        raise ValueError(f"inconsistent counts {list(at_least)} for {total} messages")
    return buckets


_ESEARCH_ITEM = re.compile(rb"\b(COUNT|MIN|MAX|ALL)\s+([0-9:,]+)", re.IGNORECASE)


def parse_esearch(lines: Iterable[bytes]) -> dict[str, int | str]:
    """``(TAG "A1") UID COUNT 5 MIN 2 MAX 9`` -> {"COUNT": 5, "MIN": 2, "MAX": 9}.

    A missing item means "no match" (RFC 4731: MIN/MAX are omitted for an empty result).
    """
    out: dict[str, int | str] = {}
    for line in lines:
        if line is None:
            continue
        for name, value in _ESEARCH_ITEM.findall(line):
            key = name.decode().upper()
            out[key] = int(value) if value.isdigit() else value.decode()
    return out


@dataclass(frozen=True)
class ServerCounts:
    at_least: list[int]  # messages of at least each SIZE_BUCKETS bound
    oldest_uid: int | None
    newest_uid: int | None
    largest_uid: int | None


def as_int(value: object) -> int | None:
    return value if isinstance(value, int) else None


@dataclass(frozen=True)
class ListEntry:
    path: str
    flags: tuple[str, ...]
    delimiter: str | None

    @property
    def noselect(self) -> bool:
        low = {f.lower() for f in self.flags}
        return "\\noselect" in low or "\\nonexistent" in low


def parse_list_entry(
    flags: Sequence[bytes | str], delim: bytes | str | None, name: str
) -> ListEntry:
    return ListEntry(
        path=name,
        flags=tuple(text(f) or "" for f in flags),
        delimiter=text(delim),
    )


def lines_with_literals(data: Sequence[object]) -> Iterator[tuple[bytes, list[bytes]]]:
    """imaplib's untagged data, one response per item: (text, literals). A literal comes
    as a (text-before, literal) tuple followed by the rest of the line; in the text a
    literal is marked with a NUL byte (which cannot occur in IMAP text)."""
    current: bytes | None = None
    literals: list[bytes] = []
    for item in data:
        if isinstance(item, tuple):
            head, literal = item
            head = re.sub(rb"\{\d+\+?\}$", b"\x00", head)
            current = (current or b"") + head if current is not None else head
            literals.append(literal)
            continue
        if item is None:
            continue
        assert isinstance(item, bytes)
        if current is not None:
            yield current + item, literals
            current, literals = None, []
        elif item:
            yield item, []
    if current is not None:
        yield current, literals


def read_astring(text: bytes, pos: int, literals: list[bytes]) -> tuple[bytes, int]:
    """An IMAP astring at ``pos``: quoted, literal (NUL marker) or atom. imapclient's lexer
    refuses atoms with "[" (legal in a mailbox name, and Dovecot sends them), hence this."""
    if text[pos : pos + 1] == b'"':
        out = bytearray()
        i = pos + 1
        while i < len(text) and text[i : i + 1] != b'"':
            if text[i : i + 1] == b"\\":
                i += 1
            out += text[i : i + 1]
            i += 1
        return bytes(out), i + 1
    if text[pos : pos + 1] == b"\x00":
        return literals.pop(0), pos + 1
    end = text.find(b" ", pos)
    end = len(text) if end < 0 else end
    return text[pos:end], end


_LIST_HEAD = re.compile(rb'^\(([^)]*)\) (NIL|"(?:[^"\\]|\\.)*") ')


def parse_list_data(data: Sequence[object]) -> list[ListEntry]:
    """Untagged LIST payloads: ``(flags) delimiter name``."""
    out = []
    for line, literals in lines_with_literals(data):
        m = _LIST_HEAD.match(line)
        if not m:
            raise ValueError(f"unexpected LIST answer {line[:80]!r}")
        raw_delim = m.group(2)
        delim = None if raw_delim == b"NIL" else read_astring(raw_delim, 0, [])[0].decode()
        name, _ = read_astring(line, m.end(), literals)
        flags = tuple(f.decode("ascii", "replace") for f in m.group(1).split())
        out.append(ListEntry(path=decode_name(name), flags=flags, delimiter=delim))
    return out


_STATUS_ITEMS = re.compile(rb"([A-Za-z0-9=-]+) (\d+)")


def parse_status_data(data: Sequence[object]) -> dict[str, dict[str, int]]:
    """Untagged STATUS payloads (``name (MESSAGES 3 SIZE 100)``), by decoded name."""
    out: dict[str, dict[str, int]] = {}
    for line, literals in lines_with_literals(data):
        name, end = read_astring(line, 0, literals)
        items = line[end:].strip().strip(b"()")
        out[decode_name(name)] = {
            k.decode().upper(): int(v) for k, v in _STATUS_ITEMS.findall(items)
        }
    return out


def parse_namespaces(ns: object) -> tuple[Namespace, ...]:
    """imapclient's Namespace tuple (personal, other, shared) of ((prefix, delim), ...)."""
    out: list[Namespace] = []
    for kind, group in zip(("personal", "other_users", "shared"), ns or (), strict=False):  # type: ignore[call-overload]
        for prefix, delim in group or ():
            out.append(Namespace(kind=kind, prefix=decode_name(prefix), delimiter=text(delim)))
    return tuple(out)


@dataclass(frozen=True)
class Quota:
    root: str | None
    used_bytes: int | None
    limit_bytes: int | None
    used_messages: int | None
    limit_messages: int | None


_QUOTA_RESOURCE = re.compile(rb"([A-Za-z-]+) (\d+) (\d+)")


def parse_quota(quotaroot: Sequence[object], quota: Sequence[object]) -> Quota:
    """GETQUOTAROOT answers: ``QUOTAROOT INBOX "User quota"`` and ``QUOTA "User quota"
    (STORAGE 10 2048)``. STORAGE counts units of 1024 octets (RFC 9208). No root: no
    quota applies (root None)."""
    roots: list[str] = []
    for line, literals in lines_with_literals(quotaroot):
        _, pos = read_astring(line, 0, literals)  # the mailbox
        while pos < len(line):
            pos += 1
            root, pos = read_astring(line, pos, literals)
            roots.append(root.decode("utf-8", "replace"))
    used_b = limit_b = used_m = limit_m = None
    for line, literals in lines_with_literals(quota):
        _, pos = read_astring(line, 0, literals)
        for name, usage, limit in _QUOTA_RESOURCE.findall(line[pos:]):
            if name.upper() == b"STORAGE":
                used_b, limit_b = int(usage) * 1024, int(limit) * 1024
            elif name.upper() == b"MESSAGE":
                used_m, limit_m = int(usage), int(limit)
    return Quota(roots[0] if roots else None, used_b, limit_b, used_m, limit_m)


def parse_acl(data: Sequence[object]) -> list[tuple[str, str]]:
    """``ACL mailbox identifier rights [identifier rights ...]`` (RFC 4314)."""
    out: list[tuple[str, str]] = []
    for line, literals in lines_with_literals(data):
        _, pos = read_astring(line, 0, literals)
        while pos < len(line):
            who, pos = read_astring(line, pos + 1, literals)
            rights, pos = read_astring(line, pos + 1, literals)
            out.append((who.decode("utf-8", "replace"), rights.decode("ascii", "replace")))
    return out


def parse_myrights(data: Sequence[object]) -> str:
    """``MYRIGHTS mailbox rights``."""
    for line, literals in lines_with_literals(data):
        _, pos = read_astring(line, 0, literals)
        return read_astring(line, pos + 1, literals)[0].decode("ascii", "replace")
    return ""


_GREETING_SOFTWARE = (
    (re.compile(r"dovecot", re.I), "Dovecot"),
    (re.compile(r"cyrus", re.I), "Cyrus IMAP"),
    (re.compile(r"courier", re.I), "Courier-IMAP"),
    (re.compile(r"microsoft exchange", re.I), "Microsoft Exchange"),
    (re.compile(r"gimap|gmail", re.I), "Gmail"),
    (re.compile(r"zimbra", re.I), "Zimbra"),
    (re.compile(r"kerio", re.I), "Kerio Connect"),
    (re.compile(r"icewarp", re.I), "IceWarp"),
    (re.compile(r"uw imap", re.I), "UW IMAP"),
)


def server_software(
    id_response: Mapping[bytes | str, bytes | str | None] | None, greeting: str | None
) -> tuple[str | None, str | None]:
    """(software, version) from the ID answer, else recognised in the greeting."""
    if id_response:
        fields = {(text(k) or "").lower(): text(v) for k, v in id_response.items()}
        name = fields.get("name")
        if name:
            return name, fields.get("version")
    for pattern, name in _GREETING_SOFTWARE:
        if greeting and pattern.search(greeting):
            return name, None
    return None, None
