"""The store's fixed tables, its schema version and the upgrades of an older store in
place (each step one transaction; a column a version added is unknown in older rows)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from . import store_codec

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


class StoreError(Exception):
    pass


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction on a connection in autocommit mode (``isolation_level=None``)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def read_meta(db: sqlite3.Connection, key: str) -> str | None:
    row = db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
    return row[0] if row else None


def write_meta(db: sqlite3.Connection, key: str, value: str) -> None:
    with transaction(db):
        db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))


def prepare(db: sqlite3.Connection, path: Path) -> None:
    """The tables of this version made, an older store upgraded in place; a store of a
    version this mailsurvey does not read is a StoreError naming ``path``."""
    db.executescript(_SCHEMA + store_codec.ddl())
    version = read_meta(db, "schema_version")
    if version == "1":
        _upgrade_from_1(db)
        version = "2"
    if version == "2":
        _upgrade_from_2(db)
        version = "3"
    if version == "3":
        _upgrade_from_3(db)
        version = str(SCHEMA_VERSION)
    if version is None:
        write_meta(db, "schema_version", str(SCHEMA_VERSION))
    elif int(version) != SCHEMA_VERSION:
        raise StoreError(
            f"{path}: store schema version {version}, this mailsurvey reads {SCHEMA_VERSION}"
        )


def _upgrade_from_1(db: sqlite3.Connection) -> None:
    """Version 2 gave folders an area (mailbox, archive, recoverable) and a class,
    and the area joined the key; the rows of version 1 are all in the mailbox area."""
    columns = [r[1] for r in db.execute("PRAGMA table_info(folders)")]
    with transaction(db):
        if "area" not in columns:
            db.execute("ALTER TABLE folders RENAME TO folders_v1")
            db.execute(_FOLDERS)
            db.execute("INSERT INTO folders SELECT *, 'mailbox', NULL FROM folders_v1")
            db.execute("DROP TABLE folders_v1")
        db.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', '2')")


def _upgrade_from_2(db: sqlite3.Connection) -> None:
    """Version 3 gave mailboxes Gmail's figures counted once by X-GM-MSGID; the rows of
    version 2 do not have them (unknown)."""
    columns = {r[1] for r in db.execute("PRAGMA table_info(mailboxes)")}
    with transaction(db):
        for name in _GMAIL_COLUMNS:
            if name not in columns:
                db.execute(f"ALTER TABLE mailboxes ADD COLUMN {name} INTEGER")
        db.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', '3')")


def _upgrade_from_3(db: sqlite3.Connection) -> None:
    """Version 4 gave mailboxes the last logon the server recorded (Exchange exports);
    the rows of version 3 do not have it (unknown)."""
    columns = {r[1] for r in db.execute("PRAGMA table_info(mailboxes)")}
    with transaction(db):
        if "last_logon" not in columns:
            db.execute("ALTER TABLE mailboxes ADD COLUMN last_logon TEXT")
        db.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', '4')")
