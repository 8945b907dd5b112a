"""What a readiness check says: the check's metadata and its findings.

A check is one module in ``assess/checks/``: ``META`` (a ``CheckMeta``) and a pure
``run(inventory, target) -> list[Finding]`` that gives a reason for every finding. A
finding on figures that are not (completely) known says so (``partial``), never "fine".

Unknown figures, the same way in every check: a mailbox not read completely (its account
or a folder unit not ok) gives a finding with ``partial=True`` -- the limit's own reason
when what was read already crosses it ("at least ..."), else reason ``not_known`` saying
what cannot be told and why. A directory read in part gives one ``not_known`` finding
without a mailbox. A check that needs a directory, or Exchange, finds nothing (no
finding) when none was scanned; it then does not apply. ``check_failed``: the check
itself raised (a bug), see ``checks.run_checks``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Severity(enum.StrEnum):
    BLOCKER = "blocker"  # will not make it across as is: must be fixed or accepted first
    WARNING = "warning"  # makes it across with a loss or an extra step; quote the work
    INFO = "info"  # worth knowing for the plan (e.g. devices to reconfigure)


@dataclass(frozen=True)
class CheckMeta:
    id: str  # the module's name
    title: str  # English; reports translate by id
    severity: Severity
    targets: tuple[str, ...]  # target profile ids it applies to; () = every target
    fix: str  # what to do about a finding (English; reports translate by id)


@dataclass(frozen=True)
class Finding:
    check: str  # CheckMeta.id
    target: str  # the target profile id assessed
    severity: Severity
    source: str | None
    mailbox: str | None
    folder: str | None
    reason: str  # a short code for the kind of finding, e.g. "item_over_limit"
    detail: str  # the figures, e.g. "3 items over 35 MB (largest 151 MB)"
    value: float | None = None  # the figure that crossed the limit, when there is one
    limit: float | None = None  # the limit it crossed
    partial: bool = False  # the figures behind it are not completely known
