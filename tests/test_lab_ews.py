"""The lab's EWS server, against exchangelib and raw SOAP: it behaves as the ground truth says."""

from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from defusedxml.ElementTree import fromstring
from exchangelib import (
    BASIC,
    DELEGATE,
    IMPERSONATION,
    NTLM,
    Account,
    Build,
    Configuration,
    Credentials,
    ExtendedProperty,
    FailFast,
    Folder,
    Message,
)
from exchangelib.errors import (
    ErrorFolderNotFound,
    ErrorImpersonateUserDenied,
    ErrorNonExistentMailbox,
    ErrorServerBusy,
    UnauthorizedError,
)
from exchangelib.protocol import BaseProtocol, close_connections

from mailsurvey.lab import (
    EwsInfo,
    LabError,
    ews_clear_faults,
    ews_down,
    ews_faults,
    ews_requests,
    ews_up,
)

from .ews_helpers import M, T, envelope
from .lab_helpers import free_ports

pytestmark = pytest.mark.lab

MIB = 1024 * 1024
JAN, PIETER, EMMA = "jan.devries@acme.nl", "pieter.jansen@acme.nl", "emma.visser@acme.nl"


def _secret(path: Path) -> str:
    return path.read_text(encoding="ascii").strip()


class FolderSize(ExtendedProperty):
    property_tag = 0x0E08  # PR_MESSAGE_SIZE_EXTENDED
    property_type = "Long"


class MessageSize(ExtendedProperty):
    property_tag = 0x0E08  # PR_MESSAGE_SIZE
    property_type = "Integer"


@pytest.fixture(scope="module", autouse=True)
def exchangelib_setup(ews_lab: EwsInfo) -> Iterator[None]:
    """exchangelib trusts the lab CA (an HTTPAdapter that verifies with it) and asks for sizes."""
    ca = str(ews_lab.ca_file)

    class LabCA(requests.adapters.HTTPAdapter):
        def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
            super().cert_verify(conn, url, ca, cert)

        def get_connection_with_tls_context(
            self, request: Any, verify: Any, proxies: Any = None, cert: Any = None
        ) -> Any:
            return super().get_connection_with_tls_context(request, ca, proxies, cert)

    saved = BaseProtocol.HTTP_ADAPTER_CLS
    BaseProtocol.HTTP_ADAPTER_CLS = LabCA
    Folder.register("size", FolderSize)
    Message.register("msg_size", MessageSize)
    try:
        yield
    finally:
        Message.deregister("msg_size")
        Folder.deregister("size")
        BaseProtocol.HTTP_ADAPTER_CLS = saved
        close_connections()


def _config(
    info: EwsInfo, auth: str = NTLM, user: str | None = None, password: str | None = None
) -> Configuration:
    creds = Credentials(user or info.service_user, password or _secret(info.service_password_file))
    return Configuration(
        service_endpoint=info.url, credentials=creds, auth_type=auth, retry_policy=FailFast()
    )


def _account(info: EwsInfo, address: str, access: str = IMPERSONATION, **kw: Any) -> Account:
    return Account(address, access_type=access, config=_config(info, **kw), autodiscover=False)


def _soap(
    info: EwsInfo,
    body: str,
    *,
    impersonate: str | None = None,
    user: str | None = None,
    password: str | None = None,
) -> requests.Response:
    """One raw SOAP request with Basic auth (the service account unless told)."""
    request = envelope(body, impersonate)
    auth = (user or info.service_user, password or _secret(info.service_password_file))
    return requests.post(
        info.url,
        data=request.encode(),
        headers={"Content-Type": "text/xml; charset=utf-8"},
        auth=auth,
        verify=str(info.ca_file),
        timeout=30,
    )


def _get_folder(dist: str, mailbox: str, props: str = "") -> str:
    extra = f"<t:AdditionalProperties>{props}</t:AdditionalProperties>" if props else ""
    return (
        f"<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape>{extra}</m:FolderShape>"
        f'<m:FolderIds><t:DistinguishedFolderId Id="{dist}"><t:Mailbox><t:EmailAddress>'
        f"{mailbox}</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId></m:FolderIds>"
        "</m:GetFolder>"
    )


_CHAR_REF = re.compile(rb"&#x([0-9A-Fa-f]+);")
_BACK = {0xE000 + c: c for c in range(32)}


def _xml(content: bytes) -> Any:
    """Parse an answer as a tolerant client must: Exchange writes control characters as
    character references (``&#x1B;``), which XML 1.0 forbids; they come back as they were."""

    def shelter(m: re.Match[bytes]) -> bytes:
        cp = int(m[1], 16)
        return f"&#x{0xE000 + cp:X};".encode() if cp < 32 and cp not in (9, 10, 13) else m[0]

    root = fromstring(_CHAR_REF.sub(shelter, content))
    for e in root.iter():
        e.text = e.text.translate(_BACK) if e.text else e.text
    return root


def _codes(resp: requests.Response) -> list[str]:
    root = _xml(resp.content)
    return [e.text or "" for e in root.iter(f"{{{M}}}ResponseCode")]


def _new_log(info: EwsInfo, before: int) -> list[dict[str, Any]]:
    return ews_requests(info.lab_dir)[before:]


def test_version_is_exchange_2019(ews_lab: EwsInfo) -> None:
    account = _account(ews_lab, JAN)
    assert account.version.build == Build(15, 2, 1544, 4)
    assert account.version.fullname == "Microsoft Exchange Server 2019"
    resp = _soap(ews_lab, _get_folder("inbox", JAN))
    info = _xml(resp.content).find(f".//{{{T}}}ServerVersionInfo")
    assert info is not None and info.get("Version") == "V2017_07_11"
    assert info.get("MajorVersion") == "15" and info.get("MinorVersion") == "2"


_DEEP = (
    '<m:FindFolder Traversal="Deep"><m:FolderShape><t:BaseShape>AllProperties</t:BaseShape>'
    '<t:AdditionalProperties><t:ExtendedFieldURI PropertyTag="0x0E08" PropertyType="Long"/>'
    "</t:AdditionalProperties></m:FolderShape><m:ParentFolderIds>"
    '<t:DistinguishedFolderId Id="root"/></m:ParentFolderIds></m:FindFolder>'
)


def _folders(root: Any) -> dict[str, tuple[Any, ...]]:
    """path -> (TotalCount, size, ChildFolderCount, FolderClass) of a FindFolder answer."""
    found = [e for e in root.iter() if e.find(f"{{{T}}}FolderId") is not None]
    by_id = {e.find(f"{{{T}}}FolderId").get("Id"): e for e in found}

    def path(e: Any) -> str:
        parent = by_id.get(e.find(f"{{{T}}}ParentFolderId").get("Id"))
        name = e.findtext(f"{{{T}}}DisplayName")
        return name if parent is None else f"{path(parent)}/{name}"

    def number(e: Any, tag: str) -> int:
        return int(e.findtext(f"{{{T}}}{tag}"))

    return {
        path(e): (
            number(e, "TotalCount"),
            int(e.findtext(f"{{{T}}}ExtendedProperty/{{{T}}}Value")),
            number(e, "ChildFolderCount"),
            e.findtext(f"{{{T}}}FolderClass"),
        )
        for e in found
    }


@pytest.mark.parametrize(
    "address", [JAN, PIETER, "lucas.smit@acme.nl", "monitoring@acme.nl", "directie@acme.nl"]
)
def test_deep_find_folder_matches_the_ground_truth(
    ews_lab: EwsInfo, ews_truth: dict[str, Any], address: str
) -> None:
    got = _folders(_xml(_soap(ews_lab, _DEEP, impersonate=address).content))
    folders = ews_truth["mailboxes"][address]["stores"]["primary"]["folders"]
    expected = {
        p: (t["total_count"], t["size"], t["child_folder_count"], t["folder_class"])
        for p, t in folders.items()
        if p  # the root itself is not in its own FindFolder
    }
    assert got == expected


def test_exchangelib_walks_the_same_folders(ews_lab: EwsInfo, ews_truth: dict[str, Any]) -> None:
    """exchangelib's walk (FindFolder, then GetFolder for the extended size) agrees."""
    account = _account(ews_lab, PIETER)
    got = {f.absolute: (f.total_count, f.size) for f in account.msg_folder_root.walk()}
    folders = ews_truth["mailboxes"][PIETER]["stores"]["primary"]["folders"]
    expected = {
        f"/{account.root.name}/{p}": (t["total_count"], t["size"])
        for p, t in folders.items()
        if p.startswith("Top of Information Store/")
    }
    assert got == expected


def test_find_folder_pages(ews_lab: EwsInfo, ews_truth: dict[str, Any]) -> None:
    folders = ews_truth["mailboxes"]["lucas.smit@acme.nl"]["stores"]["primary"]["folders"]
    total, seen, offset = len(folders) - 1, [], 0
    while True:
        body = (
            '<m:FindFolder Traversal="Deep"><m:FolderShape><t:BaseShape>Default</t:BaseShape>'
            f'</m:FolderShape><m:IndexedPageFolderView MaxEntriesReturned="7" Offset="{offset}" '
            'BasePoint="Beginning"/><m:ParentFolderIds><t:DistinguishedFolderId Id="root"/>'
            "</m:ParentFolderIds></m:FindFolder>"
        )
        resp = _soap(ews_lab, body, impersonate="lucas.smit@acme.nl")
        page = _xml(resp.content).find(f".//{{{M}}}RootFolder")
        assert page is not None and page.get("TotalItemsInView") == str(total)
        seen += [e.text for e in page.iter(f"{{{T}}}DisplayName")]
        offset = int(page.get("IndexedPagingOffset") or 0)
        if page.get("IncludesLastItemInRange") == "true":
            break
    assert len(seen) == total == offset
    assert "esc\x1b[31mrood" in seen and "bel\x07" in seen


def test_sizes_equal_the_imap_seed(tmp_path: Path, ews_truth: dict[str, Any]) -> None:
    """The IMAP lab writes the same messages: its per-folder stats equal the EWS truth."""
    from mailsurvey.lab import org
    from mailsurvey.lab.seed import _write_mailbox

    spec = next(b for b in org.standard().mailboxes if b.address == EMMA)
    imap = _write_mailbox(tmp_path / EMMA, spec, 30.0, None)["folders"]
    ews = ews_truth["mailboxes"][EMMA]["stores"]["primary"]["folders"]
    mirrored = {
        f["imap_path"]: (f["total_count"], f["size"]) for f in ews.values() if f["imap_path"]
    }
    assert mirrored == {p: (f["messages"] or 0, f["bytes"] or 0) for p, f in imap.items()}


def test_archive_is_there_for_some(ews_lab: EwsInfo, ews_truth: dict[str, Any]) -> None:
    assert JAN in ews_truth["places"]["archived"] and EMMA not in ews_truth["places"]["archived"]
    archive = _account(ews_lab, JAN).archive_msg_folder_root
    got = {f.name: (f.total_count, f.size) for f in archive.walk()}
    folders = ews_truth["mailboxes"][JAN]["stores"]["archive"]["folders"]
    prefix = "Top of Information Store/"
    expected = {
        p.removeprefix(prefix): (f["total_count"], f["size"])
        for p, f in folders.items()
        if p.startswith(prefix)
    }
    assert got == expected
    with pytest.raises(ErrorFolderNotFound):
        _ = _account(ews_lab, EMMA).archive_msg_folder_root


def test_inbox_rules_forward_inside_and_outside(
    ews_lab: EwsInfo, ews_truth: dict[str, Any]
) -> None:
    lotte = _account(ews_lab, "lotte.mulder@acme.nl").rules
    assert [a.email_address for a in lotte[0].actions.redirect_to_recipients] == [
        "lotte.mulder@gmail.com"
    ]
    jan = {r.display_name: r for r in _account(ews_lab, JAN).rules}
    inside = jan["Facturen naar Sophie"]
    assert [a.email_address for a in inside.actions.forward_to_recipients] == [
        "sophie.deboer@acme.nl"
    ]
    assert inside.conditions.contains_subject_strings == ["Factuur", "Faktura"]
    assert jan["Nieuwsbrieven"].actions.move_to_folder is not None
    koen = _account(ews_lab, "koen.willems@acme.nl").rules
    assert koen[0].is_enabled is False
    assert _account(ews_lab, "hr@acme.nl").rules[0].is_in_error is True
    assert _account(ews_lab, EMMA, DELEGATE).rules[0].actions.delete is True
    outside = {(f["mailbox"], tuple(f["to"])) for f in ews_truth["outside_forwards"]}
    assert ("lotte.mulder@acme.nl", ("lotte.mulder@gmail.com",)) in outside
    assert not _account(ews_lab, "stagiair@acme.nl").rules


def test_get_delegate(ews_lab: EwsInfo, ews_truth: dict[str, Any]) -> None:
    delegates = _account(ews_lab, "directie@acme.nl", DELEGATE).delegates
    got = {
        d.user_id.primary_smtp_address: d.delegate_permissions.calendar_folder_permission_level
        for d in delegates
    }
    assert got == {"pieter.jansen@acme.nl": "Editor", "emma.visser@acme.nl": "Reviewer"}
    expected = ews_truth["mailboxes"]["directie@acme.nl"]["delegates"]
    assert [d["user"] for d in expected] == list(got)
    jan = _account(ews_lab, JAN).delegates
    assert [d.user_id.primary_smtp_address for d in jan] == ["sophie.deboer@acme.nl"]
    assert jan[0].receive_copies_of_meeting_messages is True
    assert _account(ews_lab, EMMA).delegates == []


def test_folder_permissions(ews_lab: EwsInfo) -> None:
    calendar = _account(ews_lab, JAN).calendar.permission_set.calendar_permissions
    levels = {
        (p.user_id.distinguished_user or p.user_id.primary_smtp_address): (
            p.calendar_permission_level
        )
        for p in calendar
    }
    assert levels == {
        "Default": "FreeBusyTimeOnly",
        "Anonymous": "None",
        "sophie.deboer@acme.nl": "Editor",
    }
    prop = '<t:FieldURI FieldURI="folder:PermissionSet"/>'
    for dist, mailbox, user, level in (
        ("inbox", "info@acme.nl", "sanne.bakker@acme.nl", "Editor"),
        ("inbox", "info@acme.nl", JAN, "Reviewer"),
        ("msgfolderroot", JAN, "sophie.deboer@acme.nl", "Custom"),
        ("inbox", "support@acme.nl", "Default", "Reviewer"),
    ):
        root = _xml(_soap(ews_lab, _get_folder(dist, mailbox, prop)).content)
        found = {
            (
                p.findtext(f".//{{{T}}}PrimarySmtpAddress")
                or p.findtext(f".//{{{T}}}DistinguishedUser")
            ): p.findtext(f"{{{T}}}PermissionLevel")
            for p in root.iter(f"{{{T}}}Permission")
        }
        assert found[user] == level, (dist, mailbox, found)
    plain = _xml(_soap(ews_lab, _get_folder("inbox", "info@acme.nl")).content)
    assert plain.find(f".//{{{T}}}PermissionSet") is None  # only when asked for


def test_restricted_find_item_finds_the_large_items(
    ews_lab: EwsInfo, ews_truth: dict[str, Any]
) -> None:
    assert {i["mailbox"] for i in ews_truth["over_150mb"]} == {PIETER}
    for big in ews_truth["over_35mb"]:
        account = _account(ews_lab, big["mailbox"])
        root = account.archive_root if big["store"] == "archive" else account.root
        folder = root
        for part in big["path"].split("/"):
            folder = folder / part
        found = list(folder.filter(msg_size__gt=35 * MIB).only("subject", "msg_size", "size"))
        expected = [
            (i["subject"], i["size"])
            for i in ews_truth["over_35mb"]
            if (i["mailbox"], i["store"], i["path"]) == (big["mailbox"], big["store"], big["path"])
        ]
        assert sorted((m.subject, m.msg_size) for m in found) == sorted(expected)
        assert all(m.size == m.msg_size for m in found)
    bouw = _account(ews_lab, PIETER).msg_folder_root / "Projecten" / "Bouwtekeningen"
    assert [m.size for m in bouw.filter(size__gt=150 * MIB).only("size")] == [151 * MIB]
    assert bouw.filter(size__gt=10 * MIB).count() == 3


def test_wrong_password_is_401_and_one_failed_logon(ews_lab: EwsInfo) -> None:
    for auth, user in ((BASIC, ews_lab.service_user), (NTLM, ews_lab.service_upn)):
        before = len(ews_requests(ews_lab.lab_dir))
        account = _account(ews_lab, JAN, auth=auth, user=user, password="not-the-password")
        with pytest.raises(UnauthorizedError):
            _ = account.root
        log = _new_log(ews_lab, before)
        assert [e["auth_result"] for e in log].count("failed") == 1, log
        assert all(e["status"] == 401 for e in log)


def test_ntlm_and_basic_both_work(ews_lab: EwsInfo) -> None:
    # exchangelib caches a protocol per endpoint and credentials (not per auth type), so
    # each method logs on with another name of the service account
    for auth, user in ((NTLM, ews_lab.service_upn), (BASIC, "acme\\SVC-EWS")):
        before = len(ews_requests(ews_lab.lab_dir))
        assert _account(ews_lab, EMMA, auth=auth, user=user).inbox.total_count is not None
        log = _new_log(ews_lab, before)
        assert {e["auth"] for e in log if e["status"] == 200} == {auth.lower()}
    user = _account(
        ews_lab, EMMA, DELEGATE, user=EMMA, password=_secret(ews_lab.user_password_file)
    )
    assert user.inbox.total_count is not None  # a user logs on to their own mailbox


def test_server_busy_fault_says_how_long_to_back_off(ews_lab: EwsInfo) -> None:
    account = _account(ews_lab, EMMA)
    _ = account.root  # version guessed, folders known
    ews_faults(ews_lab.lab_dir, {"action": "server_busy", "mailbox": EMMA, "back_off_ms": 1234})
    with pytest.raises(ErrorServerBusy) as busy:
        _ = account.inbox.total_count
    assert busy.value.back_off == 1.234
    assert account.inbox.total_count is not None  # count 1: only the next request
    assert ews_faults(ews_lab.lab_dir) == []


def test_request_log_counts_requests_per_mailbox(ews_lab: EwsInfo) -> None:
    before = len(ews_requests(ews_lab.lab_dir))
    for _ in range(5):
        assert _codes(_soap(ews_lab, _get_folder("inbox", "sales@acme.nl"))) == ["NoError"]
    _soap(ews_lab, _get_folder("inbox", EMMA), impersonate=EMMA)
    log = _new_log(ews_lab, before)
    assert [e["mailbox"] for e in log].count("sales@acme.nl") == 5
    assert log[-1]["access"] == "impersonation" and log[0]["access"] == "delegate"
    assert {e["operation"] for e in log} == {"GetFolder"}
    text = ews_lab.request_log.read_text(encoding="utf-8")
    for secret in (ews_lab.service_password_file, ews_lab.user_password_file):
        assert _secret(secret) not in text
    assert "Authorization" not in text and "Basic " not in text


def test_mutating_operations_are_refused_and_marked(ews_lab: EwsInfo) -> None:
    before = len(ews_requests(ews_lab.lab_dir))
    body = (
        '<m:CreateFolder><m:ParentFolderId><t:DistinguishedFolderId Id="inbox"/></m:ParentFolderId>'
        "<m:Folders><t:Folder><t:DisplayName>x</t:DisplayName></t:Folder></m:Folders></m:CreateFolder>"
    )
    assert _codes(_soap(ews_lab, body, impersonate=EMMA)) == ["ErrorAccessDenied"]
    log = _new_log(ews_lab, before)
    assert [(e["operation"], e["mutating"]) for e in log] == [("CreateFolder", True)]


def test_impersonation_and_delegate_rights(ews_lab: EwsInfo) -> None:
    password = _secret(ews_lab.user_password_file)
    with pytest.raises(ErrorImpersonateUserDenied):
        _ = _account(ews_lab, "sales@acme.nl", user=JAN, password=password).root
    as_jan = {"user": JAN, "password": password}
    assert _codes(_soap(ews_lab, _get_folder("inbox", "info@acme.nl"), **as_jan)) == ["NoError"]
    denied = _soap(ews_lab, _get_folder("calendar", "sales@acme.nl"), **as_jan)
    assert _codes(denied) == ["ErrorAccessDenied"]
    with pytest.raises(ErrorNonExistentMailbox):
        _ = _account(ews_lab, "nobody@acme.nl").root


def test_a_mailbox_that_vanishes_and_other_faults(ews_lab: EwsInfo) -> None:
    lab = ews_lab.lab_dir
    try:
        ews_faults(lab, {"action": "nonexistent_mailbox", "mailbox": "hr@acme.nl", "count": None})
        for _ in range(2):
            gone = _soap(ews_lab, _get_folder("inbox", "hr@acme.nl"))
            assert _codes(gone) == ["ErrorNonExistentMailbox"]
        resp = _soap(ews_lab, _get_folder("inbox", "hr@acme.nl"), impersonate="hr@acme.nl")
        assert resp.status_code == 500 and b"ErrorNonExistentMailbox" in resp.content
        ews_faults(lab, {"action": "move_in_progress", "mailbox": "sales@acme.nl"})
        moving = _soap(ews_lab, _get_folder("inbox", "sales@acme.nl"))
        assert _codes(moving) == ["ErrorMailboxMoveInProgress"]
        ews_faults(lab, {"action": "http_503", "operation": "GetFolder", "retry_after": 7})
        busy = _soap(ews_lab, _get_folder("inbox", EMMA))
        assert busy.status_code == 503 and busy.headers["Retry-After"] == "7"
        ews_faults(lab, {"action": "http_401", "mailbox": EMMA})
        assert _soap(ews_lab, _get_folder("inbox", EMMA)).status_code == 401
        ews_faults(lab, {"action": "reset", "mailbox": EMMA})
        with pytest.raises(requests.ConnectionError):
            _soap(ews_lab, _get_folder("inbox", EMMA))
        ews_faults(lab, {"action": "slow", "mailbox": EMMA, "delay": 0.5, "skip": 1})
        assert _codes(_soap(ews_lab, _get_folder("inbox", EMMA))) == ["NoError"]  # skipped
        started = time.monotonic()
        assert _codes(_soap(ews_lab, _get_folder("inbox", EMMA))) == ["NoError"]
        assert time.monotonic() - started >= 0.5
        ews_faults(lab, {"action": "server_busy_message", "mailbox": EMMA, "back_off_ms": 99})
        busy_message = _soap(ews_lab, _get_folder("inbox", EMMA))
        assert (
            _codes(busy_message) == ["ErrorServerBusy"] and b"99</t:Value>" in busy_message.content
        )
        assert [f["mailbox"] for f in ews_faults(lab)] == ["hr@acme.nl"]
    finally:
        ews_clear_faults(lab)
    assert _codes(_soap(ews_lab, _get_folder("inbox", "hr@acme.nl"))) == ["NoError"]
    with pytest.raises(LabError, match="unknown fault fields"):
        ews_faults(lab, {"action": "slow", "mailboxx": EMMA})
    token_less = requests.get(ews_lab.control_url, verify=str(ews_lab.ca_file), timeout=10)
    assert token_less.status_code == 403


def test_a_big_folder_for_the_memory_bench(ews_lab: EwsInfo, tmp_path: Path) -> None:
    """A second server, with bulk@'s folder of 200,000 items (and the same lab CA)."""
    shutil.copytree(ews_lab.lab_dir / "certs", tmp_path / "certs")
    (port,) = free_ports(1)
    try:
        info = ews_up(tmp_path, port, auth=("basic",), big_folder=200_000)
    except LabError as exc:
        pytest.fail(f"the EWS server with a big folder could not start: {exc}", pytrace=False)
    try:
        truth = json.loads(info.ground_truth.read_text(encoding="utf-8"))
        big = truth["places"]["big_folder"]
        assert big["items"] == 200_000
        account = _account(info, "bulk@acme.nl", auth=BASIC)
        folder = account.msg_folder_root / "Bulk"
        assert folder.total_count == 200_003  # and three fixed ones, over 35 MB
        found = sorted(m.size for m in folder.filter(size__gt=35 * MIB).only("size"))
        assert found == [36 * MIB, 40 * MIB, 151 * MIB]
        ntlm = requests.post(info.url, data=b"", verify=str(info.ca_file), timeout=10)
        assert ntlm.headers["WWW-Authenticate"].startswith("Basic")  # Basic only, as asked
    finally:
        ews_down(tmp_path)


def test_the_large_profile_serves_the_imap_labs_large_organisation(
    ews_lab: EwsInfo, tmp_path: Path
) -> None:
    """A second server with ``profile="large"``: the IMAP seed's large mailboxes, archives
    on every 25th, a few outside forwards; the standard profile takes no sizes."""
    from mailsurvey.lab import ews_status, org
    from mailsurvey.lab.seed import _write_mailbox

    with pytest.raises(LabError, match="for profile large"):
        ews_up(tmp_path, 1, mailboxes=30)
    shutil.copytree(ews_lab.lab_dir / "certs", tmp_path / "certs")
    (port,) = free_ports(1)
    try:
        info = ews_up(tmp_path, port, profile="large", mailboxes=30, messages_per_mailbox=60)
    except LabError as exc:
        pytest.fail(f"the EWS server with the large profile could not start: {exc}", pytrace=False)
    try:
        truth = json.loads(info.ground_truth.read_text(encoding="utf-8"))
        specs = org.large(30, 60).mailboxes
        assert list(truth["mailboxes"]) == [b.address for b in specs]
        assert truth["places"]["archived"] == sorted([specs[0].address, specs[25].address])
        assert [f["mailbox"] for f in truth["outside_forwards"]] == [specs[3].address]
        imap = _write_mailbox(tmp_path / "imap", specs[7], 4.0, None)["folders"]
        ews = truth["mailboxes"][specs[7].address]["stores"]["primary"]["folders"]
        mirrored = {
            f["imap_path"]: (f["total_count"], f["size"]) for f in ews.values() if f["imap_path"]
        }
        assert mirrored == {p: (f["messages"] or 0, f["bytes"] or 0) for p, f in imap.items()}
        archive = _account(info, specs[25].address).archive_msg_folder_root
        assert archive.total_count == 0 and len(list(archive.walk())) == 5
        status = ews_status(tmp_path)
        assert status["profile"] == "large" and status["settings"]["mailboxes"] == 30
        ews_up(tmp_path, port, profile="large", mailboxes=30, messages_per_mailbox=60)
        assert ews_status(tmp_path)["pid"] == status["pid"]  # the same settings: no restart
    finally:
        ews_down(tmp_path)


def test_get_item_resolve_names_and_convert_id(ews_lab: EwsInfo) -> None:
    find = (
        '<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape>'
        '</m:ItemShape><m:IndexedPageItemView MaxEntriesReturned="2" Offset="0" '
        'BasePoint="Beginning"/><m:ParentFolderIds><t:DistinguishedFolderId Id="inbox">'
        f"<t:Mailbox><t:EmailAddress>{EMMA}</t:EmailAddress></t:Mailbox>"
        "</t:DistinguishedFolderId></m:ParentFolderIds></m:FindItem>"
    )
    ids = [e.get("Id") for e in _xml(_soap(ews_lab, find).content).iter(f"{{{T}}}ItemId")]
    assert len(ids) == 2
    get = (
        "<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>"
        '<t:FieldURI FieldURI="item:Size"/></t:AdditionalProperties></m:ItemShape><m:ItemIds>'
        + "".join(f'<t:ItemId Id="{i}"/>' for i in ids)
        + '<t:ItemId Id="bm90IGFuIGlk"/></m:ItemIds></m:GetItem>'
    )
    answer = _soap(ews_lab, get)
    assert _codes(answer) == ["NoError", "NoError", "ErrorInvalidIdMalformed"]
    assert all(int(s.text or 0) > 0 for s in _xml(answer.content).iter(f"{{{T}}}Size"))
    resolve = (
        '<m:ResolveNames ReturnFullContactData="false">'
        "<m:UnresolvedEntry>{}</m:UnresolvedEntry></m:ResolveNames>"
    )
    assert _codes(_soap(ews_lab, resolve.format("smtp:jan.devries@acme.nl"))) == ["NoError"]
    assert _codes(_soap(ews_lab, resolve.format("nobody"))) == ["ErrorNameResolutionNoResults"]
    convert = (
        '<m:ConvertId DestinationFormat="EwsId"><m:SourceIds>'
        f'<t:AlternateId Format="EwsId" Id="{ids[0]}" Mailbox="{EMMA}"/>'
        '<t:AlternateId Format="EwsId" Id="DUMMY" Mailbox="DUMMY"/></m:SourceIds></m:ConvertId>'
    )
    assert _codes(_soap(ews_lab, convert)) == ["NoError", "ErrorInvalidIdMalformed"]
