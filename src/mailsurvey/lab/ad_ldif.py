"""Writing LDIF (RFC 2849) and DNs (RFC 4514) for the ldb tools.

A value that is not safe as plain LDIF text (non-ASCII, a leading space, colon or ``<``,
a trailing space, control characters) is written base64-encoded; binary values are
passed as ``Raw`` (already base64).
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Raw:
    """A value that is already base64 (binary data)."""

    b64: str


Value = str | Raw


def b64(data: bytes) -> Raw:
    return Raw(base64.b64encode(data).decode("ascii"))


def guid_value(text: str) -> Raw:
    """A GUID as AD stores it (little-endian fields), for schemaIDGUID and the like."""
    return b64(uuid.UUID(text).bytes_le)


def rdn_escape(value: str) -> str:
    """Escape an RDN value (RFC 4514) the way Samba writes DNs back.

    ``Vries, Jan de`` -> ``Vries\\, Jan de``; ``=`` and line breaks become ``\\3D`` etc.
    """
    out = []
    for i, ch in enumerate(value):
        if ch in ',+"\\<>;' or (ch == "#" and i == 0):
            out.append("\\" + ch)
        elif ch in "=\r\n":
            out.append(f"\\{ord(ch):02X}")
        elif ch == " " and (i == 0 or i == len(value) - 1):
            out.append("\\ ")
        else:
            out.append(ch)
    return "".join(out)


def _safe(text: str) -> bool:
    if not text:
        return True
    if text[0] in " :<" or text[-1] == " ":
        return False
    return all(32 <= ord(c) < 127 for c in text)


def line(attr: str, value: Value) -> str:
    if isinstance(value, Raw):
        return f"{attr}:: {value.b64}\n"
    if _safe(value):
        return f"{attr}: {value}\n"
    return f"{attr}:: {base64.b64encode(value.encode('utf-8')).decode('ascii')}\n"


def entry(dn: str, attrs: Iterable[tuple[str, Value]]) -> str:
    """An add record."""
    return line("dn", dn) + "".join(line(a, v) for a, v in attrs) + "\n"


def modify(dn: str, changes: Sequence[tuple[str, str, Sequence[Value]]]) -> str:
    """A modify record; each change is (add|replace|delete, attribute, values)."""
    out = [line("dn", dn), "changetype: modify\n"]
    for op, attr, values in changes:
        out.append(f"{op}: {attr}\n")
        out.extend(line(attr, v) for v in values)
        out.append("-\n")
    return "".join(out) + "\n"


def parse(text: str) -> list[dict[str, list[str]]]:
    """Parse ldbsearch output (records with ``dn``; values decoded from base64 as UTF-8)."""
    records: list[dict[str, list[str]]] = []
    current: dict[str, list[str]] = {}
    unfolded: list[str] = []
    for raw in text.splitlines():
        if raw.startswith(" ") and unfolded:
            unfolded[-1] += raw[1:]
        else:
            unfolded.append(raw)
    for row in [*unfolded, ""]:
        if not row or row.startswith("#"):
            if current and not row.startswith("#"):
                records.append(current)
                current = {}
            continue
        attr, _, rest = row.partition(":")
        if rest.startswith(":"):
            value = base64.b64decode(rest[1:].strip()).decode("utf-8", "replace")
        else:
            value = rest.strip()
        current.setdefault(attr, []).append(value)
    return [r for r in records if "dn" in r]
