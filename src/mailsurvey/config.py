"""The YAML config: pydantic models, and loading with one clear message per problem.

Every problem names the file, the key path, what was found and what was expected, and is
reported before any connection is made. Secrets are never values in the file: ``*_env``,
``*_file`` and ``*_keyring`` keys say where they live.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import (
    AfterValidator,
    Field,
    ValidationError,
    field_validator,
)

from .config_base import (
    _SECRET_SUFFIXES,
    _SECRET_WORDS,
    LANGUAGES,
    ConfigError,
    SecretFields,
    _Strict,
)
from .config_settings import PlanSettings, PricingSettings, ProbeSettings, _target_id
from .config_sources import (
    SOURCE_TYPES,
    Account,
    ActiveDirectorySource,
    DnsSource,
    ExchangeExportSource,
    ExchangeSource,
    ImapSource,
    MailFilesSource,
    Source,
)

__all__ = [
    "LANGUAGES",
    "SOURCE_TYPES",
    "Account",
    "ActiveDirectorySource",
    "Config",
    "ConfigError",
    "DnsSource",
    "ExchangeExportSource",
    "ExchangeSource",
    "ImapSource",
    "LoadedConfig",
    "MailFilesSource",
    "PlanSettings",
    "PricingSettings",
    "ProbeSettings",
    "SecretFields",
    "Source",
    "load",
]


class Config(_Strict):
    project: str
    client: str
    language: Literal["en", "nl", "pl"] = "en"
    output_dir: Path = Path("./reports")
    sources: list[Source] = Field(min_length=1)
    probe: ProbeSettings = Field(default_factory=ProbeSettings)
    plan: PlanSettings = Field(default_factory=PlanSettings)
    targets: list[Annotated[str, AfterValidator(_target_id)]] = Field(
        default_factory=list, description="target profiles to assess (assess/targets.py)"
    )
    pricing: PricingSettings | None = Field(
        None, description="prices for the quote (no quote without them)"
    )

    @field_validator("sources")
    @classmethod
    def _unique_names(cls, v: list[Source]) -> list[Source]:
        seen: set[str] = set()
        for s in v:
            if s.name in seen:
                raise ValueError(f"two sources are named {s.name!r}; names must be unique")
            seen.add(s.name)
        return v

    def summary(self) -> dict[str, object]:
        """The config as the report's About shows it: references to secrets, never values."""
        return self.model_dump(mode="json")


@dataclass(frozen=True)
class LoadedConfig:
    path: Path
    config: Config
    accounts: dict[str, list[Account]]  # source name -> accounts, CSVs already read


def load(path: Path) -> LoadedConfig:
    """Read, validate and resolve relative paths. Raises ConfigError with every problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(path, [f"cannot read the file ({exc.strerror})"]) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(path, [f"{where}not valid YAML ({problem})"]) from None
    if not isinstance(data, dict):
        raise ConfigError(path, ["expected a mapping of keys (project, client, sources, ...)"])
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(path, list(_describe(exc))) from None
    config = _resolve_paths(config, path.parent)
    problems: list[str] = []
    accounts: dict[str, list[Account]] = {}
    directories = [s for s in config.sources if isinstance(s, ActiveDirectorySource)]
    for i, src in enumerate(config.sources):
        if isinstance(src, ExchangeSource) and src.mailboxes == "from_ad":
            accounts[src.name] = []  # known once the directory is scanned
            if not directories:
                problems.append(
                    f"sources[{i}].mailboxes: from_ad needs an active_directory source in "
                    "this config; or list the mailboxes (a CSV file or a list)"
                )
        elif isinstance(src, ImapSource | ExchangeSource):
            accounts[src.name] = _accounts(src, i, problems)
        if isinstance(src, MailFilesSource):
            accounts[src.name] = _mail_files_accounts(src, i, problems)
            continue
        if isinstance(src, ExchangeExportSource):
            statistics = src.path / src.files.mailbox_statistics
            if not src.path.is_dir():
                problems.append(f"sources[{i}].path: {src.path} is not a directory")
            elif not statistics.is_file():
                problems.append(
                    f"sources[{i}].files.mailbox_statistics: {statistics} does not exist "
                    "(sample_configs/exchange-export.ps1 writes it)"
                )
            continue
        if isinstance(src, DnsSource):
            if src.domains == "from_ad" and not directories:
                problems.append(
                    f"sources[{i}].domains: from_ad needs an active_directory source in this "
                    "config; or list the domains"
                )
            continue
        if src.ca_file and not src.ca_file.is_file():
            problems.append(f"sources[{i}].ca_file: {src.ca_file} does not exist")
    if problems:
        raise ConfigError(path, problems)
    return LoadedConfig(path=path, config=config, accounts=accounts)


def _describe(exc: ValidationError) -> Iterator[str]:
    for err in exc.errors(include_url=False):
        branch = any(isinstance(p, str) and ("[" in p or "-" in p) for p in err["loc"])
        if branch and err["type"] in _BRANCH_MISMATCH:
            continue  # a union member the value was clearly not meant as (a list is no path)
        loc = _loc(err["loc"])
        msg = err["msg"].removeprefix("Value error, ").removeprefix("Input should be ")
        found = err.get("input")
        key = str(err["loc"][-1]) if err["loc"] else ""
        if err["type"] == "union_tag_invalid":
            tag = err.get("ctx", {}).get("tag")
            yield f"{loc}.type: found {tag!r}; expected one of: {', '.join(SOURCE_TYPES)}"
        elif err["type"] == "extra_forbidden":
            yield f"{loc}: unknown key (check the spelling; see sample_configs/)"
        elif err["type"] == "missing":
            yield f"{loc}: missing; this key is required"
        elif any(w in key.lower() for w in _SECRET_WORDS) or isinstance(found, dict):
            yield f"{loc}: {msg}"
        else:
            yield f"{loc}: found {found!r}; expected {msg[0].lower() + msg[1:]}"


_BRANCH_MISMATCH = {"path_type", "is_instance_of", "list_type", "string_type"}


def _loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in SOURCE_TYPES or "[" in part or "-" in part:
            continue  # discriminator tags and union members pydantic puts into the path
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _resolve_paths(config: Config, base: Path) -> Config:
    def fix(p: Path | None) -> Path | None:
        if p is None:
            return None
        p = p.expanduser()
        return p if p.is_absolute() else (base / p)

    def fix_list(p: Path | list[Account] | str) -> Path | list[Account] | str:
        return fix(p) or p if isinstance(p, Path) else p

    sources: list[
        ImapSource
        | ActiveDirectorySource
        | ExchangeSource
        | DnsSource
        | ExchangeExportSource
        | MailFilesSource
    ] = []
    for s in config.sources:
        if isinstance(s, MailFilesSource):
            sources.append(
                s.model_copy(update={"path": fix(s.path), "mailboxes": fix(s.mailboxes)})
            )
            continue
        if isinstance(s, ExchangeExportSource):
            sources.append(s.model_copy(update={"path": fix(s.path)}))
            continue
        if isinstance(s, DnsSource):  # no paths
            sources.append(s)
            continue
        if isinstance(s, ExchangeSource):
            auth_x = s.auth.model_copy(
                update={
                    "password_file": fix(s.auth.password_file),
                    "token_file": fix(s.auth.token_file),
                }
            )
            sources.append(
                s.model_copy(
                    update={
                        "ca_file": fix(s.ca_file),
                        "auth": auth_x,
                        "mailboxes": fix_list(s.mailboxes),
                    }
                )
            )
            continue
        if isinstance(s, ActiveDirectorySource):
            sources.append(
                s.model_copy(
                    update={"ca_file": fix(s.ca_file), "password_file": fix(s.password_file)}
                )
            )
            continue
        auth = s.auth.model_copy(
            update={
                "password_file": fix(s.auth.password_file),
                "token_file": fix(s.auth.token_file),
            }
        )
        accounts = s.accounts
        if isinstance(accounts, Path):
            accounts = accounts.expanduser()
            accounts = accounts if accounts.is_absolute() else base / accounts
        sources.append(
            s.model_copy(update={"ca_file": fix(s.ca_file), "auth": auth, "accounts": accounts})
        )
    return config.model_copy(update={"output_dir": fix(config.output_dir), "sources": sources})


def _mail_files_accounts(src: MailFilesSource, index: int, problems: list[str]) -> list[Account]:
    """The mailboxes the files of ``src`` hold, found before the scan starts."""
    from .collectors.mail_files import DiscoveryError, discover

    if not src.path.is_dir():
        what = "is not a directory" if src.path.exists() else "does not exist"
        problems.append(
            f"sources[{index}].path: {src.path} {what}; expected a directory with one file "
            "or directory per mailbox"
        )
        return []
    if src.mailboxes is not None and not src.mailboxes.is_file():
        problems.append(f"sources[{index}].mailboxes: {src.mailboxes} does not exist")
        return []
    try:
        boxes = discover(src)
    except DiscoveryError as exc:
        key = "mailboxes" if src.mailboxes is not None else "path"
        problems += [f"sources[{index}].{key}: {p}" for p in exc.problems]
        return []
    except OSError as exc:
        problems.append(f"sources[{index}].path: cannot read {exc.filename}: {exc.strerror}")
        return []
    return [Account.model_validate({"address": b.address, "kind": b.kind}) for b in boxes]


def _accounts(src: ImapSource | ExchangeSource, index: int, problems: list[str]) -> list[Account]:
    listed = src.accounts if isinstance(src, ImapSource) else src.mailboxes
    assert not isinstance(listed, str)  # from_ad is resolved at scan time
    key = f"sources[{index}].{'accounts' if isinstance(src, ImapSource) else 'mailboxes'}"
    if isinstance(listed, Path):
        try:
            items = list(_read_accounts_csv(listed))
        except (OSError, ValueError) as exc:
            problems.append(f"{key}: {listed}: {exc}")
            return []
    else:
        items = list(listed)
    base = listed.parent if isinstance(listed, Path) else None
    out: list[Account] = []
    seen: set[str] = set()
    for a in items:
        low = a.address.lower()
        if low in seen:
            problems.append(f"{key}: {a.address} is listed twice")
            continue
        seen.add(low)
        if base is not None and a.password_file and not a.password_file.is_absolute():
            a = a.model_copy(update={"password_file": base / a.password_file})
        if base is not None and a.token_file and not a.token_file.is_absolute():
            a = a.model_copy(update={"token_file": base / a.token_file})
        per_user = isinstance(src, ImapSource) and src.auth.method == "per_user"
        if per_user and not (a.password_env or a.password_file):
            problems.append(
                f"{key}: {a.address}: auth method per_user needs password_env or password_file "
                "for every account"
            )
        out.append(a)
    if not out and not problems:
        problems.append(f"{key}: no accounts listed")
    return out


_CSV_COLUMNS = {"address", "kind", "password_env", "password_file", "token_env", "token_file"}


def _read_accounts_csv(path: Path) -> Iterator[Account]:
    """address[,password_env|password_file|...] per line; a header row names the columns."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = [r for r in csv.reader(fh) if r and any(c.strip() for c in r)]
    if not rows:
        return
    header = [c.strip().lower() for c in rows[0]]
    if header[0] == "address":
        unknown = set(header) - _CSV_COLUMNS
        if unknown:
            raise ValueError(
                f"unknown column(s) {', '.join(sorted(unknown))}; expected "
                f"{', '.join(sorted(_CSV_COLUMNS))}"
            )
        body = rows[1:]
    else:
        header, body = ["address", "password_env"], rows
    for lineno, row in enumerate(body, start=2 if body is not rows else 1):
        values = {h: c.strip() for h, c in zip(header, row, strict=False) if c.strip()}
        if len(row) > len(header):
            raise ValueError(f"line {lineno}: {len(row)} columns, the header has {len(header)}")
        if any(k.startswith("password") and not k.endswith(_SECRET_SUFFIXES) for k in values):
            raise ValueError(f"line {lineno}: a password column is refused; use password_env")
        try:
            yield Account.model_validate(values)
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            raise ValueError(f"line {lineno}: {_loc(first['loc'])}: {first['msg']}") from None
