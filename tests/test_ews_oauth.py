"""OAuth2 for the Exchange source against the lab's EWS server: a service-account access
token (Bearer, Hybrid Modern Authentication) reads mailboxes by impersonation with the
same figures as NTLM; a rejected token is sent once and fails every mailbox as auth; no
token reaches the store, the reports, the output or the server's logs; no request goes
anywhere but the lab (no token endpoint, no refresh)."""

from __future__ import annotations

import base64
import json
import socket
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
import requests
from requests_oauthlib import OAuth2Session

from mailsurvey.lab import EwsInfo, LabError, ews_oauth_token, ews_requests
from mailsurvey.lab.base import Paths
from mailsurvey.lab.oauth import ISSUER, read_signing_key, sign
from mailsurvey.model import Reason, Status, UnitKind
from mailsurvey.report import render
from mailsurvey.store import Inventory

from .ews_helpers import EMMA, JAN, PIETER, envelope, ews_config, scan

pytestmark = pytest.mark.usefixtures("ews_no_faults")


@pytest.fixture
def lab_only(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every host name looked up during the test; a token fetch or refresh fails it."""
    looked_up: list[str] = []
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        looked_up.append(str(host))
        return real(host, *args, **kwargs)

    def never(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("an access token was fetched or refreshed")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(OAuth2Session, "fetch_token", never)
    monkeypatch.setattr(OAuth2Session, "refresh_token", never)
    return looked_up


def token_file(where: Path, token: str) -> Path:
    where.mkdir(parents=True, exist_ok=True)
    path = where / "ews-token"
    path.touch(mode=0o600)
    path.write_text(token + "\n", encoding="ascii")
    return path


def oauth2(info: EwsInfo, token_path: Path) -> dict[str, Any]:
    return {"method": "oauth2", "user": info.service_upn, "token_file": str(token_path)}


def figures(inv: Inventory, address: str) -> dict[str, list[Any]]:
    """What a scan found about one mailbox (records, in a stable order)."""
    return {
        name: sorted(
            (r for r in getattr(inv, name) if getattr(r, "address", None) == address
             or getattr(r, "mailbox", None) == address),
            key=repr,
        )
        for name in ("mailboxes", "folders", "permissions", "inbox_rules", "observations")
    }  # fmt: skip


def leaks(where: list[Path], secrets: list[str]) -> list[str]:
    """Files under ``where`` (members of xlsx/zip archives too) holding any of ``secrets``."""
    needles = [s.encode("ascii") for s in secrets]
    found = []
    for path in sorted(p for d in where for p in d.rglob("*") if p.is_file()):
        blobs = [(str(path), path.read_bytes())]
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as z:
                blobs += [(f"{path}!{n}", z.read(n)) for n in z.namelist()]
        found += [w for w, data in blobs if any(n in data for n in needles)]
    return found


def secret_parts(token: str) -> list[str]:
    """The whole token and its signature (the part nobody could reconstruct)."""
    return [token, token.rsplit(".", 1)[1]]


def test_a_service_account_token_reads_mailboxes_as_ntlm_does(
    ews_lab: EwsInfo, tmp_path: Path, lab_only: list[str], capfd: pytest.CaptureFixture[str]
) -> None:
    token = ews_oauth_token(ews_lab.lab_dir)
    ntlm = {
        "method": "ntlm",
        "user": ews_lab.service_user,
        "password_file": str(ews_lab.service_password_file),
    }
    base, by_ntlm = scan(ews_config(ews_lab, tmp_path / "ntlm", [JAN], auth=ntlm))
    assert base.all_ok, base.failures

    start = len(ews_requests(ews_lab.lab_dir))
    auth = oauth2(ews_lab, token_file(tmp_path / "tokens", token))
    result, inv = scan(ews_config(ews_lab, tmp_path / "out", [JAN, EMMA, PIETER], auth=auth))
    assert result.all_ok, result.failures
    log = ews_requests(ews_lab.lab_dir)[start:]

    units = {u.key: u for u in inv.units if u.kind is UnitKind.ACCOUNT}
    assert sorted(units) == sorted([JAN, EMMA, PIETER])
    assert all(u.status is Status.OK for u in units.values())
    assert figures(inv, JAN) == figures(by_ntlm, JAN)
    assert by_ntlm.folders and by_ntlm.permissions and by_ntlm.inbox_rules
    assert log and {(e["auth"], e["auth_result"], e["user"]) for e in log} == {
        ("oauth2", "ok", ews_lab.service_upn)
    }
    assert {e["access"] for e in log if e["mailbox"]} == {"impersonation"}
    assert {e["mailbox"] for e in log if e["mailbox"]} == {JAN, EMMA, PIETER}
    assert not [e for e in log if e["mutating"]]
    assert set(lab_only) <= {"127.0.0.1"}, lab_only  # no token endpoint, no other host

    render(inv, tmp_path / "out", ("xlsx", "html", "json"), "en")
    captured = capfd.readouterr()
    where = [tmp_path / "out", ews_lab.log_file.parent]
    assert not leaks(where, secret_parts(token))
    assert not any(s in captured.out + captured.err for s in secret_parts(token))


def test_an_expired_token_is_sent_once_and_fails_every_mailbox(
    ews_lab: EwsInfo, tmp_path: Path, lab_only: list[str], capfd: pytest.CaptureFixture[str]
) -> None:
    token = ews_oauth_token(ews_lab.lab_dir, expired=True)
    boxes = [JAN, EMMA, PIETER, "sanne.bakker@acme.nl"]
    start = len(ews_requests(ews_lab.lab_dir))
    auth = oauth2(ews_lab, token_file(tmp_path / "tokens", token))
    result, inv = scan(ews_config(ews_lab, tmp_path / "out", boxes, auth=auth))
    log = ews_requests(ews_lab.lab_dir)[start:]

    units = [u for u in inv.units if u.kind is UnitKind.ACCOUNT]
    assert sorted(u.key for u in units) == sorted(boxes) and not result.all_ok
    assert all(u.status is Status.FAILED and u.reason is Reason.AUTH for u in units), units
    assert [e["auth_result"] for e in log] == ["failed"], log  # one request, never retried
    assert log[0]["auth"] == "oauth2" and log[0]["status"] == 401
    assert not inv.folders and not inv.mailboxes
    assert set(lab_only) <= {"127.0.0.1"}, lab_only

    render(inv, tmp_path / "out", ("xlsx", "html", "json"), "en")
    captured = capfd.readouterr()
    where = [tmp_path / "out", ews_lab.log_file.parent]
    assert not leaks(where, secret_parts(token))
    assert not any(s in captured.out + captured.err for s in secret_parts(token))


def test_a_token_from_the_environment(
    ews_lab: EwsInfo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EWS_ACCESS_TOKEN", ews_oauth_token(ews_lab.lab_dir, lifetime=600))
    auth = {"method": "oauth2", "user": ews_lab.service_upn, "token_env": "EWS_ACCESS_TOKEN"}
    result, inv = scan(ews_config(ews_lab, tmp_path, [EMMA], auth=auth))
    assert result.all_ok, result.failures
    assert {f.mailbox for f in inv.folders} == {EMMA}


# --- the lab server's side: what a Bearer token gets, and what it is logged as


def soap(info: EwsInfo, token: str, body: str, impersonate: str | None = None) -> Any:
    request = envelope(body, impersonate)
    return requests.post(
        info.url,
        data=request.encode(),
        headers={"Content-Type": "text/xml; charset=utf-8", "Authorization": f"Bearer {token}"},
        verify=str(info.ca_file),
        timeout=30,
    )


def inbox_of(mailbox: str) -> str:
    return (
        "<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape>"
        '<m:FolderIds><t:DistinguishedFolderId Id="inbox"><t:Mailbox><t:EmailAddress>'
        f"{mailbox}</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId></m:FolderIds>"
        "</m:GetFolder>"
    )


def forged(info: EwsInfo, **changes: Any) -> str:
    """A token signed with the lab's key whose claims differ as told."""
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": info.oauth_audience, "upn": info.service_upn,
              "sub": info.service_upn, "iat": now, "nbf": now, "exp": now + 600}  # fmt: skip
    claims |= changes
    return sign(read_signing_key(Paths(info.lab_dir)), claims)


def test_the_lab_refuses_a_bad_token_with_invalid_token(ews_lab: EwsInfo) -> None:
    good = ews_oauth_token(ews_lab.lab_dir)
    head, body, sig = good.split(".")
    none_alg = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    bad = {
        "expired": ews_oauth_token(ews_lab.lab_dir, expired=True),
        "wrong audience": ews_oauth_token(ews_lab.lab_dir, audience="https://graph.acme.nl"),
        "not yet valid": forged(ews_lab, nbf=int(time.time()) + 600),
        "other issuer": forged(ews_lab, iss="https://login.example.com"),
        "unknown account": forged(ews_lab, upn="nobody@acme.nl", sub="nobody@acme.nl"),
        "bad signature": f"{head}.{body}.{sig[:-4]}AAAA",
        "alg none": f"{none_alg}.{body}.",
        "garbage": "not-a-jwt",
    }
    start = len(ews_requests(ews_lab.lab_dir))
    for why, token in bad.items():
        answer = soap(ews_lab, token, inbox_of(JAN), impersonate=JAN)
        assert answer.status_code == 401, why
        offers = answer.headers["WWW-Authenticate"]
        assert offers.startswith('Bearer error="invalid_token"'), (why, offers)
    log = ews_requests(ews_lab.lab_dir)[start:]
    assert [(e["auth"], e["auth_result"], e["status"]) for e in log] == [
        ("oauth2", "failed", 401)
    ] * len(bad)
    assert not [e for e in log if e["operation"]]  # refused before the request was read
    text = ews_lab.request_log.read_text(encoding="utf-8")
    assert not any(part in text for token in bad.values() for part in (token, token[-20:]))


def test_the_lab_offers_bearer_and_acts_as_the_tokens_account(ews_lab: EwsInfo) -> None:
    missing = requests.post(ews_lab.url, data=b"", verify=str(ews_lab.ca_file), timeout=30)
    assert missing.status_code == 401 and "Bearer" in missing.headers["WWW-Authenticate"]
    assert "oauth2" in ews_lab.auth

    start = len(ews_requests(ews_lab.lab_dir))
    service = ews_oauth_token(ews_lab.lab_dir)
    assert soap(ews_lab, service, inbox_of(JAN), impersonate=JAN).status_code == 200
    user = ews_oauth_token(ews_lab.lab_dir, JAN)
    assert soap(ews_lab, user, inbox_of(JAN)).status_code == 200  # its own mailbox
    denied = soap(ews_lab, user, inbox_of(EMMA), impersonate=EMMA)  # a user impersonates no one
    assert b"ErrorImpersonateUserDenied" in denied.content
    log = ews_requests(ews_lab.lab_dir)[start:]
    assert [(e["user"], e["auth_result"], e["access"]) for e in log] == [
        (ews_lab.service_upn, "ok", "impersonation"),
        (JAN, "ok", "own"),
        (JAN, "ok", None),
    ]


def test_minted_tokens(ews_lab: EwsInfo) -> None:
    token = ews_oauth_token(ews_lab.lab_dir, lifetime=120)
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    assert claims["upn"] == claims["sub"] == ews_lab.service_upn
    assert claims["aud"] == ews_lab.oauth_audience and claims["iss"] == ISSUER
    assert claims["exp"] - claims["nbf"] == 120
    with pytest.raises(LabError, match="neither the service account nor a user"):
        ews_oauth_token(ews_lab.lab_dir, "nobody@acme.nl")
    with pytest.raises(LabError, match="lifetime"):
        ews_oauth_token(ews_lab.lab_dir, lifetime=0)
