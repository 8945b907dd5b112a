"""The scan diff: matching rules, growth and migration figures, the reports and the CLI."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from mailsurvey.cli import app
from mailsurvey.diff import DiffError, Mode, State, compare
from mailsurvey.diff_common import Figures
from mailsurvey.diff_match import (
    MappingError,
    folder_key,
    not_expected,
    read_mapping,
    top_roles,
)
from mailsurvey.diff_migration import Arrival, Match
from mailsurvey.model import Folder
from mailsurvey.report.diff_out import diff_scans
from mailsurvey.store import Inventory

from .diff_helpers import Folders, save, scan

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
T2 = datetime(2026, 3, 4, 8, 0, tzinfo=UTC)  # two days later
JAN, PIET = "jan@acme.nl", "piet@acme.nl"


def _key(path: str, delimiter: str = "/", special: str | None = None, **kw: str) -> str:
    f = Folder("s", JAN, path, delimiter=delimiter, special_use=special)
    return str(folder_key(f, **kw))


# -- matching rules ---------------------------------------------------------------------


Spec = tuple[str, str, str | None, str]  # path, delimiter, special use, namespace prefix


def _plain(path: str) -> Spec:
    return (path, "/", None, "")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (_plain("INBOX"), _plain("Inbox")),
        (_plain("Sent"), _plain("Sent Items")),
        (_plain("Sent Messages"), _plain("Verzonden items")),
        (_plain("Trash"), _plain("Deleted Items")),
        (_plain("Junk"), _plain("Junk Email")),
        (_plain("Kosz"), _plain("Deleted Items")),
        (("INBOX.Sent.2024", ".", None, "INBOX."), _plain("Sent Items/2024")),
        (("INBOX.Klanten.Acme", ".", None, "INBOX."), _plain("Klanten/Acme")),
        (_plain("[Gmail]/Sent Mail"), _plain("Sent Items")),
        (_plain("[Google Mail]/Drafts"), _plain("Drafts")),
        (("Verstuurd", "/", "\\Sent", ""), _plain("Sent Items")),
    ],
)
def test_folders_match_across_systems(a: Spec, b: Spec) -> None:
    assert _key(a[0], a[1], a[2], prefix=a[3]) == _key(b[0], b[1], b[2], prefix=b[3])


def test_folders_that_differ_do_not_match() -> None:
    assert _key("Projects") != _key("Projecten")
    assert _key("Klanten/Acme") != _key("Klanten.Acme")  # "." is a name character with "/"
    assert _key("INBOX/Klanten") != _key("Klanten")  # a real subfolder of INBOX stays one
    assert _key("Sent/2024") == "@sent/2024"


def test_a_special_use_gives_its_subfolders_the_role() -> None:
    folders = [
        Folder("s", JAN, "Gesendet", "/", special_use="\\Sent"),
        Folder("s", JAN, "Gesendet/2024", "/", depth=1),
    ]
    roles = top_roles(folders)
    assert str(folder_key(folders[1], roles=roles)) == "@sent/2024"


def test_folders_a_target_does_not_carry() -> None:
    assert not_expected(Folder("s", JAN, "Deletions", "/", area="recoverable"))
    assert not_expected(Folder("s", JAN, "Purges", "/", area="archive_recoverable"))
    assert not_expected(Folder("s", JAN, "[Gmail]/All Mail", "/"))
    assert not_expected(Folder("s", JAN, "[Gmail]/Important", "/"))
    assert not not_expected(Folder("s", JAN, "[Gmail]/Sent Mail", "/"))
    assert not not_expected(Folder("s", JAN, "Inbox", "/", area="archive"))


def test_mapping_csv(tmp_path: Path) -> None:
    path = tmp_path / "map.csv"
    path.write_text("old,new\nJan@Old.nl, jan@acme.nl\n\n", encoding="utf-8")
    assert read_mapping(path) == {"jan@old.nl": "jan@acme.nl"}
    path.write_text("jan@old.nl,jan@acme.nl\npiet@old.nl\n", encoding="utf-8")
    with pytest.raises(MappingError, match=r"map\.csv, line 2: found 'piet@old\.nl'; expected"):
        read_mapping(path)
    path.write_text("jan@old.nl,a@acme.nl\njan@old.nl,b@acme.nl\n", encoding="utf-8")
    with pytest.raises(MappingError, match=r"line 2: jan@old\.nl is mapped twice"):
        read_mapping(path)
    with pytest.raises(MappingError, match="cannot read"):
        read_mapping(tmp_path / "absent.csv")


# -- growth -----------------------------------------------------------------------------


def test_mode_follows_the_sources() -> None:
    a = scan(T0, {JAN: {"INBOX": (1, 10)}})
    assert compare(a, scan(T2, {JAN: {"INBOX": (1, 10)}})).mode is Mode.GROWTH
    other_host = scan(T2, {JAN: {"INBOX": (1, 10)}}, host="outlook.office365.com")
    d = compare(a, other_host)
    assert (d.mode, d.chosen, d.same_sources) == (Mode.MIGRATION, True, False)
    d = compare(a, other_host, Mode.GROWTH)
    assert (d.mode, d.chosen) == (Mode.GROWTH, False)


def test_growth_per_mailbox_folder_and_day() -> None:
    old = scan(
        T0,
        {
            JAN: {"INBOX": (10, 1000), "Sent": (5, 500), "Old": (2, 200)},
            PIET: {"INBOX": (1, 100)},
            "gone@acme.nl": {"INBOX": (3, 300)},
        },
    )
    new = scan(
        T2,
        {
            JAN: {"INBOX": (16, 1600), "Sent": (3, 300), "Projects": (4, 400)},
            PIET: {"INBOX": (1, 100)},
            "new@acme.nl": {"INBOX": (7, 700)},
        },
    )
    g = compare(old, new).growth
    assert g is not None and g.days == 2.0
    jan = next(m for m in g.mailboxes if m.address == JAN)
    assert (jan.state, jan.before, jan.after) == (
        State.COMPARED,
        Figures(17, 1700),
        Figures(23, 2300),
    )
    assert jan.change == Figures(6, 600)
    assert (jan.messages_per_day, jan.bytes_per_day) == (3.0, 300.0)
    assert jan.delta == Figures(10, 1000)  # INBOX +6 and the new Projects 4; shrinking is 0
    assert (jan.new_folders, jan.vanished_folders) == (1, 1)
    states = {m.address: m.state for m in g.mailboxes}
    assert states == {
        JAN: State.COMPARED,
        PIET: State.COMPARED,
        "gone@acme.nl": State.VANISHED,
        "new@acme.nl": State.NEW,
    }
    changes = {(f.mailbox, f.path): (f.state, f.change) for f in g.folders}
    assert changes == {
        (JAN, "INBOX"): (State.CHANGED, Figures(6, 600)),
        (JAN, "Sent"): (State.CHANGED, Figures(-2, -200)),
        (JAN, "Old"): (State.VANISHED, Figures(-2, -200)),
        (JAN, "Projects"): (State.NEW, Figures(4, 400)),
    }  # the folders of new and vanished mailboxes are in their mailbox's row
    assert (g.before, g.after, g.change) == (Figures(18, 1800), Figures(24, 2400), Figures(6, 600))
    assert (g.messages_per_day, g.bytes_per_day, g.delta_bytes_per_day) == (3.0, 300.0, 500.0)
    assert (g.new_mailboxes, g.new_complete) == (Figures(7, 700), True)


def test_growth_of_a_mailbox_with_an_unknown_folder_is_not_comparable() -> None:
    old = scan(T0, {JAN: {"INBOX": (10, 1000), "Sent": (5, 500)}, PIET: {"INBOX": (1, 100)}})
    new = scan(T2, {JAN: {"INBOX": (12, 1200), "Sent": None}, PIET: {"INBOX": (2, 200)}})
    g = compare(old, new).growth
    assert g is not None
    jan = next(m for m in g.mailboxes if m.address == JAN)
    assert jan.state is State.NOT_COMPARABLE
    assert (jan.after, jan.change, jan.bytes_per_day) == (Figures(None, None),) * 2 + (None,)
    sent = next(f for f in g.folders if f.path == "Sent")
    assert (sent.state, sent.change) == (State.NOT_COMPARABLE, Figures(None, None))
    assert g.change == Figures(1, 100)  # piet only: jan is left out, not counted as 0


def test_growth_needs_the_older_scan_first() -> None:
    a, b = scan(T0, {JAN: {}}), scan(T2, {JAN: {}})
    with pytest.raises(DiffError, match=r"is older than .* expected the older scan first"):
        compare(b, a)


# -- migration --------------------------------------------------------------------------


def _source() -> dict[str, Folders]:
    return {
        JAN: {
            "INBOX": (10, 1000),
            "Sent": (5, 500),
            "Archive/2024": (3, 300),
            "Empty": (0, 0),
        },
        PIET: {"INBOX": (4, 400), "Sent Items": (1, 100), "Sent": (2, 200)},
    }


def _target(**changes: dict[str, tuple[int, int] | None]) -> dict[str, Folders]:
    boxes: dict[str, Folders] = {
        JAN: {"Inbox": (8, 800), "Sent Items": (5, 520), "Calendar": (2, 90)},
        PIET: {"Inbox": (5, 450), "Sent Items": (3, 300)},
    }
    boxes.update(changes)
    return boxes


def _exo(boxes: dict[str, Folders], failed_accounts: tuple[str, ...] = ()) -> Inventory:
    return scan(
        T2, boxes, source="exo", host="outlook.office365.com", failed_accounts=failed_accounts
    )


def test_migration_per_folder() -> None:
    d = compare(scan(T0, _source()), _exo(_target()))
    m = d.migration
    assert d.mode is Mode.MIGRATION and m is not None
    rows = {(f.mailbox, f.source_paths, f.target_paths): f for f in m.folders}
    inbox = rows[(JAN, ("INBOX",), ("Inbox",))]
    assert (inbox.state, inbox.missing, inbox.extra) == (
        Arrival.MISSING,
        Figures(2, 200),
        Figures(0, 0),
    )
    sent = rows[(JAN, ("Sent",), ("Sent Items",))]
    assert (sent.state, sent.missing, sent.extra) == (
        Arrival.ARRIVED,
        Figures(0, 0),
        Figures(0, 20),  # Exchange measures sizes its own way: shown, not hidden
    )
    archive = rows[(JAN, ("Archive/2024",), ())]
    assert (archive.state, archive.missing) == (Arrival.NOT_ON_TARGET, Figures(3, 300))
    assert rows[(JAN, ("Empty",), ())].state is Arrival.EMPTY_NOT_ON_TARGET
    calendar = rows[(JAN, (), ("Calendar",))]
    assert (calendar.state, calendar.extra) == (Arrival.ONLY_ON_TARGET, Figures(2, 90))
    # piet's "Sent" and "Sent Items" were merged into one target folder
    merged = rows[(PIET, ("Sent", "Sent Items"), ("Sent Items",))]
    assert (merged.state, merged.source, merged.missing) == (
        Arrival.ARRIVED,
        Figures(3, 300),
        Figures(0, 0),
    )
    more = rows[(PIET, ("INBOX",), ("Inbox",))]
    assert (more.state, more.extra) == (Arrival.MORE_ON_TARGET, Figures(1, 50))
    assert (m.missing, m.missing_complete, m.missing_found) == (Figures(5, 500), True, True)
    jan = next(b for b in m.mailboxes if b.address == JAN)
    assert (jan.match, jan.missing, jan.folders_missing) == (Match.MATCHED, Figures(5, 500), 2)


def test_unknown_figures_are_not_comparable_never_missing() -> None:
    target = _target(**{JAN: {"Inbox": None, "Sent Items": (5, 500)}})
    m = compare(scan(T0, _source()), _exo(target, failed_accounts=(PIET,))).migration
    assert m is not None
    states = {(f.mailbox, f.source_paths): f.state for f in m.folders}
    assert states[(JAN, ("INBOX",))] is Arrival.NOT_COMPARABLE
    assert states[(JAN, ("Archive/2024",))] is Arrival.NOT_ON_TARGET
    # piet's target account failed: none of his folders is "not on the target"
    assert {s for (box, _), s in states.items() if box == PIET} == {Arrival.NOT_COMPARABLE}
    piet = next(b for b in m.mailboxes if b.address == PIET)
    assert (piet.match, piet.missing) == (Match.TARGET_NOT_READ, Figures(None, None))
    inbox = next(f for f in m.folders if f.source_paths == ("INBOX",) and f.mailbox == JAN)
    assert inbox.missing == Figures(None, None)
    assert (m.missing, m.missing_complete) == (Figures(3, 300), False)  # at least


def test_not_expected_and_mailboxes_missing_from_the_target_scan(tmp_path: Path) -> None:
    source = scan(
        T0,
        {JAN: {"Inbox": (2, 20), "Deletions": (7, 70)}, PIET: {"INBOX": (1, 10)}},
        area={"Deletions": "recoverable"},
    )
    m = compare(source, _exo({JAN: {"Inbox": (2, 20)}})).migration
    assert m is not None
    rows = {f.source_paths: f for f in m.folders if f.mailbox == JAN}
    assert rows[("Deletions",)].state is Arrival.NOT_EXPECTED
    assert m.not_expected == Figures(7, 70)
    piet = next(b for b in m.mailboxes if b.address == PIET)
    assert piet.match is Match.NOT_IN_TARGET_SCAN
    assert not m.missing_found and not m.missing_complete


def test_renamed_mailboxes_through_the_mapping() -> None:
    source = scan(T0, {"jan@old.nl": {"INBOX": (3, 30)}})
    target = _exo({"Jan.Jansen@acme.nl": {"Inbox": (3, 30)}})
    d = compare(source, target, mapping={"jan@old.nl": "jan.jansen@acme.nl"})
    m = d.migration
    assert m is not None and m.mapped == 1
    assert [(b.address, b.target_address, b.match) for b in m.mailboxes] == [
        ("jan@old.nl", "Jan.Jansen@acme.nl", Match.MATCHED)
    ]
    assert [f.state for f in m.folders] == [Arrival.ARRIVED]


# -- reports and the command ------------------------------------------------------------

HOSTILE = '=HYPERLINK("http://evil.example","x")'


def test_reports_of_a_migration_check(tmp_path: Path) -> None:
    src = _source()
    src[JAN][HOSTILE] = (1, 10)
    old = save(scan(T0, src), tmp_path / "old.sqlite")
    new = save(_exo(_target()), tmp_path / "new.sqlite")
    outcome = diff_scans(old, new, out_dir=tmp_path / "out", language="nl")
    names = sorted(p.name for p in outcome.paths)
    assert names == [
        "acme-bv-diff-2026-03-02-2026-03-04.html",
        "acme-bv-diff-2026-03-02-2026-03-04.xlsx",
        "diff.json",
    ]
    wb = openpyxl.load_workbook(tmp_path / "out" / names[1])
    assert wb.sheetnames[:3] == ["Samenvatting", "Aankomst per postvak", "Aankomst per map"]
    ws = wb["Aankomst per map"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, (c for c in r), strict=True)) for r in ws.iter_rows(min_row=2)]
    hostile = next(r for r in rows if r["Map in de bron"].value == HOSTILE)
    assert hostile["Map in de bron"].data_type == "s"  # text, never a formula
    inbox = next(
        r for r in rows if r["Map in de bron"].value == "INBOX" and r["Postvak"].value == JAN
    )
    assert inbox["Berichten die niet aankwamen"].value == 2
    html = (tmp_path / "out" / names[0]).read_text(encoding="utf-8")
    assert "Vergelijking van scans" in html and "<script>alert" not in html
    assert "=HYPERLINK(&#34;http://evil.example&#34;" in html
    data = json.loads((tmp_path / "out" / "diff.json").read_text(encoding="utf-8"))
    assert data["mode"] == "migration" and data["missing_found"] is True
    assert data["migration"]["missing"] == {"messages": 6, "bytes": 510}
    assert data["old"]["sources"] == [{"name": "hosting", "host": "mail.acme.nl"}]


def test_reports_of_growth_in_every_language(tmp_path: Path) -> None:
    old = save(scan(T0, {JAN: {"INBOX": (1, 2**20)}}), tmp_path / "old.sqlite")
    new = save(scan(T2, {JAN: {"INBOX": (3, 3 * 2**20)}}), tmp_path / "new.sqlite")
    for language in ("en", "nl", "pl"):
        out = tmp_path / language
        outcome = diff_scans(old, new, out_dir=out, language=language, formats=["xlsx", "html"])
        assert outcome.diff.mode is Mode.GROWTH
        wb = openpyxl.load_workbook(outcome.paths[0])
        ws = wb[wb.sheetnames[1]]
        header = [c.value for c in ws[1]]
        row = dict(zip(header, (c.value for c in ws[2]), strict=True))
        change = next(v for k, v in row.items() if k and k.endswith("(MB)") and v == 2.0)
        assert change == 2.0
    html = outcome.paths[1].read_text(encoding="utf-8")
    assert "Porównanie skanów" in html


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["diff", *args])
    return result.exit_code, " ".join(result.output.split())  # rich wraps long lines


def test_command_exit_status(tmp_path: Path) -> None:
    old = save(scan(T0, _source()), tmp_path / "old.sqlite")
    new = save(_exo(_target()), tmp_path / "new.sqlite")
    code, text = _run(str(old), str(new), "--out", str(tmp_path / "o"), "--format", "json")
    assert code == 3, text
    assert "mode: migration (different sources)" in text
    assert "did not arrive: 5 messages, 500 bytes" in text
    same = save(scan(T2, _source()), tmp_path / "same.sqlite")
    code, text = _run(str(old), str(same), "--out", str(tmp_path / "o"), "--format", "json")
    assert code == 0 and "mode: growth (same sources)" in text, text
    code, text = _run(str(old), str(same), "--mode", "migration", "--format", "json")
    assert code == 0 and "mode: migration (given)" in text, text


def test_command_refuses_bad_input(tmp_path: Path) -> None:
    old = save(scan(T0, _source()), tmp_path / "old.sqlite")
    code, text = _run(str(old), str(tmp_path / "absent.sqlite"))
    assert code == 2 and "absent.sqlite: no such store" in text
    other = save(scan(T2, _source()), tmp_path / "v99.sqlite")
    with sqlite3.connect(other) as db:
        db.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
    code, text = _run(str(old), str(other))
    assert code == 2 and "store schema version 99" in text, text
    bad_map = tmp_path / "map.csv"
    bad_map.write_text("only-one-column\n", encoding="utf-8")
    code, text = _run(str(old), str(old), "--mode", "migration", "--map", str(bad_map))
    assert code == 2 and "map.csv, line 1" in text, text
    code, text = _run(str(old), str(old), "--mode", "sideways")
    assert code == 2 and "expected growth or migration" in text, text
