"""Offline sources: mbox and Maildir trees made here, with known messages of known sizes and
dates, scanned into exactly the figures they hold; the files untouched; a damaged file
fails its own mailbox only; the command line writes the workbook from them."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from imapclient import imap_utf7

from mailsurvey.config import ConfigError, load
from mailsurvey.model import Folder, Reason, Status, UnitKind
from mailsurvey.scan import run_scan
from mailsurvey.store import Inventory, Store

KB = 1024
MB = 1024 * KB
POLISH = "Zażółć gęślą"
FROM_LINE = b"From sender@example.org Tue Jan  2 10:00:00 2024\n"


def message(size: int, date: str | None, body: bytes = b"") -> bytes:
    """A message of exactly ``size`` bytes (LF line ends), with ``body`` first in its body."""
    head = (f"Date: {date}\n" if date else "") + "From: a@example.org\nSubject: t\n\n"
    core = head.encode() + body
    pad = size - len(core) - 1
    assert pad >= 0
    return core + b"y" * pad + b"\n"


def write_mbox(path: Path, messages: list[bytes]) -> None:
    path.write_bytes(b"".join(FROM_LINE + m + b"\n" for m in messages))


def maildir(path: Path, messages: dict[str, bytes] | None = None, new: bytes | None = None) -> None:
    for sub in ("cur", "new", "tmp"):
        (path / sub).mkdir(parents=True)
    for name, data in (messages or {}).items():
        (path / "cur" / name).write_bytes(data)
    if new is not None:
        (path / "new" / "1700000009.M1P1.host").write_bytes(new)  # no S=: the file's size
    (path / "tmp" / "1700000010.M2P2.host").write_bytes(message(999, None))  # not delivered


def build_exports(root: Path) -> Path:
    """anna: Maildir++; bob: a Thunderbird-like directory of mbox files; carol (domain
    added): one mbox file; broken: not an mbox file; dave: not a PST."""
    exports = root / "exports"
    anna = exports / "anna@acme.nl"
    maildir(
        anna,
        {
            # S= says 30 MB: the size is taken from the name, not from the 1000-byte file
            "1700000001.M1P1.host,S=31457280,W=31500000:2,S": message(
                1000, "Tue, 02 Jan 2024 10:00:00 +0100"
            ),
            "1700000002.M1P1.host,S=2000:2,": message(2000, "Fri, 15 Mar 2019 08:30:00 +0000"),
        },
        new=message(150 * KB, "Mon, 01 Jul 2024 12:00:00 -0200"),
    )
    maildir(anna / ".Sent", {"1700000003.M1P1.host,S=5000:2,S": message(5000, "not a date")})
    polish = imap_utf7.encode(POLISH).decode("ascii")
    maildir(
        anna / f".Projekty.{polish}",
        {"1700000004.M1P1.host,S=3000:2,S": message(3000, "Sun, 01 Dec 2013 23:59:59 +0000")},
    )
    maildir(anna / ".Trash")
    (anna / "dovecot-uidlist").write_text("3 V1 N1\n")

    bob = exports / "bob@acme.nl"
    bob.mkdir(parents=True)
    write_mbox(
        bob / "Inbox",
        [
            message(1500, "Wed, 10 Apr 2024 09:00:00 +0200"),
            # mboxrd: a body line starting with "From " is stored quoted; still one message
            message(
                2 * MB,
                "Thu, 11 Apr 2024 09:00:00 +0200",
                body=b"Hello,\n\n>From the archive: see below\n>>From quoted twice\n",
            ),
            message(700, None),  # no Date header at all
        ],
    )
    (bob / "Inbox.msf").write_text("// Thunderbird summary, not mail\n")
    (bob / "Archives").write_bytes(b"")  # a folder without messages of its own
    (bob / "Archives.sbd").mkdir()
    write_mbox(bob / "Archives.sbd" / "2023", [message(40 * MB, "Sat, 30 Dec 2023 18:00:00 +0000")])
    (bob / "Trash").write_bytes(b"")
    (bob / "notes.txt").write_text("shopping list\n")

    write_mbox(exports / "carol.mbox", [message(100 * KB, "Mon, 01 Jan 2024 00:00:00 +0000")])
    (exports / "broken@acme.nl.mbox").write_bytes(b"\x00\x01garbage, not mail\n")
    (exports / "dave@acme.nl.pst").write_bytes(b"!BDN" + os.urandom(4000))
    return exports


def config_file(tmp_path: Path, exports: Path, **keys: Any) -> Path:
    source = {"name": "exports", "type": "mail_files", "path": str(exports), **keys}
    config = {
        "project": "Offline",
        "client": "Acme BV",
        "output_dir": str(tmp_path / "out"),
        "probe": {"enabled": False},
        "sources": [source],
    }
    path = tmp_path / "offline.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def scan(tmp_path: Path, exports: Path) -> Inventory:
    loaded = load(config_file(tmp_path, exports, domain="acme.nl"))
    with Store(tmp_path / "scan.sqlite") as store:
        run_scan(loaded, store, show_progress=False)
        return store.inventory()


def folders(inv: Inventory, address: str) -> dict[str, Folder]:
    return {f.path: f for f in inv.folders if f.mailbox == address}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


@pytest.fixture
def scanned(tmp_path: Path) -> Inventory:
    return scan(tmp_path, build_exports(tmp_path))


def test_maildir_figures_per_folder(scanned: Inventory) -> None:
    got = folders(scanned, "anna@acme.nl")
    assert sorted(got) == ["INBOX", f"Projekty/{POLISH}", "Sent", "Trash"]
    inbox = got["INBOX"]
    assert (inbox.messages, inbox.bytes, inbox.largest) == (3, 30 * MB + 2000 + 150 * KB, 30 * MB)
    assert inbox.histogram == (1, 1, 0, 0, 1, 0, 0)
    assert (inbox.oldest, inbox.newest) == (utc(2019, 3, 15, 8, 30), utc(2024, 7, 1, 14))
    assert (inbox.special_use, inbox.depth, inbox.delimiter) == ("\\Inbox", 0, "/")
    sub = got[f"Projekty/{POLISH}"]
    assert (sub.messages, sub.bytes, sub.depth) == (1, 3000, 1)
    assert sub.oldest == sub.newest == utc(2013, 12, 1, 23, 59, 59)
    sent = got["Sent"]  # its only message has an unreadable date: counted, not dated
    assert (sent.messages, sent.bytes, sent.oldest, sent.newest) == (1, 5000, None, None)
    trash = got["Trash"]  # empty: zero, known
    assert (trash.messages, trash.bytes, trash.largest, trash.oldest) == (0, 0, None, None)
    assert trash.histogram == (0,) * 7
    notes = [o for o in scanned.observations if o.mailbox == "anna@acme.nl"]
    assert [(o.folder, o.code) for o in notes] == [("Sent", "undated_messages")]


def test_mbox_tree_figures_per_folder(scanned: Inventory) -> None:
    got = folders(scanned, "bob@acme.nl")
    assert sorted(got) == ["Archives", "Archives/2023", "Inbox", "Trash"]
    inbox = got["Inbox"]
    assert (inbox.messages, inbox.bytes, inbox.largest) == (3, 1500 + 2 * MB + 700, 2 * MB)
    assert inbox.histogram == (2, 0, 1, 0, 0, 0, 0)
    assert (inbox.oldest, inbox.newest) == (utc(2024, 4, 10, 7), utc(2024, 4, 11, 7))
    assert inbox.special_use == "\\Inbox"
    archive = got["Archives/2023"]
    assert (archive.messages, archive.bytes, archive.depth) == (1, 40 * MB, 1)
    assert archive.histogram == (0, 0, 0, 0, 0, 1, 0)
    for empty in ("Archives", "Trash"):
        assert (got[empty].messages, got[empty].bytes, got[empty].newest) == (0, 0, None)
    codes = sorted(
        (o.folder or "", o.code) for o in scanned.observations if o.mailbox == "bob@acme.nl"
    )
    assert codes == [("", "not_mail_file"), ("Inbox", "undated_messages")]


def test_single_mbox_file_named_with_the_domain(scanned: Inventory) -> None:
    (inbox,) = folders(scanned, "carol@acme.nl").values()
    assert (inbox.path, inbox.messages, inbox.bytes) == ("INBOX", 1, 100 * KB)
    assert inbox.histogram == (0, 1, 0, 0, 0, 0, 0)  # 100 KB is the first bucket's bound


def test_damaged_files_fail_their_own_mailbox_only(scanned: Inventory) -> None:
    accounts = {u.key: u for u in scanned.units if u.kind is UnitKind.ACCOUNT}
    assert {k: u.status for k, u in accounts.items()} == {
        "anna@acme.nl": Status.OK,
        "bob@acme.nl": Status.OK,
        "carol@acme.nl": Status.OK,
        "broken@acme.nl": Status.FAILED,
        "dave@acme.nl": Status.FAILED,
    }
    broken, dave = accounts["broken@acme.nl"], accounts["dave@acme.nl"]
    assert broken.reason is Reason.PROTOCOL and "not an mbox file" in broken.message
    assert dave.reason is Reason.PROTOCOL and "not a readable PST/OST file" in dave.message
    assert not folders(scanned, "dave@acme.nl")  # nothing counted as an empty mailbox
    (server,) = scanned.servers
    assert (server.software, server.security, server.port) == ("Maildir, mbox, PST", "file", 0)


def test_a_dangling_maildir_file_fails_its_folder_and_the_mailbox_is_partial(
    tmp_path: Path,
) -> None:
    exports = build_exports(tmp_path)
    (exports / "anna@acme.nl" / ".Sent" / "cur" / "gone,S=10:2,").symlink_to(tmp_path / "nowhere")
    inv = scan(tmp_path, exports)
    units = {u.key: u for u in inv.units if u.key.startswith("anna@acme.nl")}
    sent = units["anna@acme.nl\x00Sent"]
    assert (sent.status, sent.reason) == (Status.FAILED, Reason.PROTOCOL)
    assert units["anna@acme.nl"].status is Status.PARTIAL
    assert "Sent" not in folders(inv, "anna@acme.nl")  # unknown, not zero


def tree_state(root: Path) -> dict[str, tuple[object, ...]]:
    """Every file and directory: type, mode, size, mtime, ctime and (files) content hash."""
    state: dict[str, tuple[object, ...]] = {}
    for path in [root, *sorted(root.rglob("*"))]:
        st = path.lstat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
        state[str(path.relative_to(root))] = (st.st_mode, st.st_size, st.st_mtime_ns,
                                              st.st_ctime_ns, digest)  # fmt: skip
    return state


_WRITES = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
_opened: list[tuple[str, object, int]] = []
_recording: list[bool] = []  # non-empty while a test records the files opened


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event == "open" and _recording:
        path, mode, flags = args
        _opened.append((str(path), mode, flags if isinstance(flags, int) else 0))


sys.addaudithook(_audit)


def test_read_only_nothing_written_and_no_file_opened_for_writing(tmp_path: Path) -> None:
    exports = build_exports(tmp_path)
    before = tree_state(exports)
    _opened.clear()
    _recording.append(True)
    try:
        inv = scan(tmp_path, exports)
    finally:
        _recording.clear()
    inside = [o for o in _opened if o[0].startswith(str(exports))]
    assert inv.folders and inside  # the scan did read the files
    assert [o for o in inside if o[2] & _WRITES or (isinstance(o[1], str) and "+" in o[1])] == []
    assert tree_state(exports) == before
    assert not any(p.suffix == ".lock" for p in exports.rglob("*"))


def test_resume_scans_only_what_is_not_ok(tmp_path: Path) -> None:
    exports = build_exports(tmp_path)
    scan(tmp_path, exports)
    (exports / "broken@acme.nl.mbox").write_bytes(FROM_LINE + message(800, None) + b"\n")
    loaded = load(config_file(tmp_path, exports, domain="acme.nl"))
    with Store(tmp_path / "scan.sqlite") as store:
        result = run_scan(loaded, store, resume=True, show_progress=False)
        inv = store.inventory()
    assert [u.key for u in result.failures] == ["dave@acme.nl"]
    assert folders(inv, "broken@acme.nl")["INBOX"].bytes == 800
    assert folders(inv, "anna@acme.nl")["INBOX"].messages == 3


def test_config_errors_name_the_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as missing:
        load(config_file(tmp_path, tmp_path / "nowhere"))
    assert "sources[0].path" in str(missing.value) and "does not exist" in str(missing.value)
    exports = build_exports(tmp_path)
    with pytest.raises(ConfigError) as unnamed:
        load(config_file(tmp_path, exports))  # carol.mbox has no domain
    assert "sources[0].path: carol.mbox: not named by an address" in str(unnamed.value)
    mapping = tmp_path / "mailboxes.csv"
    mapping.write_text("entry,address,kind\ncarol.mbox,carol@acme.nl,shared\nnope,x@acme.nl\n")
    with pytest.raises(ConfigError) as listed:
        load(config_file(tmp_path, exports, mailboxes=str(mapping)))
    assert f"{mapping}, line 3: nope is not in {exports}" in str(listed.value)
    mapping.write_text("entry,address,kind\ncarol.mbox,carol@acme.nl,shared\n")
    loaded = load(config_file(tmp_path, exports, mailboxes=str(mapping)))
    (account,) = loaded.accounts["exports"]
    assert (account.address, account.kind) == ("carol@acme.nl", "shared")


def _rows(ws: Any) -> list[dict[str, Any]]:
    header = [c.value for c in ws[1]]
    return [
        dict(zip(header, (c.value for c in row), strict=True)) for row in ws.iter_rows(min_row=2)
    ]


def test_command_line_scan_writes_the_workbook(tmp_path: Path) -> None:
    exports = build_exports(tmp_path)
    config = config_file(tmp_path, exports, domain="acme.nl")
    proc = subprocess.run(
        [sys.executable, "-m", "mailsurvey", "scan", str(config), "--quiet"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 3, proc.stdout + proc.stderr  # broken and dave failed
    (xlsx,) = (tmp_path / "out").glob("*.xlsx")
    wb = openpyxl.load_workbook(xlsx)
    mailboxes = {r["Address"]: r for r in _rows(wb["Mailboxes"])}
    assert mailboxes["bob@acme.nl"]["Messages"] == 4
    assert mailboxes["bob@acme.nl"]["Folders"] == 4
    assert mailboxes["anna@acme.nl"]["Messages"] == 5
    got = {(r["Mailbox"], r["Folder"]): r for r in _rows(wb["Folders"])}
    assert got[("anna@acme.nl", f"Projekty/{POLISH}")]["Messages"] == 1
    assert got[("bob@acme.nl", "Archives/2023")]["Messages"] == 1
    summary = [r for r in wb["Summary"].iter_rows(values_only=True) if r[0] == "exports"]
    assert [(r[1], r[3]) for r in summary] == [(str(exports), "Maildir, mbox, PST")]


def test_dovecot_fs_layout_and_a_directory_without_mail(tmp_path: Path) -> None:
    exports = tmp_path / "exports"
    erin = exports / "erin@acme.nl"
    maildir(erin, {"1.M1P1.host,S=1200:2,S": message(1200, "Mon, 01 Jan 2024 00:00:00 +0000")})
    # LAYOUT=fs: folders are nested directories (a parent without cur/new only holds others)
    maildir(erin / "Archief" / "2023", {"2.M1P1.host:2,S": message(800, None)})
    maildir(erin / "Gel&APY-scht")
    (exports / "frank@acme.nl").mkdir()  # nothing in it: failed, never an empty mailbox
    inv = scan(tmp_path, exports)
    got = folders(inv, "erin@acme.nl")
    assert {p: (f.messages, f.bytes, f.depth) for p, f in got.items()} == {
        "INBOX": (1, 1200, 0),
        "Archief/2023": (1, 800, 1),
        "Gelöscht": (0, 0, 0),
    }
    frank = next(u for u in inv.units if u.key == "frank@acme.nl")
    assert (frank.status, frank.reason) == (Status.FAILED, Reason.PROTOCOL)
    assert "no mbox folder found" in frank.message
