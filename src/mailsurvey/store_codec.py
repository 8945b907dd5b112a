"""Rows for frozen record dataclasses, derived from their fields.

A record type listed in ``RECORD_TABLES`` gets a table whose columns are its fields;
values are encoded by their annotated type (datetime as ISO 8601, tuple as JSON, bool as
0/1) and decoded back, so adding a record type needs no hand-written row mapping.
"""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import datetime
from typing import Any

from .model import (
    AcceptedDomain,
    Device,
    DnsDomain,
    ExchangeServer,
    GroupMember,
    Identity,
    InboxRule,
    MailboxDatabase,
    ProbeSample,
)

# record type -> (table, primary key columns)
RECORD_TABLES: dict[type, tuple[str, tuple[str, ...]]] = {
    Identity: ("identities", ("source", "dn")),
    GroupMember: ("group_members", ("source", "group_dn", "member_dn")),
    Device: ("devices", ("source", "owner_dn", "device_id")),
    ExchangeServer: ("exchange_servers", ("source", "dn")),
    MailboxDatabase: ("mailbox_databases", ("source", "dn")),
    AcceptedDomain: ("accepted_domains", ("source", "name")),
    ProbeSample: ("probe_samples", ("source", "seq")),
    InboxRule: ("inbox_rules", ("source", "mailbox", "rule_id")),
    DnsDomain: ("dns_domains", ("source", "domain")),
}
# record types whose rows belong to one mailbox (fields source and mailbox): a mailbox read
# whole again replaces them
MAILBOX_RECORDS: tuple[type, ...] = (InboxRule,)


def _kind(annotation: object) -> str:
    text = str(annotation)
    for kind in ("datetime", "tuple", "bool", "int"):
        if kind in text:
            return kind
    return "str"


def ddl() -> str:
    statements = []
    for cls, (table, key) in RECORD_TABLES.items():
        cols = ", ".join(f'"{f.name}"' for f in fields(cls))  # "default" is a keyword
        statements.append(
            f"CREATE TABLE IF NOT EXISTS {table} ({cols}, PRIMARY KEY ({', '.join(key)}));"
        )
    return "\n".join(statements)


def insert_sql(cls: type) -> str:
    table, _ = RECORD_TABLES[cls]
    names = [f.name for f in fields(cls)]
    return f"INSERT OR REPLACE INTO {table} VALUES ({', '.join('?' * len(names))})"  # noqa: S608 - names from our own dataclasses


def encode(record: Any) -> tuple[object, ...]:
    out: list[object] = []
    for f in fields(record):
        value = getattr(record, f.name)
        kind = _kind(f.type)
        if value is None:
            out.append(None)
        elif kind == "datetime":
            out.append(value.isoformat())
        elif kind == "tuple":
            out.append(json.dumps(list(value)))
        elif kind == "bool":
            out.append(int(value))
        else:
            out.append(value)
    return tuple(out)


def decode(cls: type, row: Any) -> Any:
    values: dict[str, object] = {}
    for f, raw in zip(fields(cls), row, strict=True):
        kind = _kind(f.type)
        if raw is None:
            values[f.name] = None
        elif kind == "datetime":
            values[f.name] = datetime.fromisoformat(raw)
        elif kind == "tuple":
            values[f.name] = tuple(json.loads(raw))
        elif kind == "bool":
            values[f.name] = bool(raw)
        else:
            values[f.name] = raw
    return cls(**values)
