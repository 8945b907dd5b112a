"""The lab itself: a real Dovecot that behaves as the ground truth says."""

from __future__ import annotations

import re
import ssl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from imapclient import IMAPClient, imap_utf7
from imapclient.exceptions import LoginError

from mailsurvey.lab import LabInfo, status, up
from mailsurvey.lab.maildir import FolderWriter
from mailsurvey.lab.org import standard
from mailsurvey.model import SIZE_BUCKETS

pytestmark = pytest.mark.lab

JAN = "jan.devries@acme.nl"


def _context(lab: LabInfo) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(lab.ca_file))


def _secret(path: Path) -> str:
    return path.read_text(encoding="ascii").strip()


def _client(lab: LabInfo, ctx: ssl.SSLContext | None = None) -> IMAPClient:
    return IMAPClient(
        lab.host, port=lab.imaps_port, ssl=True, ssl_context=ctx or _context(lab), timeout=30
    )


@contextmanager
def _as(lab: LabInfo, address: str) -> Iterator[IMAPClient]:
    """A session as ``address``, logged in with the master user (``user*admin``)."""
    client = _client(lab)
    client.login(f"{address}*{lab.master_user}", _secret(lab.master_password_file))
    try:
        yield client
    finally:
        client.logout()


_TOKEN = re.compile(
    rb'\s*(?:\((?P<list>[^)]*)\)|"(?P<quoted>(?:[^"\\]|\\.)*)"|\{\d+\}|(?P<atom>\S+))'
)


def _raw_list(client: IMAPClient, pattern: str = "*") -> dict[str, str]:
    """LIST parsed by hand: name -> flags.

    imapclient's parser rejects atoms holding an unbalanced "[" (legal in RFC 3501;
    Dovecot sends the seeded ``esc\\x1b[31mrood`` that way), so read imaplib's raw lines.
    """
    typ, data = client._imap.list('""', f'"{pattern}"')
    assert typ == "OK"
    out: dict[str, str] = {}
    for item in data:
        if not item:
            continue
        head, literal = item if isinstance(item, tuple) else (item, None)
        tokens = []
        for m in _TOKEN.finditer(head):
            if m.group("list") is not None:
                tokens.append(m.group("list"))
            elif m.group("quoted") is not None:
                tokens.append(re.sub(rb"\\(.)", rb"\1", m.group("quoted")))
            elif m.group("atom") is not None:
                tokens.append(m.group("atom"))
            else:
                tokens.append(literal or b"")
        flags, _delim, name = tokens[:3]
        out[imap_utf7.decode(name)] = flags.decode()
    return out


def _status(client: IMAPClient, folder: str) -> tuple[int, int]:
    typ, data = client._imap.status(_quote(folder), "(MESSAGES SIZE)")
    assert typ == "OK", data
    raw = b"".join(d if isinstance(d, bytes) else b"".join(d) for d in data)
    m = re.search(rb"MESSAGES (\d+) SIZE (\d+)", raw)
    assert m, raw
    return int(m[1]), int(m[2])


def _quote(folder: str) -> str:
    enc = imap_utf7.encode(folder).decode("ascii")
    return '"' + enc.replace("\\", "\\\\").replace('"', '\\"') + '"'


def test_ground_truth_has_what_the_tests_need(ground_truth: dict[str, Any]) -> None:
    boxes = ground_truth["mailboxes"]
    assert len(boxes) >= 50
    sizes = [f["largest"] for m in boxes.values() for f in m["folders"].values() if f["largest"]]
    assert sum(s > 35 * 2**20 for s in sizes) >= 2
    assert sum(s >= 150 * 2**20 for s in sizes) == 1
    big = ground_truth["big_folder"]
    assert boxes[big["mailbox"]]["folders"][big["folder"]]["messages"] == 50_000
    deep = ground_truth["deep_folder"]
    assert deep["path"].count("/") == 14 and deep["path"] in boxes[deep["mailbox"]]["folders"]
    empty = boxes[ground_truth["empty_mailbox"]]["folders"]
    assert empty == {"INBOX": empty["INBOX"]} and empty["INBOX"]["messages"] == 0
    assert any(f["noselect"] for m in boxes.values() for f in m["folders"].values())
    quotas = [m["quota_limit_bytes"] for m in boxes.values()]
    assert None in quotas and quotas.count(2**31) > 40
    for folder in (f for m in boxes.values() for f in m["folders"].values() if not f["noselect"]):
        assert sum(folder["histogram"]) == folder["messages"]
        assert len(folder["histogram"]) == len(SIZE_BUCKETS) + 1


def test_master_user_login(lab: LabInfo, ground_truth: dict[str, Any]) -> None:
    with _as(lab, JAN) as client:
        assert (
            _status(client, "INBOX")[0]
            == ground_truth["mailboxes"][JAN]["folders"]["INBOX"]["messages"]
        )
        caps = client.capabilities()
        for cap in (b"LIST-STATUS", b"STATUS=SIZE", b"SPECIAL-USE", b"QUOTA", b"ACL", b"ID"):
            assert cap in caps


def test_sasl_plain_with_authzid(lab: LabInfo, ground_truth: dict[str, Any]) -> None:
    client = _client(lab)
    try:
        client.plain_login(
            lab.master_user,
            _secret(lab.master_password_file),
            authorization_identity="agnieszka.kowalska@acme.nl",
        )
        want = ground_truth["mailboxes"]["agnieszka.kowalska@acme.nl"]["folders"]["Zamówienia"]
        assert _status(client, "Zamówienia") == (want["messages"], want["bytes"])
    finally:
        client.logout()


def test_user_password_and_wrong_password(lab: LabInfo) -> None:
    client = _client(lab)
    client.login("piotr.nowak@acme.nl", _secret(lab.user_password_file))
    client.logout()
    for user, password in (("piotr.nowak@acme.nl", "wrong"), (f"{JAN}*admin", "wrong")):
        client = _client(lab)
        with pytest.raises(LoginError):
            client.login(user, password)
        client.shutdown()


def test_list_shows_every_hostile_folder(lab: LabInfo, ground_truth: dict[str, Any]) -> None:
    by_box: dict[str, list[str]] = {}
    for entry in ground_truth["hostile_folders"]:
        by_box.setdefault(entry["mailbox"], []).append(entry["path"])
    for address, paths in by_box.items():
        with _as(lab, address) as client:
            listed = _raw_list(client)
        mine = {n for n in listed if not n.startswith("shared")}
        assert mine == set(ground_truth["mailboxes"][address]["folders"])
        for path in paths:
            assert path in listed and "\\Noselect" not in listed[path], path


def test_status_matches_ground_truth(lab: LabInfo, ground_truth: dict[str, Any]) -> None:
    boxes = ground_truth["mailboxes"]
    big, deep = ground_truth["big_folder"], ground_truth["deep_folder"]
    over = ground_truth["over_150mb"]
    picks = [
        (big["mailbox"], big["folder"]),
        (deep["mailbox"], deep["path"]),
        (over["mailbox"], over["folder"]),
        (JAN, "INBOX"),
        (JAN, "Sent"),
        ("lucas.smit@acme.nl", "esc\x1b[31mrood"),
        ("emma.visser@acme.nl", "Reçus été"),
    ]
    for address, folder in picks:
        want = boxes[address]["folders"][folder]
        with _as(lab, address) as client:
            assert _status(client, folder) == (want["messages"], want["bytes"]), folder


def test_shared_mailboxes_and_quota(lab: LabInfo, ground_truth: dict[str, Any]) -> None:
    with _as(lab, JAN) as client:
        listed = _raw_list(client, "shared/*")
        # Dovecot lists another user's INBOX as the bare prefix with LAYOUT=fs
        assert "shared/info@acme.nl" in listed
        assert "shared/boekhouding@acme.nl/Facturen/Betaald" in listed
        typ, rights = client._imap.myrights('"shared/info@acme.nl/INBOX"')
        assert typ == "OK" and rights[0].endswith(b" lrs"), rights
        quota = client.get_quota_root("INBOX")[1]
        assert quota[0].limit * 1024 == ground_truth["mailboxes"][JAN]["quota_limit_bytes"]
    with _as(lab, "info@acme.nl") as client:
        acl = dict(client.getacl("INBOX"))
        assert acl[JAN.encode()] == b"lrs"
    near = ground_truth["near_quota"]
    with _as(lab, near) as client:
        usage = client.get_quota_root("INBOX")[1][0]
        assert usage.usage / usage.limit > 0.9
    with _as(lab, ground_truth["no_quota"]) as client:
        # Dovecot answers "OK No quota" without a QUOTAROOT line; imapclient's
        # get_quota_root() raises IndexError on that, so ask through imaplib.
        typ, data = client._imap.getquotaroot("INBOX")
        assert typ == "OK" and data == [[None], [None]], data


def test_rawlog_records_commands(lab: LabInfo) -> None:
    with _as(lab, "hr@acme.nl") as client:
        client.select_folder("INBOX", readonly=True)
        client.search(["SEEN"])
    deadline = time.monotonic() + 5
    text = ""
    while time.monotonic() < deadline and "SEARCH SEEN" not in text:
        logs = sorted(lab.rawlog_root.glob("hr@acme.nl/dovecot.rawlog/*.in"))
        text = "".join(p.read_text(encoding="utf-8", errors="replace") for p in logs)
        time.sleep(0.05)
    assert 'EXAMINE "INBOX"' in text and "SEARCH SEEN" in text


def test_bad_certificates_are_refused(lab: LabInfo) -> None:
    try:
        for cert in ("self_signed", "wrong_host"):
            up(lab.lab_dir, lab.imaps_port, lab.imap_port, cert=cert)
            assert status(lab.lab_dir)["cert"] == cert
            with pytest.raises(ssl.SSLCertVerificationError):
                _client(lab, ssl.create_default_context())  # the system's CAs
            with pytest.raises(ssl.SSLCertVerificationError):
                _client(lab)  # the lab's CA: right signer, wrong host or none
    finally:
        up(lab.lab_dir, lab.imaps_port, lab.imap_port, cert="good")
    pid = status(lab.lab_dir)["pid"]
    assert up(lab.lab_dir, lab.imaps_port, lab.imap_port).pid_file == lab.pid_file
    assert status(lab.lab_dir)["pid"] == pid  # idempotent: no restart
    _client(lab).logout()


def test_messages_have_exact_sizes(tmp_path: Path) -> None:
    writer = FolderWriter(tmp_path, None, "t")
    sizes = [420, 1000, 5000, 78 * 900 + 17, 64 * 1024 + 1, 3 * 2**20 + 5]
    for n, size in enumerate(sizes):
        writer.write(size, 1_500_000_000 + n, "S", "a@example.com", "b@acme.nl", "x")
    writer.close()
    files = sorted((tmp_path / "cur").iterdir(), key=lambda p: p.stat().st_mtime)
    for path, size in zip(files, sizes, strict=True):
        data = path.read_bytes()
        assert len(data) == size and f",S={size},W={size}:2,S" in path.name
        assert b"\n" not in data.replace(b"\r\n", b"") and int(path.stat().st_mtime) > 0
    assert standard().mailboxes == standard().mailboxes  # deterministic
