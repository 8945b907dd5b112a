"""Pure functions that turn IMAP answers into model figures (tested with captured answers)."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from imapclient import imap_utf7
from imapclient.response_parser import parse_response

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
    """Streams message sizes and dates into a folder's figures, in constant memory."""

    messages: int = 0
    bytes: int = 0
    largest: int | None = None
    oldest: datetime | None = None
    newest: datetime | None = None
    histogram: list[int] = field(default_factory=lambda: [0] * (len(SIZE_BUCKETS) + 1))

    def add(self, size: int, when: datetime | None) -> None:
        self.messages += 1
        self.bytes += size
        if self.largest is None or size > self.largest:
            self.largest = size
        self.histogram[bisect_right(SIZE_BUCKETS, size)] += 1
        if when is not None:
            when = as_utc(when)
            if self.oldest is None or when < self.oldest:
                self.oldest = when
            if self.newest is None or when > self.newest:
                self.newest = when


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


def parse_status_data(data: Sequence[object]) -> dict[str, dict[str, int]]:
    """Untagged STATUS payloads as imaplib collects them (``name (MESSAGES 3 SIZE 100)``,
    names possibly as literals), by decoded name."""
    items = [d for d in data if d not in (None, b"")]
    if not items:
        return {}
    parsed = parse_response(items)
    out: dict[str, dict[str, int]] = {}
    for name_raw, values in zip(parsed[0::2], parsed[1::2], strict=False):
        if isinstance(name_raw, int):
            name_raw = str(name_raw).encode()
        pairs = iter(values)
        out[decode_name(name_raw)] = {
            (text(k) or "").upper(): v
            for k, v in zip(pairs, pairs, strict=False)
            if isinstance(v, int)
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


def parse_quota(roots: object, quotas: Iterable[object]) -> Quota:
    """imapclient get_quota_root() answer. STORAGE is in units of 1024 octets (RFC 9208)."""
    root_names = [q for q in getattr(roots, "quota_roots", None) or []]
    used_b = limit_b = used_m = limit_m = None
    root = None
    for q in quotas:
        resource = str(getattr(q, "resource", "")).upper()
        root = str(getattr(q, "quota_root", "")) or root
        usage, limit = int(q.usage), int(q.limit)  # type: ignore[attr-defined]
        if resource == "STORAGE":
            used_b, limit_b = usage * 1024, limit * 1024
        elif resource == "MESSAGE":
            used_m, limit_m = usage, limit
    if root is None and root_names:
        root = str(root_names[0])
    return Quota(root, used_b, limit_b, used_m, limit_m)


def parse_acl(entries: Iterable[tuple[bytes | str, bytes | str]]) -> list[tuple[str, str]]:
    return [(text(who) or "", text(rights) or "") for who, rights in entries]


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
