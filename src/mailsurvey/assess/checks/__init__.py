"""The readiness checks: one module per check in this package, found by name.

A check module holds ``META`` (a ``CheckMeta`` whose id is the module's name) and a pure
``run(inventory, target) -> list[Finding]``. Modules whose name starts with ``_`` are
helpers, not checks. ``run_checks`` runs every check for every target it applies to
(``META.targets`` empty: every target). A check that raises is a bug: ``run_checks``
turns it into one finding of reason ``check_failed`` (partial, with the exception's
type and message) so that one bad check never loses the others' findings; tests pass
``raise_errors=True`` (or call ``run`` directly) to see the exception itself.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from types import ModuleType
from typing import cast

from ...store import Inventory
from ..findings import CheckMeta, Finding, Severity
from ..targets import TargetProfile

Run = Callable[[Inventory, TargetProfile], list[Finding]]


def _discover() -> dict[str, ModuleType]:
    found: dict[str, ModuleType] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        meta = getattr(module, "META", None)
        if not isinstance(meta, CheckMeta) or meta.id != info.name:
            raise ImportError(f"check {info.name}: META missing or its id is not the module name")
        if not callable(getattr(module, "run", None)):
            raise ImportError(f"check {info.name}: no run(inventory, target)")
        found[info.name] = module
    return found


CHECKS: dict[str, ModuleType] = _discover()


def meta(check: ModuleType) -> CheckMeta:
    return cast(CheckMeta, check.META)


def applies(check: ModuleType, target: TargetProfile) -> bool:
    targets = meta(check).targets
    return not targets or target.id in targets


def run_checks(
    inv: Inventory, targets: list[TargetProfile], *, raise_errors: bool = False
) -> list[Finding]:
    """Every check's findings for every target it applies to, target by target."""
    out: list[Finding] = []
    for target in targets:
        for name, check in CHECKS.items():
            if not applies(check, target):
                continue
            try:
                out += cast(Run, check.run)(inv, target)
            except Exception as exc:
                if raise_errors:
                    raise
                out.append(
                    Finding(
                        check=name,
                        target=target.id,
                        severity=Severity.WARNING,
                        source=None,
                        mailbox=None,
                        folder=None,
                        reason="check_failed",
                        detail=f"the check failed (a bug): {type(exc).__name__}: {exc}",
                        partial=True,
                    )
                )
    return out
