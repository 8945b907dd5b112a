"""Reports of an inventory: the client workbook (xlsx), an HTML report, inventory.json.

``render(inventory, out_dir)`` is the one entry point; every writer reads the same views.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from ..store import Inventory
from . import html, jsonout, xlsx
from .i18n import LANGUAGES, check_language
from .text import slug
from .views import build_report

__all__ = ["FORMATS", "LANGUAGES", "output_name", "render"]

FORMATS: tuple[str, ...] = ("xlsx", "html", "json")
JSON_NAME = "inventory.json"


def output_name(inventory: Inventory, fmt: str) -> str:
    """``<client-slug>-assessment-<scan start date>.<ext>``, or ``inventory.json``."""
    if fmt == "json":
        return JSON_NAME
    info = inventory.info
    started = info.started if info else datetime.now(UTC)
    if started.tzinfo is not None:
        started = started.astimezone(UTC)
    client = slug(info.client) if info else "client"
    return f"{client}-assessment-{started.date().isoformat()}.{fmt}"


def _write_atomic(path: Path, data: bytes) -> None:
    """Write beside the target, then rename: a crash never leaves half a report."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def render(
    inventory: Inventory,
    out_dir: Path,
    formats: Iterable[str] = FORMATS,
    language: str = "en",
    now: datetime | None = None,
) -> list[Path]:
    """Write the reports into ``out_dir`` and return their paths (in ``formats`` order).

    ``now`` (aware) is the moment the start of the copy is planned from (default: now)."""
    check_language(language)
    wanted = list(dict.fromkeys(formats))
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown:
        raise ValueError(
            f"unknown report format(s) {', '.join(map(repr, unknown))}: "
            f"choose from {', '.join(FORMATS)}"
        )
    report = build_report(inventory, now)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in wanted:
        if fmt == "xlsx":
            data = xlsx.build(report, language)
        elif fmt == "html":
            data = html.build(report, language).encode("utf-8")
        else:
            data = jsonout.build(inventory, report)
        path = out_dir / output_name(inventory, fmt)
        _write_atomic(path, data)
        paths.append(path)
    return paths
