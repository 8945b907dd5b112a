"""Secrets: resolved from an environment variable, a keyring entry, a file, or a prompt.

A ``Secret`` never shows its value in ``repr``/``str``, so it cannot reach a log line, an
exception text or a report by accident; ``reveal()`` is called only where a protocol
needs the value.
"""

from __future__ import annotations

import getpass
import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path


class SecretError(Exception):
    """A secret could not be obtained. The message names where it was looked for."""


class Secret:
    __slots__ = ("_value", "origin")

    def __init__(self, value: str, origin: str) -> None:
        self._value = value
        self.origin = origin  # "env ACME_IMAP", "file /path", ... — safe to show

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret(<hidden>, from {self.origin})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class SecretRef:
    """Where a secret lives; ``what`` names it in messages and prompts."""

    what: str
    env: str | None = None
    file: Path | None = None
    keyring: str | None = None  # "service" or "service:username"
    keyring_default_user: str | None = None

    @property
    def is_set(self) -> bool:
        return bool(self.env or self.file or self.keyring)


_prompt_lock = threading.Lock()
_cache: dict[SecretRef, Secret] = {}


def resolve(ref: SecretRef, *, interactive: bool | None = None) -> Secret:
    """Return the secret; prompt (without echo) only when no source is configured."""
    with _prompt_lock:
        if ref in _cache:
            return _cache[ref]
        secret = _resolve(ref, interactive)
        _cache[ref] = secret
        return secret


def _resolve(ref: SecretRef, interactive: bool | None) -> Secret:
    if ref.env:
        value = os.environ.get(ref.env)
        if not value:
            raise SecretError(f"{ref.what}: environment variable {ref.env} is not set or empty")
        return Secret(value, f"env {ref.env}")
    if ref.file:
        try:
            value = ref.file.read_text(encoding="utf-8").strip("\r\n")
        except OSError as exc:
            raise SecretError(f"{ref.what}: cannot read {ref.file} ({exc.strerror})") from None
        if not value:
            raise SecretError(f"{ref.what}: {ref.file} is empty")
        return Secret(value, f"file {ref.file}")
    if ref.keyring:
        import keyring
        import keyring.errors

        service, _, user = ref.keyring.partition(":")
        user = user or ref.keyring_default_user or ""
        try:
            value = keyring.get_password(service, user)
        except keyring.errors.KeyringError as exc:
            raise SecretError(f"{ref.what}: keyring error ({type(exc).__name__})") from None
        if not value:
            raise SecretError(f"{ref.what}: no keyring entry for service {service!r} user {user!r}")
        return Secret(value, f"keyring {service}")
    if interactive is None:
        interactive = sys.stdin.isatty()
    if not interactive:
        raise SecretError(
            f"{ref.what}: no password_env, password_file or password_keyring is configured, "
            "and there is no terminal to ask on"
        )
    value = getpass.getpass(f"Password for {ref.what}: ")
    if not value:
        raise SecretError(f"{ref.what}: no password entered")
    return Secret(value, "prompt")
