"""Every command of the CLI says what it does."""

from __future__ import annotations

from typing import Any

import typer.main
from typer.testing import CliRunner

from mailsurvey.cli import app


def commands(group: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Command paths under a group (Typer carries its own click: groups are duck-typed)."""
    found = []
    for name, cmd in group.commands.items():
        found.append((*prefix, name))
        if hasattr(cmd, "commands"):
            found += commands(cmd, (*prefix, name))
    return found


def test_every_command_has_help() -> None:
    group = typer.main.get_command(app)
    names = commands(group)
    expected = {
        ("scan",),
        ("report",),
        ("check-config",),
        ("demo",),
        ("lab",),
        ("lab", "up"),
        ("lab", "down"),
        ("lab", "seed"),
        ("lab", "status"),
    }
    assert expected <= set(names)
    runner = CliRunner()
    for name in names:
        result = runner.invoke(app, [*name, "--help"])
        assert result.exit_code == 0, name
        cmd: Any = group
        for part in name:
            cmd = cmd.commands[part]
        assert (cmd.help or "").strip(), f"'{' '.join(name)}' has no help"


def test_an_error_shows_a_long_path_with_brackets_whole_and_literal(tmp_path: Any) -> None:
    """Paths are copied from errors: never broken across lines, brackets never markup."""
    store = tmp_path / ("[red]" + "x" * 120) / "absent.sqlite"
    result = CliRunner().invoke(app, ["report", str(store)])
    assert result.exit_code == 2
    assert f"{store}: no such store" in result.output


def test_a_report_that_cannot_be_written_keeps_the_scan_and_says_how_to_render_it(
    tmp_path: Any, monkeypatch: Any
) -> None:
    """Whatever breaks while rendering (here: a bug), the scan is in the store and the
    user is told so, with the command that renders it again."""
    from pathlib import Path

    import mailsurvey.report

    def broken(*args: Any, **kwargs: Any) -> None:
        raise ValueError("a bug while rendering")

    monkeypatch.setattr(mailsurvey.report, "render", broken)
    sample = Path(__file__).parent.parent / "sample_configs" / "offline-files.yaml"
    result = CliRunner().invoke(app, ["scan", str(sample), "--out", str(tmp_path), "--quiet"])
    assert result.exit_code == 1
    store = tmp_path / "scan.sqlite"
    assert store.is_file()
    assert "internal error ValueError('a bug while rendering')" in result.output
    assert f"the scan is kept in {store}" in result.output
    assert f"mailsurvey report {store} --out DIR" in result.output
