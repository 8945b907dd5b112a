"""What every lab module shares: the error, the LabInfo record, paths and secrets."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import tempfile
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

DOMAIN = "acme.nl"
MASTER_USER = "admin"
HOST = "127.0.0.1"


class LabError(RuntimeError):
    """The lab cannot do what was asked; the message says what to do about it."""


@dataclass(frozen=True, kw_only=True)
class LabInfo:
    lab_dir: Path
    host: str = HOST
    imaps_port: int
    imap_port: int
    ca_file: Path
    master_user: str
    master_password_file: Path
    user_password_file: Path  # one password shared by all seeded users
    log_file: Path  # Dovecot's log (also mail_log events)
    rawlog_root: Path  # glob **/dovecot.rawlog/*.in under it
    pid_file: Path
    domain: str = DOMAIN

    def to_json(self) -> dict[str, Any]:
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(self).items()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LabInfo:
        kw: dict[str, Any] = {}
        for f in fields(cls):
            if f.name not in data:
                continue
            value = data[f.name]
            kw[f.name] = Path(value) if f.type in ("Path", Path) else value
        return cls(**kw)


@dataclass(frozen=True)
class Paths:
    """Where things live inside a lab directory."""

    lab_dir: Path

    @property
    def conf(self) -> Path:
        return self.lab_dir / "dovecot.conf"

    @property
    def log(self) -> Path:
        return self.lab_dir / "dovecot.log"

    @property
    def mail(self) -> Path:
        return self.lab_dir / "mail"

    @property
    def certs(self) -> Path:
        return self.lab_dir / "certs"

    @property
    def secrets(self) -> Path:
        return self.lab_dir / "secrets"

    @property
    def auth(self) -> Path:
        """Hashed passwd-files Dovecot's auth process reads (owned by the mail user)."""
        return self.lab_dir / "auth"

    @property
    def users_passwd(self) -> Path:
        return self.auth / "users.passwd"

    @property
    def master_passwd(self) -> Path:
        return self.auth / "master.passwd"

    @property
    def master_password(self) -> Path:
        return self.secrets / "master-password"

    @property
    def user_password(self) -> Path:
        return self.secrets / "user-password"

    @property
    def oauth2_key(self) -> Path:
        """The lab's HS256 key for OAuth2 tokens (base64; made once, mode 0600)."""
        return self.secrets / "oauth2-hs256-key"

    @property
    def oauth2_keys(self) -> Path:
        """Dovecot's ``local_validation_key_dict`` (fs:posix; owned by the mail user)."""
        return self.lab_dir / "oauth2-keys"

    @property
    def oauth2_conf(self) -> Path:
        """The settings file of Dovecot's oauth2 passdb."""
        return self.auth / "oauth2.conf.ext"

    @property
    def dict_dir(self) -> Path:
        """Owned by the mail user: Dovecot's file dict writes beside the dict file."""
        return self.lab_dir / "dict"

    @property
    def shared_dict(self) -> Path:
        return self.dict_dir / "shared-mailboxes.db"

    @property
    def state(self) -> Path:
        return self.lab_dir / "state"

    @property
    def lab_json(self) -> Path:
        return self.lab_dir / "lab.json"

    @property
    def ground_truth(self) -> Path:
        return self.lab_dir / "ground_truth.json"

    @property
    def base_dir(self) -> Path:
        """Dovecot's base_dir (sockets, master.pid).

        Unix socket paths are limited to 107 bytes, so a long lab path falls back to a
        short directory named after a hash of the lab path.
        """
        inside = self.lab_dir / "run"
        if len(str(inside)) <= 60:
            return inside
        digest = hashlib.sha256(str(self.lab_dir).encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"mailsurvey-lab-{digest}"

    @property
    def pid_file(self) -> Path:
        return self.base_dir / "master.pid"


def ensure_secrets(paths: Paths) -> tuple[str, str]:
    """Create the master and user passwords once (mode 0600); return them. Never printed."""
    paths.secrets.mkdir(parents=True, exist_ok=True)
    os.chmod(paths.secrets, 0o700)
    return _secret(paths.master_password), _secret(paths.user_password)


def _secret(path: Path) -> str:
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    value = secrets.token_urlsafe(18)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(value + "\n")
    return value


def read_lab_json(paths: Paths) -> dict[str, Any] | None:
    try:
        data: dict[str, Any] = json.loads(paths.lab_json.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data


def write_lab_json(paths: Paths, info: LabInfo, **extra: Any) -> None:
    data = info.to_json() | extra
    tmp = paths.lab_json.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    tmp.replace(paths.lab_json)
