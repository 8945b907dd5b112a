"""The lab's own Samba Active Directory domain controller: install, provision, start, stop.

Debian's samba service is never used. This DC lives in ``<lab_dir>/ad/``: its own
smb.conf, private/state/cache/lock/pid directories and log, LDAP(S) only, bound to one
loopback address (127.0.0.2 by default, so nothing on 127.0.0.1 is in the way; Samba's
LDAP ports 389/636 cannot be changed, the address can). The domain is provisioned once
(seconds), extended with the Exchange schema (``ad_schema``) and given a read-only
service account; that state is kept as a pristine copy that ``ad_seed`` starts from.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import system
from .ad_certs import ensure_dc_cert
from .ad_ldif import b64, entry, modify
from .base import LabError

REALM = "ACME.LOCAL"
NETBIOS = "ACME"
BASE_DN = "DC=acme,DC=local"
CONFIG_DN = f"CN=Configuration,{BASE_DN}"
SCHEMA_DN = f"CN=Schema,{CONFIG_DN}"
HOST_NAME = "dc1"
DEFAULT_HOST = "127.0.0.2"
SVC_USER = "svc-survey"
SVC_DN = f"CN=svc-survey,CN=Users,{BASE_DN}"
UPN_SUFFIXES = ("acme.nl", "acme.be")
SAMBA = Path("/usr/sbin/samba")
PACKAGES = ("samba", "samba-ad-dc", "samba-ad-provision", "ldb-tools")
_TOOLS = ("/usr/bin/samba-tool", "/usr/bin/ldbadd", "/usr/bin/ldbmodify", "/usr/bin/ldbsearch")
_PROVISION_DATA = Path("/usr/share/samba/setup/ad-schema")


@dataclass(frozen=True)
class AdPaths:
    """Where the DC's files live inside a lab directory (all under ``<lab_dir>/ad``)."""

    lab_dir: Path

    @property
    def root(self) -> Path:
        return self.lab_dir / "ad"

    @property
    def conf(self) -> Path:
        return self.root / "etc" / "smb.conf"

    @property
    def private(self) -> Path:
        return self.root / "private"

    @property
    def sam(self) -> Path:
        return self.private / "sam.ldb"

    @property
    def state(self) -> Path:
        return self.root / "state"

    @property
    def run(self) -> Path:
        return self.root / "run"

    @property
    def pid_file(self) -> Path:
        return self.run / "samba.pid"

    @property
    def log(self) -> Path:
        return self.root / "samba.log"

    @property
    def tls(self) -> Path:
        return self.root / "tls"

    @property
    def secrets(self) -> Path:
        return self.root / "secrets"

    @property
    def admin_password(self) -> Path:
        return self.secrets / "admin-password"

    @property
    def bind_password(self) -> Path:
        return self.secrets / "svc-survey-password"

    @property
    def pristine(self) -> Path:
        """A copy of the provisioned, schema-extended, unseeded domain."""
        return self.root / "pristine"

    @property
    def ad_json(self) -> Path:
        return self.root / "ad.json"

    @property
    def ground_truth(self) -> Path:
        return self.root / "ad_ground_truth.json"

    @property
    def work(self) -> Path:
        """LDIF files written by provisioning and seeding (kept for debugging)."""
        return self.root / "ldif"


def ensure_installed() -> None:
    """Install the Samba DC and ldb tools when missing and we are root; else say what to do."""
    if _installed():
        return
    system.apt_install(list(PACKAGES), "Samba AD")
    if not _installed():
        raise LabError(
            f"apt-get installed {' '.join(PACKAGES)} but samba or the ldb tools are missing"
        )


def _installed() -> bool:
    return SAMBA.exists() and all(Path(t).exists() for t in _TOOLS) and _PROVISION_DATA.is_dir()


def run_tool(
    paths: AdPaths, tool: str, *args: str, stdin: str | None = None, timeout: float = 600
) -> str:
    """Run an ldb tool or samba-tool against the lab's domain; raise LabError on failure."""
    cmd = [tool, *args]
    if tool.startswith("ldb"):
        cmd = [tool, "-H", str(paths.sam), *args]
    done = subprocess.run(
        cmd, input=stdin, capture_output=True, text=True, check=False, timeout=timeout
    )
    if done.returncode != 0:
        said = (done.stderr.strip() or done.stdout.strip())[-1500:]
        raise LabError(f"{tool} {' '.join(args[:3])} failed ({done.returncode}): {said}")
    return done.stdout


def ldif_apply(
    paths: AdPaths,
    name: str,
    ldif: str,
    *,
    schema: bool = False,
    batch: bool = False,
    secret: bool = False,
) -> None:
    """Apply an LDIF (adds and ``changetype: modify`` records) to the stopped DC's sam.ldb.

    ``batch`` opens the database in ldb's batch mode: no sub-transaction per record, so
    adding 10,000 users is linear (without it every add copies the index lists of values
    all users share, such as objectClass=user, and 10,000 users take minutes). A failure
    then leaves a half-written database: seeding always starts from the pristine copy.
    A ``secret`` LDIF (holding a password) is written mode 0600 and removed afterwards.
    """
    paths.work.mkdir(parents=True, exist_ok=True)
    file = paths.work / f"{name}.ldif"
    file.unlink(missing_ok=True)
    fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600 if secret else 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(ldif)
    args = ["--controls=relax:0"]
    if schema:
        args.append("--option=dsdb:schema update allowed=true")
    if batch:
        args += ["-o", "batch_mode:1"]
    try:
        run_tool(paths, "ldbmodify", *args, str(file))
    finally:
        if secret:
            file.unlink(missing_ok=True)


def provision(paths: AdPaths, host: str) -> dict[str, float]:
    """Provision the domain offline into ``paths.root``; return how long the steps took."""
    from . import ad_schema  # the schema module imports this one for ldif_apply

    if paths.root.exists():
        for child in ("etc", "private", "state", "cache", "run", "lock", "pristine", "ldif"):
            shutil.rmtree(paths.root / child, ignore_errors=True)
    for d in (paths.root, paths.conf.parent, paths.secrets):
        d.mkdir(parents=True, exist_ok=True)
    os.chmod(paths.secrets, 0o700)
    admin_pw = admin_password(paths)
    svc_pw = bind_password(paths)
    empty = paths.root / "provision-empty.conf"
    empty.write_text("", encoding="ascii")
    started = time.monotonic()
    run_tool(
        paths,
        "samba-tool",
        "domain",
        "provision",
        "-s",
        str(empty),  # never read the system's /etc/samba/smb.conf
        "--use-rfc2307",
        f"--realm={REALM}",
        f"--domain={NETBIOS}",
        "--server-role=dc",
        "--dns-backend=NONE",
        f"--host-name={HOST_NAME}",  # no --adminpass: no password in the process list
        f"--targetdir={paths.root}",
        *(f"--option={k}={v}" for k, v in _options(paths, host).items()),
    )
    provisioned = time.monotonic()
    ad_schema.extend(paths)
    extended = time.monotonic()
    ldif_apply(paths, "accounts", _accounts_ldif(admin_pw, svc_pw), secret=True)
    snapshot(paths)
    return {
        "provision_seconds": round(provisioned - started, 2),
        "schema_seconds": round(extended - provisioned, 2),
        "total_seconds": round(time.monotonic() - started, 2),
    }


def _password(path: Path) -> str:
    """A lab password (made once, mode 0600) that meets AD's complexity rule."""
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    value = secrets.token_urlsafe(18) + "-Aa1"  # upper, lower, digit and symbol for sure
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(value + "\n")
    return value


def admin_password(paths: AdPaths) -> str:
    return _password(paths.admin_password)


def bind_password(paths: AdPaths) -> str:
    """The service account's password, as in ``bind_password_file``."""
    return _password(paths.bind_password)


def _accounts_ldif(admin_pw: str, password: str) -> str:
    """The Administrator's lab password, the service account and the UPN suffixes."""
    admin = modify(
        f"CN=Administrator,CN=Users,{BASE_DN}",
        [("replace", "unicodePwd", [b64(('"' + admin_pw + '"').encode("utf-16-le"))])],
    )
    pwd = ('"' + password + '"').encode("utf-16-le")
    account = entry(
        SVC_DN,
        [
            ("objectClass", "user"),
            ("sAMAccountName", SVC_USER),
            ("userPrincipalName", f"{SVC_USER}@{REALM.lower()}"),
            ("displayName", "mailsurvey read-only service account"),
            ("description", "Reads the directory for mailsurvey; member of no admin group"),
            ("userAccountControl", "66048"),  # normal account, password never expires
            ("unicodePwd", b64(pwd)),
        ],
    )
    suffixes = "".join(f"uPNSuffixes: {s}\n" for s in UPN_SUFFIXES)
    partitions = (
        f"dn: CN=Partitions,{CONFIG_DN}\nchangetype: modify\nadd: uPNSuffixes\n{suffixes}-\n\n"
    )
    return admin + account + partitions


def snapshot(paths: AdPaths) -> None:
    """Keep a copy of the unseeded domain (private and state directories)."""
    shutil.rmtree(paths.pristine, ignore_errors=True)
    paths.pristine.mkdir(parents=True)
    for name in ("private", "state"):
        shutil.copytree(paths.root / name, paths.pristine / name, symlinks=True)


def restore(paths: AdPaths) -> None:
    """Put the unseeded domain back (the DC must be stopped)."""
    if not (paths.pristine / "private").is_dir():
        raise LabError(f"no pristine copy of the domain in {paths.pristine}: run ad_up() first")
    for name in ("private", "state"):
        shutil.rmtree(paths.root / name, ignore_errors=True)
        shutil.copytree(paths.pristine / name, paths.root / name, symlinks=True)
    _private_modes(paths)


def _private_modes(paths: AdPaths) -> None:
    os.chmod(paths.private, 0o700)


def _options(paths: AdPaths, host: str) -> dict[str, str]:
    return {
        # an address that is not on an interface needs a netmask; Samba then binds
        # exactly this address (127.0.0.2 is not configured on lo, only routed to it)
        "interfaces": f"{host}/8",
        "bind interfaces only": "yes",
        "pid directory": str(paths.run),
        "lock directory": str(paths.root / "lock"),
        "cache directory": str(paths.root / "cache"),
        "state directory": str(paths.state),
        "private dir": str(paths.private),
        "log file": str(paths.log),
    }


def render_config(paths: AdPaths, host: str) -> str:
    """The whole smb.conf of the lab's DC: LDAP and LDAPS only, on ``host`` only."""
    tls = paths.tls
    options = _options(paths, host) | {
        "netbios name": HOST_NAME.upper(),
        "realm": REALM,
        "workgroup": NETBIOS,
        "server role": "active directory domain controller",
        "server services": "ldap",
        "dcerpc endpoint servers": "",
        "idmap_ldb:use rfc2307": "yes",
        "binddns dir": str(paths.root / "bind-dns"),
        "max log size": "10000",
        "log level": "1",
        "tls enabled": "yes",
        "tls keyfile": str(tls / "dc.key"),
        "tls certfile": str(tls / "dc.pem"),
        "tls cafile": str(tls / "ca.pem"),
        "tls priority": "NORMAL:-VERS-SSL3.0:-VERS-TLS1.0:-VERS-TLS1.1",
    }
    body = "".join(f"\t{k} = {v}\n" for k, v in options.items())
    head = "# Generated by mailsurvey.lab.samba; rewritten by every ad_up(). Do not edit."
    return f"{head}\n[global]\n{body}"


def read_state(paths: AdPaths) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads(paths.ad_json.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data


def write_state(paths: AdPaths, **values: Any) -> None:
    data = read_state(paths) | values
    tmp = paths.ad_json.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(paths.ad_json)


def prepare_tls(paths: AdPaths, cert_dir: Path, host: str) -> Path:
    """The DC's certificate from the lab CA for dc1.acme.local, localhost and ``host``."""
    return ensure_dc_cert(cert_dir, paths.tls, host, f"{HOST_NAME}.{REALM.lower()}")
