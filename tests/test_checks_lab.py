"""The readiness checks on a real scan of the lab's Dovecot, against the ground truth."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mailsurvey.assess.checks import run_checks
from mailsurvey.assess.targets import PROFILES
from mailsurvey.lab import LabInfo
from mailsurvey.store import Inventory

from .imap_helpers import scan

# histogram buckets (model.SIZE_BUCKETS): index 4 holds [25 MB, 35 MB), 5 [35, 150), 6 >= 150
FROM_BUCKET = {"exo-imap": 5, "google-dms": 4}


@pytest.fixture(scope="module")
def scanned(lab: LabInfo, tmp_path_factory: pytest.TempPathFactory) -> Inventory:
    result, inv = scan(lab, tmp_path_factory.mktemp("checks-lab"))
    assert result.all_ok, result.failures[:3]
    return inv


@pytest.mark.parametrize("target", sorted(FROM_BUCKET))
def test_items_over_the_limit_match_the_ground_truth(
    scanned: Inventory, ground_truth: dict[str, Any], target: str
) -> None:
    findings = run_checks(scanned, [PROFILES[target]], raise_errors=True)
    got = {
        (f.mailbox, f.folder): f.value
        for f in findings
        if f.check == "item_over_size_limit" and f.reason == "item_over_limit"
    }
    first, limit = FROM_BUCKET[target], PROFILES[target].max_item_bytes
    assert limit is not None
    expected = {  # a message of exactly the limit is not over it (jan's Archive has one)
        (address, path): sum(folder["histogram"][first:])
        for address, box in ground_truth["mailboxes"].items()
        for path, folder in box["folders"].items()
        if folder.get("histogram") and (folder.get("largest") or 0) > limit
    }
    assert expected, "the lab has items over the limit: the proof would be empty"
    assert got == expected
    # the whole scan was read: nothing over the limit is "not known"
    assert not [f for f in findings if f.check == "item_over_size_limit" and f.partial]


def test_every_check_runs_on_a_real_scan(scanned: Inventory, tmp_path: Path) -> None:
    targets = [PROFILES[t] for t in sorted(PROFILES)]
    findings = run_checks(scanned, targets)
    assert not [f for f in findings if f.reason == "check_failed"], findings
    exo = [f for f in findings if f.target == "exo-imap"]
    assert {f.check for f in exo} >= {"item_over_size_limit"}
