"""Readiness checks across sources: duplicate addresses, Gmail's labels."""

from __future__ import annotations

from typing import Any

from mailsurvey.assess.checks import duplicate_addresses as dupes
from mailsurvey.assess.checks import gmail_label_duplication as gmail
from mailsurvey.assess.targets import MIB
from mailsurvey.model import Folder, Server

from .checks_helpers import TARGET, folder, inventory, person, with_directory


def test_duplicate_addresses_passes() -> None:
    inv = with_directory(inventory(folder("a@x"), folder("b@x")), person("a"), person("b"))
    assert dupes.run(inv, TARGET) == []


def test_duplicate_addresses_fails() -> None:
    inv = with_directory(
        inventory(folder("a@x"), folder("A@x", source="other")),
        person("a"),
        person("a2", proxy_addresses=("SMTP:a2@x", "smtp:a@x")),
    )
    found = {(f.mailbox, f.reason, f.value) for f in dupes.run(inv, TARGET)}
    assert found == {
        ("a@x", "mailbox_in_several_sources", 2),
        ("a@x", "address_on_several_objects", 2),
    }


def test_duplicate_addresses_partial() -> None:
    inv = with_directory(inventory(folder("a@x")), person("a"), broken=True)
    (f,) = dupes.run(inv, TARGET)
    assert (f.reason, f.partial) == ("not_known", True)


def labels(**kw: Any) -> list[Folder]:
    return [
        folder("g@x", "INBOX", bytes=10 * MIB),
        folder("g@x", "Work", bytes=5 * MIB),
        folder("g@x", "[Gmail]", noselect=True, bytes=None),
        folder("g@x", "[Gmail]/All Mail", bytes=12 * MIB, **kw),
        folder("g@x", "[Gmail]/Trash", bytes=1 * MIB),
    ]


def test_gmail_label_duplication_passes() -> None:
    assert gmail.run(inventory(folder("a@x")), TARGET) == []  # not Gmail
    only = inventory(folder("g@x", "[Gmail]/All Mail", bytes=MIB, special_use="\\All"))
    assert gmail.run(only, TARGET) == []


def test_gmail_label_duplication_fails() -> None:
    (f,) = gmail.run(inventory(*labels()), TARGET)
    assert (f.reason, f.value, f.limit) == ("labels_duplicate", 28 * MIB, 13 * MIB)
    inv = inventory(
        folder("g@x", "INBOX", bytes=MIB), folder("g@x", "Alles", bytes=MIB, special_use="\\All")
    )
    inv.servers = [Server("imap", "imap.gmail.com", 993, "Gmail", None, "* OK Gimap ready")]
    assert [f.value for f in gmail.run(inv, TARGET)] == [2 * MIB]


def test_gmail_label_duplication_partial() -> None:
    inv = inventory(*labels(), partial=("g@x",))
    (f,) = gmail.run(inv, TARGET)
    assert (f.reason, f.partial) == ("not_known", True)
    inv = inventory(folder("g@x", "[Gmail]/Sent Mail"))
    assert [f.reason for f in gmail.run(inv, TARGET)] == ["not_known"]  # no All Mail
