"""The migration waves as the reports show them: the Waves sheet (one row per mailbox, with
columns the client edits: migrate, target address, licence, wave), the accounts set aside
and the grantees dropped from the permission graph; in the HTML a compact list of the
waves. Computed at render time from the inventory and its forecast (assess/waves.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from ..assess.outlook import Outlook, plan_of
from ..assess.plan import Timeline
from ..assess.waves import Wave, Waves, p90_by_address, waves
from ..store import Inventory
from .i18n import N_, Phrase, Word
from .views import Column, Kind, Table, Value
from .views_estimate import NONE_FITS, NOT_SET

YES, NO = Word("Yes"), Word("No")
SET_ASIDE = Word("Set aside")
FITS = Word("Fits one window")
DOES_NOT_FIT = Word("Does not fit one window")
DURATION_UNKNOWN = Word("Duration unknown")
USER_LICENCE = Word("User licence")
IN_TURN = Word(
    "The waves are copied one after another, each started in working hours; every mailbox"
    " switches at the one cutover after the final delta (see the Timeline)."
)
NO_LICENCE = Word("None (shared mailbox)")
DROPPED_WORDS = {
    "self": Word("A mailbox's right on itself"),
    "not_a_person": Word("Not a person (anyone, Default, SELF, ...)"),
    "no_mailbox": Word("A directory object without a mailbox"),
    "unknown": Word("No mailbox or identity by that name"),
    "negative": Word("A negative IMAP right"),
    "unknown_mailbox": Word("The mailbox granting it is not in the inventory"),
}
SET_ASIDE_WHY = N_(
    "Shares rights with %(degree)s mailboxes (set aside from %(threshold)s): move it on its"
    " own and grant its rights again as each wave moves"
)


@dataclass(frozen=True)
class WavesView:
    waves: Waves
    sheet: Table  # the Waves sheet; its compact form and extras for the HTML


def status(wave: Wave | None) -> Word:
    if wave is None:
        return SET_ASIDE
    if wave.fits is None:
        return DURATION_UNKNOWN
    return FITS if wave.fits else DOES_NOT_FIT


Moments = Callable[[int | None], tuple[Value, Value]]  # a wave's (None: set aside) start, end


def planned_moments(t: Timeline | None) -> Moments | None:
    """A wave's planned start and P90 end, naive in the plan's zone: each wave's own when
    the timeline plans several, the bulk copy's when one; None without a timeline."""
    if t is None:
        return None
    zone = ZoneInfo(t.timezone)
    absent: Value = {"does_not_fit": NONE_FITS, "no_cutover": NOT_SET}.get(t.status)

    def local(at: datetime | None) -> Value:
        return absent if at is None else at.astimezone(zone).replace(tzinfo=None)

    def bulk(_: int | None) -> tuple[Value, Value]:
        end = t.start.astimezone(UTC) + timedelta(seconds=t.bulk_p90_s) if t.start else None
        return local(t.start), local(end)

    if not t.wave_plans:
        return bulk
    aside = next((w for w in t.wave_plans if w.set_aside), None)
    by_number = {w.number: w for w in t.wave_plans if not w.set_aside}

    def each(number: int | None) -> tuple[Value, Value]:
        w = aside if number is None else by_number.get(number)
        return (local(w.start), local(w.end_p90)) if w else (None, None)

    return each


def _kinds(inv: Inventory) -> dict[str, str]:
    return {m.address.lower(): m.kind for m in inv.mailboxes}


def _mailbox_rows(
    inv: Inventory, plan: Waves, p90: dict[str, float], moments: Moments | None
) -> list[tuple[Value, ...]]:
    kinds = _kinds(inv)

    def planned(number: int | None) -> tuple[Value, ...]:
        return moments(number) if moments else ()

    rows: list[tuple[Value, ...]] = []
    component = 0
    for wave in plan.waves:
        for comp in wave.components:
            component += 1
            for address in comp:
                shared = kinds.get(address) in ("shared", "room", "equipment")
                rows.append(
                    (
                        address,
                        wave.number,
                        component,
                        p90.get(address),
                        status(wave),
                        *planned(wave.number),
                        True,
                        address,
                        NO_LICENCE if shared else USER_LICENCE,
                        wave.number,
                    )
                )
    for s in plan.set_aside:
        shared = kinds.get(s.address) in ("shared", "room", "equipment")
        rows.append(
            (s.address, SET_ASIDE, None, s.p90_s, SET_ASIDE, *planned(None), True, s.address,
             NO_LICENCE if shared else USER_LICENCE, None)
        )  # fmt: skip
    return rows


def _columns(zone: str | None) -> tuple[Column, ...]:
    """``zone``: the plan's, when the waves have planned moments."""
    planned: tuple[Column, ...] = ()
    if zone is not None:
        planned = (
            Column("planned_start", N_("Planned start"), Kind.MOMENT, 18, unit=zone),
            Column("planned_end_p90", N_("Copy ends (P90)"), Kind.MOMENT, 18, unit=zone),
        )
    return (
        Column("mailbox", N_("Mailbox"), width=30),
        Column("proposed_wave", N_("Proposed wave"), width=12),
        Column("component", N_("Moves together (group)"), Kind.INT, 12),
        Column("p90", N_("Copy, P90"), Kind.HOURS, 10),
        Column("status", N_("Wave status"), width=22, alert=frozenset({DOES_NOT_FIT})),
        *planned,
        Column("migrate", N_("Migrate"), Kind.BOOL, 10, editable=True, choices=(YES, NO)),
        Column("target_address", N_("Target address"), width=30, editable=True),
        Column("licence", N_("Licence"), width=22, editable=True),
        Column("wave", N_("Wave"), Kind.INT, 8, editable=True),
    )


def _overview(plan: Waves, moments: Moments | None, zone: str | None) -> Table:
    rows: tuple[tuple[Value, ...], ...] = tuple(
        (
            w.number,
            len(w.mailboxes),
            ", ".join(w.mailboxes),
            w.work_s,
            w.makespan_s,
            status(w),
            *(moments(w.number) if moments else ()),
        )
        for w in plan.waves
    )
    columns = (
        Column("wave", N_("Wave"), Kind.INT, 8),
        Column("count", N_("Mailboxes"), Kind.INT, 10),
        Column("mailboxes", N_("Mailboxes in the wave"), width=60),
        Column("work", N_("Copy work, P90"), Kind.HOURS, 12),
        Column("makespan", N_("Duration, P90"), Kind.HOURS, 12),
        Column("status", N_("Wave status"), width=22, alert=frozenset({DOES_NOT_FIT})),
        *(c for c in _columns(zone) if c.key.startswith("planned_")),
    )
    return Table("waves_overview", N_("Waves"), columns, rows)


def _set_aside(plan: Waves) -> Table:
    rows: tuple[tuple[Value, ...], ...] = tuple(
        (
            s.address,
            s.degree,
            Phrase(SET_ASIDE_WHY, (("degree", s.degree), ("threshold", plan.threshold))),
            s.p90_s,
        )
        for s in plan.set_aside
    )
    columns = (
        Column("address", N_("Mailbox"), width=30),
        Column("degree", N_("Shares rights with"), Kind.INT, 12),
        Column("reason", N_("Reason"), width=60),
        Column("p90", N_("Copy, P90"), Kind.HOURS, 10),
    )
    return Table("set_aside", N_("Accounts set aside"), columns, rows)


def _dropped(plan: Waves) -> Table:
    rows: tuple[tuple[Value, ...], ...] = tuple(
        (d.grantee, DROPPED_WORDS.get(d.reason, d.reason), d.grants) for d in plan.dropped_grantees
    )
    columns = (
        Column("grantee", N_("Grantee"), width=30),
        Column("reason", N_("Why it joins no mailboxes"), width=40),
        Column("grants", N_("Permissions"), Kind.INT, 12),
    )
    return Table("dropped_grantees", N_("Grantees left out of the waves"), columns, rows)


def waves_view(inv: Inventory, seen: Outlook | None) -> WavesView | None:
    """None when the inventory has no mailbox."""
    forecast = seen.forecast if seen else None
    settings = seen.plan if seen else plan_of(inv)
    plan = seen.waves if seen and seen.waves else None
    if plan is None:
        plan = waves(
            inv,
            forecast,
            window_s=settings.wave_window_hours * 3600,
            threshold=settings.set_aside_degree,
        )
    if not plan.waves and not plan.set_aside:
        return None
    p90 = p90_by_address(forecast)
    header = Phrase(
        N_(
            "Waves fit one migration window of %(window)s h at concurrency %(concurrency)s;"
            " an account sharing rights with %(threshold)s or more mailboxes is set aside."
            " Edit the columns Migrate, Target address, Licence and Wave."
        ),
        (
            ("window", plan.window_s / 3600),
            ("concurrency", plan.concurrency),
            ("threshold", plan.threshold),
        ),
    )
    notes: tuple[Word | Phrase, ...] = (header,)
    if forecast is None:
        notes += (Word("No forecast: every wave's duration is unknown."),)
    if seen and seen.timeline.wave_plans:
        notes += (IN_TURN,)
    timeline = seen.timeline if seen else None
    moments = planned_moments(timeline)
    zone = timeline.timezone if timeline else None
    sheet = Table(
        "waves",
        N_("Waves"),
        _columns(zone),
        tuple(_mailbox_rows(inv, plan, p90, moments)),
        frozen_columns=1,
        notes=notes,
        extras=(_set_aside(plan), _dropped(plan)),
        compact=_overview(plan, moments, zone),
    )
    return WavesView(plan, sheet)
