"""The check runner: discovery, targets, a failing check as a finding; every check tested."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from mailsurvey.assess import checks
from mailsurvey.assess.checks import CHECKS, run_checks
from mailsurvey.assess.findings import CheckMeta, Severity

from .checks_helpers import TARGET, folder, inventory, target

TESTS = Path(__file__).parent


def test_every_check_is_discovered_with_its_metadata() -> None:
    assert "item_over_size_limit" in CHECKS
    assert not any(name.startswith("_") for name in CHECKS)
    for name, module in CHECKS.items():
        assert module.META.id == name and module.META.title and module.META.fix


def test_every_check_has_a_passing_a_failing_and_a_partial_test() -> None:
    """A check module without tests named ``test_<id>...`` fails here; its tests must
    cover a passing, a failing and a partially-known inventory (named so)."""
    names = set()
    for path in TESTS.glob("test_checks*.py"):
        names |= set(re.findall(r"^def (test_\w+)", path.read_text(), re.MULTILINE))
    for check in CHECKS:
        mine = [n for n in names if n.startswith(f"test_{check}")]
        assert mine, f"check {check} has no test"
        for case in ("passes", "fails", "partial"):
            assert any(case in n for n in mine), f"check {check}: no test that it {case}"


def test_run_checks_runs_each_check_for_the_targets_it_applies_to() -> None:
    inv = inventory(folder("a@x", histogram=(0, 0, 0, 0, 0, 1, 0), largest=40 * 2**20))
    other = target(id="other", max_item_bytes=None)
    found = run_checks(inv, [TARGET, other])
    sized = [f for f in found if f.check == "item_over_size_limit"]
    assert [f.target for f in sized] == ["t"]


def test_a_check_that_raises_is_one_finding_and_the_others_still_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def boom(inv: object, target: object) -> list[object]:
        raise ZeroDivisionError("oops")

    bad = SimpleNamespace(META=CheckMeta("bad", "Bad", Severity.INFO, (), "fix the bug"), run=boom)
    only = SimpleNamespace(
        META=CheckMeta("only", "Only", Severity.INFO, ("elsewhere",), "-"), run=boom
    )
    monkeypatch.setattr(checks, "CHECKS", {**CHECKS, "bad": bad, "only": only})
    inv = inventory(folder("a@x", histogram=(0, 0, 0, 0, 0, 1, 0), largest=40 * 2**20))
    found = checks.run_checks(inv, [TARGET])
    (failed,) = [f for f in found if f.reason == "check_failed"]
    assert failed.check == "bad" and failed.partial and "ZeroDivisionError: oops" in failed.detail
    assert any(f.check == "item_over_size_limit" for f in found)
    with pytest.raises(ZeroDivisionError):
        checks.run_checks(inv, [TARGET], raise_errors=True)
