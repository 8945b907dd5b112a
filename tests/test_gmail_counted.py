"""Gmail's labels counted once, without a server: the FETCH answers' parser, the tally,
the check with exact figures, the Mailboxes sheet's columns and the store's upgrade."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from mailsurvey.assess.checks import gmail_label_duplication as gmail
from mailsurvey.assess.targets import MIB
from mailsurvey.collectors.imap_gmail import LabelTally, parse_size_date_msgid
from mailsurvey.model import Mailbox, Server, Status, Unit, UnitKind
from mailsurvey.report.views import build_report
from mailsurvey.store import SCHEMA_VERSION, Store

from .checks_helpers import TARGET, folder, inventory

GMAIL = Server("imap", "imap.gmail.com", 993, "GImap", None, "* OK Gimap ready", ("X-GM-EXT-1",))


def test_fetch_answers_with_x_gm_msgid_are_parsed() -> None:
    answers = [
        b'1 (RFC822.SIZE 3000 INTERNALDATE "14-Nov-2023 22:13:20 +0000" '
        b"X-GM-MSGID 1278455344230334865)",
        b"2 (FLAGS (\\Seen))",  # unsolicited: no size, left out
        b"3 (X-GM-MSGID 9223372036854775807 RFC822.SIZE 12 "
        b'INTERNALDATE "01-Jan-2024 00:00:00 +0100")',
        b"4 (RFC822.SIZE 5)",  # no id: counted as missing by the tally
    ]
    assert list(parse_size_date_msgid(answers)) == [
        (3000, 1700000000, 1278455344230334865),
        (12, 1704063600, 9223372036854775807),
        (5, None, None),
    ]


def test_the_tally_counts_a_message_once_and_its_copies() -> None:
    tally = LabelTally()
    for msgid, size in [(1, 100), (2, 200), (1, 100), (1, 100), (3, 50)]:
        tally.add(msgid, size)
    box = tally.counted(Mailbox("s", "a@x"))
    assert (box.unique_messages, box.unique_bytes) == (3, 350)
    assert (box.duplicate_messages, box.duplicate_bytes) == (2, 200)
    tally.add(None, 10)  # a message without its id: the figures are not known
    assert tally.counted(Mailbox("s", "a@x")).unique_messages is None


def counted_box(copies: int = 9) -> Mailbox:
    return Mailbox(
        "imap",
        "g@x",
        unique_messages=8,
        unique_bytes=52 * MIB,
        duplicate_messages=copies,
        duplicate_bytes=copies * MIB,
    )


def test_the_check_takes_the_exact_figures_without_all_mail() -> None:
    # All Mail hidden from IMAP: the estimate cannot be made, the count can
    inv = inventory(folder("g@x", "INBOX"), folder("g@x", "Work"), mailboxes=(counted_box(),))
    inv.servers = [GMAIL]
    (f,) = gmail.run(inv, TARGET)
    assert (f.reason, f.value, f.limit, f.partial) == ("labels_counted", 9, 8, False)
    assert "9 copies" in f.detail and "8 messages" in f.detail


def test_the_check_passes_without_copies_and_is_partial_when_a_folder_failed() -> None:
    inv = inventory(folder("g@x", "INBOX"), mailboxes=(counted_box(copies=0),))
    inv.servers = [GMAIL]
    assert gmail.run(inv, TARGET) == []
    inv = inventory(folder("g@x", "INBOX"), mailboxes=(counted_box(),), partial=("g@x",))
    inv.servers = [GMAIL]
    (f,) = gmail.run(inv, TARGET)
    assert (f.reason, f.partial) == ("not_known", True)


def test_the_mailboxes_sheet_has_counted_once_columns_only_with_gmail_figures() -> None:
    plain = build_report(inventory(folder("a@x")))
    (sheet,) = [t for t in plain.sheets if t.key == "mailboxes"]
    assert "unique_messages" not in [c.key for c in sheet.columns]
    inv = inventory(folder("a@x"), folder("g@x"), mailboxes=(counted_box(),))
    (sheet,) = [t for t in build_report(inv).sheets if t.key == "mailboxes"]
    keys = [c.key for c in sheet.columns]
    rows = {r[0]: dict(zip(keys, r, strict=True)) for r in sheet.rows}
    assert (rows["g@x"]["unique_messages"], rows["g@x"]["unique_bytes"]) == (8, 52 * MIB)
    assert rows["a@x"]["unique_messages"] is None  # not Gmail: unknown, never 0


def test_a_version_2_store_gets_the_columns_in_place(tmp_path: Path) -> None:
    path = tmp_path / "scan.sqlite"
    db = sqlite3.connect(path)
    db.executescript(
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO meta VALUES ('schema_version', '2');
        CREATE TABLE mailboxes (
            source TEXT NOT NULL, address TEXT NOT NULL, display_name TEXT, kind TEXT NOT NULL,
            quota_root TEXT, quota_used_bytes INTEGER, quota_limit_bytes INTEGER,
            quota_used_messages INTEGER, quota_limit_messages INTEGER,
            quota_unlimited INTEGER NOT NULL, namespaces TEXT NOT NULL, delimiter TEXT,
            PRIMARY KEY (source, address));
        INSERT INTO mailboxes VALUES ('s', 'old@x', NULL, 'user', NULL, NULL, NULL, NULL,
            NULL, 0, '[]', '/');
        """
    )
    db.commit()
    db.close()
    with Store(path) as store:
        (old,) = store.inventory().mailboxes
        assert old.address == "old@x" and old.unique_messages is None
        unit = Unit("s", UnitKind.ACCOUNT, "g@x", Status.OK)
        store.finish_account(unit, counted_box())
        assert counted_box() in store.inventory().mailboxes
    with Store(path) as again:  # once upgraded, opened as it is
        assert again._meta("schema_version") == str(SCHEMA_VERSION)
        assert len(again.inventory().mailboxes) == 2
