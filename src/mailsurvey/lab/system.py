"""What the lab asks of the machine: Debian packages, and daemons started in the background."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from .base import LabError


def apt_install(packages: list[str], what: str) -> None:
    """Install Debian packages as root, without starting their own services (the lab runs
    private instances); else a LabError saying what to install."""
    names = " ".join(packages)
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise LabError(
            f"{what} is not installed: install the Debian packages {names} "
            f"(apt-get install {names}) or run the lab as root so it can install them"
        )
    env = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
    policy = Path("/usr/sbin/policy-rc.d")
    made_policy = False
    if not policy.exists():  # keep the packages' own services from being started
        policy.write_text("#!/bin/sh\nexit 101\n", encoding="ascii")
        policy.chmod(0o755)
        made_policy = True
    try:
        install = ["apt-get", "install", "-y", "--no-install-recommends", *packages]
        for cmd in (["apt-get", "update"], install):
            done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                tail = (done.stderr or done.stdout)[-800:]
                raise LabError(f"{' '.join(cmd)} failed ({done.returncode}): {tail}")
    finally:
        if made_policy:
            policy.unlink(missing_ok=True)


def start_daemon(cmd: list[str], out_path: Path, timeout: float) -> None:
    """Run a command that daemonizes; its output goes to a file, because the daemon
    inherits stdout/stderr and a pipe would never reach EOF. LabError if it fails."""
    with open(out_path, "w+b") as out:
        done = subprocess.run(
            cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=out, check=False, timeout=timeout
        )
        out.seek(0)
        said = out.read().decode("utf-8", "replace").strip()
    if done.returncode != 0:
        raise LabError(f"{' '.join(cmd)} failed ({done.returncode}): {said[-1500:]}")


def terminate(pid: int, name: str, timeout: float) -> None:
    """SIGTERM a daemon the lab started (its pid from the lab's own pid file) and wait
    until it and the children it had are gone. Never anything found by name."""
    children = _children(pid)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if gone(pid) and all(gone(c) for c in children):
            return
        with contextlib.suppress(ChildProcessError):  # reap it if it is our child
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.02)
    raise LabError(f"{name} (pid {pid}) did not stop within {timeout:.0f} s")


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = stat.read_text(encoding="ascii", errors="replace").rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                kids.append(int(stat.parent.name))
    return kids


def gone(pid: int) -> bool:
    """Exited: no such process, or a zombie its (foreign) parent has not reaped yet."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1]
    except OSError:
        return True
    return fields.split()[0] in ("Z", "X")
