"""The lab's Active Directory: ``ad_up``, ``ad_down``, ``ad_status`` and ``AdInfo``.

``ad_up`` installs Samba when missing (as root), provisions the domain once per lab
directory (with the Exchange schema extension and the read-only service account), makes
the DC's certificate from the lab CA and starts the DC on ``host`` (a loopback address);
``ad_down`` stops exactly the samba it started, by its pid file. Everything lives in
``<lab_dir>/ad/``, so the same lab directory can also hold the Dovecot lab.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from . import ad_daemon, samba
from .base import LabError
from .samba import AdPaths


@dataclass(frozen=True, kw_only=True)
class AdInfo:
    lab_dir: Path
    host: str
    ldaps_port: int = 636
    ldap_port: int = 389
    base_dn: str = samba.BASE_DN
    config_dn: str = samba.CONFIG_DN
    realm: str = samba.REALM
    netbios: str = samba.NETBIOS
    dns_name: str = f"{samba.HOST_NAME}.{samba.REALM.lower()}"
    bind_user: str = samba.SVC_USER  # sAMAccountName of the read-only service account
    bind_upn: str = f"{samba.SVC_USER}@{samba.REALM.lower()}"
    bind_dn: str = samba.SVC_DN
    bind_netbios: str = f"{samba.NETBIOS}\\{samba.SVC_USER}"  # for NTLM
    bind_password_file: Path  # mode 0600
    admin_user: str = f"{samba.NETBIOS}\\Administrator"
    admin_password_file: Path  # mode 0600
    ca_file: Path  # the lab CA that signed the DC's LDAPS certificate
    pid_file: Path
    log_file: Path

    def to_json(self) -> dict[str, Any]:
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(self).items()}


def ad_paths(lab_dir: Path) -> AdPaths:
    return AdPaths(Path(lab_dir).expanduser().resolve())


def ad_info(lab_dir: Path, host: str) -> AdInfo:
    paths = ad_paths(lab_dir)
    return AdInfo(
        lab_dir=paths.lab_dir,
        host=host,
        bind_password_file=paths.bind_password,
        admin_password_file=paths.admin_password,
        ca_file=paths.lab_dir / "certs" / "ca.pem",
        pid_file=paths.pid_file,
        log_file=paths.log,
    )


def ad_up(lab_dir: Path, host: str = samba.DEFAULT_HOST) -> AdInfo:
    """Start the lab's DC on ``host``; idempotent. Provisions on the first call.

    A DC already running on another address is restarted on ``host``.
    """
    if not host.startswith("127."):
        raise LabError(f"the lab's DC listens on loopback only; {host!r} is not 127.x.y.z")
    if os.geteuid() != 0:
        raise LabError(
            "the lab's Samba AD DC must run as root (samba refuses to run unprivileged and "
            "binds the fixed LDAP ports 389 and 636)"
        )
    samba.ensure_installed()
    paths = ad_paths(lab_dir)
    paths.root.mkdir(parents=True, exist_ok=True)
    info = ad_info(lab_dir, host)
    state = samba.read_state(paths)
    if ad_daemon.running_pid(paths) is not None:
        if state.get("host") == host:
            return info
        ad_daemon.stop(paths)
    if not state.get("provisioned") or not paths.sam.exists():
        timings = samba.provision(paths, host)
        samba.write_state(paths, provisioned=True, provision_timings=timings, seeded=None)
    samba.prepare_tls(paths, paths.lab_dir / "certs", host)
    paths.conf.write_text(samba.render_config(paths, host), encoding="utf-8")
    seconds = ad_daemon.start(paths, host, info.ca_file)
    samba.write_state(paths, host=host, start_seconds=seconds)
    return info


def ad_down(lab_dir: Path) -> None:
    """Stop the samba this lab started (by its pid file); the domain's data stays."""
    ad_daemon.stop(ad_paths(lab_dir))


def ad_status(lab_dir: Path) -> dict[str, Any]:
    """Whether the lab's DC runs, its pid, address, timings and what was seeded."""
    paths = ad_paths(lab_dir)
    state = samba.read_state(paths)
    pid = ad_daemon.running_pid(paths)
    return {
        "lab_dir": str(paths.lab_dir),
        "running": pid is not None,
        "pid": pid,
        "host": state.get("host"),
        "provisioned": bool(state.get("provisioned")),
        "provision_timings": state.get("provision_timings"),
        "start_seconds": state.get("start_seconds"),
        "seeded": state.get("seeded"),
    }
