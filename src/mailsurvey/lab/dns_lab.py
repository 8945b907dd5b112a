"""The lab's DNS server: ``dns_up``, ``dns_down``, ``dns_status`` and ``DnsInfo``.

Knot DNS (Debian's ``knot``) serves the zones of ``dns_zones.py`` authoritatively on a
loopback port: it keeps each record's own TTL, loads zone files without signing or
journals, and runs unprivileged on any port. Everything lives in ``<lab_dir>/dns/``:
the zone files, ``knot.conf``, the server's log and ``dns_ground_truth.json``;
``dns_down`` stops exactly the knotd this lab started, by its pid file.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import dns.exception
import dns.message
import dns.query
import dns.rcode

from . import dns_zones, system
from .base import HOST, LabError

KNOTD = Path("/usr/sbin/knotd")
DEFAULT_PORT = 10053


@dataclass(frozen=True)
class DnsPaths:
    lab_dir: Path

    @property
    def root(self) -> Path:
        return self.lab_dir / "dns"

    @property
    def zones(self) -> Path:
        return self.root / "zones"

    @property
    def conf(self) -> Path:
        return self.root / "knot.conf"

    @property
    def log(self) -> Path:
        return self.root / "knot.log"

    @property
    def state(self) -> Path:
        return self.root / "dns.json"

    @property
    def ground_truth(self) -> Path:
        return self.root / "dns_ground_truth.json"

    @property
    def run(self) -> Path:
        """knotd's rundir (its control socket; Unix socket paths are limited to 107
        bytes, so a long lab path uses a short directory named after a hash of it)."""
        inside = self.root / "run"
        if len(str(inside)) <= 80:
            return inside
        digest = hashlib.sha256(str(self.root).encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"mailsurvey-dns-{digest}"

    @property
    def pid_file(self) -> Path:
        return self.run / "knot.pid"


@dataclass(frozen=True, kw_only=True)
class DnsInfo:
    lab_dir: Path
    host: str = HOST
    port: int
    zones: tuple[str, ...]
    domains: tuple[str, ...]  # the organisation's mail domains (accepted domains)
    dkim_selector: str  # the configured (uncommon) DKIM selector the zones publish
    ground_truth: Path
    pid_file: Path
    log_file: Path

    def to_json(self) -> dict[str, Any]:
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(self).items()}


def _paths(lab_dir: Path) -> DnsPaths:
    return DnsPaths(Path(lab_dir).expanduser().resolve())


def _info(paths: DnsPaths, port: int) -> DnsInfo:
    truth = dns_zones.ground_truth()
    return DnsInfo(
        lab_dir=paths.lab_dir,
        port=port,
        zones=tuple(dns_zones.ZONES),
        domains=tuple(truth["domains"]),
        dkim_selector=dns_zones.SELECTOR,
        ground_truth=paths.ground_truth,
        pid_file=paths.pid_file,
        log_file=paths.log,
    )


def ensure_installed() -> None:
    if not KNOTD.exists():
        system.apt_install(["knot"], "Knot DNS (the lab's DNS server)")
    if not KNOTD.exists():
        raise LabError(f"{KNOTD} is missing after installing Debian's knot")


def dns_up(lab_dir: Path, port: int = DEFAULT_PORT) -> DnsInfo:
    """Start the lab's DNS server on 127.0.0.1:``port`` (UDP and TCP); idempotent. A
    different port restarts it. Writes the zones and their ground truth each time."""
    ensure_installed()
    paths = _paths(lab_dir)
    info = _info(paths, port)
    state = _read_state(paths)
    if running_pid(paths) is not None:
        if state.get("port") == port:
            return info
        dns_down(lab_dir)
    for d in (paths.zones, paths.run, paths.root / "db"):
        d.mkdir(parents=True, exist_ok=True)
    for zone in dns_zones.ZONES:
        (paths.zones / f"{zone}.zone").write_text(dns_zones.zone_text(zone), encoding="utf-8")
    paths.ground_truth.write_text(
        json.dumps(dns_zones.ground_truth(), indent=2) + "\n", encoding="utf-8"
    )
    _check_free(port)
    paths.conf.write_text(_config(paths, port), encoding="utf-8")
    paths.pid_file.unlink(missing_ok=True)
    system.start_daemon([str(KNOTD), "-c", str(paths.conf), "-d"], paths.root / "start.out", 30)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if running_pid(paths) is not None and _answers(port):
            _write_state(paths, port=port)
            return info
        time.sleep(0.05)
    dns_down(lab_dir)
    raise LabError(f"knotd did not answer on {HOST}:{port}{_log_tail(paths)}")


def dns_down(lab_dir: Path) -> None:
    """Stop the knotd this lab started (by its pid file); the zones stay."""
    paths = _paths(lab_dir)
    pid = running_pid(paths)
    if pid is not None:
        system.terminate(pid, "knotd", 15)
    paths.pid_file.unlink(missing_ok=True)


def dns_status(lab_dir: Path) -> dict[str, Any]:
    paths = _paths(lab_dir)
    pid = running_pid(paths)
    return {
        "lab_dir": str(paths.lab_dir),
        "running": pid is not None,
        "pid": pid,
        "host": HOST,
        "port": _read_state(paths).get("port"),
        "zones": list(dns_zones.ZONES),
        "ground_truth": str(paths.ground_truth) if paths.ground_truth.exists() else None,
    }


def running_pid(paths: DnsPaths) -> int | None:
    """The pid of the knotd this lab started, if it still runs: the pid file's process is
    knotd and runs with this lab's config (a reused pid is not ours)."""
    try:
        pid = int(paths.pid_file.read_text(encoding="ascii").strip())
        exe = os.readlink(f"/proc/{pid}/exe")
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (OSError, ValueError):
        return None
    if exe != str(KNOTD) or str(paths.conf).encode() not in cmdline or system.gone(pid):
        return None
    return pid


def _config(paths: DnsPaths, port: int) -> str:
    zones = "\n".join(f"  - domain: {z}" for z in dns_zones.ZONES)
    return f"""# written by mailsurvey's lab (lab/dns_lab.py); rewritten on every start
server:
    rundir: "{paths.run}"
    pidfile: "{paths.pid_file}"
    listen: {HOST}@{port}
log:
  - target: "{paths.log}"
    any: info
database:
    storage: "{paths.root / "db"}"
template:
  - id: default
    storage: "{paths.zones}"
    file: "%s.zone"
    zonefile-sync: -1
    journal-content: none
zone:
{zones}
"""


def _answers(port: int) -> bool:
    """True when the server answers a SOA question for the first zone authoritatively."""
    query = dns.message.make_query(next(iter(dns_zones.ZONES)), "SOA")
    try:
        reply = dns.query.udp(query, HOST, timeout=0.5, port=port)
    except (OSError, dns.exception.DNSException):
        return False
    return reply.rcode() == dns.rcode.NOERROR and bool(reply.answer)


def _check_free(port: int) -> None:
    for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
        with socket.socket(socket.AF_INET, kind) as s:
            try:
                s.bind((HOST, port))
            except OSError:
                raise LabError(f"{HOST}:{port} is already in use: pass another port") from None


def _read_state(paths: DnsPaths) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads(paths.state.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data


def _write_state(paths: DnsPaths, **values: Any) -> None:
    paths.state.write_text(json.dumps(_read_state(paths) | values) + "\n", encoding="utf-8")


def _log_tail(paths: DnsPaths) -> str:
    with contextlib.suppress(OSError):
        said = (paths.root / "start.out").read_text(encoding="utf-8", errors="replace")
        log = paths.log.read_text(encoding="utf-8", errors="replace")
        return f": {(said + log)[-1500:]}"
    return ""
