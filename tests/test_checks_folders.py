"""Readiness checks on the folder tree: depth, width, names, classes, archives."""

from __future__ import annotations

from typing import Any

from mailsurvey.assess.checks import archives_present as archives
from mailsurvey.assess.checks import folder_class_not_carried as classes
from mailsurvey.assess.checks import folder_hierarchy as hierarchy
from mailsurvey.assess.checks import folder_names_refused as names
from mailsurvey.assess.targets import MIB
from mailsurvey.model import Folder

from .checks_helpers import TARGET, folder, inventory, target


def test_folder_hierarchy_passes() -> None:
    inv = inventory(folder("a@x", "A"), folder("a@x", "A/B"), folder("a@x", "A/C"))
    assert hierarchy.run(inv, TARGET) == []
    assert hierarchy.run(inv, target(max_depth=None, max_subfolders=None)) == []


def test_folder_hierarchy_fails_too_deep_and_too_wide() -> None:
    tree = ["A", "A/B", "A/B/C", "W", "W/1", "W/2", "W/3", "W/4"]
    inv = inventory(*(folder("a@x", p) for p in tree))
    found = {(f.reason, f.folder, f.value) for f in hierarchy.run(inv, TARGET)}
    assert found == {("too_deep", "A/B/C", 3), ("too_wide", "W", 4)}


def test_folder_hierarchy_partial() -> None:
    inv = inventory(folder("a@x"), failed=("b@x",))
    (f,) = hierarchy.run(inv, TARGET)
    assert (f.mailbox, f.reason, f.partial) == ("b@x", "not_known", True)


def test_folder_names_refused_passes() -> None:
    inv = inventory(folder("a@x", "Klanten.2024", delimiter="."), folder("a@x", "A/B"))
    assert names.run(inv, TARGET) == []


def test_folder_names_refused_fails_on_a_character_and_a_long_path() -> None:
    inv = inventory(
        folder("a@x", "Klanten.A/B", delimiter="."),  # '/' inside a name
        folder("a@x", "Projects/very long folder name"),
    )
    found = {(f.reason, f.folder) for f in names.run(inv, TARGET)}
    assert found == {
        ("name_refused", "Klanten.A/B"),
        ("path_too_long", "Projects/very long folder name"),
    }
    assert names.run(inv, target(refused_folder_chars="", max_path_chars=None)) == []


def test_folder_names_refused_partial() -> None:
    inv = inventory(folder("a@x"), failed=("b@x",))
    assert [(f.mailbox, f.partial) for f in names.run(inv, TARGET)] == [("b@x", True)]


def ews(path: str, cls: str, **kw: Any) -> Folder:
    return folder("e@x", path, method="ews", folder_class=cls, **kw)


def test_folder_class_not_carried_passes() -> None:
    inv = inventory(ews("Inbox", "IPF.Note"), ews("Calendar", "IPF.Appointment", messages=0))
    assert classes.run(inv, TARGET) == []  # an empty calendar loses nothing
    full = inventory(ews("Calendar", "IPF.Appointment"))
    assert classes.run(full, target(carries=frozenset({"mail", "calendar"}))) == []


def test_folder_class_not_carried_fails() -> None:
    inv = inventory(
        ews("Calendar", "IPF.Appointment", messages=7),
        ews("Calendar/Birthdays", "IPF.Appointment.Birthday", messages=3),
        ews("Contacts", "IPF.Contact", messages=5),
    )
    found = {(f.reason, f.value, f.partial) for f in classes.run(inv, TARGET)}
    assert found == {("calendar_not_carried", 10, False), ("contacts_not_carried", 5, False)}


def test_folder_class_not_carried_partial() -> None:
    inv = inventory(ews("Tasks", "IPF.Task", messages=None), failed=("f@x",))
    found = {(f.mailbox, f.reason, f.partial) for f in classes.run(inv, TARGET)}
    assert found == {("e@x", "tasks_not_carried", True), ("f@x", "not_known", True)}


def test_archives_present_passes() -> None:
    inv = inventory(ews("Inbox", "IPF.Note"), folder("a@x"))
    assert archives.run(inv, TARGET) == []


def test_archives_present_fails() -> None:
    inv = inventory(ews("Inbox", "IPF.Note"), ews("Inbox", "IPF.Note", area="archive", bytes=MIB))
    (f,) = archives.run(inv, target(archive_quota_bytes=None))
    assert (f.reason, f.value, f.partial) == ("archive_present", MIB, False)
    assert "not published" in f.detail


def test_archives_present_partial() -> None:
    inv = inventory(ews("Inbox", "IPF.Note", area="archive", bytes=None), failed=("f@x",))
    found = {(f.mailbox, f.reason, f.partial) for f in archives.run(inv, TARGET)}
    assert found == {("e@x", "archive_present", True), ("f@x", "not_known", True)}
