"""The provider presets in sample_configs/: each passes `mailsurvey check-config` (config
validation, no connection) with dummy values in the environment variables it names, and
says where its values come from."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from mailsurvey.cli import app
from mailsurvey.config import ImapSource, load
from mailsurvey.demo import sample_configs_dir

# preset -> (IMAP host, port, auth method)
PRESETS = {
    "home-pl.yaml": ("serwer123456.home.pl", 993, "per_user"),
    "nazwa-pl.yaml": ("nowak.nazwa.pl", 993, "per_user"),
    "ovh.yaml": ("ssl0.ovh.net", 993, "per_user"),
    "gmail-workspace.yaml": ("imap.gmail.com", 993, "xoauth2"),
    "microsoft365-imap.yaml": ("outlook.office365.com", 993, "xoauth2"),
    "cpanel.yaml": ("server123.hosting.example", 993, "per_user"),
}


def env_names(data: Any) -> set[str]:
    """Every environment variable a config names (keys ending in _env), at any depth."""
    if isinstance(data, dict):
        found = {v for k, v in data.items() if str(k).endswith("_env") and isinstance(v, str)}
        return found.union(*(env_names(v) for v in data.values()))
    if isinstance(data, list):
        return set().union(*(env_names(v) for v in data))
    return set()


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_preset_passes_check_config(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    path = sample_configs_dir() / name
    names = env_names(yaml.safe_load(path.read_text(encoding="utf-8")))
    assert names, f"{name} names no environment variable for its secrets"
    for var in names:
        monkeypatch.setenv(var, "dummy-secret-value")
    result = CliRunner().invoke(app, ["check-config", str(path)])
    assert result.exit_code == 0, result.output
    host, port, method = PRESETS[name]
    assert f"imap {host}:{port} (tls)" in result.output and result.output.rstrip().endswith("OK")
    assert "dummy-secret-value" not in result.output

    (src,) = load(path).config.sources
    assert isinstance(src, ImapSource) and src.auth.method == method
    assert src.security == "tls" and not src.allow_insecure


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_preset_cites_its_sources_or_says_unconfirmed(name: str) -> None:
    text = (sample_configs_dir() / name).read_text(encoding="utf-8")
    comments = "\n".join(line for line in text.splitlines() if "#" in line)
    # a value is backed by the provider's page, or the comment says it is not confirmed
    assert re.search(r"https?://\S+", comments) or "not confirmed" in comments, name
    assert "concurrency" in text and "probe:" in text and "targets:" in text
    assert "Pitfalls" in text


def test_readme_lists_every_preset() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("Provider presets", 1)[1]
    assert all(f"`{name}`" in section for name in PRESETS)
