"""Readiness checks on item sizes and counts."""

from __future__ import annotations

from mailsurvey.assess.checks import folder_over_item_limit as items_check
from mailsurvey.assess.checks import item_over_size_limit as size_check
from mailsurvey.assess.checks import mailbox_over_quota as quota_check
from mailsurvey.assess.checks import shared_mailbox_licence as licence_check
from mailsurvey.assess.targets import GIB, MIB
from mailsurvey.model import Identity, Mailbox, Observation

from .checks_helpers import TARGET, folder, inventory, target

H_OK = (5, 3, 2, 0, 0, 0, 0)  # histogram: nothing of 25 MB or more
H_OVER = (5, 3, 0, 0, 1, 1, 1)  # one 25-35 MB, one 35-150 MB, one over 150 MB


def test_item_over_size_limit_passes() -> None:
    inv = inventory(
        folder("a@x", histogram=H_OK),
        folder("a@x", "Small", histogram=None, largest=None, bytes=MIB),  # can hold none
        folder("a@x", "Empty", histogram=None, largest=None, messages=0, bytes=0),
    )
    assert size_check.run(inv, TARGET) == []
    assert size_check.run(inv, target(max_item_bytes=None)) == []


def test_item_over_size_limit_fails_from_the_histogram_at_each_limit() -> None:
    inv = inventory(folder("a@x", histogram=H_OVER, largest=200 * MIB))
    (f,) = size_check.run(inv, TARGET)
    assert (f.reason, f.value, f.limit, f.partial) == ("item_over_limit", 2, 35 * MIB, False)
    assert f.folder == "INBOX" and "largest 200.0 MB" in f.detail
    assert size_check.run(inv, target(max_item_bytes=25 * MIB))[0].value == 3
    assert size_check.run(inv, target(max_item_bytes=150 * MIB))[0].value == 1
    # a limit between two bounds: the straddling bucket is "up to" and the finding partial
    (f,) = size_check.run(inv, target(max_item_bytes=100 * MIB))
    assert f.value == 1 and f.partial and "up to 1 more" in f.detail


def test_item_over_size_limit_from_ews_observations() -> None:
    big = folder("e@x", histogram=None, largest=None, bytes=300 * MIB, method="ews")
    arch = folder(
        "e@x", "Inbox", histogram=None, largest=None, bytes=300 * MIB, method="ews", area="archive"
    )
    inv = inventory(big, arch)
    inv.observations = [
        Observation(
            "imap", "e@x", "INBOX", "item_over_35mb", "2 item(s) over 35 MB: 160.0 MB, 40.5 MB"
        ),
        Observation("imap", "e@x", "INBOX", "item_over_150mb", "1 item(s) over 150 MB: 160.0 MB"),
    ]
    (f,) = size_check.run(inv, TARGET)
    assert (f.value, f.partial, f.folder) == (2, False, "INBOX")
    assert size_check.run(inv, target(max_item_bytes=150 * MIB))[0].value == 1
    # below 35 MB EWS did not look: what it listed counts, the rest is not known
    low = size_check.run(inv, target(max_item_bytes=25 * MIB))
    assert {(x.folder, x.value, x.partial) for x in low} == {
        ("INBOX", 2, True),
        ("Online Archive/Inbox", 0, True),
    }


def test_item_over_size_limit_partial() -> None:
    inv = inventory(
        folder("a@x", histogram=None, largest=40 * MIB),  # largest known, count not
        folder("b@x", histogram=None, largest=None, bytes=None, messages=None),
        folder("c@x", histogram=H_OK),
        partial=("c@x",),
        failed=("d@x",),
    )
    found = {(f.mailbox, f.reason, f.partial) for f in size_check.run(inv, TARGET)}
    assert found == {
        ("a@x", "item_over_limit", True),
        ("b@x", "not_known", True),
        ("c@x", "not_known", True),
        ("d@x", "not_known", True),
    }


def test_folder_over_item_limit_passes() -> None:
    inv = inventory(folder("a@x", messages=100), folder("a@x", "Sent", messages=900))
    assert items_check.run(inv, target(max_items_per_folder=900)) == []
    assert items_check.run(inv, target(max_items_per_folder=None, max_items_per_mailbox=None)) == []


def test_folder_over_item_limit_fails() -> None:
    inv = inventory(folder("a@x", messages=101), folder("a@x", "Sent", messages=99))
    found = items_check.run(inv, target(max_items_per_mailbox=150))
    assert {(f.reason, f.folder, f.value, f.partial) for f in found} == {
        ("folder_over_item_limit", "INBOX", 101, False),
        ("mailbox_over_item_limit", None, 200, False),
    }


def test_folder_over_item_limit_partial() -> None:
    inv = inventory(
        folder("a@x", messages=None),
        folder("b@x", messages=2000),
        folder("b@x", "Sent", messages=None),
        failed=("c@x",),
    )
    found = {(f.mailbox, f.reason, f.partial) for f in items_check.run(inv, TARGET)}
    assert found == {
        ("a@x", "not_known", True),
        ("b@x", "folder_over_item_limit", False),
        ("b@x", "mailbox_over_item_limit", True),  # at least 2,000
        ("c@x", "not_known", True),
    }


def test_mailbox_over_quota_passes() -> None:
    inv = inventory(folder("a@x", bytes=GIB), folder("a@x", "Inbox", area="archive", bytes=GIB))
    assert quota_check.run(inv, TARGET) == []


def test_mailbox_over_quota_fails_per_area() -> None:
    inv = inventory(
        folder("a@x", bytes=GIB),
        folder("a@x", "Sent", bytes=1),
        folder("a@x", "Inbox", area="archive", bytes=3 * GIB),
        folder("a@x", "Deletions", area="recoverable", bytes=GIB),
    )
    found = {(f.reason, f.value, f.partial) for f in quota_check.run(inv, TARGET)}
    assert found == {
        ("mailbox_over_quota", GIB + 1, False),
        ("archive_over_quota", 3 * GIB, False),
        ("recoverable_over_quota", GIB, False),
    }


def test_mailbox_over_quota_partial_uses_the_servers_quota_usage() -> None:
    inv = inventory(
        folder("a@x", bytes=2 * GIB),  # read in part: at least 2 GB
        folder("b@x", bytes=MIB),
        folder("c@x", bytes=None),  # nothing to say but "not known"
        partial=("a@x", "b@x"),
        mailboxes=(Mailbox("imap", "b@x", quota_used_bytes=5 * GIB),),
        failed=("d@x",),
    )
    found = {(f.mailbox, f.reason, f.value, f.partial) for f in quota_check.run(inv, TARGET)}
    assert found == {
        ("a@x", "mailbox_over_quota", 2 * GIB, True),
        ("b@x", "mailbox_over_quota", 5 * GIB, False),
        ("c@x", "not_known", None, True),
        ("d@x", "not_known", None, True),
    }


SHARED = Mailbox("imap", "s@x", kind="shared")


def test_shared_mailbox_licence_passes() -> None:
    inv = inventory(
        folder("s@x", bytes=400 * MIB), folder("u@x", bytes=900 * MIB), mailboxes=(SHARED,)
    )
    assert licence_check.run(inv, TARGET) == []
    assert licence_check.run(inv, target(shared_free_bytes=None)) == []


def test_shared_mailbox_licence_fails_by_kind_or_directory_type() -> None:
    inv = inventory(
        folder("s@x", bytes=600 * MIB),
        folder("d@x", bytes=600 * MIB),
        folder("u@x", bytes=600 * MIB),
        mailboxes=(SHARED,),
    )
    inv.identities = [
        Identity("dc", "CN=d", "user", mail="d@x", recipient_type="shared"),
        Identity("dc", "CN=u", "user", mail="u@x", recipient_type="user"),
    ]
    found = {(f.mailbox, f.reason) for f in licence_check.run(inv, TARGET)}
    assert found == {("s@x", "shared_needs_licence"), ("d@x", "shared_needs_licence")}


def test_shared_mailbox_licence_partial() -> None:
    inv = inventory(folder("s@x", bytes=100 * MIB), mailboxes=(SHARED,), partial=("s@x",))
    (f,) = licence_check.run(inv, TARGET)
    assert (f.reason, f.partial) == ("not_known", True)
