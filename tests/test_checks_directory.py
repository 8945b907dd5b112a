"""Readiness checks on mailboxes and the directory: inactive, empty, unmatched."""

from __future__ import annotations

from datetime import timedelta

from mailsurvey.assess.checks import empty_mailboxes as empty
from mailsurvey.assess.checks import identity_mismatch as mismatch
from mailsurvey.assess.checks import inactive_mailboxes as inactive

from .checks_helpers import NOW, TARGET, folder, inventory, person, with_directory


def test_inactive_mailboxes_passes() -> None:
    inv = with_directory(
        inventory(folder("a@x"), folder("s@x")),
        person("a"),
        person("s", "shared", enabled=False, last_logon=None),
    )
    assert inactive.run(inv, TARGET) == []
    assert inactive.run(inventory(folder("a@x")), TARGET) == []  # no directory: no finding


def test_inactive_mailboxes_fails() -> None:
    inv = with_directory(
        inventory(folder("a@x"), folder("b@x"), folder("c@x")),
        person("a", enabled=False),
        person("b", last_logon=None),
        person("c", last_logon=NOW - timedelta(days=200)),
    )
    found = {(f.mailbox, f.reason) for f in inactive.run(inv, TARGET)}
    assert found == {("a@x", "account_disabled"), ("b@x", "no_logon"), ("c@x", "stale_logon")}


def test_inactive_mailboxes_partial() -> None:
    inv = with_directory(inventory(folder("a@x")), person("a"), broken=True)
    (f,) = inactive.run(inv, TARGET)
    assert (f.mailbox, f.reason, f.partial) == (None, "not_known", True)


def test_empty_mailboxes_passes() -> None:
    inv = inventory(folder("a@x"), folder("a@x", "Trash", messages=0))
    assert empty.run(inv, TARGET) == []


def test_empty_mailboxes_fails() -> None:
    inv = inventory(folder("a@x", messages=0), folder("a@x", "Sent", messages=0))
    (f,) = empty.run(inv, TARGET)
    assert (f.mailbox, f.reason, f.partial) == ("a@x", "empty", False)


def test_empty_mailboxes_partial() -> None:
    inv = inventory(
        folder("a@x", messages=0),
        folder("a@x", "Sent", messages=None),
        folder("b@x", messages=0),
        folder("c@x", messages=4),  # read in part but not empty: no finding
        partial=("b@x", "c@x"),
        failed=("d@x",),
    )
    found = {(f.mailbox, f.reason, f.partial) for f in empty.run(inv, TARGET)}
    assert found == {
        ("a@x", "not_known", True),
        ("b@x", "not_known", True),
        ("d@x", "not_known", True),
    }


def test_identity_mismatch_passes() -> None:
    inv = with_directory(inventory(folder("a@x")), person("a"))
    assert mismatch.run(inv, TARGET) == []
    assert mismatch.run(inventory(folder("a@x")), TARGET) == []


def test_identity_mismatch_fails_both_ways() -> None:
    inv = with_directory(inventory(folder("a@x"), folder("ghost@x")), person("a"), person("kees"))
    found = {(f.mailbox, f.reason) for f in mismatch.run(inv, TARGET)}
    assert found == {
        ("ghost@x", "mailbox_without_identity"),
        ("kees@x", "identity_without_mailbox"),
    }


def test_identity_mismatch_partial() -> None:
    inv = with_directory(inventory(folder("ghost@x")), broken=True)
    (f,) = mismatch.run(inv, TARGET)
    assert (f.reason, f.partial) == ("mailbox_without_identity", True)
