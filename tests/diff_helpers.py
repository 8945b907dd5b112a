"""Hand-made scans for the diff tests: an inventory from a few figures, and a store of it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from mailsurvey.model import Folder, Mailbox, Namespace, ScanInfo, Server, Status, Unit, UnitKind
from mailsurvey.store import Inventory, Store, folder_unit_key

# (messages, bytes) per folder path; None: the folder unit failed (no figures)
Folders = dict[str, tuple[int, int] | None]


def scan(
    started: datetime,
    boxes: dict[str, Folders],
    *,
    source: str = "hosting",
    host: str = "mail.acme.nl",
    delimiter: str = "/",
    prefix: str = "",
    special_use: dict[str, str] | None = None,
    failed_accounts: tuple[str, ...] = (),
    area: dict[str, str] | None = None,
    client: str = "Acme BV",
) -> Inventory:
    """An inventory of one IMAP-like source whose accounts ended ok (unless failed)."""
    info = ScanInfo(
        project="Acme migration",
        client=client,
        language="en",
        started=started,
        mailsurvey_version="test",
        config_summary={"sources": [{"name": source, "type": "imap", "host": host}]},
    )
    inv = Inventory(info=info)
    inv.servers.append(Server(source, host, 993, "Dovecot", None, None))
    for address, folders in boxes.items():
        if address in failed_accounts:
            inv.units.append(Unit(source, UnitKind.ACCOUNT, address, Status.FAILED))
            continue
        inv.units.append(Unit(source, UnitKind.ACCOUNT, address, Status.OK))
        spaces = (Namespace("personal", prefix, delimiter),)
        inv.mailboxes.append(Mailbox(source, address, namespaces=spaces, delimiter=delimiter))
        for path, figures in folders.items():
            key = folder_unit_key(address, path)
            status = Status.OK if figures is not None else Status.FAILED
            inv.units.append(Unit(source, UnitKind.FOLDER, key, status))
            if figures is None:
                continue
            inv.folders.append(
                Folder(
                    source=source,
                    mailbox=address,
                    path=path,
                    delimiter=delimiter,
                    depth=path.count(delimiter),
                    special_use=(special_use or {}).get(path),
                    messages=figures[0],
                    bytes=figures[1],
                    area=(area or {}).get(path, "mailbox"),
                )
            )
    return inv


def save(inv: Inventory, path: Path) -> Path:
    """Write a hand-made inventory into a store, as a scan would."""
    assert inv.info is not None
    with Store(path) as store:
        store.write_info(inv.info)
        for server in inv.servers:
            store.write_server(server)
        boxes = {m.address: m for m in inv.mailboxes}
        folders = {(f.mailbox, f.path): f for f in inv.folders}
        for unit in inv.units:
            if unit.kind is UnitKind.ACCOUNT:
                store.finish_account(unit, boxes.get(unit.key))
            else:
                mailbox, folder = unit.key.split("\x00", 1)
                store.finish_folder(unit, folders.get((mailbox, folder)))
    return path
