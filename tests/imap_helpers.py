"""Shared helpers of the IMAP integration tests: configs for the lab, scans, server-side
evidence (rawlog commands, Dovecot's log) and read-only snapshots."""

from __future__ import annotations

import re
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from imapclient import IMAPClient
from imapclient.response_parser import parse_fetch_response

from mailsurvey.collectors.imap_parse import ListEntry, parse_list_data
from mailsurvey.config import load
from mailsurvey.demo import lab_config
from mailsurvey.lab import LabInfo
from mailsurvey.scan import ScanResult, run_scan
from mailsurvey.store import Inventory, Store

# Commands that change a mailbox, or could (SELECT may reset \Recent; a non-PEEK body
# fetch sets \Seen).
MUTATING = {
    "STORE",
    "APPEND",
    "COPY",
    "MOVE",
    "EXPUNGE",
    "CREATE",
    "DELETE",
    "RENAME",
    "SUBSCRIBE",
    "UNSUBSCRIBE",
    "SETACL",
    "DELETEACL",
    "SETQUOTA",
    "SETMETADATA",
    "SELECT",
    "CLOSE",
}


def write_config(
    lab: LabInfo, out: Path, probe: dict[str, Any] | None = None, **changes: Any
) -> Path:
    """The lab's config; the throughput probe off unless ``probe`` says otherwise (it
    spends seconds by design; tests of the probe turn it on with a small budget)."""
    return lab_config(lab, out, probe=probe or {"enabled": False}, **changes)


def scan(lab: LabInfo, out: Path, **changes: Any) -> tuple[ScanResult, Inventory]:
    loaded = load(write_config(lab, out, **changes))
    with Store(out / "scan.sqlite") as store:
        result = run_scan(loaded, store, show_progress=False)
        return result, store.inventory()


def accounts_file(out: Path, rows: list[str], header: str = "address") -> str:
    out.mkdir(parents=True, exist_ok=True)
    path = out / "accounts.csv"
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


def client(lab: LabInfo, address: str) -> IMAPClient:
    ctx = ssl.create_default_context(cafile=str(lab.ca_file))
    c = IMAPClient(lab.host, port=lab.imaps_port, ssl_context=ctx)
    c.login(f"{address}*{lab.master_user}", lab.master_password_file.read_text().strip())
    return c


def snapshot(lab: LabInfo, addresses: list[str]) -> dict[tuple[str, str], Any]:
    """Flags of every message and UIDNEXT/HIGHESTMODSEQ of every folder, read with
    EXAMINE and FETCH FLAGS only. CONDSTORE is enabled first, so Dovecot tracks modseqs
    from before the scan: any change during the scan would raise HIGHESTMODSEQ."""
    state: dict[tuple[str, str], Any] = {}
    for address in addresses:
        c = client(lab, address)
        c.enable("CONDSTORE")
        try:
            for entry in list_folders(c):
                name = entry.path
                if entry.noselect or name.startswith("shared"):
                    continue
                info = c.select_folder(name, readonly=True)
                messages = fetch_flags(c) if info[b"EXISTS"] else {}
                state[(address, name)] = (
                    info.get(b"UIDNEXT"),
                    info.get(b"HIGHESTMODSEQ"),
                    {uid: tuple(sorted(v[b"FLAGS"])) for uid, v in messages.items()},
                )
        finally:
            c.logout()
    return state


def list_folders(c: IMAPClient) -> list[ListEntry]:
    """LIST, parsed by mailsurvey's reader (imapclient's lexer refuses atoms with "[")."""
    typ, data = c._imap._simple_command("LIST", '""', '"*"')
    assert typ == "OK", data
    return parse_list_data(c._imap.untagged_responses.pop("LIST", []))


def fetch_flags(c: IMAPClient) -> dict[int, Any]:
    """FLAGS of every message (imapclient's fetch() takes no "1:*" range)."""
    data = c._raw_command_untagged(b"FETCH", [b"1:*", b"(UID FLAGS)"], uid=False)
    return dict(parse_fetch_response(data, False, True))


def rawlog_commands(lab: LabInfo) -> Iterator[tuple[Path, str]]:
    """Every command word clients sent, from Dovecot's rawlog (client -> server bytes)."""
    for path in lab.rawlog_root.glob("**/dovecot.rawlog/*.in"):
        for line in path.read_bytes().splitlines():
            parts = line.split()
            if parts and re.fullmatch(rb"\d+\.\d+", parts[0]):  # rawlog's timestamp
                parts = parts[1:]
            if len(parts) < 2:
                continue
            word = parts[1].upper()
            if word == b"UID" and len(parts) > 2:
                word = parts[2].upper()
            text = b" ".join(parts).decode("utf-8", "replace")
            yield path, word.decode("ascii", "replace") + " " + text


def log_text(lab: LabInfo) -> str:
    return lab.log_file.read_text(encoding="utf-8", errors="replace")


def auth_failures(log: str, user: str) -> int:
    return len(re.findall(r"auth failed.*user=<" + re.escape(user) + ">", log))
