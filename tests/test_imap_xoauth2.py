"""XOAUTH2 against the lab's real Dovecot: JWT access tokens validated locally by its
oauth2 passdb, one token per account (token_file), an expired token fails that account
only with one attempt, and no token reaches the store, the reports or the output."""

from __future__ import annotations

import base64
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from mailsurvey.lab import LabError, LabInfo, oauth2_token
from mailsurvey.model import Reason, Status, UnitKind
from mailsurvey.report import render
from mailsurvey.store import Inventory

from .imap_helpers import accounts_file, auth_failures, log_text, scan

pytestmark = pytest.mark.lab


def small_accounts(ground_truth: dict[str, Any], n: int) -> list[str]:
    """``n`` seeded mailboxes with a few hundred messages at most (quick to scan)."""
    sizes = {
        a: sum(f["messages"] or 0 for f in box["folders"].values())
        for a, box in ground_truth["mailboxes"].items()
    }
    small = sorted(a for a, total in sizes.items() if 0 < total < 500)
    assert len(small) >= n, sizes
    return small[:n]


def token_rows(lab: LabInfo, where: Path, names: list[str], expired: set[str]) -> dict[str, str]:
    """A token file (mode 0600) per account; returns the tokens by address."""
    where.mkdir(parents=True, exist_ok=True)
    tokens = {}
    for i, address in enumerate(names):
        tokens[address] = oauth2_token(lab.lab_dir, address, expired=address in expired)
        path = where / f"token-{i}"
        path.touch(mode=0o600)
        path.write_text(tokens[address] + "\n", encoding="ascii")
    return tokens


def xoauth2_scan(
    lab: LabInfo, out: Path, names: list[str], tokens_dir: Path
) -> tuple[Any, Inventory]:
    rows = [f"{a},{tokens_dir / f'token-{i}'}" for i, a in enumerate(names)]
    return scan(
        lab,
        out,
        accounts=accounts_file(out, rows, "address,token_file"),
        auth={"method": "xoauth2"},
        concurrency=3,
    )


def account_units(inv: Inventory) -> dict[str, Any]:
    return {u.key: u for u in inv.units if u.kind is UnitKind.ACCOUNT}


def assert_folders_match(inv: Inventory, ground_truth: dict[str, Any], names: list[str]) -> None:
    got = {(f.mailbox, f.path): f for f in inv.folders}
    assert {a for a, _ in got} == set(names)
    for address in names:
        want = ground_truth["mailboxes"][address]["folders"]
        assert {p for a, p in got if a == address} == set(want), address
        for path, truth in want.items():
            f = got[(address, path)]
            if truth["noselect"]:
                assert f.noselect, (address, path)
                continue
            assert (f.messages, f.bytes) == (truth["messages"], truth["bytes"]), (address, path)


def leaks(out: Path, secrets: list[str]) -> list[str]:
    """Files under ``out`` (members of xlsx/zip archives too) that hold any of ``secrets``."""
    needles = [s.encode("ascii") for s in secrets]
    found = []
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        blobs = [(str(path), path.read_bytes())]
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as z:
                blobs += [(f"{path}!{n}", z.read(n)) for n in z.namelist()]
        found += [where for where, data in blobs if any(n in data for n in needles)]
    return found


def test_xoauth2_scan_with_a_token_per_account(
    lab: LabInfo,
    ground_truth: dict[str, Any],
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
) -> None:
    names = small_accounts(ground_truth, 3)
    tokens = token_rows(lab, tmp_path / "tokens", names, expired=set())
    start = len(log_text(lab))
    result, inv = xoauth2_scan(lab, tmp_path / "out", names, tmp_path / "tokens")

    assert result.all_ok, result.failures[:3]
    units = account_units(inv)
    assert sorted(units) == names
    assert all(u.status is Status.OK for u in inv.units), [
        u for u in inv.units if u.status is not Status.OK
    ]
    assert_folders_match(inv, ground_truth, names)
    log = log_text(lab)[start:]
    for address in names:  # each logged in with its own token, by XOAUTH2
        assert log.count(f"Login: user=<{address}>, method=XOAUTH2") == 1, log
    assert "auth failed" not in log, log

    render(inv, tmp_path / "out", ("xlsx", "html", "json"), "en")
    captured = capfd.readouterr()
    secrets = _secret_parts(tokens.values())
    assert not leaks(tmp_path / "out", secrets)
    assert not any(s in captured.out + captured.err for s in secrets)
    assert not any(s in log for s in secrets)  # Dovecot logs tokens only with auth_debug


def test_expired_token_fails_that_account_only_with_one_attempt(
    lab: LabInfo,
    ground_truth: dict[str, Any],
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
) -> None:
    names = small_accounts(ground_truth, 3)
    stale = names[1]
    tokens = token_rows(lab, tmp_path / "tokens", names, expired={stale})
    start = len(log_text(lab))
    result, inv = xoauth2_scan(lab, tmp_path / "out", names, tmp_path / "tokens")

    units = account_units(inv)
    assert units[stale].status is Status.FAILED and units[stale].reason is Reason.AUTH
    assert all(units[a].status is Status.OK for a in names if a != stale)
    assert not result.all_ok
    assert not any(f.mailbox == stale for f in inv.folders)
    assert_folders_match(inv, ground_truth, [a for a in names if a != stale])
    log = log_text(lab)[start:]
    assert auth_failures(log, stale) == 1, log
    assert log.count(f"oauth2({stale},") == 1 and "Token has expired" in log, log
    assert log.count("auth failed") == 1, log

    render(inv, tmp_path / "out", ("xlsx", "html", "json"), "en")
    captured = capfd.readouterr()
    secrets = _secret_parts(tokens.values())
    assert not leaks(tmp_path / "out", secrets)
    assert not any(s in captured.out + captured.err for s in secrets)
    assert not any(s in log for s in secrets)  # Dovecot logs tokens only with auth_debug


def test_minted_tokens_are_well_formed(lab: LabInfo, ground_truth: dict[str, Any]) -> None:
    (address,) = small_accounts(ground_truth, 1)
    fresh, old = (oauth2_token(lab.lab_dir, address, expired=e) for e in (False, True))

    def claims(token: str) -> dict[str, Any]:
        header, body, _ = token.split(".")
        assert json.loads(base64.urlsafe_b64decode(header + "==")) == {
            "alg": "HS256",
            "kid": "lab",
            "typ": "JWT",
        }
        data: dict[str, Any] = json.loads(base64.urlsafe_b64decode(body + "=="))
        return data

    now = claims(fresh)
    assert now["sub"] == now["email"] == address and now["exp"] - now["iat"] == 3600
    assert claims(old)["exp"] < now["iat"]
    with pytest.raises(LabError, match="not a seeded user"):
        oauth2_token(lab.lab_dir, "nobody@acme.nl")


def _secret_parts(tokens: Any) -> list[str]:
    """Each whole token and its signature (the part nobody could reconstruct)."""
    out = []
    for token in tokens:
        out += [token, token.rsplit(".", 1)[1]]
    return out
