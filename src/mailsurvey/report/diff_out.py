"""Write a scan diff: ``<client>-diff-<old date>-<new date>.xlsx`` and ``.html`` (the
workbook and HTML writers, from ``views_diff``) and ``diff.json`` (every figure, unknown
as null)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .. import __version__
from ..diff import DiffError, Mode, ScanDiff, Side, compare, load_scan
from ..diff_match import MappingError, read_mapping
from . import FORMATS, _write_atomic, html, xlsx
from .i18n import check_language
from .text import slug
from .views_diff import diff_report

JSON_NAME = "diff.json"


@dataclass(frozen=True)
class DiffOutcome:
    diff: ScanDiff
    paths: list[Path]


def _date(side: Side) -> str:
    started = side.started or datetime.now(UTC)
    if started.tzinfo is not None:
        started = started.astimezone(UTC)
    return started.date().isoformat()


def output_name(diff: ScanDiff, fmt: str) -> str:
    """``<client-slug>-diff-<old scan's date>-<new scan's date>.<ext>``, or ``diff.json``."""
    if fmt == "json":
        return JSON_NAME
    client = slug(diff.new.client or diff.old.client) or "client"
    return f"{client}-diff-{_date(diff.old)}-{_date(diff.new)}.{fmt}"


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


def build_json(diff: ScanDiff, generated: datetime) -> bytes:
    data = {
        "mailsurvey_version": __version__,
        "generated": generated.isoformat(),
        **dataclasses.asdict(diff),
        "missing_found": diff.missing_found,
    }
    for key in ("old", "new"):
        side = data[key]
        assert isinstance(side, dict)
        side["sources"] = [{"name": n, "host": h} for n, h in side["sources"]]
    return json.dumps(data, default=_plain, ensure_ascii=False, indent=1).encode("utf-8")


def diff_scans(
    old: Path,
    new: Path,
    *,
    mode: Mode | None = None,
    mapping: Path | None = None,
    out_dir: Path | None = None,
    formats: Iterable[str] = FORMATS,
    language: str | None = None,
    now: datetime | None = None,
) -> DiffOutcome:
    """Compare the scans in two stores and write the diff's reports into ``out_dir``
    (default: beside NEW). DiffError: a store that cannot be read, a bad mapping."""
    wanted = list(dict.fromkeys(formats))
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown:
        raise DiffError(f"unknown format(s) {', '.join(unknown)}: choose from {', '.join(FORMATS)}")
    try:
        renames = read_mapping(mapping) if mapping is not None else {}
    except MappingError as exc:
        raise DiffError(str(exc)) from None
    if renames and mode is Mode.GROWTH:
        raise DiffError("--map renames mailboxes for a migration check; expected --mode migration")
    old_inv, new_inv = load_scan(old), load_scan(new)
    diff = compare(old_inv, new_inv, mode, renames, (old, new))
    lang = check_language(language or diff.new.language)
    now = now or datetime.now(UTC)
    report = diff_report(diff, old_inv, new_inv, now)
    target = out_dir or new.parent
    target.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in wanted:
        if fmt == "xlsx":
            data = xlsx.build(report, lang)
        elif fmt == "html":
            data = html.build(report, lang).encode("utf-8")
        else:
            data = build_json(diff, report.generated)
        path = target / output_name(diff, fmt)
        _write_atomic(path, data)
        paths.append(path)
    return DiffOutcome(diff, paths)
