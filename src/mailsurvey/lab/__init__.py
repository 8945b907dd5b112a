"""A local lab: a real Dovecot on loopback, seeded with a deterministic organisation.

``up()`` starts the lab's own Dovecot (installing Debian's dovecot-imapd when missing
and running as root), ``seed()`` writes the mail store and ``ground_truth.json``,
``down()`` stops exactly the Dovecot this lab started (by its pid file).
``ad_up()``/``ad_seed()``/``ad_down()`` do the same for a Samba Active Directory domain
controller with the Exchange schema extension (``lab/ad_lab.py``; files in ``<lab_dir>/ad``).
``ews_up()``/``ews_down()``/``ews_status()`` run the lab's EWS server (HTTPS, Basic,
NTLM and OAuth2 Bearer tokens from ``ews_oauth_token()``) serving the same organisation
as Exchange would, with faults on demand (``ews_faults()``) and a request log
(``ews_requests()``); see ``lab/ews_lab.py``.
``dns_up()``/``dns_down()``/``dns_status()`` run the lab's authoritative DNS server (Knot)
with the organisation's mail domains and their ground truth (``lab/dns_lab.py``).
``oauth2_token()`` mints a JWT access token that the lab's Dovecot accepts for XOAUTH2
and OAUTHBEARER (validated locally with the lab's key, see ``lab/oauth.py``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from . import dovecot, oauth
from .ad_lab import AdInfo, ad_down, ad_status, ad_up
from .ad_seed import ad_seed
from .base import DOMAIN, MASTER_USER, LabError, LabInfo, Paths, read_lab_json, write_lab_json
from .base import ensure_secrets as _ensure_secrets
from .certs import CERT_KINDS, cert_pair, ensure_certs
from .dns_lab import DnsInfo, dns_down, dns_status, dns_up
from .ews_lab import (
    EwsInfo,
    ews_clear_faults,
    ews_down,
    ews_faults,
    ews_oauth_token,
    ews_requests,
    ews_status,
    ews_up,
)
from .oauth import oauth2_token
from .seed import accounts_csv, index_shared_owners, seed

__all__ = [
    "AdInfo",
    "DnsInfo",
    "EwsInfo",
    "LabError",
    "LabInfo",
    "accounts_csv",
    "ad_down",
    "ad_seed",
    "ad_status",
    "ad_up",
    "default_lab_dir",
    "dns_down",
    "dns_status",
    "dns_up",
    "down",
    "ews_clear_faults",
    "ews_down",
    "ews_faults",
    "ews_oauth_token",
    "ews_requests",
    "ews_status",
    "ews_up",
    "oauth2_token",
    "seed",
    "status",
    "up",
]


def default_lab_dir() -> Path:
    """``$MAILSURVEY_LAB_DIR`` or ``~/.local/state/mailsurvey/lab``."""
    env = os.environ.get("MAILSURVEY_LAB_DIR")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".local" / "state" / "mailsurvey" / "lab"


def up(
    lab_dir: Path, imaps_port: int = 10993, imap_port: int = 10143, *, cert: str = "good"
) -> LabInfo:
    """Start the lab's Dovecot; idempotent. A different port or ``cert`` restarts it."""
    if cert not in CERT_KINDS:
        raise LabError(f"cert must be one of {', '.join(CERT_KINDS)}, not {cert!r}")
    dovecot.ensure_installed()
    paths = Paths(Path(lab_dir).expanduser().resolve())
    paths.lab_dir.mkdir(parents=True, exist_ok=True)
    user = dovecot.mail_user()
    info = _info(paths, imaps_port, imap_port)
    if dovecot.running_pid(paths) is not None:
        previous = read_lab_json(paths) or {}
        same = (
            previous.get("imaps_port") == imaps_port
            and previous.get("imap_port") == imap_port
            and previous.get("cert") == cert
        )
        if same:
            return info
        dovecot.stop(paths)
    master_pw, _ = _ensure_secrets(paths)
    ensure_certs(paths.certs)
    for d in (paths.mail, paths.dict_dir, paths.auth):
        d.mkdir(parents=True, exist_ok=True)
        if not user.rootless:
            os.chown(d, user.uid, user.gid)
        os.chmod(d, 0o700)
    for d in (paths.state, paths.base_dir):
        d.mkdir(parents=True, exist_ok=True)
    master_line = f"{MASTER_USER}:{dovecot.ssha512(master_pw)}\n"
    dovecot.write_private(paths.master_passwd, master_line, user)
    if not paths.users_passwd.exists():
        dovecot.write_private(paths.users_passwd, "", user)
    oauth.ensure_key(paths, user)
    dovecot.write_private(paths.oauth2_conf, oauth.render_passdb_args(paths), user)
    if not user.rootless:
        dovecot.make_traversable(paths.lab_dir)
    config = dovecot.render_config(paths, user, cert_pair(paths.certs, cert), imaps_port, imap_port)
    paths.conf.write_text(config, encoding="utf-8")
    dovecot.start(paths, imaps_port)
    index_shared_owners(paths)  # when seed() ran before the first up()
    write_lab_json(paths, info, cert=cert)
    return info


def down(lab_dir: Path) -> None:
    """Stop the Dovecot this lab started (by its pid file); the data stays."""
    dovecot.stop(Paths(Path(lab_dir).expanduser().resolve()))


def status(lab_dir: Path) -> dict[str, Any]:
    """Whether the lab runs, its pid, ports, certificate and number of mailboxes."""
    paths = Paths(Path(lab_dir).expanduser().resolve())
    data = read_lab_json(paths) or {}
    pid = dovecot.running_pid(paths)
    homes = [p for p in paths.mail.iterdir() if "@" in p.name] if paths.mail.is_dir() else []
    return {
        "lab_dir": str(paths.lab_dir),
        "running": pid is not None,
        "pid": pid,
        "host": data.get("host"),
        "imaps_port": data.get("imaps_port"),
        "imap_port": data.get("imap_port"),
        "cert": data.get("cert"),
        "mailboxes": len(homes),
        "seeded": paths.ground_truth.exists(),
    }


def _info(paths: Paths, imaps_port: int, imap_port: int) -> LabInfo:
    return LabInfo(
        lab_dir=paths.lab_dir,
        imaps_port=imaps_port,
        imap_port=imap_port,
        ca_file=paths.certs / "ca.pem",
        master_user=MASTER_USER,
        master_password_file=paths.master_password,
        user_password_file=paths.user_password,
        log_file=paths.log,
        rawlog_root=paths.mail,
        pid_file=paths.pid_file,
        domain=DOMAIN,
    )
