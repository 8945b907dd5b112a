"""The scan diff end to end on a lab of its own: two scans with known deliveries in
between (growth), and a "target" scan of the same lab with known messages removed and a
folder renamed the way Exchange names it (migration check)."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from mailsurvey.diff import Mode, State, compare, load_scan
from mailsurvey.diff_common import Figures
from mailsurvey.lab import LabInfo, dovecot, down, seed, up
from mailsurvey.lab.maildir import FolderWriter
from mailsurvey.lab.seed import folder_dir

from .imap_helpers import scan as lab_scan
from .lab_helpers import free_ports, running
from .test_diff import _run

# -- end to end on a lab of our own (its mail is changed, so not the session's lab) -------

MAILBOXES = 3  # of the seed's "large" profile: INBOX, Sent, Archive, Projecten, Facturen/Betaald
NEW_WHEN = int(datetime(2026, 1, 5, 9, 0, tzinfo=UTC).timestamp())  # after every seeded date


@pytest.fixture(scope="module")
def own_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabInfo]:
    """A Dovecot of this module's own (free ports), seeded small; fails (never skips) when
    it cannot start, like the session's lab; stopped by its pid file at the end."""
    lab_dir = tmp_path_factory.mktemp("diff-lab")
    imaps_port, imap_port = free_ports(2)

    def start() -> LabInfo:
        info = up(lab_dir, imaps_port=imaps_port, imap_port=imap_port)
        seed(lab_dir, profile="large", mailboxes=MAILBOXES, messages_per_mailbox=40)
        return info

    with running("the diff test's Dovecot", start, partial(down, lab_dir)) as info:
        yield info


def _addresses(lab: LabInfo) -> list[str]:
    truth = json.loads((lab.lab_dir / "ground_truth.json").read_text(encoding="utf-8"))
    return sorted(truth["mailboxes"])


def _owner() -> tuple[int, int] | None:
    user = dovecot.mail_user()
    return None if user.rootless else (user.uid, user.gid)


def _deliver(lab: LabInfo, address: str, path: str, sizes: list[int]) -> None:
    """Deliver messages of these sizes into a folder (created when new), as Maildir files."""
    fdir = folder_dir(lab.lab_dir / "mail" / address / "Maildir", path)
    owner = _owner()
    if not fdir.exists():
        fdir.mkdir()
        if owner is not None:
            os.chown(fdir, *owner)
    writer = FolderWriter(fdir, owner, tag=f"diff-{len(sizes)}")
    try:
        for i, size in enumerate(sizes):
            writer.write(size, NEW_WHEN + i, "", "klant@example.com", address, f"Nieuw {i}")
    finally:
        writer.close()


def _remove(lab: LabInfo, address: str, path: str, count: int) -> Figures:
    """Remove ``count`` messages from a folder; what they held (sizes from S= names)."""
    cur = folder_dir(lab.lab_dir / "mail" / address / "Maildir", path) / "cur"
    files = sorted(cur.iterdir())[:count]
    size = sum(int(re.search(r",S=(\d+)", f.name).group(1)) for f in files)  # type: ignore[union-attr]
    for f in files:
        f.unlink()
    return Figures(len(files), size)


def _scan_into(lab: LabInfo, out: Path) -> Path:
    result, _ = lab_scan(lab, out)
    assert result.all_ok, [(u.key, u.reason, u.message) for u in result.failures[:3]]
    return out / "scan.sqlite"


@pytest.fixture(scope="module")
def lab_scans(own_lab: LabInfo, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Three scans of the own lab: before, after known deliveries, and after known
    removals and a folder renamed the way Exchange names it."""
    base = tmp_path_factory.mktemp("diff-scans")
    first, second, third = _addresses(own_lab)
    before = _scan_into(own_lab, base / "before")
    _deliver(own_lab, first, "INBOX", [5000, 6000, 7000])
    _deliver(own_lab, second, "Projecten", [4000, 4500])
    _deliver(own_lab, third, "Nieuw", [3000])
    after = _scan_into(own_lab, base / "after")
    removed = _remove(own_lab, first, "Archive", 2)
    sent = folder_dir(own_lab.lab_dir / "mail" / second / "Maildir", "Sent")
    sent.rename(sent.with_name("Sent Items"))
    target = _scan_into(own_lab, base / "target")
    return {"before": before, "after": after, "target": target, "removed": removed}


def test_growth_between_two_lab_scans(lab_scans: dict[str, Any], own_lab: LabInfo) -> None:
    first, second, third = _addresses(own_lab)
    before, after = load_scan(lab_scans["before"]), load_scan(lab_scans["after"])
    d = compare(before, after)
    g = d.growth
    assert (d.mode, d.chosen, d.same_sources) == (Mode.GROWTH, True, True) and g is not None
    assert before.info and after.info
    days = (after.info.started - before.info.started).total_seconds() / 86_400
    assert g.days == pytest.approx(days) and days > 0
    got = {m.address: (m.state, m.change, m.delta, m.new_folders) for m in g.mailboxes}
    assert got == {
        first: (State.COMPARED, Figures(3, 18000), Figures(3, 18000), 0),
        second: (State.COMPARED, Figures(2, 8500), Figures(2, 8500), 0),
        third: (State.COMPARED, Figures(1, 3000), Figures(1, 3000), 1),
    }
    changed = {(f.mailbox, f.path): (f.state, f.change) for f in g.folders}
    assert changed == {
        (first, "INBOX"): (State.CHANGED, Figures(3, 18000)),
        (second, "Projecten"): (State.CHANGED, Figures(2, 8500)),
        (third, "Nieuw"): (State.NEW, Figures(1, 3000)),
    }
    assert g.change == Figures(6, 29500)
    assert g.bytes_per_day == pytest.approx(29500 / days)


def test_migration_check_between_two_lab_scans(
    lab_scans: dict[str, Any], own_lab: LabInfo, tmp_path: Path
) -> None:
    first, second, _ = _addresses(own_lab)
    source, target = lab_scans["after"], lab_scans["target"]
    code, text = _run(str(source), str(target), "--mode", "migration", "--out", str(tmp_path))
    assert code == 3, text
    removed: Figures = lab_scans["removed"]
    assert removed.messages == 2
    data = json.loads((tmp_path / "diff.json").read_text(encoding="utf-8"))
    m = data["migration"]
    assert m["missing"] == {"messages": 2, "bytes": removed.bytes}
    assert m["missing_complete"] is True
    not_arrived = {
        (f["mailbox"], tuple(f["source_paths"])): (f["state"], f["missing"])
        for f in m["folders"]
        if f["state"] != "arrived"
    }
    assert not_arrived == {
        (first, ("Archive",)): ("missing", {"messages": 2, "bytes": removed.bytes}),
    }
    sent = next(f for f in m["folders"] if f["mailbox"] == second and f["key"] == "@sent")
    assert (sent["source_paths"], sent["target_paths"]) == (["Sent"], ["Sent Items"])
    assert len(list(tmp_path.glob("acme-bv-diff-*.xlsx"))) == 1
