"""The lab's EWS server: ``ews_up``, ``ews_down``, ``ews_status``, faults and the request log.

``ews_up`` writes ``ews_ground_truth.json`` beside the IMAP lab's ``ground_truth.json``,
the service account's password (``secrets/ews-svc-password``, 0600), the NTLM hashes the
server checks (``ews/ntlm-users``, 0600), the lab's OAuth2 key (``lab/oauth.py``, shared
with Dovecot; ``ews_oauth_token`` mints access tokens with it) and starts ``python -m
mailsurvey.lab.ews_server`` as its own process; ``ews_down`` stops exactly that process,
by its pid file. The server needs no IMAP lab: it computes the same organisation
(``ews_org.py``).
"""

from __future__ import annotations

import contextlib
import json
import os
import ssl
import subprocess
import sys
import time
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from . import ews_org, ews_truth, system
from .ad_daemon import tls_ready
from .base import DOMAIN, HOST, LabError, Paths, ensure_secrets
from .base import _secret as make_secret
from .certs import CERT_KINDS, ensure_certs
from .ews_auth import AUDIENCE, NETBIOS, SERVICE, Accounts
from .oauth import ISSUER, ensure_signing_key, read_signing_key, sign

AUTH_METHODS = ("ntlm", "basic", "oauth2")
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}  # the servers this process started


@dataclass(frozen=True)
class EwsPaths:
    lab_dir: Path

    @property
    def root(self) -> Path:
        return self.lab_dir / "ews"

    @property
    def pid_file(self) -> Path:
        return self.root / "ews-server.pid"

    @property
    def log_file(self) -> Path:
        """The server process's own output (tracebacks, if any)."""
        return self.root / "ews-server.log"

    @property
    def request_log(self) -> Path:
        return self.root / "requests.jsonl"

    @property
    def state(self) -> Path:
        return self.root / "ews.json"

    @property
    def ntlm_users(self) -> Path:
        return self.root / "ntlm-users"

    @property
    def service_password(self) -> Path:
        return self.lab_dir / "secrets" / "ews-svc-password"

    @property
    def user_password(self) -> Path:
        return Paths(self.lab_dir).user_password

    @property
    def control_token(self) -> Path:
        return self.lab_dir / "secrets" / "ews-control-token"

    @property
    def ground_truth(self) -> Path:
        return self.lab_dir / "ews_ground_truth.json"


@dataclass(frozen=True, kw_only=True)
class EwsInfo:
    lab_dir: Path
    host: str = HOST
    port: int
    url: str  # the EWS endpoint: https://127.0.0.1:<port>/EWS/Exchange.asmx
    ca_file: Path  # the lab CA that signed the server's certificate
    domain: str = DOMAIN
    service_user: str = f"{NETBIOS}\\{SERVICE}"  # NTLM logon; may impersonate everyone
    service_upn: str = f"{SERVICE}@{DOMAIN}"
    service_password_file: Path  # mode 0600
    user_password_file: Path  # every seeded user's (logon: the address)
    auth: tuple[str, ...] = AUTH_METHODS
    oauth_audience: str = AUDIENCE  # the "aud" a Bearer token must carry (ews_oauth_token)
    control_url: str  # fault rules: GET, POST, DELETE with header X-Lab-Token
    control_token_file: Path
    request_log: Path  # one JSON line per EWS request
    log_file: Path
    pid_file: Path
    ground_truth: Path

    def to_json(self) -> dict[str, Any]:
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(self).items()}


def read_secret(path: Path) -> str:
    return path.read_text(encoding="ascii").strip()


def ews_info(lab_dir: Path, port: int, auth: tuple[str, ...] = AUTH_METHODS) -> EwsInfo:
    paths = EwsPaths(Path(lab_dir).expanduser().resolve())
    base = f"https://{HOST}:{port}"
    return EwsInfo(
        lab_dir=paths.lab_dir,
        port=port,
        url=f"{base}/EWS/Exchange.asmx",
        ca_file=paths.lab_dir / "certs" / "ca.pem",
        service_password_file=paths.service_password,
        user_password_file=paths.user_password,
        auth=auth,
        control_url=f"{base}/lab/faults",
        control_token_file=paths.control_token,
        request_log=paths.request_log,
        log_file=paths.log_file,
        pid_file=paths.pid_file,
        ground_truth=paths.ground_truth,
    )


def ews_up(
    lab_dir: Path,
    port: int = 10443,
    *,
    cert: str = "good",
    auth: tuple[str, ...] = AUTH_METHODS,
    big_folder: int = 0,
    profile: str = "standard",
    mailboxes: int | None = None,
    messages_per_mailbox: int | None = None,
    median_kb: float | None = None,
) -> EwsInfo:
    """Start the lab's EWS server; idempotent. Other settings restart it.

    ``auth`` is what the server offers (ntlm, basic, oauth2: Bearer access tokens, see
    ``ews_oauth_token``); ``big_folder`` > 0 adds
    ``bulk@acme.nl`` with one folder of that many items. ``profile`` is ``standard`` or
    ``large`` (``ews_org.large``: the IMAP lab's ``seed(profile="large", ...)``), which
    takes ``mailboxes``, ``messages_per_mailbox`` and ``median_kb`` (default 200, 2000, 4.0).
    """
    if cert not in CERT_KINDS:
        raise LabError(f"cert must be one of {', '.join(CERT_KINDS)}, not {cert!r}")
    if not auth or set(auth) - set(AUTH_METHODS):
        raise LabError(f"auth must be some of {', '.join(AUTH_METHODS)}, not {auth!r}")
    paths = EwsPaths(Path(lab_dir).expanduser().resolve())
    info = ews_info(paths.lab_dir, port, tuple(auth))
    settings = {"port": port, "cert": cert, "auth": list(auth), "big_folder": big_folder}
    settings |= _profile_settings(profile, mailboxes, messages_per_mailbox, median_kb)
    if running_pid(paths) is not None:
        if _read_state(paths).get("settings") == settings:
            return info
        ews_down(paths.lab_dir)
    paths.root.mkdir(parents=True, exist_ok=True)
    ensure_certs(paths.lab_dir / "certs")
    _, user_pw = ensure_secrets(Paths(paths.lab_dir))
    service_pw = make_secret(paths.service_password)
    ensure_signing_key(Paths(paths.lab_dir))
    make_secret(paths.control_token)
    ews = organisation(settings)
    ews_truth.write(ews, paths.ground_truth)
    users = [a for a, m in ews.mailboxes.items() if m.kind == "user"]
    accounts = Accounts(service_pw, user_pw, users)
    _write_private(paths.ntlm_users, accounts.ntlm_user_file())
    _start(paths, info, settings)
    return info


def ews_oauth_token(
    lab_dir: Path,
    user: str = f"{SERVICE}@{DOMAIN}",
    *,
    lifetime: int = 3600,
    expired: bool = False,
    audience: str = AUDIENCE,
) -> str:
    """An OAuth2 access token the lab's EWS server accepts (a JWT, HS256 with the lab's key)
    for ``user``: the service account (default; it may impersonate every mailbox) or a
    seeded user (its own mailbox). Valid ``lifetime`` seconds from now; ``expired=True``
    gives one whose lifetime lies in the past; another ``audience`` gives one EWS refuses.
    """
    paths = EwsPaths(Path(lab_dir).expanduser().resolve())
    key = read_signing_key(Paths(paths.lab_dir))
    if lifetime <= 0:
        raise LabError(f"lifetime must be positive, not {lifetime}")
    known = {f"{SERVICE}@{DOMAIN}"}
    with contextlib.suppress(OSError, ValueError):
        truth = json.loads(paths.ground_truth.read_text(encoding="utf-8"))
        known |= {a for a, box in truth["mailboxes"].items() if box.get("kind") == "user"}
    if user.lower() not in known:
        raise LabError(f"{user} is neither the service account nor a user of {paths.lab_dir}")
    now = int(time.time())
    issued = now - lifetime - 60 if expired else now
    claims = {
        "iss": ISSUER,
        "aud": audience,
        "sub": user.lower(),
        "upn": user.lower(),
        "iat": issued,
        "nbf": issued,
        "exp": issued + lifetime,
        "jti": os.urandom(8).hex(),
    }
    return sign(key, claims)


def _profile_settings(
    profile: str, mailboxes: int | None, messages: int | None, median_kb: float | None
) -> dict[str, Any]:
    if profile not in ews_org.PROFILES:
        raise LabError(f"profile must be one of {', '.join(ews_org.PROFILES)}, not {profile!r}")
    if profile == "standard":
        if (mailboxes, messages, median_kb) != (None, None, None):
            raise LabError("mailboxes, messages_per_mailbox and median_kb are for profile large")
        return {}  # the settings of a standard server as they always were
    boxes = ews_org.LARGE_MAILBOXES if mailboxes is None else mailboxes
    messages = ews_org.LARGE_MESSAGES if messages is None else messages
    median = ews_org.LARGE_MEDIAN_KB if median_kb is None else float(median_kb)
    if boxes < 1 or messages < 0 or median <= 0:
        raise LabError("the large profile needs mailboxes >= 1, messages >= 0, median_kb > 0")
    return {
        "profile": profile,
        "mailboxes": boxes,
        "messages_per_mailbox": messages,
        "median_kb": median,
    }


def organisation(settings: dict[str, Any]) -> ews_org.EwsOrg:
    """The organisation a server with these settings serves (``ews.json``'s settings)."""
    sizes = ("mailboxes", "messages_per_mailbox", "median_kb")
    return ews_org.build(
        settings.get("profile", "standard"),
        big_folder=settings.get("big_folder", 0),
        **{k: settings[k] for k in sizes if k in settings},
    )


def _start(paths: EwsPaths, info: EwsInfo, settings: dict[str, Any]) -> None:
    paths.pid_file.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "mailsurvey.lab.ews_server", "--dir", str(paths.lab_dir)]
    cmd += ["--port", str(settings["port"]), "--cert", settings["cert"]]
    cmd += ["--auth", ",".join(settings["auth"]), "--big-folder", str(settings["big_folder"])]
    if "profile" in settings:
        cmd += ["--profile", settings["profile"], "--mailboxes", str(settings["mailboxes"])]
        cmd += ["--messages", str(settings["messages_per_mailbox"])]
        cmd += ["--median-kb", repr(settings["median_kb"])]
    env = os.environ | {"NTLM_USER_FILE": str(paths.ntlm_users)}
    with open(paths.log_file, "ab") as out:
        proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=out, env=env, start_new_session=True
        )
    _CHILDREN[proc.pid] = proc
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise LabError(f"the EWS server exited ({proc.returncode}){_log_tail(paths)}")
        if running_pid(paths) == proc.pid and tls_ready(HOST, info.port, info.ca_file):
            paths.state.write_text(json.dumps({"settings": settings, "pid": proc.pid}) + "\n")
            return
        time.sleep(0.05)
    system.terminate(proc.pid, "EWS server", 10)
    raise LabError(f"the EWS server did not answer on {HOST}:{info.port}{_log_tail(paths)}")


def ews_down(lab_dir: Path) -> None:
    """Stop the EWS server this lab started (by its pid file); its files stay."""
    paths = EwsPaths(Path(lab_dir).expanduser().resolve())
    pid = running_pid(paths)
    if pid is not None:
        system.terminate(pid, "EWS server", 15)
    for child in list(_CHILDREN.values()):
        if child.poll() is not None:  # reaped: forget it
            _CHILDREN.pop(child.pid, None)


def running_pid(paths: EwsPaths) -> int | None:
    """The pid of the EWS server of this lab directory, if it still runs."""
    try:
        pid = int(paths.pid_file.read_text(encoding="ascii").strip())
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (OSError, ValueError):
        return None
    ours = b"mailsurvey.lab.ews_server" in args and str(paths.lab_dir).encode() in args
    return pid if ours and not system.gone(pid) else None


def ews_status(lab_dir: Path) -> dict[str, Any]:
    """Whether the EWS server runs, its pid, port and settings."""
    paths = EwsPaths(Path(lab_dir).expanduser().resolve())
    state = _read_state(paths)
    pid = running_pid(paths)
    settings = state.get("settings") or {}
    return {
        "lab_dir": str(paths.lab_dir),
        "running": pid is not None,
        "pid": pid,
        "port": settings.get("port"),
        "profile": settings.get("profile", "standard") if settings else None,
        "settings": settings,
        "ground_truth": str(paths.ground_truth) if paths.ground_truth.exists() else None,
    }


def ews_faults(lab_dir: Path, *rules: dict[str, Any]) -> list[dict[str, Any]]:
    """Add fault rules (see ``ews_faults.py``); with none, list the active ones."""
    return _control(lab_dir, "POST" if rules else "GET", list(rules) if rules else None)


def ews_clear_faults(lab_dir: Path) -> None:
    _control(lab_dir, "DELETE", None)


def ews_requests(lab_dir: Path) -> list[dict[str, Any]]:
    """Every logged EWS request so far, oldest first."""
    log = EwsPaths(Path(lab_dir).expanduser().resolve()).request_log
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line]


def _control(lab_dir: Path, method: str, payload: Any) -> list[dict[str, Any]]:
    paths = EwsPaths(Path(lab_dir).expanduser().resolve())
    port = (_read_state(paths).get("settings") or {}).get("port")
    if running_pid(paths) is None or port is None:
        raise LabError(f"the EWS server of {paths.lab_dir} is not running: ews_up() first")
    info = ews_info(paths.lab_dir, port)
    data = None if payload is None else json.dumps(payload).encode()
    req = urllib.request.Request(info.control_url, data=data, method=method)  # noqa: S310
    req.add_header("X-Lab-Token", read_secret(paths.control_token))
    req.add_header("Content-Type", "application/json")
    ctx = ssl.create_default_context(cafile=str(info.ca_file))
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=10) as resp:  # noqa: S310
            result: list[dict[str, Any]] = json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        raise LabError(f"the EWS server refused the faults: {exc.read().decode()}") from exc
    return result


def _read_state(paths: EwsPaths) -> dict[str, Any]:
    with contextlib.suppress(OSError, ValueError):
        data: dict[str, Any] = json.loads(paths.state.read_text(encoding="utf-8"))
        return data
    return {}


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)


def _log_tail(paths: EwsPaths) -> str:
    try:
        lines = paths.log_file.read_text(encoding="utf-8", errors="replace").splitlines()[-15:]
    except OSError:
        return ""
    return f"\nEWS server log ({paths.log_file}):\n" + "\n".join(lines) if lines else ""
