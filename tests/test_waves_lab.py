"""Waves end to end: the lab's Dovecot (IMAP ACLs) and Samba DC (Full Access, Send As,
Send on Behalf) scanned into one store; mailboxes that share rights move together."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from mailsurvey.assess.waves import waves
from mailsurvey.config import load
from mailsurvey.demo import lab_config
from mailsurvey.lab import AdInfo, LabInfo
from mailsurvey.scan import run_scan
from mailsurvey.store import Store


def test_every_grant_keeps_its_two_mailboxes_together(
    lab: LabInfo, samba_lab: AdInfo, ground_truth: dict[str, Any], tmp_path: Path
) -> None:
    path = lab_config(lab, tmp_path, samba_lab, probe={"enabled": False})
    assert [s["type"] for s in yaml.safe_load(path.read_text())["sources"]] == [
        "imap",
        "active_directory",
    ]
    with Store(tmp_path / "scan.sqlite") as store:
        result = run_scan(load(path), store, show_progress=False)
        inv = store.inventory()
    assert result.all_ok, result.failures[:3]
    plan = waves(inv, None, threshold=1000)  # nobody set aside: every edge must hold
    wave_of = {m: w.number for w in plan.waves for m in w.mailboxes}
    grants = [
        (owner, grantee)
        for owner, box in ground_truth["mailboxes"].items()
        for acl in box["acl"].values()
        for grantee in acl
        if "@" in grantee and grantee != owner and grantee in ground_truth["mailboxes"]
    ]
    assert grants, "the lab shares folders: the proof would be empty"
    for owner, grantee in grants:
        assert wave_of[owner] == wave_of[grantee], (owner, grantee)
    origins = {o for e in plan.edges for o in e.origins}
    assert "imap_acl" in origins and origins & {"ad_full_access", "ad_send_as"}
    # with the default threshold, an account joined to many is set aside, not merged
    default = waves(inv, None)
    assert all(s.degree >= default.threshold for s in default.set_aside)
