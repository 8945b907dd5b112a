"""The command line against the lab: exit codes, a Dovecot stopped mid-scan and resumed,
and no credential in any output, file or process list."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from mailsurvey.lab import LabInfo, down, up

from .imap_helpers import write_config

CLI = [sys.executable, "-m", "mailsurvey"]


def run(*args: str, **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=600, **kw)


def folder_units(store: Path) -> int:
    """Folder units committed so far (0 while the scan is still creating the store)."""
    try:
        with sqlite3.connect(store) as db:
            return int(db.execute("SELECT count(*) FROM units WHERE kind='folder'").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def test_bad_config_exits_2_before_connecting(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("project: x\nclient: y\nsources: []\n")
    proc = run("check-config", str(bad))
    assert proc.returncode == 2 and "sources" in proc.stderr and str(bad) in proc.stderr
    proc = run("scan", str(bad))
    assert proc.returncode == 2


def test_stopped_mid_scan_then_resumed(
    lab: LabInfo, ground_truth: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    config = write_config(lab, out, concurrency=1)
    store = out / "scan.sqlite"
    secrets = {
        lab.master_password_file.read_text().strip(),
        lab.user_password_file.read_text().strip(),
    }
    proc = subprocess.Popen(
        [*CLI, "scan", str(config), "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen_cmdlines: list[bytes] = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            seen_cmdlines += _cmdlines()
            if store.exists() and folder_units(store) >= 40:
                break
            time.sleep(0.05)
        down(lab.lab_dir)
        stdout, stderr = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
        up(lab.lab_dir, lab.imaps_port, lab.imap_port)
    assert proc.returncode == 3, stderr
    assert "failed" in stdout
    first = _units(store)
    assert any(s != "ok" for s in first.values()) and any(s == "ok" for s in first.values())

    proc2 = run("scan", str(config), "--resume", "--quiet")
    assert proc2.returncode == 0, proc2.stdout + proc2.stderr
    final = _units(store)
    assert all(s == "ok" for s in final.values())
    # every unit exactly once (primary keys), and every folder of the ground truth present
    n_folders = sum(len(b["folders"]) for b in ground_truth["mailboxes"].values())
    assert len([k for k in final if k[0] == "folder"]) == n_folders
    with sqlite3.connect(store) as db:
        assert db.execute("SELECT count(*) FROM folders").fetchone()[0] == n_folders
        got = dict(
            ((m, p), n) for m, p, n in db.execute("SELECT mailbox, path, messages FROM folders")
        )
    for address, box in ground_truth["mailboxes"].items():
        for path, want in box["folders"].items():
            assert got[(address, path)] == want["messages"], (address, path)

    # no credential anywhere: outputs, the store, the reports, the process list
    blobs = [
        stdout.encode(),
        stderr.encode(),
        proc2.stdout.encode(),
        proc2.stderr.encode(),
        *seen_cmdlines,
    ]
    blobs += [p.read_bytes() for p in out.iterdir() if p.is_file()]
    for secret in secrets:
        assert not any(secret.encode() in b for b in blobs)


def _cmdlines() -> list[bytes]:
    found = []
    for p in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            found.append(p.read_bytes())
        except OSError:
            continue  # the process ended meanwhile
    return found


def _units(store: Path) -> dict[tuple[str, str], str]:
    with sqlite3.connect(store) as db:
        return {(k, key): s for k, key, s in db.execute("SELECT kind, key, status FROM units")}


def test_unwritable_output_is_a_clear_error(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the output directory should be")
    config.write_text(
        "project: x\nclient: y\nsources:\n  - name: h\n    type: imap\n    host: 127.0.0.1\n"
        "    auth: {method: per_user}\n"
        "    accounts: [{address: a@x.nl, password_env: MS_UNSET_PW}]\n"
    )
    proc = run("scan", str(config), "--out", str(blocker / "out"), "--quiet")
    assert proc.returncode == 1
    assert "cannot write the store" in proc.stderr and "Traceback" not in proc.stderr
