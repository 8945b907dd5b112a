"""The SQLite store: one row per unit, server, mailbox, folder, permission, observation.

Each finished unit is committed in one transaction with the records it produced (WAL
mode), so a killed scan keeps everything that had ended and ``--resume`` re-does only
units that are not ok. Primary keys make a re-run replace rows, never duplicate them.
The tables and upgrades are in ``store_schema``, the rows of the fixed tables in
``store_rows``, the other records' in ``store_codec``.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
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
    Observation,
    Permission,
    ProbeSample,
    ScanInfo,
    Server,
    Status,
    Unit,
    UnitKind,
)
from .store_rows import (
    INSERT_FOLDER,
    INSERT_MAILBOX,
    INSERT_OBSERVATION,
    INSERT_PERMISSION,
    INSERT_SERVER,
    INSERT_UNIT,
    folder_from_row,
    folder_row,
    info_from_json,
    info_json,
    mailbox_from_row,
    mailbox_row,
    observation_from_row,
    observation_row,
    permission_from_row,
    permission_row,
    server_from_row,
    server_row,
    unit_from_row,
    unit_row,
)
from .store_schema import SCHEMA_VERSION as SCHEMA_VERSION
from .store_schema import StoreError as StoreError
from .store_schema import prepare, read_meta, transaction, write_meta

R = TypeVar("R")


def folder_unit_key(mailbox: str, path: str) -> str:
    return f"{mailbox}\x00{path}"


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
        with self._lock:
            prepare(self._db, path)

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
        with self._lock, transaction(self._db) as db:
            yield db

    def _meta(self, key: str) -> str | None:
        with self._lock:
            return read_meta(self._db, key)

    # -- writes ---------------------------------------------------------------------------

    def write_info(self, info: ScanInfo) -> None:
        with self._lock:
            write_meta(self._db, "scan_info", info_json(info))

    def write_server(self, server: Server) -> None:
        with self._tx() as db:
            db.execute(INSERT_SERVER, server_row(server))

    def finish_folder(
        self,
        unit: Unit,
        folder: Folder | None,
        permissions: Iterable[Permission] = (),
        observations: Iterable[Observation] = (),
    ) -> None:
        """Commit a folder unit with its figures, ACL entries and observations at once."""
        with self._tx() as db:
            db.execute(INSERT_UNIT, unit_row(unit))
            if folder is not None:
                db.execute(INSERT_FOLDER, folder_row(folder))
            _put_permissions(db, permissions)
            _put_observations(db, observations)

    def finish_account(
        self,
        unit: Unit,
        mailbox: Mailbox | None,
        permissions: Iterable[Permission] = (),
        observations: Iterable[Observation] = (),
    ) -> None:
        with self._tx() as db:
            _put_account(db, unit, mailbox, permissions, observations)

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
            db.executemany(INSERT_FOLDER, [folder_row(f) for f in folders])
            for r in records:
                db.execute(store_codec.insert_sql(type(r)), store_codec.encode(r))
            _put_account(db, unit, mailbox, permissions, observations)

    def finish_partition(
        self, unit: Unit, records: Iterable[object], permissions: Iterable[Permission] = ()
    ) -> None:
        """Commit a directory partition unit with every record it produced, at once."""
        by_type: dict[type, list[object]] = {}
        for record in records:
            by_type.setdefault(type(record), []).append(record)
        observations = by_type.pop(Observation, [])
        with self._tx() as db:
            db.execute(INSERT_UNIT, unit_row(unit))
            _put_observations(db, observations)  # type: ignore[arg-type]
            for cls, items in by_type.items():
                db.executemany(store_codec.insert_sql(cls), [store_codec.encode(r) for r in items])
            _put_permissions(db, permissions)

    def finish_probe(self, unit: Unit, samples: Iterable[ProbeSample]) -> None:
        """Commit a probe run: its samples replace the source's earlier run."""
        with self._tx() as db:
            db.execute(INSERT_UNIT, unit_row(unit))
            db.execute("DELETE FROM probe_samples WHERE source=?", (unit.source,))
            db.executemany(
                store_codec.insert_sql(ProbeSample), [store_codec.encode(s) for s in samples]
            )

    def record_unit(self, unit: Unit) -> None:
        with self._tx() as db:
            db.execute(INSERT_UNIT, unit_row(unit))

    # -- reads ----------------------------------------------------------------------------

    def unit(self, source: str, kind: UnitKind, key: str) -> Unit:
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM units WHERE source=? AND kind=? AND key=?",
                (source, kind.value, key),
            ).fetchone()
        if row is None:
            raise KeyError((source, kind, key))
        return unit_from_row(row)

    def folders(self, source: str) -> list[Folder]:
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM folders WHERE source=? ORDER BY mailbox, path", (source,)
            ).fetchall()
        return [folder_from_row(r) for r in rows]

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
        return [unit_from_row(r) for r in rows if r[0] in wanted and r[3] in st]

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
        inv = Inventory(info=info_from_json(raw_info) if raw_info else None)
        inv.units = [unit_from_row(r) for r in self._rows("SELECT * FROM units ORDER BY 1, 2, 3")]
        inv.servers = [
            server_from_row(r) for r in self._rows("SELECT * FROM servers ORDER BY source")
        ]
        sql = "SELECT * FROM mailboxes ORDER BY source, address"
        inv.mailboxes = [mailbox_from_row(r) for r in self._rows(sql)]
        sql = "SELECT * FROM folders ORDER BY source, mailbox, path"
        inv.folders = [folder_from_row(r) for r in self._rows(sql)]
        sql = "SELECT * FROM permissions ORDER BY source, mailbox, folder, grantee"
        inv.permissions = [permission_from_row(r) for r in self._rows(sql)]
        sql = "SELECT * FROM observations ORDER BY source, mailbox, folder, code"
        inv.observations = [observation_from_row(r) for r in self._rows(sql)]
        for cls, (table, _) in store_codec.RECORD_TABLES.items():
            getattr(inv, table).extend(self.records(cls))
        return inv

    def records(self, cls: type[R]) -> list[R]:
        """Every stored record of one ``store_codec.RECORD_TABLES`` type, in key order."""
        table, key = store_codec.RECORD_TABLES[cls]
        rows = self._rows(f"SELECT * FROM {table} ORDER BY {', '.join(key)}")  # noqa: S608
        return [store_codec.decode(cls, r) for r in rows]


def _put_account(
    db: sqlite3.Connection,
    unit: Unit,
    mailbox: Mailbox | None,
    permissions: Iterable[Permission],
    observations: Iterable[Observation],
) -> None:
    db.execute(INSERT_UNIT, unit_row(unit))
    if mailbox is not None:
        db.execute(INSERT_MAILBOX, mailbox_row(mailbox))
    _put_permissions(db, permissions)
    _put_observations(db, observations)


def _put_permissions(db: sqlite3.Connection, permissions: Iterable[Permission]) -> None:
    db.executemany(INSERT_PERMISSION, [permission_row(p) for p in permissions])


def _put_observations(db: sqlite3.Connection, observations: Iterable[Observation]) -> None:
    db.executemany(INSERT_OBSERVATION, [observation_row(o) for o in observations])
