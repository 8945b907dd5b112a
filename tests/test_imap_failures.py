"""Failures are values, credentials are tried once and never leak, TLS is strict."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mailsurvey.lab import LabInfo, up
from mailsurvey.model import Reason, Status, UnitKind

from .imap_helpers import accounts_file, auth_failures, log_text, scan


def some_accounts(ground_truth: dict[str, Any], n: int) -> list[str]:
    small = sorted(
        a
        for a, box in ground_truth["mailboxes"].items()
        if sum(f["messages"] or 0 for f in box["folders"].values()) < 2000
    )
    return small[:n]


def account_units(inv: Any) -> dict[str, Any]:
    return {u.key: u for u in inv.units if u.kind is UnitKind.ACCOUNT}


def test_wrong_master_password_is_sent_once(
    lab: LabInfo, ground_truth: dict[str, Any], tmp_path: Path
) -> None:
    wrong = tmp_path / "wrong"
    wrong.write_text("not-the-password\n")
    names = some_accounts(ground_truth, 6)
    start = len(log_text(lab))
    result, inv = scan(
        lab,
        tmp_path,
        accounts=accounts_file(tmp_path, names),
        concurrency=4,
        auth={"method": "master", "user": lab.master_user, "password_file": str(wrong)},
    )
    units = account_units(inv)
    assert sorted(units) == names
    assert all(u.status is Status.FAILED and u.reason is Reason.AUTH for u in units.values())
    log = log_text(lab)[start:]
    assert log.count("auth failed") == 1, log
    assert not result.all_ok
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("scan.sqlite*"))
    assert b"not-the-password" not in stored
    assert all("not-the-password" not in u.message for u in inv.units)


def test_wrong_user_password_fails_that_account_only(
    lab: LabInfo, ground_truth: dict[str, Any], tmp_path: Path
) -> None:
    names = some_accounts(ground_truth, 3)
    wrong = tmp_path / "wrong"
    wrong.write_text("not-the-password\n")
    rows = [f"{names[0]},{wrong}"] + [f"{a},{lab.user_password_file}" for a in names[1:]]
    start = len(log_text(lab))
    _, inv = scan(
        lab,
        tmp_path,
        accounts=accounts_file(tmp_path, rows, "address,password_file"),
        auth={"method": "per_user"},
    )
    units = account_units(inv)
    assert units[names[0]].status is Status.FAILED and units[names[0]].reason is Reason.AUTH
    assert all(units[a].status is Status.OK for a in names[1:])
    assert auth_failures(log_text(lab)[start:], names[0]) == 1


def test_starttls_and_sasl_authzid(
    lab: LabInfo, ground_truth: dict[str, Any], tmp_path: Path
) -> None:
    names = some_accounts(ground_truth, 2)
    _, inv = scan(
        lab,
        tmp_path,
        accounts=accounts_file(tmp_path, names),
        security="starttls",
        port=lab.imap_port,
        auth={
            "method": "master",
            "user": lab.master_user,
            "separator": None,
            "password_file": str(lab.master_password_file),
        },
    )
    assert all(u.status is Status.OK for u in inv.units)
    assert {f.mailbox for f in inv.folders} == set(names)


@pytest.mark.parametrize("cert", ["self_signed", "wrong_host"])
def test_untrusted_certificate_refused_by_default(
    lab: LabInfo, ground_truth: dict[str, Any], tmp_path: Path, cert: str
) -> None:
    names = some_accounts(ground_truth, 2)
    up(lab.lab_dir, lab.imaps_port, lab.imap_port, cert=cert)
    try:
        _, inv = scan(lab, tmp_path / "strict", accounts=accounts_file(tmp_path, names))
        units = account_units(inv)
        assert all(u.status is Status.FAILED and u.reason is Reason.TLS for u in units.values())
        assert not inv.folders
        _, inv = scan(
            lab, tmp_path / "insecure", accounts=accounts_file(tmp_path, names), allow_insecure=True
        )
        assert all(u.status is Status.OK for u in account_units(inv).values())
        assert inv.servers[0].tls_verified is False  # the report says so
    finally:
        up(lab.lab_dir, lab.imaps_port, lab.imap_port, cert="good")
