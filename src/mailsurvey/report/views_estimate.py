"""The forecast and the timeline as views: the Estimate and Timeline sheets, their blocks
in the summary, and the schedule the charts draw.

Only codes and figures of the model are used: its English ``detail`` strings never reach a
report; every word here is a ``Word`` or ``Phrase`` translated by the writers. Moments are
naive wall-clock times in the plan's zone (the column or fact says which zone).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from ..assess.estimate import Forecast, MailboxForecast
from ..assess.methods import MethodProfile
from ..assess.outlook import Outlook
from ..assess.plan import LOWERED_TTL_S, Event, PlannedWave, Proposal, Timeline
from .i18n import N_, NOT_KNOWN, Phrase, Word
from .views import Block, Column, Fact, FactList, Kind, Table, Value
from .views_schedule import Bar as Bar  # the charts' figures, re-exported
from .views_schedule import Schedule as Schedule
from .views_schedule import schedule_of, wave_label

METHOD_WORDS = {
    "mbsync": Word("isync/mbsync (IMAP to IMAP, pipelined)"),
    "offlineimap3": Word("OfflineIMAP3 (IMAP to IMAP, one message at a time)"),
    "exo-imap": Word("Microsoft 365 / Exchange Online IMAP migration (migration batches)"),
    "google-dms": Word("Google Workspace data migration service (new), from IMAP"),
    "google-gwm": Word("Google Workspace Migrate (from Exchange over EWS)"),
}
PROTOCOL_WORDS = {"imap": "IMAP", "ews": "EWS"}  # names, the same in every language
BOUND_WORDS = {
    "bytes": Word("Data volume"),
    "messages": Word("Number of messages"),
    "daily_cap": Word("Daily upload cap"),
}
PLAN_WORDS = {
    "fits": Word("Fits before the cutover"),
    "does_not_fit": Word("Does not fit before the cutover"),
    "no_cutover": Word("No cutover set"),
}
NOTHING_FORECAST = Word("Unknown: no mailbox could be forecast")
PLAN_WORDS["no_forecast"] = NOTHING_FORECAST
PLAN_WORDS["unknown"] = Word("Unknown: a wave holds mailboxes that are not forecast")
STRATEGY_WORDS = {
    "cutover": Word("Cutover (all mailboxes at once)"),
    "staged": Word("Staged (in waves)"),
}
EVENT_WORDS = {
    "lower_ttl": Word("Lower the MX TTL"),
    "bulk_start": Word("Start the bulk copy"),
    "bulk_end_p50": Word("Bulk copy ends (P50)"),
    "bulk_end_p90": Word("Bulk copy ends (P90)"),
    "delta_start": Word("Start the final delta"),
    "cutover": Word("Cutover"),
    "wave_start": Word("Start the wave's copy"),
    "wave_end_p50": Word("The wave's copy ends (P50)"),
    "wave_end_p90": Word("The wave's copy ends (P90)"),
}
PROPOSAL_WORDS = {
    "raise_concurrency": Word("Copy more mailboxes at once"),
    "later_cutover": Word("Move the cutover later"),
    "use_waves": Word("Migrate in staged waves"),
}
FIGURES_UNKNOWN = Word("Figures unknown (not scanned completely)")
NOT_PROBED = Word("Source not measured (no probe)")
NOT_SET = Word("Not set")
NONE_FITS = Word("None that fits")
NEVER = Word("Never: the final delta does not catch up")
WITHOUT_UNKNOWN = Word("Without the mailboxes that are not forecast")
TTL_UNKNOWN = Word("Unknown: lowered 48 h before the cutover")
TTL_LATE = Word("Less than one TTL is left before the cutover: lower it as soon as possible")
RELATIVE = Word("The start moment is planned from this moment")
ONE_CUTOVER = Word("Copied one after another; every mailbox switches at the one cutover")
_HOUR = 3600.0


@dataclass(frozen=True)
class EstimateView:
    summary: tuple[Block, ...]  # in the summary: the forecast's facts, the throughput curve
    sheets: tuple[Table, ...]  # Estimate (per mailbox) and Timeline (events)
    plan: FactList  # shown with the Timeline
    proposals: Table  # shown with the Timeline
    schedule: Schedule
    status: str  # the Timeline's status, or "unknown" when no mailbox was forecast


def _local(t: datetime | None, zone: ZoneInfo) -> datetime | None:
    return None if t is None else t.astimezone(zone).replace(tzinfo=None)


def _after(start: datetime, seconds: float, zone: ZoneInfo) -> datetime:
    """``seconds`` after an aware ``start``, summed in UTC (a DST change moves the clock)."""
    return (start.astimezone(UTC) + timedelta(seconds=seconds)).astimezone(zone)


def method_word(method: MethodProfile) -> Word | str:
    return METHOD_WORDS.get(method.id, method.title)


def note_phrase(note: str) -> Value:
    """A forecast note ``code[:subject]`` in words; an unknown code as it is."""
    code, _, subject = note.partition(":")
    if code == "no_probe":
        msgid = N_("Source %(source)s was not measured (no probe): its mailboxes are not forecast")
        return Phrase(msgid, (("source", subject),))
    if code == "extrapolated":
        msgid = N_(
            "Source %(source)s was measured at fewer connections than planned: more "
            "connections are assumed to add no throughput"
        )
        return Phrase(msgid, (("source", subject),))
    if code == "uplink_unknown":
        return Phrase(
            N_(
                "The uplink of the migrating host is not known: the upload to the target is "
                "assumed not to slow the copy down"
            )
        )
    if code == "service_vantage":
        return Phrase(
            N_(
                "A cloud service runs the copy: the source was measured from this host, not "
                "from the service"
            )
        )
    if code == "concurrency_capped" and subject.isdigit():
        msgid = N_("The method runs at most %(count)s mailboxes at once: forecast at that")
        return Phrase(msgid, (("count", int(subject)),))
    source, _, level = subject.rpartition(":")
    if code == "other_protocol" and level in PROTOCOL_WORDS:
        msgid = N_(
            "Source %(source)s was measured over %(protocol)s, which this method does not "
            "read: its forecast uses those figures"
        )
        return Phrase(msgid, (("source", source), ("protocol", PROTOCOL_WORDS[level])))
    if code == "throttled" and level.isdigit():
        msgid = N_(
            "Source %(source)s throttled the probe (%(count)s back-offs asked): the copy will "
            "be throttled too; the measured throughput includes the waits"
        )
        return Phrase(msgid, (("source", source), ("count", int(level))))
    if code == "saturated" and level.isdigit():
        msgid = N_(
            "Source %(source)s gave little more throughput beyond %(count)s connections: "
            "its link or server is full there"
        )
        return Phrase(msgid, (("source", source), ("count", int(level))))
    if code == "daily_cap" and subject.isdigit():
        msgid = N_(
            "Mailboxes larger than the daily upload cap: %(count)s; each takes more than a day"
        )
        return Phrase(msgid, (("count", int(subject)),))
    return note


def _not_forecast(m: MailboxForecast, probed: set[str]) -> Value:
    if m.p50_s is not None:
        return None
    return FIGURES_UNKNOWN if m.items is None or m.source in probed else NOT_PROBED


# -- the summary ----------------------------------------------------------------------------


def _forecast_facts(o: Outlook, status: Value) -> FactList:
    f, t = o.forecast, o.timeline
    zone = ZoneInfo(t.timezone)
    known = sum(1 for m in f.mailboxes if m.p50_s is not None)
    unknown = len(f.mailboxes) - known
    partial = WITHOUT_UNKNOWN if known and unknown else None
    start: Value = _local(t.start, zone) or (NONE_FITS if t.status == "does_not_fit" else NOT_SET)
    facts = [
        Fact(N_("Method"), method_word(f.method)),
        Fact(N_("Checked against real copies"), f.method.validated_by is not None, Kind.BOOL),
        Fact(N_("Mailboxes at once"), f.concurrency, Kind.INT),
        Fact(N_("Bulk copy, P50"), f.p50_s if known else None, Kind.HOURS, partial),
        Fact(N_("Bulk copy, P90"), f.p90_s if known else None, Kind.HOURS, partial),
        Fact(N_("Ends last (P50)"), f.bounding or NOT_KNOWN),
        Fact(N_("Mailboxes forecast"), known, Kind.INT),
        Fact(N_("Mailboxes not forecast"), unknown, Kind.INT, alert=unknown > 0),
        Fact(N_("Plan"), status, alert=status != PLAN_WORDS["fits"] and bool(t.cutover)),
        Fact(N_("Bulk start"), start if known else None, Kind.MOMENT),
        Fact(N_("Cutover"), _local(t.cutover, zone) or NOT_SET, Kind.MOMENT),
        Fact(N_("Time zone"), t.timezone),
        *(Fact(N_("Assumption"), note_phrase(n)) for n in f.notes),
        *(Fact(N_("Reference"), ref) for ref in f.method.references),
    ]
    return FactList("forecast", N_("Forecast"), tuple(facts))


def _throughput(f: Forecast) -> Table:
    rows: list[tuple[Value, ...]] = []
    for model in f.models:
        for lv in model.levels:
            rows.append(
                (
                    model.source,
                    lv.concurrency,
                    lv.messages_per_s,
                    lv.bytes_per_s / 2**20,
                    lv.per_message_s * 1000,
                    lv.per_request_s * 1000,
                    lv.samples,
                )
            )
    columns = (
        Column("source", N_("Source"), width=14),
        Column("concurrency", N_("Connections"), Kind.INT, 12),
        Column("messages_per_s", N_("Messages/s"), Kind.FLOAT, 12),
        Column("mb_per_s", N_("MB/s"), Kind.FLOAT, 10, decimals=2),
        Column("per_message_ms", N_("Per message (ms)"), Kind.FLOAT, 12, decimals=2),
        Column("round_trip_ms", N_("Round trip (ms)"), Kind.FLOAT, 12),
        Column("samples", N_("Samples"), Kind.INT, 10),
    )
    return Table("throughput", N_("Measured throughput"), columns, tuple(rows))


# -- the Estimate sheet ---------------------------------------------------------------------


def _estimate(o: Outlook) -> Table:
    f, t = o.forecast, o.timeline
    zone = ZoneInfo(t.timezone)
    probed = {m.source for m in f.models}
    start = None if t.wave_plans else t.start  # in waves: when, the Waves sheet says
    order = sorted(
        f.mailboxes,
        key=lambda m: (m.start_s is None, m.start_s or 0.0, m.slot or 0, m.source, m.address),
    )
    rows = []
    for m in order:
        clock: tuple[Value, ...] = ()
        if start is not None:
            clock = tuple(
                None if s is None else _local(_after(start, s, zone), zone)
                for s in (m.start_s, m.end_s)
            )
        rows.append(
            (
                m.source,
                m.address,
                m.items,
                m.bytes,
                None if m.items is None and not m.folders else m.folders,
                m.p50_s,
                m.p90_s,
                BOUND_WORDS.get(m.bound_by) if m.p50_s is not None else None,
                None if m.slot is None else m.slot + 1,
                m.start_s,
                m.end_s,
                *clock,
                _not_forecast(m, probed),
            )
        )
    clock_columns: tuple[Column, ...] = ()
    if start is not None:
        clock_columns = (
            Column("starts_at", N_("Starts at"), Kind.MOMENT, 18, unit=t.timezone),
            Column("ends_at", N_("Ends at"), Kind.MOMENT, 18, unit=t.timezone),
        )
    columns = (
        Column("source", N_("Source"), width=14),
        Column("mailbox", N_("Mailbox"), width=30),
        Column("messages", N_("Messages"), Kind.INT, 12),
        Column("bytes", N_("Size"), Kind.BYTES, 12),
        Column("folders", N_("Folders"), Kind.INT, 10),
        Column("p50", N_("Duration, P50"), Kind.HOURS, 12),
        Column("p90", N_("Duration, P90"), Kind.HOURS, 12),
        Column("bound_by", N_("Limited by"), width=16),
        Column("slot", N_("Slot"), Kind.INT, 8),
        Column("starts_after", N_("Starts after"), Kind.HOURS, 12),
        Column("ends_after", N_("Ends after"), Kind.HOURS, 12),
        *clock_columns,
        Column("not_forecast", N_("Not forecast because"), width=28),
    )
    notes: tuple[Word | Phrase, ...] = ()
    if t.wave_plans:
        msgid = N_(
            "Slots and hours are those of one copy of every mailbox; the timeline copies "
            "them in %(waves)s waves: the Waves sheet says when each mailbox is copied"
        )
        notes = (Phrase(msgid, (("waves", t.waves),)),)
    return Table("estimate", N_("Estimate"), columns, tuple(rows), frozen_columns=2, notes=notes)


# -- the Timeline sheet ---------------------------------------------------------------------


def _hours(seconds: float) -> float:
    return seconds / _HOUR


def _wave_detail(e: Event, w: PlannedWave, o: Outlook) -> Value:
    if e.code == "wave_start":
        msgid = N_("%(count)s mailboxes, %(concurrency)s at once with %(method)s")
        method = method_word(o.forecast.method)
        args = (("count", w.mailboxes), ("concurrency", o.timeline.concurrency))
        return Phrase(msgid, (*args, ("method", method)))
    seconds = w.p50_s if e.code == "wave_end_p50" else w.p90_s
    return Phrase(N_("%(hours)s h after the wave's start"), (("hours", _hours(seconds or 0.0)),))


def _event_detail(e: Event, t: Timeline, o: Outlook) -> Value:
    f = o.forecast
    if e.code == "lower_ttl":
        if t.lower_ttl_late:
            msgid = N_(
                "To %(lowered)s s, as soon as possible: less than one TTL is left before the "
                "cutover"
            )
            return Phrase(msgid, (("lowered", LOWERED_TTL_S),))
        if t.mx_ttl_s is None:
            msgid = N_("To %(lowered)s s; the current TTL is unknown, so up to 48 h is assumed")
            return Phrase(msgid, (("lowered", LOWERED_TTL_S),))
        msgid = N_("From %(current)s s to %(lowered)s s")
        return Phrase(msgid, (("current", t.mx_ttl_s), ("lowered", LOWERED_TTL_S)))
    if e.code == "bulk_start":
        msgid = N_("%(concurrency)s mailboxes at once with %(method)s")
        method = method_word(f.method)
        return Phrase(msgid, (("concurrency", f.concurrency), ("method", method)))
    if e.code in ("bulk_end_p50", "bulk_end_p90"):
        seconds = f.p50_s if e.code == "bulk_end_p50" else f.p90_s
        return Phrase(N_("%(hours)s h after the bulk start"), (("hours", _hours(seconds)),))
    if e.code == "delta_start":
        msgid = N_("The final delta takes up to %(hours)s h (P90) and ends at the cutover")
        return Phrase(msgid, (("hours", _hours(t.delta_p90_s)),))
    if e.code == "cutover":
        return Word("Users work in the new environment")
    return e.code


def _events(o: Outlook, known: bool) -> Table:
    """The events in time order; with several waves, each wave's and its mailboxes too."""
    t = o.timeline
    zone = ZoneInfo(t.timezone)
    waves = {w.number: w for w in t.wave_plans}
    everyone = sum(w.mailboxes for w in t.wave_plans)
    rows: list[tuple[Value, ...]] = []
    for e in t.events if known else ():
        since = (e.at - t.start).total_seconds() if t.start else None
        wave = waves.get(e.wave) if e.wave is not None else None
        detail = _wave_detail(e, wave, o) if wave else _event_detail(e, t, o)
        row: tuple[Value, ...] = (_local(e.at, zone), EVENT_WORDS.get(e.code, e.code))
        if waves:
            count = wave.mailboxes if wave else everyone if e.code != "lower_ttl" else None
            row += (wave_label(wave) if wave else None, count)
        rows.append((*row, detail, since))
    wave_columns: tuple[Column, ...] = ()
    if waves:
        wave_columns = (
            Column("wave", N_("Wave"), width=12),
            Column("mailboxes", N_("Mailboxes"), width=10),
        )
    columns = (
        Column("at", N_("When"), Kind.MOMENT, 24, unit=t.timezone),
        Column("event", N_("Event"), width=26),
        *wave_columns,
        Column("detail", N_("Details"), width=60),
        Column("since_start", N_("From the bulk start"), Kind.HOURS, 14),
    )
    return Table("timeline", N_("Timeline"), columns, tuple(rows))


def _proposal_detail(p: Proposal, t: Timeline) -> Value:
    zone = ZoneInfo(t.timezone)
    if p.code == "raise_concurrency" and p.concurrency is not None:
        msgid = N_("Copy %(concurrency)s mailboxes at once instead of %(planned)s: then it fits")
        return Phrase(msgid, (("concurrency", p.concurrency), ("planned", t.concurrency)))
    if p.code == "later_cutover" and p.cutover is not None:
        msgid = N_("The earliest cutover that fits at %(concurrency)s mailboxes at once: %(at)s")
        at = p.cutover.astimezone(zone).replace(tzinfo=None)
        return Phrase(msgid, (("concurrency", p.concurrency or t.concurrency), ("at", at)))
    if p.code == "use_waves" and p.concurrency is not None:
        msgid = N_(
            "Even %(concurrency)s mailboxes at once do not fit before the cutover: migrate "
            "in staged waves"
        )
        return Phrase(msgid, (("concurrency", p.concurrency),))
    return p.code


def _proposals(t: Timeline, known: bool) -> Table:
    zone = ZoneInfo(t.timezone)
    rows = tuple(
        (
            PROPOSAL_WORDS.get(p.code, p.code),
            _proposal_detail(p, t),
            p.concurrency or t.concurrency,
            _local(p.cutover or t.cutover, zone),  # a higher concurrency keeps the cutover
        )
        for p in (t.proposals if known else ())
    )
    columns = (
        Column("proposal", N_("Proposal"), width=28),
        Column("detail", N_("Details"), width=60),
        Column("concurrency", N_("Mailboxes at once"), Kind.INT, 12),
        Column("cutover", N_("Cutover"), Kind.MOMENT, 24, unit=t.timezone),
    )
    return Table("proposals", N_("What would make it fit"), columns, rows)


def _plan(o: Outlook, status: Value, known: bool) -> FactList:
    t = o.timeline
    zone = ZoneInfo(t.timezone)

    def at(value: datetime | None, absent: Value = None) -> Value:
        return _local(value, zone) or absent

    fits = t.status == "fits"
    no_fit = NONE_FITS if t.status == "does_not_fit" else NOT_SET
    figures = (
        Fact(N_("Bulk copy, P50"), t.bulk_p50_s, Kind.HOURS),
        Fact(N_("Bulk copy, P90"), t.bulk_p90_s, Kind.HOURS),
        Fact(N_("Margin before the final delta"), t.margin_s, Kind.HOURS),
        Fact(N_("Final delta, P90"), t.delta_p90_s, Kind.HOURS),
        Fact(
            N_("Bulk start to cutover"),
            t.lead_s if t.lead_s is not None else NEVER,
            Kind.HOURS,
            alert=t.lead_s is None,
        ),
    )
    facts = (
        Fact(N_("Plan"), status, alert=not fits and t.status != "no_cutover"),
        Fact(N_("Strategy"), STRATEGY_WORDS.get(t.strategy, t.strategy)),
        *((Fact(N_("Waves"), t.waves, Kind.INT, ONE_CUTOVER),) if t.wave_plans else ()),
        Fact(N_("Method"), method_word(o.forecast.method)),
        Fact(N_("Mailboxes at once"), t.concurrency, Kind.INT),
        Fact(N_("Time zone"), t.timezone),
        Fact(N_("Planned at"), _local(o.at, zone), Kind.MOMENT, RELATIVE),
        Fact(N_("Cutover"), at(t.cutover, NOT_SET), Kind.MOMENT),
        Fact(N_("Bulk start"), at(t.start, no_fit) if known else None, Kind.MOMENT),
        Fact(N_("Earliest start"), at(t.earliest_start), Kind.MOMENT),
        Fact(N_("Latest start that fits"), at(t.latest_start) if known else None, Kind.MOMENT),
        Fact(
            N_("Start the final delta"), at(t.delta_start, no_fit) if known else None, Kind.MOMENT
        ),
        Fact(
            N_("Earliest cutover at this concurrency"),
            at(t.earliest_cutover) if known else None,
            Kind.MOMENT,
        ),
        *(figures if known else (Fact(f.label, None, f.kind) for f in figures)),
        Fact(
            N_("Current MX TTL (s)"),
            t.mx_ttl_s,
            Kind.INT,
            TTL_UNKNOWN if t.mx_ttl_s is None else None,
        ),
        Fact(N_("MX TTL lowered to (s)"), LOWERED_TTL_S, Kind.INT),
        Fact(
            N_("Lower the MX TTL at"),
            at(t.lower_ttl_at, NOT_SET),
            Kind.MOMENT,
            TTL_LATE if t.lower_ttl_late else None,
            alert=t.lower_ttl_late,
        ),
    )
    return FactList("plan", N_("Plan"), facts)


def estimate_view(o: Outlook) -> EstimateView:
    """The views of one outlook. When no mailbox could be forecast, or a wave's duration is
    unknown, the timeline is not shown as fitting (its durations would be 0 or too short):
    its status is unknown, its events empty."""
    forecast_known = o.forecast.known
    known = forecast_known and o.timeline.status != "unknown"
    status: Value = PLAN_WORDS.get(o.timeline.status, o.timeline.status)
    if not forecast_known and o.timeline.status != "no_cutover":
        status = NOTHING_FORECAST
    summary: tuple[Block, ...] = (_forecast_facts(o, status),)
    if o.forecast.models:
        summary += (_throughput(o.forecast),)
    return EstimateView(
        summary=summary,
        sheets=(_estimate(o), _events(o, known)),
        plan=_plan(o, status, known),
        proposals=_proposals(o.timeline, known),
        schedule=schedule_of(o),
        status=o.timeline.status if known else "unknown",
    )
