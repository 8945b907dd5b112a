"""Shared fixtures. The lab part: a real Dovecot on loopback, seeded once per session."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from mailsurvey.lab import (
    AdInfo,
    DnsInfo,
    EwsInfo,
    LabError,
    LabInfo,
    ad_down,
    ad_seed,
    ad_up,
    dns_down,
    dns_up,
    down,
    ews_clear_faults,
    ews_down,
    ews_up,
    seed,
    up,
)

from .lab_helpers import free_ports, running

KEEP_RUNS = 3  # base temp dirs of finished runs kept for their logs


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Give every run a base temp dir of its own (unless --basetemp is given).

    The lab's servers run as an unprivileged user that must traverse the temp dirs to its
    files. pytest makes its shared /tmp/pytest-of-<user> private (0700) again whenever
    another pytest process starts, which locks a running lab out of its own files
    ("Temporary authentication failure"): a dir under /tmp of its own is left alone.
    Dirs of finished runs (their pid is gone) are removed but the last few.
    """
    if config.option.basetemp is not None:
        return
    root = Path(tempfile.gettempdir())
    finished = []
    for run in root.glob("mailsurvey-pytest-*-*"):
        pid = run.name.split("-")[2]
        if pid.isdigit() and not _alive(int(pid)):
            finished.append(run)
    finished.sort(key=lambda p: p.stat().st_mtime)
    for old in finished[: max(0, len(finished) - KEEP_RUNS)]:
        shutil.rmtree(old, ignore_errors=True)
    prefix = f"mailsurvey-pytest-{os.getpid()}-"
    config.option.basetemp = tempfile.mkdtemp(prefix=prefix, dir=root)


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabInfo]:
    """The lab's Dovecot, up and seeded with the standard profile; stopped at the end.

    A lab that cannot start fails the tests that need it (never a skip: with CI set
    a missing server must not pass unnoticed, and without CI it is just as broken).
    """
    lab_dir = tmp_path_factory.mktemp("lab")
    imaps_port, imap_port = free_ports(2)

    def stop() -> None:
        down(lab_dir)
        for home in (lab_dir / "mail").glob("*@*"):  # keep logs and rawlogs, not 1 GB of mail
            shutil.rmtree(home / "Maildir", ignore_errors=True)

    start = partial(up, lab_dir, imaps_port=imaps_port, imap_port=imap_port)
    with running("the lab's Dovecot", start, stop) as info:
        seed(lab_dir)
        yield info


@pytest.fixture(scope="session")
def ground_truth(lab: LabInfo) -> dict[str, Any]:
    """The seed's ``ground_truth.json``, parsed."""
    data: dict[str, Any] = json.loads(
        Path(lab.lab_dir, "ground_truth.json").read_text(encoding="utf-8")
    )
    return data


def _free_loopback_hosts() -> Iterator[str]:
    """Loopback addresses with nothing on the LDAPS port (Samba's ports are fixed)."""
    for last in range(2, 40):
        host = f"127.0.0.{last}"
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.settimeout(0.3)
            if s.connect_ex((host, 636)) != 0:
                yield host


def _ad_up_somewhere(lab_dir: Path) -> AdInfo:
    """ad_up on a free loopback address; another DC may take one between the check and
    the start (two test runs on one machine), so the next is tried."""
    last: LabError | None = None
    for host in itertools.islice(_free_loopback_hosts(), 5):
        try:
            return ad_up(lab_dir, host=host)
        except LabError as exc:
            if "already in use" not in str(exc):
                raise
            last = exc
    raise last or LabError("no free loopback address for the lab's DC")


@pytest.fixture(scope="session")
def samba_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AdInfo]:
    """The lab's Samba AD DC, provisioned and seeded (standard profile) once per session.

    Fails (never skips) when the DC cannot be provisioned or started, like ``lab``.
    """
    lab_dir = tmp_path_factory.mktemp("adlab")

    def start() -> AdInfo:
        info = _ad_up_somewhere(lab_dir)
        ad_seed(lab_dir)
        return info

    with running("the lab's Samba AD DC", start, partial(ad_down, lab_dir)) as info:
        yield info


@pytest.fixture(scope="session")
def ad_truth(samba_lab: AdInfo) -> dict[str, Any]:
    """The AD seed's ``ad_ground_truth.json``, parsed."""
    path = Path(samba_lab.lab_dir, "ad", "ad_ground_truth.json")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="session")
def ews_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EwsInfo]:
    """The lab's EWS server (HTTPS, NTLM and Basic) with the standard organisation.

    ``ews_ground_truth.json`` is in ``ews_lab.ground_truth``. Fails (never skips) when the
    server cannot start, like ``lab``; stopped (by its pid file) at the end.
    """
    lab_dir = tmp_path_factory.mktemp("ewslab")
    (port,) = free_ports(1)
    start, stop = partial(ews_up, lab_dir, port), partial(ews_down, lab_dir)
    with running("the lab's EWS server", start, stop) as info:
        yield info


@pytest.fixture(scope="module")
def ews_truth(ews_lab: EwsInfo) -> dict[str, Any]:
    """The EWS seed's ``ews_ground_truth.json``, parsed (once per module: tests may edit it)."""
    data: dict[str, Any] = json.loads(ews_lab.ground_truth.read_text(encoding="utf-8"))
    return data


@pytest.fixture
def ews_no_faults(ews_lab: EwsInfo) -> Iterator[None]:
    """The EWS lab answers without the faults a test set up, before and after the test."""
    ews_clear_faults(ews_lab.lab_dir)
    yield
    ews_clear_faults(ews_lab.lab_dir)


@pytest.fixture(scope="session")
def dns_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DnsInfo]:
    """The lab's authoritative DNS server (Knot) with the organisation's zones, on a free
    loopback port; ``dns_ground_truth.json`` is in ``dns_lab.ground_truth``. Fails (never
    skips) when it cannot start, like ``lab``; stopped (by its pid file) at the end."""
    lab_dir = tmp_path_factory.mktemp("dnslab")
    (port,) = free_ports(1)
    start, stop = partial(dns_up, lab_dir, port), partial(dns_down, lab_dir)
    with running("the lab's DNS server", start, stop) as info:
        yield info


@pytest.fixture(scope="session")
def gmail_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LabInfo, int, str]]:
    """A Gmail-like IMAP server (``lab/gimap.py``: a proxy adding X-GM-EXT-1 and
    X-GM-MSGID) in front of a Dovecot of its own, one mailbox seeded with labels
    (``gimap.SAMPLE``). Yields the lab, the proxy's port and the mailbox's address. Fails
    (never skips) when it cannot start, like ``lab``."""
    from mailsurvey.lab.gimap import SAMPLE, GmailProxy, seed_labels

    lab_dir = tmp_path_factory.mktemp("gmail-lab")
    imaps_port, imap_port = free_ports(2)

    def start() -> tuple[LabInfo, GmailProxy, str]:
        info = up(lab_dir, imaps_port=imaps_port, imap_port=imap_port)
        seed(lab_dir, profile="large", mailboxes=1, messages_per_mailbox=5)
        truth = json.loads(Path(lab_dir, "ground_truth.json").read_text(encoding="utf-8"))
        (address,) = truth["mailboxes"]
        seed_labels(lab_dir, address, SAMPLE)
        return info, GmailProxy(lab_dir, (info.host, info.imaps_port), host=info.host), address

    stop = partial(down, lab_dir)
    with running("the Gmail-like lab", start, stop) as (info, proxy, address), proxy:
        yield info, proxy.port, address
