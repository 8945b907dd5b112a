"""Running the lab's samba: start it as a daemon, recognise it by its pid file, stop it.

samba rewrites its command line ("samba: root process"), so the lab recognises the DC
it started by the binary and by the pid file that process holds open, and stops only
that process (and waits for its children).
"""

from __future__ import annotations

import os
import socket
import ssl
import time
from pathlib import Path

from . import system
from .base import LabError
from .samba import SAMBA, AdPaths


def running_pid(paths: AdPaths) -> int | None:
    """The pid of the samba this lab started (by its pid file), if it still runs."""
    try:
        pid = int(paths.pid_file.read_text(encoding="ascii").strip())
        exe = os.readlink(f"/proc/{pid}/exe")
        # samba rewrites its command line ("samba: root process"), so recognise ours
        # by the binary and by the pid file it holds open
        ours = any(
            os.readlink(fd) == str(paths.pid_file) for fd in Path(f"/proc/{pid}/fd").iterdir()
        )
    except (OSError, ValueError):
        return None
    if exe != str(SAMBA) or not ours or system.gone(pid):
        return None  # a stale pid file and a reused pid: not ours
    return pid


def start(paths: AdPaths, host: str, ca_file: Path, timeout: float = 60.0) -> float:
    """Start samba (it daemonizes) and wait until LDAPS answers; return the seconds taken."""
    started = time.monotonic()
    _check_free(host, 636)
    if running_pid(paths) is None:
        paths.pid_file.unlink(missing_ok=True)
    paths.run.mkdir(parents=True, exist_ok=True)
    system.start_daemon(
        [str(SAMBA), "-s", str(paths.conf), "-D", "-M", "single"],
        paths.root / "samba-start.out",
        timeout,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if running_pid(paths) is not None and tls_ready(host, 636, ca_file):
            return round(time.monotonic() - started, 2)
        time.sleep(0.1)
    raise LabError(f"Samba did not answer LDAPS on {host}:636{log_tail(paths)}")


def stop(paths: AdPaths, timeout: float = 30.0) -> None:
    """Stop the Samba in our pid file, and its children."""
    pid = running_pid(paths)
    if pid is not None:
        system.terminate(pid, "Samba", timeout)


def _check_free(host: str, port: int, wait: float = 5.0) -> None:
    deadline = time.monotonic() + wait
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.settimeout(0.5)
            if s.connect_ex((host, port)) != 0:
                return
        if time.monotonic() > deadline:
            raise LabError(
                f"{host}:{port} is already in use (another Samba?): pass another loopback "
                "address as host, e.g. 127.0.0.3"
            )
        time.sleep(0.1)


def tls_ready(host: str, port: int, ca_file: Path) -> bool:
    """True when ``host:port`` completes a TLS handshake verified with ``ca_file``."""
    ctx = ssl.create_default_context(cafile=str(ca_file))
    try:
        with (
            socket.create_connection((host, port), timeout=2.0) as raw,
            ctx.wrap_socket(raw, server_hostname=host),
        ):
            return True
    except OSError:
        return False


def log_tail(paths: AdPaths) -> str:
    try:
        lines = paths.log.read_text(encoding="utf-8", errors="replace").splitlines()[-15:]
    except OSError:
        return ""
    return f"\nSamba log ({paths.log}):\n" + "\n".join(lines) if lines else ""
