"""Config building blocks: the strict model, the error, secrets as references."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    model_validator,
)

from .secrets import SecretRef

LANGUAGES = ("en", "nl", "pl")
_SECRET_WORDS = ("password", "token", "secret")
_SECRET_SUFFIXES = ("_env", "_file", "_keyring")


class ConfigError(Exception):
    """The config cannot be used. ``problems`` holds one line per problem."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__("\n".join(f"{path}: {p}" for p in problems))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _reject_literal_secrets(data: Any) -> Any:
    """A secret value in the file is refused, with how to pass it instead."""
    if isinstance(data, dict):
        for key in data:
            k = str(key)
            if any(w in k.lower() for w in _SECRET_WORDS) and not k.endswith(_SECRET_SUFFIXES):
                raise ValueError(
                    f"'{k}' holds a secret in the file; refused. Use {k}_env (an environment "
                    f"variable), {k}_file (a file only you can read) or {k}_keyring "
                    "(service[:user] in the system keyring), or leave them all out to be asked"
                )
    return data


class SecretFields(_Strict):
    """password_env / password_file / password_keyring."""

    password_env: str | None = None
    password_file: Path | None = None
    password_keyring: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_literal(cls, data: Any) -> Any:
        return _reject_literal_secrets(data)

    @model_validator(mode="after")
    def _one_source(self) -> SecretFields:
        given = [
            k for k in ("password_env", "password_file", "password_keyring") if getattr(self, k)
        ]
        if len(given) > 1:
            raise ValueError(f"give one of {', '.join(given)}, not several")
        return self

    def secret_ref(self, what: str, user: str | None = None) -> SecretRef:
        return SecretRef(
            what=what,
            env=self.password_env,
            file=self.password_file,
            keyring=self.password_keyring,
            keyring_default_user=user,
        )
