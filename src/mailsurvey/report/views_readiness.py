"""The readiness of the scanned mailboxes for each target: the checks' findings as the
reports show them (the Readiness sheet, a summary block), computed at render time from
the inventory and the targets of the config the scan ran with (``targets:``).

A finding on figures not completely known shows "At least" (its limit is crossed by what
was read) or "Unknown" (reason ``not_known``), never as fine. The many ``not_known``
findings of a mailbox that was not read at all are one line (for every target) pointing to
the Errors sheet.
A finding that is the same for every target assessed (a check that does not read the
target) is shown once, under "Every target assessed".
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace

from ..assess.checks import CHECKS, meta, run_checks
from ..assess.findings import Finding, Severity
from ..assess.targets import PROFILES, TargetProfile
from ..model import Status, UnitKind
from ..store import Inventory
from .i18n import N_, STATUS_WORDS, Phrase, Word
from .readiness_words import (
    AT_LEAST_FIGURES,
    CHECK_FAILED,
    CHECK_FIXES,
    CHECK_TITLES,
    COMPLETE_FIGURES,
    EVERY_TARGET,
    NO_TARGETS,
    NOT_KNOWN_REASON,
    NOT_READ,
    REASONS,
    SEE_ERRORS,
    SEVERAL_CHECKS,
    SEVERITY_ORDER,
    SEVERITY_WORDS,
    TARGET_TITLES,
    UNKNOWN_FIGURES,
)
from .views import Column, Kind, Table, Value

EVERY = "*"  # the target of a finding shown once for every target


@dataclass(frozen=True)
class ReadinessView:
    targets: tuple[TargetProfile, ...]  # the targets assessed, in the config's order
    unknown_targets: tuple[str, ...]  # ids in the config that no profile has
    findings: tuple[Finding, ...]  # every finding, target by target (as the checks gave them)
    summary: Table  # blockers / warnings / info per target
    sheet: Table  # the Readiness sheet


def targets_of(inv: Inventory) -> tuple[list[TargetProfile], list[str]]:
    """(the target profiles the scan's config names, the ids no profile has)."""
    summary = inv.info.config_summary if inv.info else {}
    raw = summary.get("targets") if isinstance(summary, dict) else None
    ids = [str(t) for t in raw] if isinstance(raw, list) else []
    ids = list(dict.fromkeys(ids))
    return [PROFILES[t] for t in ids if t in PROFILES], [t for t in ids if t not in PROFILES]


def target_word(target_id: str) -> Value:
    if target_id == EVERY:
        return EVERY_TARGET
    if target_id in TARGET_TITLES:
        return Word(TARGET_TITLES[target_id])
    return PROFILES[target_id].title if target_id in PROFILES else target_id


def check_title(check: str) -> Value:
    if check in CHECK_TITLES:
        return Word(CHECK_TITLES[check])
    return meta(CHECKS[check]).title if check in CHECKS else check


def check_fix(check: str) -> Value:
    if check in CHECK_FIXES:
        return Word(CHECK_FIXES[check])
    return meta(CHECKS[check]).fix if check in CHECKS else None


def _figure(value: float, unit: str) -> int | float:
    return value / 2**20 if unit == "mb" else round(value)


def what(f: Finding) -> Value:
    """What the finding says, in our words with its figures; the checks' English detail
    when the reason is not one we know or a figure the sentence needs is missing."""
    known = REASONS.get(f.reason)
    if known is None:
        return f.detail
    msgid, value_unit, limit_unit = known
    if (value_unit and f.value is None) or (limit_unit and f.limit is None):
        return f.detail
    args: list[tuple[str, int | float | str | Word]] = []
    if value_unit and f.value is not None:
        args.append(("value", _figure(f.value, value_unit)))
    if limit_unit and f.limit is not None:
        args.append(("limit", _figure(f.limit, limit_unit)))
    return Phrase(msgid, tuple(args)) if args else Word(msgid)


def figures(f: Finding) -> Word:
    if f.reason in (NOT_KNOWN_REASON, CHECK_FAILED):
        return UNKNOWN_FIGURES
    return AT_LEAST_FIGURES if f.partial else COMPLETE_FIGURES


def _not_read(inv: Inventory) -> dict[tuple[str, str], Status | None]:
    """Mailboxes whose account was not read at all (failed, skipped, no unit) -> status."""
    accounts = {(u.source, u.key): u.status for u in inv.units if u.kind is UnitKind.ACCOUNT}
    out: dict[tuple[str, str], Status | None] = {
        k: s for k, s in accounts.items() if s in (Status.FAILED, Status.SKIPPED)
    }
    for m in inv.mailboxes:
        if (m.source, m.address) not in accounts:
            out[(m.source, m.address)] = None
    return out


def _once(findings: list[Finding], targets: list[TargetProfile]) -> list[Finding]:
    """A finding every target (of those its check applies to, two or more) has alike is
    kept once, with the target ``EVERY``; the rest as they are."""
    if len(targets) < 2:
        return findings
    seen: dict[Finding, set[str]] = defaultdict(set)
    for f in findings:
        seen[replace(f, target=EVERY)].add(f.target)
    every = {t.id for t in targets}
    out: list[Finding] = []
    done: set[Finding] = set()
    for f in findings:
        key = replace(f, target=EVERY)
        if seen[key] == every:
            if key not in done:
                done.add(key)
                out.append(key)
        else:
            out.append(f)
    return out


Row = tuple[Value, ...]


def _rows(inv: Inventory, findings: list[Finding], targets: list[TargetProfile]) -> list[Row]:
    not_read = _not_read(inv)
    order = {t.id: i for i, t in enumerate(targets)} | {EVERY: -1}
    collapsed: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    keep: list[Finding] = []
    for f in _once(findings, targets):
        key = (f.source or "", f.mailbox or "")
        if f.reason == NOT_KNOWN_REASON and f.mailbox is not None and key in not_read:
            collapsed[key].append(f)
        else:
            keep.append(f)
    rows: list[tuple[tuple[int, int, str, str, str], Row]] = []
    for f in keep:
        sort = (order.get(f.target, 99), SEVERITY_ORDER[f.severity.value], f.check)
        row: Row = (
            target_word(f.target),
            SEVERITY_WORDS[f.severity.value],
            check_title(f.check),
            f.mailbox,
            f.folder,
            what(f),
            figures(f),
            check_fix(f.check),
            f.source,
            f.detail,
        )
        rows.append(((*sort, f.mailbox or "", f.folder or ""), row))
    for (source, mailbox), group in collapsed.items():
        assessed = {f.target for f in group}
        target = assessed.pop() if len(assessed) == 1 else EVERY
        worst = min(group, key=lambda f: SEVERITY_ORDER[f.severity.value]).severity
        status = not_read[(source, mailbox)]
        phrase = Phrase(
            NOT_READ,
            (
                ("status", STATUS_WORDS[status] if status else Word("not recorded")),
                ("count", len({f.check for f in group})),
            ),
        )
        sort = (order.get(target, 99), SEVERITY_ORDER[worst.value], "")
        row = (
            target_word(target),
            SEVERITY_WORDS[worst.value],
            SEVERAL_CHECKS,
            mailbox,
            None,
            phrase,
            UNKNOWN_FIGURES,
            SEE_ERRORS,
            source,
            "; ".join(sorted({f.check for f in group})),
        )
        rows.append(((*sort, mailbox, ""), row))
    return [r for _, r in sorted(rows, key=lambda x: x[0])]


_COLUMNS = (
    Column("target", N_("Target"), width=36),
    Column("severity", N_("Severity"), width=10, alert=frozenset({SEVERITY_WORDS["blocker"]})),
    Column("check", N_("Check"), width=36),
    Column("mailbox", N_("Mailbox"), width=30),
    Column("folder", N_("Folder"), width=30),
    Column("what", N_("Finding"), width=48),
    Column(
        "figures",
        N_("Figures"),
        width=10,
        alert=frozenset({AT_LEAST_FIGURES, UNKNOWN_FIGURES}),
    ),
    Column("fix", N_("What to do"), width=60),
    Column("source", N_("Source"), width=14),
    Column("detail", N_("Details (English)"), width=48),
)


def _summary(
    findings: list[Finding], targets: list[TargetProfile], notes: tuple[Word | Phrase, ...]
) -> Table:
    rows: list[Row] = []
    for t in targets:
        mine = [f for f in findings if f.target == t.id]
        count = {s: sum(1 for f in mine if f.severity is s) for s in Severity}
        unsure = sum(1 for f in mine if f.partial)
        rows.append(
            (
                target_word(t.id),
                count[Severity.BLOCKER],
                count[Severity.WARNING],
                count[Severity.INFO],
                unsure,
            )
        )
    columns = (
        Column("target", N_("Target"), width=36),
        Column("blockers", N_("Blockers"), Kind.INT, 10),
        Column("warnings", N_("Warnings"), Kind.INT, 10),
        Column("info", N_("Info"), Kind.INT, 10),
        Column("unknown", N_("Not completely known"), Kind.INT, 12),
    )
    return Table("readiness_summary", N_("Readiness"), columns, tuple(rows), notes=notes)


def readiness_view(inv: Inventory) -> ReadinessView:
    targets, unknown = targets_of(inv)
    findings = run_checks(inv, targets) if targets else []
    notes: tuple[Word | Phrase, ...] = ()
    if not targets:
        notes = (NO_TARGETS,)
    if unknown:
        notes += (
            Phrase(
                N_("Target profiles not known to this version, not assessed: %(ids)s"),
                (("ids", ", ".join(unknown)),),
            ),
        )
    sheet = Table(
        "readiness",
        N_("Findings"),
        _COLUMNS,
        tuple(_rows(inv, findings, targets)),
        frozen_columns=3,
        notes=notes,
    )
    return ReadinessView(
        tuple(targets), tuple(unknown), tuple(findings), _summary(findings, targets, notes), sheet
    )
