"""One bad folder or account never stops a scan: a folder vanishing mid-scan on the real
Dovecot, a server that never answers, a count that changes between STATUS and EXAMINE."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from imapclient import imap_utf7

from mailsurvey.collectors.imap import SourceContext, _figures, scan_account
from mailsurvey.config import Account, ImapSource, load
from mailsurvey.lab import LabInfo
from mailsurvey.model import Folder, Observation, Permission, Reason, Status, Unit, UnitKind
from mailsurvey.scan import classify, shared_secret
from mailsurvey.store import Store

from .imap_helpers import write_config


class VanishingSink:
    """A store that, once the first folder of ``address`` is committed, moves the
    account's other folders away on disk (as a user deleting them would)."""

    def __init__(self, store: Store, folder_dirs: list[Path]) -> None:
        self.store = store
        self.folder_dirs = folder_dirs
        self.moved: list[tuple[Path, Path]] = []

    def write_server(self, server: Any) -> None:
        self.store.write_server(server)

    def finish_folder(
        self, unit: Unit, folder: Folder | None, perms: list[Permission], obs: list[Observation]
    ) -> None:
        self.store.finish_folder(unit, folder, perms, obs)
        if not self.moved:
            done = unit.key.split("\x00", 1)[1]
            for d in self.folder_dirs:
                if d.name != imap_utf7.encode(done).decode():
                    away = d.with_name(d.name + ".moved-away")
                    d.rename(away)
                    self.moved.append((away, d))

    def finish_account(self, *args: Any) -> None:
        self.store.finish_account(*args)

    def restore(self) -> None:
        for away, d in self.moved:
            away.rename(d)


def test_folder_vanishing_mid_scan_fails_that_folder_only(
    lab: LabInfo, ground_truth: dict[str, Any], tmp_path: Path
) -> None:
    address = next(
        a
        for a, box in sorted(ground_truth["mailboxes"].items())
        if len(box["folders"]) >= 5
        and not box.get("acl")
        and all("/" not in f for f in box["folders"])
    )
    maildir = lab.lab_dir / "mail" / address / "Maildir"
    dirs = [
        maildir / imap_utf7.encode(f).decode()
        for f in ground_truth["mailboxes"][address]["folders"]
        if f != "INBOX"
    ]
    loaded = load(write_config(lab, tmp_path))
    src = loaded.config.sources[0]
    with Store(tmp_path / "scan.sqlite") as store:
        sink = VanishingSink(store, dirs)
        ctx = SourceContext(src, sink, classify, shared_secret=shared_secret(src, False))  # type: ignore[arg-type]
        try:
            unit = scan_account(ctx, Account(address=address), set())
        finally:
            sink.restore()
        inv = store.inventory()
    folders = {u.key.split("\x00")[1]: u for u in inv.units if u.kind is UnitKind.FOLDER}
    assert unit.status is Status.PARTIAL and sink.moved
    # a moved folder that held messages is found gone at EXAMINE; an empty one was
    # already complete from the LIST-STATUS answer, taken before the move
    truth = ground_truth["mailboxes"][address]["folders"]
    moved = {imap_utf7.decode(d.name.encode()) for _, d in sink.moved}
    expect = {f for f in moved if truth[f]["messages"]}
    failed = {f for f, u in folders.items() if u.status is Status.FAILED}
    assert expect and failed == expect
    assert all(folders[f].reason is Reason.VANISHED for f in failed)
    assert sum(u.status is Status.OK for u in folders.values()) >= 1


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A loopback TCP server that accepts and never says a word."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen()
    conns: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                conns.append(srv.accept()[0])
            except TimeoutError:
                continue

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    yield srv.getsockname()[1]
    stop.set()
    t.join()
    for c in conns:
        c.close()
    srv.close()


def test_server_that_never_answers_times_out(silent_server: int, tmp_path: Path) -> None:
    src = ImapSource.model_validate(
        {
            "name": "silent",
            "type": "imap",
            "host": "127.0.0.1",
            "port": silent_server,
            "read_timeout": 1,
            "connect_timeout": 1,
            "auth": {"method": "per_user"},
            "accounts": [{"address": "a@x.nl", "password_env": "X"}],
        }
    )
    with Store(tmp_path / "s.sqlite") as store:
        ctx = SourceContext(src, store, classify)
        unit = scan_account(ctx, Account(address="a@x.nl", password_env="X"), set())
    assert unit.status is Status.FAILED and unit.reason is Reason.TIMEOUT, unit


def offline_source() -> ImapSource:
    """A source for tests whose session is a fake (nothing connects to "h")."""
    return ImapSource.model_validate(
        {
            "name": "s",
            "type": "imap",
            "host": "h",
            "auth": {"method": "per_user"},
            "accounts": [{"address": "a@x.nl", "password_env": "X"}],
        }
    )


class FakeSession:
    """STATUS said 7; by EXAMINE time 5 are left; FETCH returns those 5."""

    def examine(self, path: str) -> dict[str, int]:
        return {"EXISTS": 5, "UIDVALIDITY": 1, "UIDNEXT": 8}

    def capabilities(self) -> frozenset[str]:
        return frozenset({"ESEARCH", "ESORT", "STATUS=SIZE"})

    def fetch_all(self, exists: int, batch: int) -> Iterator[tuple[int, int | None]]:
        yield from ((1000 * i, 1_600_000_000 + i) for i in range(1, exists + 1))


def test_count_change_between_status_and_examine_is_an_observation(tmp_path: Path) -> None:
    src = offline_source()
    ctx = SourceContext(src, Store(tmp_path / "s.sqlite"), classify)
    observations: list[Observation] = []
    figures = _figures(
        ctx,
        FakeSession(),
        Account(address="a@x.nl"),
        "INBOX",  # type: ignore[arg-type]
        {"MESSAGES": 7, "SIZE": 99},
        observations,
    )
    assert figures["messages"] == 5 and figures["bytes"] == 15000 and figures["method"] == "fetch"
    (obs,) = observations
    assert obs.code == "count_mismatch" and "7" in obs.message and "5" in obs.message


class NoInboxSession:
    """A login that sees some folders but not INBOX (no rights on the mailbox)."""

    def capabilities(self) -> frozenset[str]:
        return frozenset({"LIST-STATUS", "STATUS=SIZE"})

    def has(self, capability: str) -> bool:
        return capability in self.capabilities()

    def namespaces(self) -> None:
        return None

    def quota(self) -> None:
        return None

    def list_folders(self, items: tuple[str, ...]) -> tuple[list[Any], dict[str, dict[str, int]]]:
        from mailsurvey.collectors.imap_parse import ListEntry

        return [ListEntry("Sent", (), "/")], {"Sent": {"MESSAGES": 0}}


def test_missing_inbox_is_a_failure_not_an_empty_mailbox(tmp_path: Path) -> None:
    from mailsurvey.collectors.imap import _scan_mailbox

    src = offline_source()
    with Store(tmp_path / "s.sqlite") as store:
        ctx = SourceContext(src, store, classify)
        _, outcomes = _scan_mailbox(ctx, NoInboxSession(), Account(address="a@x.nl"), set())  # type: ignore[arg-type]
    by_key = {u.key.split("\x00")[1]: u for u in outcomes}
    assert by_key["INBOX"].status is Status.FAILED and by_key["INBOX"].reason is Reason.PERMISSION
    assert by_key["Sent"].status is Status.OK
