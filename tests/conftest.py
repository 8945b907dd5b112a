"""Shared fixtures. The lab part: a real Dovecot on loopback, seeded once per session."""

from __future__ import annotations

import json
import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mailsurvey.lab import LabInfo, down, seed, up


def _free_ports(n: int) -> list[int]:
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabInfo]:
    """The lab's Dovecot, up and seeded with the standard profile; stopped at the end.

    A lab that cannot start fails the tests that need it (never a skip: with CI set
    a missing server must not pass unnoticed, and without CI it is just as broken).
    """
    lab_dir = tmp_path_factory.mktemp("lab")
    imaps_port, imap_port = _free_ports(2)
    try:
        info = up(lab_dir, imaps_port=imaps_port, imap_port=imap_port)
    except Exception as exc:  # any failure to start is reported, with its reason
        where = " (CI is set)" if os.environ.get("CI") else ""
        pytest.fail(f"the lab's Dovecot could not start{where}: {exc}", pytrace=False)
    try:
        seed(lab_dir)
        yield info
    finally:
        down(lab_dir)
        for home in (lab_dir / "mail").glob("*@*"):  # keep logs and rawlogs, not 1 GB of mail
            shutil.rmtree(home / "Maildir", ignore_errors=True)


@pytest.fixture(scope="session")
def ground_truth(lab: LabInfo) -> dict[str, Any]:
    """The seed's ``ground_truth.json``, parsed."""
    data: dict[str, Any] = json.loads(
        Path(lab.lab_dir, "ground_truth.json").read_text(encoding="utf-8")
    )
    return data
