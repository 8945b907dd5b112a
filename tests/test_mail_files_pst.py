"""PST and OST files read with libpff, against real Outlook files: the samples the npm
package pst-extractor ships (scripts/setup fetches them). The expected figures are those
pst-extractor itself reads from the same files (an independent implementation), and the
counts each folder stores (PR_CONTENT_COUNT)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mailsurvey.model import Folder, Status, UnitKind
from mailsurvey.store import Inventory

from .test_mail_files import scan, tree_state

SAMPLES = Path(__file__).resolve().parent.parent / ".cache" / "pst-samples"
ENRON = "enron.pst"
OST = "pstextractortest@outlook.com.ost"
LOKAY = "lokay-m/MLOKAY (Non-Privileged)"


@pytest.fixture(scope="module")
def samples() -> Path:
    """The sample files; missing ones fail the tests (never a skip): run scripts/setup."""
    missing = [n for n in (ENRON, OST) if not (SAMPLES / n).is_file()]
    if missing:
        where = " (CI is set)" if os.environ.get("CI") else ""
        pytest.fail(f"{', '.join(missing)} not in {SAMPLES}{where}: run ./scripts/setup")
    return SAMPLES


@pytest.fixture
def scanned(tmp_path: Path, samples: Path) -> Inventory:
    exports = tmp_path / "exports"
    exports.mkdir()
    (exports / "lokay@enron.com.pst").symlink_to(samples / ENRON)
    (exports / OST).symlink_to(samples / OST)
    return scan(tmp_path, exports)


def folders(inv: Inventory, address: str) -> dict[str, Folder]:
    return {f.path: f for f in inv.folders if f.mailbox == address}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def test_pst_folder_tree_and_figures(scanned: Inventory) -> None:
    got = folders(scanned, "lokay@enron.com")
    assert sorted(got) == [
        "Deleted Items",
        "lokay-m",
        LOKAY,
        f"{LOKAY}/Personal",
        f"{LOKAY}/Sent Items",
        f"{LOKAY}/Systems",
        f"{LOKAY}/TW-Commercial Group",
    ]  # below "Top of Personal Folders"; the search folders are not mail
    figures = {p: (f.messages, f.bytes, f.largest, f.oldest, f.newest) for p, f in got.items()}
    assert figures[f"{LOKAY}/Personal"] == (
        47,
        11334589,
        4811440,
        utc(2000, 10, 6, 15, 3, 6),
        utc(2001, 6, 22, 15, 22, 12),
    )
    assert figures[f"{LOKAY}/TW-Commercial Group"] == (
        14,
        954476,
        653764,
        utc(2001, 10, 22, 20, 6, 22),
        utc(2001, 10, 29, 22, 9, 2),
    )
    assert figures[f"{LOKAY}/Systems"] == (
        7,
        183593,
        100586,
        utc(2001, 1, 30, 12, 44),
        utc(2001, 10, 16, 9, 15, 23),
    )
    assert figures[f"{LOKAY}/Sent Items"] == (
        2,
        11752,
        7424,
        utc(2001, 10, 30, 3, 52, 40),
        utc(2001, 10, 30, 6, 16, 28),
    )
    assert figures[LOKAY][:3] == (1, 19458, 19458)
    assert figures["Deleted Items"] == (0, 0, None, None, None)
    personal = got[f"{LOKAY}/Personal"]
    assert sum(personal.histogram or ()) == 47 and (personal.histogram or ())[2] >= 1
    assert (personal.depth, personal.folder_class) == (2, "IPF.Note")
    (mailbox,) = [m for m in scanned.mailboxes if m.address == "lokay@enron.com"]
    assert mailbox.display_name == "Personal folders"


def test_ost_mailbox_folders_and_item_classes(scanned: Inventory) -> None:
    got = folders(scanned, OST.removesuffix(".ost"))
    assert "Inbox" in got and "Calendar/United States holidays" in got
    assert not any(p.startswith(("Root - Public", "Finder", "IPM_SUBTREE")) for p in got)
    inbox = got["Inbox"]
    assert (inbox.messages, inbox.bytes, inbox.largest, inbox.special_use) == (
        10,
        1364354,
        252185,
        "\\Inbox",
    )
    assert (got["Sent Items"].messages, got["Sent Items"].bytes) == (2, 300628)
    assert (got["Deleted Items"].messages, got["Deleted Items"].bytes) == (1, 129683)
    calendar = got["Calendar"]
    assert (calendar.messages, calendar.bytes, calendar.folder_class) == (
        9,
        683124,
        "IPF.Appointment",
    )
    assert got["Calendar/United States holidays"].messages == 160  # its PR_CONTENT_COUNT


def test_pst_scan_is_read_only_and_ok(tmp_path: Path, samples: Path) -> None:
    before = tree_state(samples)
    exports = tmp_path / "exports"
    exports.mkdir()
    (exports / "lokay@enron.com.pst").symlink_to(samples / ENRON)
    inv = scan(tmp_path, exports)
    units = [u for u in inv.units if u.kind is UnitKind.ACCOUNT]
    assert [(u.key, u.status) for u in units] == [("lokay@enron.com", Status.OK)]
    assert tree_state(samples) == before
