"""The lab's own Dovecot instance: install, configure, start, stop.

The Debian package's service is never used; this instance has its own config file,
base_dir (so ``master.pid`` is ours), state_dir and log, and listens on 127.0.0.1 only.
"""

from __future__ import annotations

import base64
import contextlib
import grp
import hashlib
import os
import pwd
import secrets
import shutil
import signal
import socket
import ssl
import stat
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from .base import HOST, LabError, Paths
from .certs import CertPair

DOVECOT = Path("/usr/sbin/dovecot")
DOVEADM = "/usr/bin/doveadm"
LAB_USER = "mailsurvey-lab"
DH_PEM = Path("/usr/share/dovecot/dh.pem")
SPECIAL_USE: dict[str, str] = {
    "Sent": "\\Sent",
    "Drafts": "\\Drafts",
    "Trash": "\\Trash",
    "Junk": "\\Junk",
    "Archive": "\\Archive",
}
MAIL_LOG_EVENTS = (
    "delete undelete expunge copy mailbox_delete mailbox_rename flag_change save mailbox_create"
)


@dataclass(frozen=True)
class MailUser:
    name: str
    group: str
    uid: int
    gid: int
    rootless: bool  # Dovecot runs as this (non-root) user


def ensure_installed() -> None:
    """Install Debian's dovecot-imapd when missing and we are root; else say what to do."""
    if DOVECOT.exists() and shutil.which("doveadm"):
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise LabError(
            "Dovecot is not installed: install the Debian/Ubuntu package 'dovecot-imapd' "
            "(apt-get install dovecot-imapd) or run the lab as root so it can install it"
        )
    env = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
    policy = Path("/usr/sbin/policy-rc.d")
    made_policy = False
    if not policy.exists():  # keep the package's own service from being started
        policy.write_text("#!/bin/sh\nexit 101\n", encoding="ascii")
        policy.chmod(0o755)
        made_policy = True
    try:
        for cmd in (["apt-get", "update"], ["apt-get", "install", "-y", "dovecot-imapd"]):
            done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                tail = (done.stderr or done.stdout)[-800:]
                raise LabError(f"{' '.join(cmd)} failed ({done.returncode}): {tail}")
    finally:
        if made_policy:
            policy.unlink(missing_ok=True)
    if not DOVECOT.exists():
        raise LabError("apt-get installed dovecot-imapd but /usr/sbin/dovecot is missing")


def mail_user() -> MailUser:
    """The unprivileged user Dovecot's processes run as (created when we are root)."""
    if os.geteuid() != 0:
        pw = pwd.getpwuid(os.geteuid())
        return MailUser(pw.pw_name, grp.getgrgid(pw.pw_gid).gr_name, pw.pw_uid, pw.pw_gid, True)
    try:
        pw = pwd.getpwnam(LAB_USER)
    except KeyError:
        cmd = [
            "useradd",
            "--system",
            "--user-group",
            "--no-create-home",
            "--home-dir",
            "/nonexistent",
            "--shell",
            "/usr/sbin/nologin",
            LAB_USER,
        ]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0 and "already exists" not in done.stderr:
            raise LabError(f"useradd {LAB_USER} failed: {done.stderr.strip()}") from None
        pw = pwd.getpwnam(LAB_USER)
    return MailUser(LAB_USER, grp.getgrgid(pw.pw_gid).gr_name, pw.pw_uid, pw.pw_gid, False)


def make_traversable(path: Path) -> list[str]:
    """Give others search (x) permission on ``path`` and its ancestors where missing.

    Dovecot's auth and mail processes run as the unprivileged lab user and must reach
    files under the lab directory (e.g. under a 0700 /root or pytest temp dir). Only
    the x bit is added: nobody can list those directories. Returns what was changed.
    """
    changed: list[str] = []
    for p in [path, *path.parents]:
        mode = p.stat().st_mode
        if not mode & stat.S_IXOTH:
            os.chmod(p, stat.S_IMODE(mode) | stat.S_IXOTH)
            changed.append(str(p))
    return changed


def ssha512(password: str) -> str:
    """Dovecot's {SSHA512} scheme: base64(sha512(password + salt) + salt)."""
    salt = secrets.token_bytes(8)
    digest = hashlib.sha512(password.encode() + salt).digest()
    return "{SSHA512}" + base64.b64encode(digest + salt).decode("ascii")


def write_private(path: Path, text: str, user: MailUser) -> None:
    """Write a file only the mail user (and root) can read, atomically."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    if not user.rootless:
        os.chown(tmp, user.uid, user.gid)
    tmp.replace(path)


def render_config(
    paths: Paths, user: MailUser, pair: CertPair, imaps_port: int, imap_port: int
) -> str:
    """The whole dovecot.conf of the lab (self-contained: no !include)."""
    special = "\n".join(
        f"  mailbox {name} {{\n    special_use = {flag}\n  }}" for name, flag in SPECIAL_USE.items()
    )
    dh = f"ssl_dh = <{DH_PEM}\n" if DH_PEM.exists() else ""
    rootless = ""
    chroot = "  chroot =\n" if user.rootless else ""  # chroot needs root
    if user.rootless:
        rootless = "\n".join(
            f"service {svc} {{\n  chroot =\n}}"
            for svc in ("ipc", "imap-urlauth-login", "old-stats")
        )
    return f"""# Generated by mailsurvey.lab; rewritten by every up(). Do not edit.
protocols = imap
listen = {HOST}
base_dir = {paths.base_dir}
state_dir = {paths.state}
instance_name = mailsurvey-lab
log_path = {paths.log}
info_log_path = {paths.log}
debug_log_path = {paths.log}
ssl = required
ssl_cert = <{pair.cert}
ssl_key = <{pair.key}
{dh}ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes
auth_mechanisms = plain login xoauth2 oauthbearer
auth_master_user_separator = *
auth_failure_delay = 0
auth_verbose = yes
default_internal_user = {user.name}
default_internal_group = {user.group}
default_login_user = {user.name}
mail_uid = {user.name}
mail_gid = {user.group}
first_valid_uid = {user.uid}
last_valid_uid = {user.uid}
first_valid_gid = {user.gid}
last_valid_gid = {user.gid}
mail_location = maildir:~/Maildir:LAYOUT=fs
mail_plugins = $mail_plugins acl quota notify mail_log
mail_fsync = never
mail_max_userip_connections = 500

passdb {{
  driver = passwd-file
  mechanisms = plain login
  args = scheme=SSHA512 {paths.master_passwd}
  master = yes
  result_success = continue
}}
# OAuth2 bearer tokens (JWT, validated locally with the lab's key; see lab/oauth.py)
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {paths.oauth2_conf}
}}
passdb {{
  driver = passwd-file
  mechanisms = plain login
  args = scheme=SSHA512 {paths.users_passwd}
}}
userdb {{
  driver = passwd-file
  args = {paths.users_passwd}
}}

namespace inbox {{
  type = private
  separator = /
  prefix =
  inbox = yes
{special}
}}
namespace {{
  type = shared
  separator = /
  prefix = shared/%%u/
  location = maildir:%%h/Maildir:LAYOUT=fs:INDEXPVT=~/shared/%%u
  subscriptions = no
  list = children
}}

protocol imap {{
  mail_plugins = $mail_plugins imap_acl imap_quota
  rawlog_dir = %h/dovecot.rawlog
}}

service imap {{
  # the default 256 MB is too small to FETCH from a 1,000,000 message maildir folder:
  # the process dies ("Out of memory") and the client sees the connection drop
  vsz_limit = 1G
}}
service imap-login {{
{chroot}  inet_listener imap {{
    address = {HOST}
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = {HOST}
    port = {imaps_port}
    ssl = yes
  }}
}}
service anvil {{
{chroot}  # no growing delay after failed logins from 127.0.0.1 (tests try wrong passwords)
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
{rootless}

plugin {{
  acl = vfile
  # A master-user login gets the ACL rights of the user it logs in as (else: none).
  acl_user = %u
  acl_shared_dict = file:{paths.shared_dict}
  quota = count:User quota
  quota_vsizes = yes
  mail_log_events = {MAIL_LOG_EVENTS}
  mail_log_fields = uid box msgid size vsize flags
}}
"""


def running_pid(paths: Paths) -> int | None:
    """The pid of the Dovecot master this lab started, if it still runs."""
    try:
        pid = int(paths.pid_file.read_text(encoding="ascii").strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (OSError, ValueError):
        return None
    if str(paths.conf).encode() not in cmdline:
        return None  # a stale pid file and a reused pid: not ours
    return pid


def start(paths: Paths, imaps_port: int, timeout: float = 20.0) -> int:
    """Start the master (it daemonizes) and wait until the IMAPS port handshakes."""
    _check_port_free(imaps_port)
    if running_pid(paths) is None:  # a stale pid file would make Dovecot refuse to start
        paths.pid_file.unlink(missing_ok=True)
    # The daemon inherits stdout/stderr: a pipe would never reach EOF, so use a file.
    out_path = paths.lab_dir / "dovecot-start.out"
    with open(out_path, "w+b") as out:
        done = subprocess.run(
            [str(DOVECOT), "-c", str(paths.conf)],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            check=False,
            timeout=timeout,
        )
        out.seek(0)
        said = out.read().decode("utf-8", "replace").strip()
    if done.returncode != 0:
        raise LabError(
            f"dovecot -c {paths.conf} failed ({done.returncode}): {said[-1500:]}{_log_tail(paths)}"
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pid = running_pid(paths)
        if pid is not None and _tls_ready(imaps_port):
            return pid
        time.sleep(0.05)
    raise LabError(f"Dovecot did not accept TLS on {HOST}:{imaps_port}{_log_tail(paths)}")


def stop(paths: Paths, timeout: float = 20.0) -> None:
    """SIGTERM the master in our pid file and wait until it and its children are gone."""
    pid = running_pid(paths)
    if pid is None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _gone(pid):
            return
        with contextlib.suppress(ChildProcessError):  # reap if it is our child
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.02)
    raise LabError(f"Dovecot (pid {pid}) did not stop within {timeout:.0f} s")


def _gone(pid: int) -> bool:
    """Exited: no such process, or a zombie its (foreign) parent has not reaped yet."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1]
    except OSError:
        return True
    return fields.split()[0] in ("Z", "X")


def doveadm(paths: Paths, *args: str, timeout: float = 60.0) -> str:
    """Run doveadm against the lab's instance; raise LabError on failure."""
    cmd = [DOVEADM, "-c", str(paths.conf), *args]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=timeout)
    if done.returncode != 0:
        raise LabError(f"doveadm {' '.join(args)} failed: {done.stderr.strip()[-800:]}")
    return done.stdout


def _check_port_free(port: int, wait: float = 5.0) -> None:
    """Raise unless ``port`` is free (after a restart the old listener may linger)."""
    deadline = time.monotonic() + wait
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.settimeout(0.5)
            if s.connect_ex((HOST, port)) != 0:
                return
        if time.monotonic() > deadline:
            raise LabError(f"{HOST}:{port} is already in use by another program")
        time.sleep(0.05)


def _tls_ready(port: int) -> bool:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # readiness only; also true for the bad certificates
    try:
        with (
            socket.create_connection((HOST, port), timeout=2.0) as raw,
            ctx.wrap_socket(raw) as tls,
        ):
            greeting = tls.recv(4096)
            tls.sendall(b"r LOGOUT\r\n")  # a polite goodbye keeps the log clean
            while b"r OK" not in greeting and (chunk := tls.recv(4096)):
                greeting += chunk
            return greeting.startswith(b"* OK")
    except OSError:
        return False


def _log_tail(paths: Paths) -> str:
    try:
        lines = paths.log.read_text(encoding="utf-8", errors="replace").splitlines()[-15:]
    except OSError:
        return ""
    return "\nDovecot log (" + str(paths.log) + "):\n" + "\n".join(lines) if lines else ""
