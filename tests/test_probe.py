"""The throughput probe against the lab's real Dovecot: what it measures, that it stays
within its budget, that it changes nothing, and that a wrong password is sent once."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from mailsurvey.config import load
from mailsurvey.lab import LabInfo
from mailsurvey.model import Reason, Status, UnitKind
from mailsurvey.scan import FatalScanError, run_probe, run_scan
from mailsurvey.store import Store

from .imap_helpers import (
    MUTATING,
    accounts_file,
    log_text,
    rawlog_commands,
    snapshot,
    write_config,
)
from .test_cli_scan import run

MB = 1024 * 1024


def some(ground_truth: dict[str, Any], n: int) -> list[str]:
    """Mailboxes with mail, the largest messages first so every size class is there."""
    boxes = ground_truth["mailboxes"]

    def size(a: str) -> int:
        return sum(f.get("bytes") or 0 for f in boxes[a]["folders"].values())

    return sorted(boxes, key=lambda a: -size(a))[:n]


@pytest.fixture(scope="module")
def probed(lab: LabInfo, ground_truth: dict[str, Any], tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("probe")
    names = some(ground_truth, 6)
    config = write_config(
        lab,
        out,
        probe={"seconds": 6, "megabytes": 40, "max_concurrency": 3},
        accounts=accounts_file(out, names),
    )
    loaded = load(config)
    with Store(out / "scan.sqlite") as store:
        run_scan(loaded, store, show_progress=False, probe=False)
        before = snapshot(lab, names)
        t0 = time.monotonic()
        (unit,) = run_probe(loaded, store)
        elapsed = time.monotonic() - t0
        after = snapshot(lab, names)
        inv = store.inventory()
    return {"unit": unit, "inv": inv, "elapsed": elapsed, "before": before, "after": after,
            "loaded": loaded, "out": out, "names": names}  # fmt: skip


def test_probe_measures_every_level(probed: dict[str, Any]) -> None:
    assert probed["unit"].status is Status.OK, probed["unit"]
    samples = probed["inv"].probe_samples
    assert {s.concurrency for s in samples} == {1, 2, 3}
    for c in (1, 2, 3):
        at = [s for s in samples if s.concurrency == c]
        assert {"rtt", "login", "request", "fetch"} <= {s.kind for s in at}
        fetches = [s for s in at if s.kind == "fetch"]
        assert any(s.messages > 1 for s in fetches)  # many in one command: per-message cost
        assert len({s.bytes // max(s.messages, 1) > 100 * 1024 for s in fetches}) == 2
        assert all(s.seconds > 0 and s.mailbox in probed["names"] for s in at)
    assert [s.seq for s in samples] == list(range(len(samples)))
    (unit,) = [u for u in probed["inv"].units if u.kind is UnitKind.PROBE]
    assert unit.key == "lab-dovecot" and unit.status is Status.OK


def test_probe_stays_within_its_budget(probed: dict[str, Any]) -> None:
    samples = probed["inv"].probe_samples
    fetched = sum(s.bytes for s in samples if s.kind == "fetch")
    # each level reserves before it fetches; one batch may come out larger than reserved
    assert 0 < fetched <= 40 * MB + 3 * 16 * MB
    assert probed["elapsed"] < 6 + 10  # the last requests of a level may end after it


def test_probe_changes_nothing(probed: dict[str, Any], lab: LabInfo) -> None:
    assert probed["before"] == probed["after"]  # flags, UIDNEXT, HIGHESTMODSEQ
    sent = [line for _, line in rawlog_commands(lab)]
    fetches = [line for line in sent if "BODY" in line.upper()]
    assert any("BODY.PEEK[]" in line.upper() for line in fetches)
    assert all("BODY.PEEK[" in line.upper() for line in fetches), fetches[:3]
    assert not {line.split()[0] for line in sent} & MUTATING


def test_a_new_probe_replaces_the_last(probed: dict[str, Any]) -> None:
    with Store.open_existing(probed["out"] / "scan.sqlite") as store:
        first_run = {s.run for s in store.inventory().probe_samples}
        loaded = probed["loaded"]
        run_probe(loaded, store)
        runs = {s.run for s in store.inventory().probe_samples}
    assert len(first_run) == 1 and len(runs) == 1 and runs != first_run


def test_wrong_password_in_the_probe_is_sent_once(
    probed: dict[str, Any], lab: LabInfo, tmp_path: Path
) -> None:
    wrong = tmp_path / "wrong"
    wrong.write_text("not-the-password\n")
    config = write_config(
        lab,
        probed["out"],
        probe={"seconds": 3, "max_concurrency": 4},
        accounts=accounts_file(tmp_path, probed["names"]),
        auth={"method": "master", "user": lab.master_user, "password_file": str(wrong)},
    )
    start = len(log_text(lab))
    with Store.open_existing(probed["out"] / "scan.sqlite") as store:
        (unit,) = run_probe(load(config), store)
    assert unit.status is Status.FAILED and unit.reason is Reason.AUTH
    assert log_text(lab)[start:].count("auth failed") == 1
    assert "not-the-password" not in unit.message


def test_probe_needs_a_scan_first(lab: LabInfo, tmp_path: Path) -> None:
    loaded = load(write_config(lab, tmp_path, probe={"seconds": 1}))
    with Store(tmp_path / "scan.sqlite") as store, pytest.raises(FatalScanError, match="scan"):
        run_probe(loaded, store)


def test_probe_command(lab: LabInfo, ground_truth: dict[str, Any], tmp_path: Path) -> None:
    config = write_config(
        lab,
        tmp_path,
        probe={"seconds": 2, "max_concurrency": 2},
        accounts=accounts_file(tmp_path, some(ground_truth, 3)),
    )
    early = run("probe", str(config))
    assert early.returncode == 2 and "scan" in early.stderr
    assert run("scan", str(config), "--quiet", "--no-probe", "--format", "json").returncode == 0
    proc = run("probe", str(config), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert "probe ok" in proc.stdout and "2 connections" in proc.stdout
