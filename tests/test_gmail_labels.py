"""Gmail's labels counted once, against a real IMAP conversation: the lab's Gmail-like
server (lab/gimap.py, a proxy adding X-GM-EXT-1 and X-GM-MSGID in front of a Dovecot)
with one mailbox seeded as ``gimap.SAMPLE``: eight messages shown in 17 folder places.

The expected figures below are worked out by hand from ``SAMPLE``."""

from __future__ import annotations

import json
import ssl
from pathlib import Path
from typing import Any

import jsonschema
import openpyxl
import pytest
from imapclient import IMAPClient

from mailsurvey.assess.checks import gmail_label_duplication
from mailsurvey.assess.targets import PROFILES
from mailsurvey.lab import LabInfo, oauth2_token
from mailsurvey.model import Status
from mailsurvey.report import render
from mailsurvey.report.jsonout import schema
from mailsurvey.store import Inventory

from .imap_helpers import MUTATING, accounts_file, rawlog_commands, scan

pytestmark = pytest.mark.lab

# (messages, bytes) per folder, from SAMPLE
FOLDERS = {
    "INBOX": (3, 3000 + 4000 + 10000),
    "[Gmail]/All Mail": (6, 3000 + 4000 + 5000 + 6000 + 7000 + 10000),
    "Klanten": (3, 4000 + 5000 + 10000),
    "Projecten/2025": (2, 5000 + 10000),
    "[Gmail]/Sent Mail": (1, 6000),
    "[Gmail]/Trash": (1, 8000),
    "[Gmail]/Spam": (1, 9000),
}
EVERY = (17, 109_000)  # the folders added up: what a copy of every folder moves
UNIQUE = (8, 3000 + 4000 + 5000 + 6000 + 7000 + 8000 + 9000 + 10000)  # 52,000
COPIES = (EVERY[0] - UNIQUE[0], EVERY[1] - UNIQUE[1])  # 9 extra copies, 57,000 bytes


def _client(lab: LabInfo, port: int, address: str) -> IMAPClient:
    ctx = ssl.create_default_context(cafile=str(lab.ca_file))
    c = IMAPClient(lab.host, port=port, ssl_context=ctx)
    c.login(f"{address}*{lab.master_user}", lab.master_password_file.read_text().strip())
    return c


def _gmail_scan(lab: LabInfo, port: int, address: str, out: Path) -> tuple[Any, Inventory]:
    """A scan through the Gmail-like server, logged in with XOAUTH2 as on Gmail."""
    token = out / "token"
    out.mkdir(parents=True)
    token.touch(mode=0o600)
    token.write_text(oauth2_token(lab.lab_dir, address) + "\n", encoding="ascii")
    return scan(
        lab,
        out,
        port=port,
        accounts=accounts_file(out, [f"{address},{token}"], "address,token_file"),
        auth={"method": "xoauth2"},
    )


def test_the_lab_server_speaks_gmails_extensions(gmail_lab: tuple[LabInfo, int, str]) -> None:
    lab, port, address = gmail_lab
    c = _client(lab, port, address)
    try:
        assert b"Gimap" in c.welcome
        caps = set(c.capabilities())
        assert b"X-GM-EXT-1" in caps and not caps & {b"STATUS=SIZE", b"ESEARCH", b"ACL"}
        answer = c.id_()
        assert answer[0][:2] == (b"name", b"GImap"), answer
        flags = {name: f for f, _, name in c.list_folders()}
        assert b"\\All" in flags["[Gmail]/All Mail"] and b"\\Junk" in flags["[Gmail]/Spam"]
        ids = {}
        for folder in FOLDERS:
            c.select_folder(folder, readonly=True)
            got = c.fetch(c.search(), ["X-GM-MSGID", "RFC822.SIZE"])
            ids[folder] = {v[b"X-GM-MSGID"]: v[b"RFC822.SIZE"] for v in got.values()}
            assert (len(ids[folder]), sum(ids[folder].values())) == FOLDERS[folder], folder
        # a message has one id in every folder it is in: labels are subsets of All Mail
        for label in ("INBOX", "Klanten", "Projecten/2025", "[Gmail]/Sent Mail"):
            assert ids[label].items() <= ids["[Gmail]/All Mail"].items(), label
        places = sum(len(d) for d in ids.values())
        assert (places, sum(s for d in ids.values() for s in d.values())) == EVERY
        distinct: dict[int, int] = {}
        for d in ids.values():
            distinct.update(d)
        assert (len(distinct), sum(distinct.values())) == UNIQUE
    finally:
        c.logout()


def test_a_scan_counts_every_message_once(
    gmail_lab: tuple[LabInfo, int, str], tmp_path: Path
) -> None:
    lab, port, address = gmail_lab
    result, inv = _gmail_scan(lab, port, address, tmp_path / "out")

    assert result.all_ok, [(u.reason, u.message) for u in result.failures]
    (server,) = inv.servers
    assert server.software == "GImap" and "X-GM-EXT-1" in server.capabilities
    got = {f.path: (f.messages, f.bytes) for f in inv.folders if not f.noselect}
    assert got == FOLDERS
    assert {f.method for f in inv.folders if not f.noselect} == {"fetch"}
    (box,) = inv.mailboxes
    assert (box.unique_messages, box.unique_bytes) == UNIQUE
    assert (box.duplicate_messages, box.duplicate_bytes) == COPIES

    # read-only: Dovecot saw no changing command and only BODY.PEEK of the header fields
    sent = [text for _, text in rawlog_commands(lab)]
    assert not [t for t in sent if t.split()[1].upper() in MUTATING], sent
    fetches = [t for t in sent if " FETCH " in t.upper()]
    assert fetches and all("BODY[" not in t.upper() for t in fetches), fetches


def test_the_reports_carry_the_counted_once_figures(
    gmail_lab: tuple[LabInfo, int, str], tmp_path: Path
) -> None:
    lab, port, address = gmail_lab
    _, inv = _gmail_scan(lab, port, address, tmp_path / "out")
    render(inv, tmp_path / "out", ("json", "xlsx"), "en")
    doc = json.loads((tmp_path / "out" / "inventory.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema()).validate(doc)
    (box,) = doc["mailboxes"]
    assert box["counted_once"] == {
        "messages": UNIQUE[0],
        "bytes": UNIQUE[1],
        "copies": COPIES[0],
        "copy_bytes": COPIES[1],
    }
    (book,) = (tmp_path / "out").glob("*.xlsx")
    sheet = openpyxl.load_workbook(book)["Mailboxes"]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    col = header.index("Messages counted once")
    values = [r[col].value for r in sheet.iter_rows(min_row=2) if r[0].value == address]
    assert values == [UNIQUE[0]]


def test_the_check_uses_the_exact_figures(
    gmail_lab: tuple[LabInfo, int, str], tmp_path: Path
) -> None:
    lab, port, address = gmail_lab
    _, inv = _gmail_scan(lab, port, address, tmp_path / "out")
    (finding,) = gmail_label_duplication.run(inv, PROFILES["google-dms"])
    assert finding.mailbox == address
    assert (finding.reason, finding.value, finding.limit) == (
        "labels_counted",
        COPIES[0],
        UNIQUE[0],
    )
    assert "9 copies" in finding.detail and "8 messages" in finding.detail


def test_the_same_mailbox_without_gmails_extension_has_no_unique_figures(
    gmail_lab: tuple[LabInfo, int, str], tmp_path: Path
) -> None:
    lab, _, address = gmail_lab  # straight to Dovecot: no X-GM-EXT-1
    result, inv = _gmail_scan(lab, lab.imaps_port, address, tmp_path / "out")
    assert result.all_ok
    (box,) = inv.mailboxes
    assert box.unique_messages is box.unique_bytes is box.duplicate_messages is None
    assert all(u.status is Status.OK for u in inv.units)
    assert {f.path: (f.messages, f.bytes) for f in inv.folders if not f.noselect} == FOLDERS
