"""The About sheet: which mailsurvey made the scan and the report, when, with which
settings (the config as the scan stored it: secrets only as references), and how each
figure was obtained, as the collectors and the assessment actually do it.

The config summary never holds a secret (``Config.summary``); a key that reads like one
and is not a reference (``*_env``, ``*_file``, ``*_keyring``) is still hidden here, so a
future setting cannot leak through this sheet.
"""

from __future__ import annotations

import re
from datetime import datetime

from .. import __version__
from ..store import Inventory
from .aggregate import utc_naive
from .figure_methods import EVERY, METHODS, PRICING
from .i18n import N_, Phrase, Word
from .views import Column, Kind, Table, Value

NOT_SET = Word("not set")
HIDDEN = Word("(hidden)")
_SECRET_KEY = re.compile(r"password|secret|token|passphrase|credential|private_key", re.I)
_REFERENCE_KEY = re.compile(r"_(env|file|keyring)$")
# A list of mailboxes or accounts longer than this is one row that points to the sheet
# listing them (a CSV of 200 addresses would otherwise fill pages of the About sheet).
LIST_ROWS = 5
_MAILBOX_LISTS = frozenset({"accounts", "mailboxes"})
ENTRIES = N_("%(count)s entries \u2014 see the %(sheet)s sheet")


def _is_secret(key: str) -> bool:
    return bool(_SECRET_KEY.search(key)) and not _REFERENCE_KEY.search(key)


def _leaf(value: object) -> Value:
    if value is None:
        return NOT_SET
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def flatten(value: object, path: str = "", in_list: bool = False) -> list[tuple[str, Value]]:
    """(key path, value) rows of a config summary: ``sources[0].auth.user``; a list of
    plain values is one row; in a list's entries (accounts) only the keys that are set; a
    long list of mailboxes or accounts is one row that counts them; a secret-looking key
    that is not a reference is hidden."""
    name = path.rsplit(".", 1)[-1]
    if isinstance(value, list) and name in _MAILBOX_LISTS and len(value) > LIST_ROWS:
        entries = Phrase(ENTRIES, (("count", len(value)), ("sheet", Word("Mailboxes"))))
        return [(path, entries)]
    if isinstance(value, dict):
        rows: list[tuple[str, Value]] = []
        for key, item in value.items():
            sub = f"{path}.{key}" if path else str(key)
            if in_list and item is None:
                continue
            if _is_secret(str(key)) and item is not None:
                rows.append((sub, HIDDEN))
            else:
                rows += flatten(item, sub)
        return rows
    if isinstance(value, list):
        if all(not isinstance(v, dict | list) for v in value):
            return [(path, ", ".join(str(v) for v in value) if value else NOT_SET)]
        return [row for i, v in enumerate(value) for row in flatten(v, f"{path}[{i}]", True)]
    return [(path, _leaf(value))]


def _source_types(summary: dict[str, object]) -> set[str] | None:
    """The source types the config named; None when it is not known (every row shown)."""
    sources = summary.get("sources")
    if not isinstance(sources, list):
        return None
    types = {str(s.get("type")) for s in sources if isinstance(s, dict)}
    return types or None


def shown_kinds(summary: dict[str, object]) -> set[str] | None:
    """The kinds of method rows that apply: every scan's, the source types the config
    named and the quote's when it held prices; None when the config is not known (every
    row shown)."""
    types = _source_types(summary)
    if types is None:
        return None
    return types | {EVERY} | ({PRICING} if summary.get("pricing") is not None else set())


def _methods(summary: dict[str, object]) -> Table:
    kinds = shown_kinds(summary)
    rows: tuple[tuple[Value, ...], ...] = tuple(
        (Word(figure), Word(method), Word(origin))
        for kind, figure, method, origin in METHODS
        if kinds is None or kind in kinds
    )
    columns = (
        Column("figure", N_("Figure"), width=30),
        Column("method", N_("How it was obtained"), width=90),
        Column("origin", N_("Read from"), width=28),
    )
    return Table("figure_methods", N_("How each figure was obtained"), columns, rows)


def _config(summary: dict[str, object]) -> Table:
    rows = tuple(flatten(summary))
    columns = (
        Column("setting", N_("Setting"), width=40),
        Column("value", N_("Value"), width=60),
    )
    notes = () if rows else (Word("The scan stored no configuration."),)
    return Table(
        "config",
        N_("Configuration of the scan (secrets only as references)"),
        columns,
        rows,
        notes=notes,
    )


def about_sheet(inv: Inventory, generated: datetime) -> Table:
    """The last sheet: the run's facts, then how each figure was obtained, then the config."""
    info = inv.info
    summary = info.config_summary if info else {}
    rows: tuple[tuple[Value, ...], ...] = (
        (Word("mailsurvey version of the scan"), info.mailsurvey_version if info else None),
        (Word("mailsurvey version of this report"), __version__),
        (Word("Scan started (UTC)"), utc_naive(info.started) if info else None),
        (Word("Report generated (UTC)"), generated),
        (Word("Project"), info.project if info else None),
        (Word("Client"), info.client if info else None),
    )
    columns = (
        Column("item", N_("Item"), width=34),
        Column("value", N_("Value"), Kind.DATETIME, width=40),
    )
    return Table(
        "about",
        N_("About"),
        columns,
        rows,
        extras=(_methods(summary), _config(summary)),
    )
