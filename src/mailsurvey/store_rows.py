"""Model records as rows of the store's fixed tables (``store_schema``) and back; the
other records go through ``store_codec``. An unknown figure is NULL, never 0."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime

from .model import (
    Folder,
    Mailbox,
    Namespace,
    Observation,
    Permission,
    Reason,
    ScanInfo,
    Server,
    Status,
    Unit,
    UnitKind,
)

INSERT_UNIT = "INSERT OR REPLACE INTO units VALUES (?,?,?,?,?,?,?,?)"
INSERT_SERVER = "INSERT OR REPLACE INTO servers VALUES (?,?,?,?,?,?,?,?,?)"
INSERT_MAILBOX = "INSERT OR REPLACE INTO mailboxes VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
INSERT_FOLDER = f"INSERT OR REPLACE INTO folders VALUES ({','.join('?' * 20)})"  # noqa: S608
INSERT_PERMISSION = "INSERT OR REPLACE INTO permissions VALUES (?,?,?,?,?,?)"
INSERT_OBSERVATION = "INSERT OR REPLACE INTO observations VALUES (?,?,?,?,?)"


def _ts(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def info_json(info: ScanInfo) -> str:
    return json.dumps(
        {
            "project": info.project,
            "client": info.client,
            "language": info.language,
            "started": info.started.isoformat(),
            "mailsurvey_version": info.mailsurvey_version,
            "config_summary": info.config_summary,
        }
    )


def info_from_json(raw: str) -> ScanInfo:
    d = json.loads(raw)
    return ScanInfo(
        project=d["project"],
        client=d["client"],
        language=d["language"],
        started=datetime.fromisoformat(d["started"]),
        mailsurvey_version=d["mailsurvey_version"],
        config_summary=d["config_summary"],
    )


def unit_row(unit: Unit) -> tuple[object, ...]:
    return (
        unit.source,
        unit.kind.value,
        unit.key,
        unit.status.value,
        unit.reason.value,
        unit.message,
        _ts(unit.started),
        _ts(unit.finished),
    )


def unit_from_row(r: sqlite3.Row) -> Unit:
    return Unit(
        source=str(r[0]),
        kind=UnitKind(r[1]),
        key=str(r[2]),
        status=Status(r[3]),
        reason=Reason(r[4]),
        message=str(r[5]),
        started=_dt(r[6]),
        finished=_dt(r[7]),
    )


def server_row(server: Server) -> tuple[object, ...]:
    return (
        server.source,
        server.host,
        server.port,
        server.software,
        server.version,
        server.greeting,
        json.dumps(list(server.capabilities)),
        server.security,
        int(server.tls_verified),
    )


def server_from_row(r: sqlite3.Row) -> Server:
    return Server(
        source=str(r[0]),
        host=str(r[1]),
        port=int(r[2]),
        software=r[3],
        version=r[4],
        greeting=r[5],
        capabilities=tuple(json.loads(str(r[6]))),
        security=str(r[7]),
        tls_verified=bool(r[8]),
    )


def mailbox_row(mailbox: Mailbox) -> tuple[object, ...]:
    return (
        mailbox.source,
        mailbox.address,
        mailbox.display_name,
        mailbox.kind,
        mailbox.quota_root,
        mailbox.quota_used_bytes,
        mailbox.quota_limit_bytes,
        mailbox.quota_used_messages,
        mailbox.quota_limit_messages,
        int(mailbox.quota_unlimited),
        json.dumps([[n.kind, n.prefix, n.delimiter] for n in mailbox.namespaces]),
        mailbox.delimiter,
        mailbox.unique_messages,
        mailbox.unique_bytes,
        mailbox.duplicate_messages,
        mailbox.duplicate_bytes,
        _ts(mailbox.last_logon),
    )


def mailbox_from_row(r: sqlite3.Row) -> Mailbox:
    return Mailbox(
        source=str(r[0]),
        address=str(r[1]),
        display_name=r[2],
        kind=str(r[3]),
        quota_root=r[4],
        quota_used_bytes=r[5],
        quota_limit_bytes=r[6],
        quota_used_messages=r[7],
        quota_limit_messages=r[8],
        quota_unlimited=bool(r[9]),
        namespaces=tuple(Namespace(*n) for n in json.loads(str(r[10]))),
        delimiter=r[11],
        unique_messages=r["unique_messages"],
        unique_bytes=r["unique_bytes"],
        duplicate_messages=r["duplicate_messages"],
        duplicate_bytes=r["duplicate_bytes"],
        last_logon=_dt(r["last_logon"]),
    )


def folder_row(f: Folder) -> tuple[object, ...]:
    return (
        f.source,
        f.mailbox,
        f.path,
        f.delimiter,
        f.depth,
        json.dumps(list(f.flags)),
        f.special_use,
        int(f.noselect),
        f.messages,
        f.bytes,
        f.largest,
        _ts(f.oldest),
        _ts(f.newest),
        json.dumps(list(f.histogram)) if f.histogram is not None else None,
        f.uidvalidity,
        f.uidnext,
        f.highestmodseq,
        f.method,
        f.area,
        f.folder_class,
    )


def folder_from_row(r: sqlite3.Row) -> Folder:
    hist = r[13]
    return Folder(
        source=str(r[0]),
        mailbox=str(r[1]),
        path=str(r[2]),
        delimiter=r[3],
        depth=int(r[4]),
        flags=tuple(json.loads(str(r[5]))),
        special_use=r[6],
        noselect=bool(r[7]),
        messages=r[8],
        bytes=r[9],
        largest=r[10],
        oldest=_dt(r[11]),
        newest=_dt(r[12]),
        histogram=tuple(json.loads(str(hist))) if hist is not None else None,
        uidvalidity=r[14],
        uidnext=r[15],
        highestmodseq=r[16],
        method=r[17],
        area=str(r[18]),
        folder_class=r[19],
    )


def permission_row(p: Permission) -> tuple[object, ...]:
    return (p.source, p.mailbox, p.folder or "", p.grantee, p.rights, p.origin)


def permission_from_row(r: sqlite3.Row) -> Permission:
    return Permission(
        source=str(r[0]),
        mailbox=str(r[1]),
        folder=str(r[2]) or None,
        grantee=str(r[3]),
        rights=str(r[4]),
        origin=str(r[5]),
    )


def observation_row(o: Observation) -> tuple[object, ...]:
    return (o.source, o.mailbox or "", o.folder or "", o.code, o.message)


def observation_from_row(r: sqlite3.Row) -> Observation:
    return Observation(
        source=str(r[0]),
        mailbox=str(r[1]) or None,
        folder=str(r[2]) or None,
        code=str(r[3]),
        message=str(r[4]),
    )
