"""The SQLite store: one row per unit, server, mailbox, folder, permission, observation.

Each finished unit is committed in one transaction with the records it produced (WAL
mode), so a killed scan keeps everything that had ended and ``--resume`` re-does only
units that are not ok. Primary keys make a re-run replace rows, never duplicate them.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from . import store_codec
from .model import (
    AcceptedDomain,
    Device,
    DnsDomain,
    ExchangeServer,
    Folder,
    GroupMember,
    Identity,
    InboxRule,
    Mailbox,
    MailboxDatabase,
    Namespace,
    Observation,
    Permission,
    ProbeSample,
    Reason,
    ScanInfo,
    Server,
    Status,
    Unit,
    UnitKind,
)

SCHEMA_VERSION = 4

_FOLDERS = """CREATE TABLE IF NOT EXISTS folders (
    source TEXT NOT NULL, mailbox TEXT NOT NULL, path TEXT NOT NULL,
    delimiter TEXT, depth INTEGER NOT NULL, flags TEXT NOT NULL, special_use TEXT,
    noselect INTEGER NOT NULL, messages INTEGER, bytes INTEGER, largest INTEGER,
    oldest TEXT, newest TEXT, histogram TEXT, uidvalidity INTEGER, uidnext INTEGER,
    highestmodseq INTEGER, method TEXT, area TEXT NOT NULL, folder_class TEXT,
    PRIMARY KEY (source, mailbox, area, path))"""

_SCHEMA = (
    _FOLDERS
    + """;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS units (
    source TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL,
    status TEXT NOT NULL, reason TEXT NOT NULL, message TEXT NOT NULL,
    started TEXT, finished TEXT,
    PRIMARY KEY (source, kind, key));
CREATE TABLE IF NOT EXISTS servers (
    source TEXT PRIMARY KEY, host TEXT NOT NULL, port INTEGER NOT NULL,
    software TEXT, version TEXT, greeting TEXT, capabilities TEXT NOT NULL,
    security TEXT NOT NULL, tls_verified INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS mailboxes (
    source TEXT NOT NULL, address TEXT NOT NULL, display_name TEXT, kind TEXT NOT NULL,
    quota_root TEXT, quota_used_bytes INTEGER, quota_limit_bytes INTEGER,
    quota_used_messages INTEGER, quota_limit_messages INTEGER, quota_unlimited INTEGER NOT NULL,
    namespaces TEXT NOT NULL, delimiter TEXT,
    unique_messages INTEGER, unique_bytes INTEGER,
    duplicate_messages INTEGER, duplicate_bytes INTEGER, last_logon TEXT,
    PRIMARY KEY (source, address));
CREATE TABLE IF NOT EXISTS permissions (
    source TEXT NOT NULL, mailbox TEXT NOT NULL, folder TEXT NOT NULL,
    grantee TEXT NOT NULL, rights TEXT NOT NULL, origin TEXT NOT NULL,
    PRIMARY KEY (source, mailbox, folder, grantee, origin));
CREATE TABLE IF NOT EXISTS observations (
    source TEXT NOT NULL, mailbox TEXT NOT NULL, folder TEXT NOT NULL,
    code TEXT NOT NULL, message TEXT NOT NULL,
    PRIMARY KEY (source, mailbox, folder, code));
"""
)


_GMAIL_COLUMNS = ("unique_messages", "unique_bytes", "duplicate_messages", "duplicate_bytes")
R = TypeVar("R")
_INSERT_FOLDER = f"INSERT OR REPLACE INTO folders VALUES ({','.join('?' * 20)})"  # noqa: S608


def folder_unit_key(mailbox: str, path: str) -> str:
    return f"{mailbox}\x00{path}"


def _ts(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@dataclass
class Inventory:
    """Everything a store holds, as model records: the input of assessment and reports."""

    info: ScanInfo | None
    units: list[Unit] = field(default_factory=list)
    servers: list[Server] = field(default_factory=list)
    mailboxes: list[Mailbox] = field(default_factory=list)
    folders: list[Folder] = field(default_factory=list)
    permissions: list[Permission] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)
    identities: list[Identity] = field(default_factory=list)
    group_members: list[GroupMember] = field(default_factory=list)
    devices: list[Device] = field(default_factory=list)
    exchange_servers: list[ExchangeServer] = field(default_factory=list)
    mailbox_databases: list[MailboxDatabase] = field(default_factory=list)
    accepted_domains: list[AcceptedDomain] = field(default_factory=list)
    inbox_rules: list[InboxRule] = field(default_factory=list)
    probe_samples: list[ProbeSample] = field(default_factory=list)
    dns_domains: list[DnsDomain] = field(default_factory=list)


class StoreError(Exception):
    pass


class Store:
    """Thread-safe: collectors on several threads write through one connection."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA + store_codec.ddl())
        version = self._meta("schema_version")
        if version == "1":
            self._upgrade_from_1()
            version = "2"
        if version == "2":
            self._upgrade_from_2()
            version = "3"
        if version == "3":
            self._upgrade_from_3()
            version = str(SCHEMA_VERSION)
        if version is None:
            self._set_meta("schema_version", str(SCHEMA_VERSION))
        elif int(version) != SCHEMA_VERSION:
            raise StoreError(
                f"{path}: store schema version {version}, this mailsurvey reads {SCHEMA_VERSION}"
            )

    def _upgrade_from_1(self) -> None:
        """Version 2 gave folders an area (mailbox, archive, recoverable) and a class,
        and the area joined the key; the rows of version 1 are all in the mailbox area."""
        columns = [r[1] for r in self._db.execute("PRAGMA table_info(folders)")]
        with self._tx() as db:
            if "area" not in columns:
                db.execute("ALTER TABLE folders RENAME TO folders_v1")
                db.execute(_FOLDERS)
                db.execute("INSERT INTO folders SELECT *, 'mailbox', NULL FROM folders_v1")
                db.execute("DROP TABLE folders_v1")
            db.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', '2')")

    def _upgrade_from_2(self) -> None:
        """Version 3 gave mailboxes Gmail's figures counted once by X-GM-MSGID; the rows of
        version 2 do not have them (unknown)."""
        columns = {r[1] for r in self._db.execute("PRAGMA table_info(mailboxes)")}
        with self._tx() as db:
            for name in _GMAIL_COLUMNS:
                if name not in columns:
                    db.execute(f"ALTER TABLE mailboxes ADD COLUMN {name} INTEGER")
            db.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', '3')")

    def _upgrade_from_3(self) -> None:
        """Version 4 gave mailboxes the last logon the server recorded (Exchange exports);
        the rows of version 3 do not have it (unknown)."""
        columns = {r[1] for r in self._db.execute("PRAGMA table_info(mailboxes)")}
        with self._tx() as db:
            if "last_logon" not in columns:
                db.execute("ALTER TABLE mailboxes ADD COLUMN last_logon TEXT")
            db.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', '4')")

    @classmethod
    def open_existing(cls, path: Path) -> Store:
        if not path.is_file():
            raise StoreError(f"{path}: no such store (expected the scan.sqlite of a scan)")
        try:
            return cls(path)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path}: not a mailsurvey store ({exc})") from exc

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _meta(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def _set_meta(self, key: str, value: str) -> None:
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # -- writes ---------------------------------------------------------------------------

    def write_info(self, info: ScanInfo) -> None:
        self._set_meta(
            "scan_info",
            json.dumps(
                {
                    "project": info.project,
                    "client": info.client,
                    "language": info.language,
                    "started": info.started.isoformat(),
                    "mailsurvey_version": info.mailsurvey_version,
                    "config_summary": info.config_summary,
                }
            ),
        )

    def write_server(self, server: Server) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO servers VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    server.source,
                    server.host,
                    server.port,
                    server.software,
                    server.version,
                    server.greeting,
                    json.dumps(list(server.capabilities)),
                    server.security,
                    int(server.tls_verified),
                ),
            )

    def finish_folder(
        self,
        unit: Unit,
        folder: Folder | None,
        permissions: Iterable[Permission] = (),
        observations: Iterable[Observation] = (),
    ) -> None:
        """Commit a folder unit with its figures, ACL entries and observations at once."""
        with self._tx() as db:
            self._put_unit(db, unit)
            if folder is not None:
                db.execute(_INSERT_FOLDER, _folder_row(folder))
            self._put_permissions(db, permissions)
            self._put_observations(db, observations)

    def finish_account(
        self,
        unit: Unit,
        mailbox: Mailbox | None,
        permissions: Iterable[Permission] = (),
        observations: Iterable[Observation] = (),
    ) -> None:
        with self._tx() as db:
            self._put_account(db, unit, mailbox, permissions, observations)

    def _put_account(
        self,
        db: sqlite3.Connection,
        unit: Unit,
        mailbox: Mailbox | None,
        permissions: Iterable[Permission],
        observations: Iterable[Observation],
    ) -> None:
        self._put_unit(db, unit)
        if mailbox is not None:
            db.execute(
                "INSERT OR REPLACE INTO mailboxes VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
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
                ),
            )
        self._put_permissions(db, permissions)
        self._put_observations(db, observations)

    def finish_mailbox(
        self,
        unit: Unit,
        mailbox: Mailbox,
        folders: Iterable[Folder],
        permissions: Iterable[Permission] = (),
        observations: Iterable[Observation] = (),
        records: Iterable[object] = (),
    ) -> None:
        """Commit a mailbox read whole (EWS) with all it holds at once: its earlier folders,
        permissions, observations and ``store_codec.MAILBOX_RECORDS`` go, so nothing
        deleted since the last scan lingers. ``records``: of ``MAILBOX_RECORDS`` types."""
        key = (mailbox.source, mailbox.address)
        tables = [store_codec.RECORD_TABLES[c][0] for c in store_codec.MAILBOX_RECORDS]
        with self._tx() as db:
            for table in ("folders", "permissions", "observations", *tables):
                db.execute(f"DELETE FROM {table} WHERE source=? AND mailbox=?", key)  # noqa: S608
            db.executemany(_INSERT_FOLDER, [_folder_row(f) for f in folders])
            for r in records:
                db.execute(store_codec.insert_sql(type(r)), store_codec.encode(r))
            self._put_account(db, unit, mailbox, permissions, observations)

    def finish_partition(
        self, unit: Unit, records: Iterable[object], permissions: Iterable[Permission] = ()
    ) -> None:
        """Commit a directory partition unit with every record it produced, at once."""
        by_type: dict[type, list[object]] = {}
        for record in records:
            by_type.setdefault(type(record), []).append(record)
        observations = by_type.pop(Observation, [])
        with self._tx() as db:
            self._put_unit(db, unit)
            self._put_observations(db, observations)  # type: ignore[arg-type]
            for cls, items in by_type.items():
                db.executemany(store_codec.insert_sql(cls), [store_codec.encode(r) for r in items])
            self._put_permissions(db, permissions)

    def finish_probe(self, unit: Unit, samples: Iterable[ProbeSample]) -> None:
        """Commit a probe run: its samples replace the source's earlier run."""
        with self._tx() as db:
            self._put_unit(db, unit)
            db.execute("DELETE FROM probe_samples WHERE source=?", (unit.source,))
            db.executemany(
                store_codec.insert_sql(ProbeSample), [store_codec.encode(s) for s in samples]
            )

    def record_unit(self, unit: Unit) -> None:
        with self._tx() as db:
            self._put_unit(db, unit)

    @staticmethod
    def _put_unit(db: sqlite3.Connection, unit: Unit) -> None:
        db.execute(
            "INSERT OR REPLACE INTO units VALUES (?,?,?,?,?,?,?,?)",
            (
                unit.source,
                unit.kind.value,
                unit.key,
                unit.status.value,
                unit.reason.value,
                unit.message,
                _ts(unit.started),
                _ts(unit.finished),
            ),
        )

    @staticmethod
    def _put_permissions(db: sqlite3.Connection, permissions: Iterable[Permission]) -> None:
        db.executemany(
            "INSERT OR REPLACE INTO permissions VALUES (?,?,?,?,?,?)",
            [
                (p.source, p.mailbox, p.folder or "", p.grantee, p.rights, p.origin)
                for p in permissions
            ],
        )

    @staticmethod
    def _put_observations(db: sqlite3.Connection, observations: Iterable[Observation]) -> None:
        db.executemany(
            "INSERT OR REPLACE INTO observations VALUES (?,?,?,?,?)",
            [(o.source, o.mailbox or "", o.folder or "", o.code, o.message) for o in observations],
        )

    # -- reads ----------------------------------------------------------------------------

    def unit(self, source: str, kind: UnitKind, key: str) -> Unit:
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM units WHERE source=? AND kind=? AND key=?",
                (source, kind.value, key),
            ).fetchone()
        if row is None:
            raise KeyError((source, kind, key))
        return _unit_from_row(row)

    def folders(self, source: str) -> list[Folder]:
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM folders WHERE source=? ORDER BY mailbox, path", (source,)
            ).fetchall()
        return [_folder_from_row(r) for r in rows]

    def unit_status(self, source: str, kind: UnitKind, key: str) -> Status | None:
        with self._lock:
            row = self._db.execute(
                "SELECT status FROM units WHERE source=? AND kind=? AND key=?",
                (source, kind.value, key),
            ).fetchone()
        return Status(row[0]) if row else None

    def ok_keys(self, source: str, kind: UnitKind) -> set[str]:
        with self._lock:
            rows = self._db.execute(
                "SELECT key FROM units WHERE source=? AND kind=? AND status=?",
                (source, kind.value, Status.OK.value),
            ).fetchall()
        return {r[0] for r in rows}

    def units_where(self, sources: Iterable[str], statuses: Iterable[Status]) -> list[Unit]:
        wanted, st = set(sources), {s.value for s in statuses}
        with self._lock:
            rows = self._db.execute("SELECT * FROM units ORDER BY source, kind, key").fetchall()
        return [_unit_from_row(r) for r in rows if r[0] in wanted and r[3] in st]

    def unit_counts(self, sources: Iterable[str]) -> dict[tuple[str, str], int]:
        """(kind, status) -> number of units, over the given sources."""
        wanted = set(sources)
        sql = "SELECT source, kind, status, count(*) FROM units GROUP BY source, kind, status"
        counts: dict[tuple[str, str], int] = {}
        with self._lock:
            for source, kind, status, n in self._db.execute(sql):
                if source in wanted:
                    counts[(kind, status)] = counts.get((kind, status), 0) + int(n)
        return counts

    def _rows(self, sql: str) -> list[sqlite3.Row]:
        with self._lock:
            return list(self._db.execute(sql).fetchall())

    def inventory(self) -> Inventory:
        raw_info = self._meta("scan_info")
        info = None
        if raw_info:
            d = json.loads(raw_info)
            info = ScanInfo(
                project=d["project"],
                client=d["client"],
                language=d["language"],
                started=datetime.fromisoformat(d["started"]),
                mailsurvey_version=d["mailsurvey_version"],
                config_summary=d["config_summary"],
            )
        inv = Inventory(info=info)
        inv.units = [_unit_from_row(r) for r in self._rows("SELECT * FROM units ORDER BY 1, 2, 3")]
        for r in self._rows("SELECT * FROM servers ORDER BY source"):
            inv.servers.append(
                Server(
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
            )
        for r in self._rows("SELECT * FROM mailboxes ORDER BY source, address"):
            inv.mailboxes.append(
                Mailbox(
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
            )
        for r in self._rows("SELECT * FROM folders ORDER BY source, mailbox, path"):
            inv.folders.append(_folder_from_row(r))
        for r in self._rows("SELECT * FROM permissions ORDER BY source, mailbox, folder, grantee"):
            inv.permissions.append(
                Permission(
                    source=str(r[0]),
                    mailbox=str(r[1]),
                    folder=str(r[2]) or None,
                    grantee=str(r[3]),
                    rights=str(r[4]),
                    origin=str(r[5]),
                )
            )
        for r in self._rows("SELECT * FROM observations ORDER BY source, mailbox, folder, code"):
            inv.observations.append(
                Observation(
                    source=str(r[0]),
                    mailbox=str(r[1]) or None,
                    folder=str(r[2]) or None,
                    code=str(r[3]),
                    message=str(r[4]),
                )
            )
        for cls, (table, _) in store_codec.RECORD_TABLES.items():
            getattr(inv, table).extend(self.records(cls))
        return inv

    def records(self, cls: type[R]) -> list[R]:
        """Every stored record of one ``store_codec.RECORD_TABLES`` type, in key order."""
        table, key = store_codec.RECORD_TABLES[cls]
        rows = self._rows(f"SELECT * FROM {table} ORDER BY {', '.join(key)}")  # noqa: S608
        return [store_codec.decode(cls, r) for r in rows]


def _unit_from_row(r: sqlite3.Row) -> Unit:
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


def _folder_row(f: Folder) -> tuple[object, ...]:
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


def _folder_from_row(r: sqlite3.Row) -> Folder:
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
