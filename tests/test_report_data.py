"""A small hand-built Inventory with hostile names, shared by the report tests."""

from __future__ import annotations

from datetime import UTC, datetime

from mailsurvey.model import (
    Folder,
    Mailbox,
    Observation,
    Permission,
    Reason,
    ScanInfo,
    Server,
    Status,
    Unit,
    UnitKind,
)
from mailsurvey.store import Inventory, folder_unit_key

MB = 1024 * 1024
HYPERLINK = '=HYPERLINK("http://evil.example","x")'
SCRIPT = "<script>alert(1)</script>"
CONTROL = "a\x01b\x1fc"
CONTROL_VISIBLE = "a\u2401b\u241fc"
CJK = "受信トレイ/重要"
POLISH = "Wysłane/Zażółć gęślą jaźń"
AMP = "Q&A \"quotes\" 'single' <b>"
HOSTILE = (HYPERLINK, "+SUM(1,2)", "@cmd", SCRIPT, CONTROL, CJK, POLISH, AMP, "#N/A", "-1")

ALICE = "alice@acme.example"
BOB = "bob@acme.example"
CAROL = "carol@acme.example"
T0 = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def _folder(
    mailbox: str, path: str, messages: int | None, size: int | None, **kw: object
) -> Folder:
    hist = kw.pop("histogram", None)
    largest = kw.pop("largest", None if size is None else min(size, 80 * 1024))
    if hist is None and messages is not None:
        hist = (messages, 0, 0, 0, 0, 0, 0)
    return Folder(
        source="hosting",
        mailbox=mailbox,
        path=path,
        delimiter="/",
        depth=path.count("/"),
        messages=messages,
        bytes=size,
        largest=largest,  # type: ignore[arg-type]
        oldest=None if messages is None else datetime(2015, 3, 1, 8, 0, tzinfo=UTC),
        newest=None if messages is None else datetime(2026, 11, 19, 17, 45, tzinfo=UTC),
        histogram=hist,  # type: ignore[arg-type]
        method="status+search",
        **kw,  # type: ignore[arg-type]
    )


def sample_inventory() -> Inventory:
    """alice: complete, hostile folder names; bob: one folder unknown; carol: login failed."""
    alice_folders = [
        _folder(ALICE, "INBOX", 120, 12 * MB, special_use="\\Inbox"),
        Folder(source="hosting", mailbox=ALICE, path="Archive", noselect=True),
        _folder(ALICE, "Big", 3, 200 * MB, histogram=(0, 0, 0, 0, 1, 1, 1), largest=160 * MB),
    ]
    alice_folders += [_folder(ALICE, name, 2, 2048) for name in HOSTILE]
    bob_folders = [
        _folder(BOB, "INBOX", 10, 1 * MB),
        _folder(BOB, "Broken", None, None),
    ]
    folders = alice_folders + bob_folders
    units = [
        Unit("hosting", UnitKind.ACCOUNT, ALICE, Status.OK, started=T0, finished=T0),
        Unit("hosting", UnitKind.ACCOUNT, BOB, Status.PARTIAL, Reason.PROTOCOL, "1 folder failed"),
        Unit(
            "hosting",
            UnitKind.ACCOUNT,
            CAROL,
            Status.FAILED,
            Reason.AUTH,
            "AUTHENTICATE failed: [AUTHENTICATIONFAILED] <b>bad</b>",
        ),
        *(
            Unit("hosting", UnitKind.FOLDER, folder_unit_key(f.mailbox, f.path), Status.OK)
            for f in folders
            if f.path != "Broken"
        ),
        Unit(
            "hosting",
            UnitKind.FOLDER,
            folder_unit_key(BOB, "Broken"),
            Status.FAILED,
            Reason.TIMEOUT,
            "EXAMINE timed out after 60 s",
        ),
    ]
    return Inventory(
        info=ScanInfo(
            project="Łódź <migration> & more",
            client="Łódź Sp. z o.o. / ACME",
            language="en",
            started=T0,
            mailsurvey_version="0.1.0",
            config_summary={"sources": ["hosting"], "concurrency": 8},
        ),
        units=units,
        servers=[
            Server(
                source="hosting",
                host="mail.acme.example",
                port=993,
                software="Dovecot",
                version="2.3.21",
                greeting="* OK [CAPABILITY IMAP4rev1] Dovecot ready.",
                capabilities=("IMAP4rev1", "ACL", "QUOTA"),
                security="tls",
                tls_verified=False,
            )
        ],
        mailboxes=[
            Mailbox(
                "hosting",
                ALICE,
                display_name="Alice =cmd|' /C calc'!A0",
                quota_used_bytes=215 * MB,
                quota_limit_bytes=1024 * MB,
            ),
            Mailbox("hosting", BOB, display_name="Bob <Bouwer>", kind="shared"),
        ],
        folders=folders,
        permissions=[
            Permission("hosting", BOB, None, ALICE, "lrswipkxtecda", "imap_acl"),
            Permission("hosting", ALICE, SCRIPT, "anyone", "lr", "imap_acl"),
        ],
        observations=[
            Observation(
                "hosting", ALICE, CJK, "count_mismatch", "STATUS says 3 messages, SEARCH found 2"
            )
        ],
    )
