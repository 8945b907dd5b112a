"""Per-mailbox durations, the schedule over concurrency slots, P50/P90.

``forecast`` combines the costs the probe measured (``throughput.py``) with a method
profile into each mailbox's copy, and schedules the copies longest first over the slots,
sharing the link (``fluid.py``). P90 is the wider of the bootstrap's (refits of resampled
measurements) and the method's measured error against real copies.
"""

from __future__ import annotations

import heapq
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..model import ProbeSample
from ..report.aggregate import mailbox_totals
from ..store import Inventory
from .fluid import Copy, Placed, simulate
from .methods import MethodProfile
from .throughput import Costs, ThroughputModel, costs_at, fit, resample


@dataclass(frozen=True)
class MailboxForecast:
    source: str
    address: str
    items: int | None  # None: not known (the mailbox was not scanned): not forecast
    bytes: int | None
    folders: int
    p50_s: float | None
    p90_s: float | None
    slot: int | None  # 0-based concurrency slot in the P50 schedule
    start_s: float | None  # offset from the start of the bulk copy (P50 schedule)
    end_s: float | None
    bound_by: str  # "bytes" | "messages" | "daily_cap" | "unknown"


@dataclass(frozen=True)
class Forecast:
    method: MethodProfile
    concurrency: int
    p50_s: float  # the bulk copy of every forecast mailbox, end to end
    p90_s: float
    bounding: str | None  # the mailbox that ends last in the P50 schedule
    mailboxes: tuple[MailboxForecast, ...]
    delta_base_p90_s: float  # a final delta's fixed cost: logins, listing every folder
    delta_per_day_p90_s: float  # ... plus this per day between the bulk start and the delta
    models: tuple[ThroughputModel, ...]
    notes: tuple[str, ...]  # "code[:subject]": assumptions that shaped the figures

    @property
    def known(self) -> bool:
        """At least one mailbox could be forecast (else every total is unknown, not 0)."""
        return any(m.p50_s is not None for m in self.mailboxes)

    @property
    def unknown(self) -> tuple[str, ...]:
        return tuple(m.address for m in self.mailboxes if m.p50_s is None)

    def delta_p90_s(self, days_since_bulk_start: float) -> float:
        return self.delta_base_p90_s + self.delta_per_day_p90_s * max(0.0, days_since_bulk_start)


# -- durations and the schedule -------------------------------------------------------------

LISTING_BYTES = 64  # a delta lists every message's UID and flags: about a line each
MIN_SPAN_DAYS = 30.0  # arrivals per day over at least this span (a young mailbox is bursty)
BOOTSTRAP = 100


@dataclass(frozen=True)
class Workload:
    source: str
    address: str
    items: int | None  # None: the mailbox was not (completely) scanned
    bytes: int | None
    folders: int
    items_per_day: float
    bytes_per_day: float


def workloads(inv: Inventory) -> list[Workload]:
    out = []
    for m in mailbox_totals(inv):
        known = m.complete and m.messages is not None and m.bytes is not None
        span = MIN_SPAN_DAYS
        if m.oldest and m.newest:
            span = max(span, (m.newest - m.oldest).total_seconds() / 86400)
        items, octets = (m.messages, m.bytes) if known else (None, None)
        out.append(
            Workload(
                m.source,
                m.address,
                items,
                octets,
                m.folders or 0,
                (items or 0) / span,
                (octets or 0) / span,
            )
        )
    return out


def copies(
    jobs: Sequence[Workload],
    costs: dict[str, Costs],
    method: MethodProfile,
    concurrency: int,
    host_cores: int = 1,
) -> list[Copy | None]:
    """Each mailbox's copy: what no link limits, its volume and the fastest it moves alone
    (None: not forecast). Pipelined, the server's per-message work, the transfer and the
    tool's work overlap (the slowest sets the pace); one message at a time, they add up,
    with the method's round trips per message."""
    contention = 1.0
    if method.copies_per_core:  # the tool's own work shares the migrating host's cores
        contention = max(1.0, concurrency / (method.copies_per_core * host_cores))
    out: list[Copy | None] = []
    for job in jobs:
        c = costs.get(job.source)
        if c is None or job.items is None or job.bytes is None:
            out.append(None)
            continue
        fixed = method.per_mailbox_s + c.login_s
        fixed += job.folders * method.folder_round_trips * c.per_request_s
        octets = float(job.bytes)
        daily = method.daily_bytes_per_mailbox
        if daily and job.bytes > daily:  # whole days at the cap, then the rest
            whole_days = -(-job.bytes // daily) - 1
            fixed += whole_days * 86400
            octets -= whole_days * daily
        share = octets / job.bytes if job.bytes else 0.0
        server = job.items * share * c.per_message_s
        tool = job.items * share * method.per_message_s + octets * method.per_byte_s
        tool *= contention
        wire = octets * c.per_byte_s
        if method.pipelined:
            slowest = max(server, tool, wire)
        else:
            fixed += job.items * share * method.message_round_trips * c.per_request_s
            fixed += server + tool
            slowest = wire
        cap = octets / slowest if slowest > 0 else float("inf")
        if not octets:
            fixed += slowest
        out.append(Copy(fixed, octets, cap, job.source))
    return out


def delta_costs(
    jobs: Sequence[Workload], costs: dict[str, Costs], method: MethodProfile
) -> tuple[np.ndarray, np.ndarray]:
    """Per job, a final delta's fixed part (logins, every folder opened, every message
    listed) and the seconds a day's new mail adds to it (NaN: not forecast)."""
    base = np.full(len(jobs), np.nan)
    daily = np.full(len(jobs), np.nan)
    for i, job in enumerate(jobs):
        c = costs.get(job.source)
        if c is None or job.items is None:
            continue
        fixed = method.per_mailbox_s + c.login_s
        fixed += job.folders * method.folder_round_trips * c.per_request_s
        base[i] = fixed + job.items * LISTING_BYTES * c.per_byte_s
        per_message = c.per_message_s + method.per_message_s
        per_message += method.message_round_trips * c.per_request_s
        per_byte = c.per_byte_s + method.per_byte_s
        daily[i] = job.items_per_day * per_message + job.bytes_per_day * per_byte
    return base, daily


def schedule(seconds: Sequence[float], slots: int) -> tuple[list[Placed | None], float, int | None]:
    """Longest first onto the slot that frees up first (LPT). Returns each job's place
    (None for NaN), the makespan and the index of the job that ends last."""
    order = sorted(
        (i for i, s in enumerate(seconds) if not math.isnan(s)), key=lambda i: (-seconds[i], i)
    )
    free = [(0.0, slot) for slot in range(max(1, slots))]
    heapq.heapify(free)
    placed: list[Placed | None] = [None] * len(seconds)
    last, makespan = None, 0.0
    for i in order:
        start, slot = heapq.heappop(free)
        end = start + seconds[i]
        placed[i] = Placed(slot, start, end)
        heapq.heappush(free, (end, slot))
        if end >= makespan:
            makespan, last = end, i
    return placed, makespan, last


# -- the forecast ---------------------------------------------------------------------------


def forecast(
    inv: Inventory,
    method: MethodProfile,
    concurrency: int,
    *,
    uplink_mbit: float | None = None,
    host_cores: int | None = None,
    replicates: int = BOOTSTRAP,
    seed: int = 7,
) -> Forecast:
    """The bulk copy of every scanned mailbox with ``method`` at ``concurrency``, on a
    migrating host with ``host_cores`` cores (default: this machine's)."""
    cores = host_cores or os.cpu_count() or 1
    notes: list[tuple[str, str]] = []
    if method.max_concurrency and concurrency > method.max_concurrency:
        notes.append(("concurrency_capped", str(method.max_concurrency)))
        concurrency = method.max_concurrency
    jobs = workloads(inv)
    by_source: dict[str, list[ProbeSample]] = {}
    for s in inv.probe_samples:
        by_source.setdefault(s.source, []).append(s)
    models = {src: m for src, samples in by_source.items() if (m := fit(samples)) is not None}
    for src, m in sorted(models.items()):
        if m.saturated:  # more connections than the one but last level added little
            notes.append(("saturated", f"{src}:{m.levels[-2].concurrency}"))
        if m.protocol not in method.reads:  # e.g. Exchange probed over EWS, copied over IMAP
            notes.append(("other_protocol", f"{src}:{m.protocol}"))
    for src in sorted({j.source for j in jobs} - set(models)):
        notes.append(("no_probe", src))
    for src, got in sorted(by_source.items()):  # throttling is a finding, measured or not
        waits = sum(s.kind == "backoff" for s in got)
        if waits:
            notes.append(("throttled", f"{src}:{waits}"))
    costs = {src: costs_at(m, concurrency) for src, m in models.items()}
    notes += [("extrapolated", src) for src, c in costs.items() if c.extrapolated]
    uplink_bps = uplink_mbit * 1e6 / 8 if uplink_mbit else None
    if method.carries_twice and not uplink_bps:
        notes.append(("uplink_unknown", ""))
    if method.side == "service":
        notes.append(("service_vantage", ""))
    planned = copies(jobs, costs, method, concurrency, cores)
    links = {src: m.link_bps for src, m in models.items()}
    shared = uplink_bps if method.carries_twice else None
    placed, makespan, last = simulate(planned, concurrency, links, shared)
    spread, spread_each = _bootstrap(
        jobs, by_source, method, concurrency, cores, shared, replicates, seed
    )
    spread = max(spread, 1 + method.forecast_error)
    spread_each = [max(v, 1 + method.forecast_error) for v in spread_each]
    p90_total = float(makespan * spread)
    base, daily = delta_costs(jobs, costs, method)
    _, base_span, _ = schedule([float(v) for v in base], concurrency)
    _, day_span, _ = schedule([float(v) for v in base + daily], concurrency)
    capped = 0
    rows = []
    for i, job in enumerate(jobs):
        where = placed[i]
        cap = method.daily_bytes_per_mailbox
        is_capped = bool(cap and job.bytes and job.bytes > cap and where)
        capped += is_capped
        rows.append(
            MailboxForecast(
                source=job.source,
                address=job.address,
                items=job.items,
                bytes=job.bytes,
                folders=job.folders,
                p50_s=None if where is None else where.end - where.start,
                p90_s=None if where is None else (where.end - where.start) * spread_each[i],
                slot=where.slot if where else None,
                start_s=where.start if where else None,
                end_s=where.end if where else None,
                bound_by=_bound_by(job, costs.get(job.source), method, is_capped, where),
            )
        )
    if capped:
        notes.append(("daily_cap", str(capped)))
    return Forecast(
        method=method,
        concurrency=concurrency,
        p50_s=makespan,
        p90_s=p90_total,
        bounding=jobs[last].address if last is not None else None,
        mailboxes=tuple(rows),
        delta_base_p90_s=float(base_span * spread),
        delta_per_day_p90_s=float(max(0.0, day_span - base_span) * spread),
        models=tuple(models[s] for s in sorted(models)),
        notes=tuple(f"{code}:{subject}" if subject else code for code, subject in notes),
    )


def _bound_by(
    job: Workload, c: Costs | None, method: MethodProfile, capped: bool, where: Placed | None
) -> str:
    if where is None or c is None or job.items is None or job.bytes is None:
        return "unknown"
    if capped:
        return "daily_cap"
    per_message = c.per_message_s + method.per_message_s
    per_message += method.message_round_trips * c.per_request_s
    return "messages" if job.items * per_message > job.bytes * c.per_byte_s else "bytes"


def _bootstrap(
    jobs: Sequence[Workload],
    samples: dict[str, list[ProbeSample]],
    method: MethodProfile,
    concurrency: int,
    cores: int,
    shared: float | None,
    replicates: int,
    seed: int,
) -> tuple[float, list[float]]:
    """P90 over P50 of the whole copy and of each mailbox, from refits of resampled probes
    (the planning durations on an LPT schedule: cheap, and what the spread needs)."""
    rng = np.random.default_rng(seed)

    def planning(models: dict[str, ThroughputModel]) -> np.ndarray:
        costs = {src: costs_at(m, concurrency) for src, m in models.items()}
        out = np.full(len(jobs), np.nan)
        for i, c in enumerate(copies(jobs, costs, method, concurrency, cores)):
            if c is not None:
                link = models[c.link].link_bps
                share = link / concurrency
                out[i] = c.alone(min(share, shared / concurrency) if shared else share)
        return out

    point = {src: m for src, got in samples.items() if (m := fit(got)) is not None}
    if not point or not replicates:
        return 1.0, [1.0] * len(jobs)
    base = planning(point)
    base_span = schedule([float(v) for v in base], concurrency)[1]
    spans, runs = [], []
    for _ in range(replicates):
        models = {}
        for src, got in samples.items():
            model = fit(resample(got, rng))
            if model is not None and model.levels:
                models[src] = model
        run = planning(models)
        spans.append(schedule([float(v) for v in run], concurrency)[1])
        runs.append(run)
    total = max(1.0, float(np.percentile(spans, 90)) / base_span) if base_span else 1.0
    with np.errstate(invalid="ignore", divide="ignore"):
        each = np.percentile(np.nan_to_num(np.array(runs)), 90, axis=0) / base
    return total, [max(1.0, float(v)) if np.isfinite(v) else 1.0 for v in each]
