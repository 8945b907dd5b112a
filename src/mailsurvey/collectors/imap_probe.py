"""The throughput probe: whole messages downloaded read-only at growing concurrency.

A sample of messages, stratified by the size histogram the scan found, is downloaded
with ``BODY.PEEK[]`` (never ``BODY[]``: no flag changes) on 1, 2, 4, ... connections at
once, up to the highest concurrency the plan needs. Every request is timed and kept with
its conditions: round trips (NOOP), logins, EXAMINE/SEARCH, one message alone, many in one
command. ``assess/throughput.py`` fits costs per request, message and byte from them.
The budget (time and volume) is split evenly over the levels (``probe_plan``).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

from ..config import Account, ProbeSettings
from ..model import SIZE_BUCKETS, Folder, ProbeSample, Reason, Status, Unit
from .imap import SourceContext, login
from .imap_session import ImapSession
from .probe_plan import MB, Budget, Level, ProbeUnit, in_sequence, outcome, run_levels

BATCH = 10  # messages in one FETCH command: enough to see the per-message cost apart
BATCH_BYTES = 16 * MB  # ... without one command eating a level's volume
SETUP_STRATA = 4  # size classes (one folder each) a connection samples
KEEP_UIDS = 200  # UIDs of a size class kept to fetch from
BATCHES_PER_TURN = 3  # batches from one folder before the next (an EXAMINE between)
SINGLE_BUCKETS = 1  # messages fetched alone in the setup: the size classes below 1 MB


@dataclass(frozen=True)
class Stratum:
    """A folder holding ``count`` messages of size bucket ``bucket``."""

    mailbox: str
    path: str
    bucket: int
    count: int

    @property
    def bounds(self) -> tuple[int, int]:
        low = SIZE_BUCKETS[self.bucket - 1] if self.bucket else 0
        high = SIZE_BUCKETS[self.bucket] if self.bucket < len(SIZE_BUCKETS) else 1 << 40
        return low, high

    @property
    def typical(self) -> int:
        """A size to budget with: the middle of the bucket (its lower bound when open)."""
        low, high = self.bounds
        return low if high >= 1 << 40 else (low + high) // 2


def strata(folders: Iterable[Folder]) -> list[Stratum]:
    out = []
    for f in folders:
        if f.noselect or not f.messages or not f.histogram:
            continue
        out += [Stratum(f.mailbox, f.path, b, n) for b, n in enumerate(f.histogram) if n]
    return out


def probe_imap(
    ctx: SourceContext,
    accounts: list[Account],
    folders: list[Folder],
    settings: ProbeSettings,
    highest: int,
    *,
    seed: int = 1,
) -> tuple[Unit, list[ProbeSample]]:
    """Run the probe of one IMAP source; every outcome is a Unit, never an exception."""
    src = ctx.source
    started = datetime.now(UTC)
    run = started.isoformat()
    by_address = {a.address: a for a in accounts}
    pool = [s for s in strata(folders) if s.mailbox in by_address]
    unit = ProbeUnit(src.name, started)
    if not pool:
        return unit(Status.SKIPPED, Reason.NONE, "no scanned folder holds a message"), []
    rng = random.Random(seed)
    budget = Budget.of(settings, highest)

    def connections(level: Level, ready: threading.Barrier) -> list[Callable[[], None]]:
        picks = _picks(pool, rng, budget.volume)
        return [partial(_connection, ctx, by_address, level, picks, run, ready)] * level.concurrency

    done = run_levels(budget, ctx.stop, connections)
    samples = in_sequence(s for level in done for s in level.samples)
    errors = [e for level in done for e in level.errors]
    measured = sum(any(s.kind == "fetch" for s in level.samples) for level in done)
    steps = len(budget.steps)
    end = outcome(unit, ctx.classify, ctx.stop, settings, steps, measured, errors, verb="fetched")
    return end, samples


class _Picks:
    """Hands each connection a mailbox to work in: the mailbox of a stratum drawn by its
    bucket's turn (so every size class is measured) and its share of that bucket."""

    def __init__(self, by_bucket: list[list[Stratum]], rng: random.Random) -> None:
        self._buckets = by_bucket
        self._rng = rng
        self._lock = threading.Lock()
        self._next = 0

    def mailbox(self) -> tuple[str, list[Stratum]]:
        """A mailbox and its strata in the buckets being sampled, one folder per bucket."""
        with self._lock:
            bucket = self._buckets[self._next % len(self._buckets)]
            self._next += 1
            mailbox = self._rng.choices(bucket, weights=[s.count for s in bucket])[0].mailbox
            own = []
            for strata in self._buckets:
                mine = [s for s in strata if s.mailbox == mailbox]
                if mine:
                    own.append(self._rng.choices(mine, weights=[s.count for s in mine])[0])
        return mailbox, own[:SETUP_STRATA]


def _picks(pool: list[Stratum], rng: random.Random, level_bytes: int) -> _Picks:
    """Buckets whose typical message fits a quarter of a level's volume are sampled."""
    by_bucket: dict[int, list[Stratum]] = {}
    for s in pool:
        by_bucket.setdefault(s.bucket, []).append(s)
    fitting = [v for b, v in sorted(by_bucket.items()) if v[0].typical * 4 <= level_bytes]
    return _Picks(fitting or [by_bucket[min(by_bucket)]], rng)


@dataclass
class _Source:
    """A folder of the connection's mailbox and the UIDs of one size class in it."""

    stratum: Stratum
    uids: list[int]
    next: int = 0

    def batch(self) -> list[int]:
        size = self.stratum.typical
        n = max(1, min(BATCH, BATCH_BYTES // max(size, 1), len(self.uids)))
        out = [self.uids[(self.next + i) % len(self.uids)] for i in range(n)]
        self.next += n
        return out


def _connection(
    ctx: SourceContext,
    accounts: dict[str, Account],
    level: Level,
    picks: _Picks,
    run: str,
    ready: threading.Barrier,
) -> None:
    """One connection of a level. Setup: log in to a mailbox, and per size class one
    folder: EXAMINE, a round trip, SEARCH for the class's UIDs, one message alone. Then,
    once every connection of the level is set up, all fetch batches back to back until
    the level's budget is spent: the link and the server under that concurrency."""
    src = ctx.source
    server = f"{src.host}:{src.effective_port}"
    session: ImapSession | None = None
    seq = 0

    def record(kind: str, mailbox: str, folder: str, figures: tuple[int, int], t0: float,
               at: datetime) -> None:  # fmt: skip
        nonlocal seq
        seq += 1
        sample = ProbeSample(
            src.name, run, seq, level.concurrency, kind, mailbox, folder, *figures,
            time.perf_counter() - t0, at, server,
        )  # fmt: skip
        with level.lock:
            level.samples.append(sample)

    def timed(kind: str, mailbox: str, folder: str, call: Callable[[], tuple[int, int]]) -> None:
        at, t0 = datetime.now(UTC), time.perf_counter()
        record(kind, mailbox, folder, call(), t0, at)

    try:
        mailbox, strata = picks.mailbox()
        at, t0 = datetime.now(UTC), time.perf_counter()
        session = _open(ctx, accounts[mailbox])
        record("login", mailbox, "", (0, 0), t0, at)
        sources = [s for st in strata if (s := _setup(session, st, level, timed)) is not None]
        level.wait_for_others(ready)
        _bulk(session, sources, level, timed)
    except Exception as exc:
        ready.abort()  # the others go on without this connection
        with level.lock:
            level.errors.append(exc)
        if session is not None:
            session.close()
            session = None
    if session is not None:
        session.logout()


def _open(ctx: SourceContext, account: Account) -> ImapSession:
    src = ctx.source
    session = ImapSession.connect(
        src.host, src.effective_port, src.security, ctx.context,
        src.connect_timeout, src.read_timeout,
    )  # fmt: skip
    try:
        login(ctx, session, account)
    except BaseException:
        session.close()
        raise
    return session


Timed = Callable[[str, str, str, Callable[[], tuple[int, int]]], None]


def _setup(session: ImapSession, stratum: Stratum, level: Level, timed: Timed) -> _Source | None:
    mailbox, path = stratum.mailbox, stratum.path
    low, high = stratum.bounds
    found: list[int] = []

    def examine() -> tuple[int, int]:
        session.examine(path)
        return 0, 0

    def noop() -> tuple[int, int]:
        session.noop()
        return 0, 0

    def search() -> tuple[int, int]:
        found.extend(session.uids_sized(low, high))
        return 0, 0

    timed("request", mailbox, path, examine)
    timed("rtt", mailbox, path, noop)
    timed("request", mailbox, path, search)
    if not found:
        return None  # the folder changed since the scan
    rng = random.Random(f"{mailbox}\x00{path}\x00{level.concurrency}")
    source = _Source(stratum, rng.sample(found, min(len(found), KEEP_UIDS)))
    if stratum.bucket <= SINGLE_BUCKETS:  # a message alone: its latency, not its volume
        _fetch(session, source, source.uids[:1], level, timed, "single")
    return source


def _bulk(session: ImapSession, sources: list[_Source], level: Level, timed: Timed) -> None:
    """Batches back to back, a few from each folder in turn (EXAMINE between folders)."""
    turn = 0
    while sources and not level.over:
        source = sources[turn % len(sources)]
        if len(sources) > 1 or turn == 0:
            path = source.stratum.path

            def examine(p: str = path) -> tuple[int, int]:
                session.examine(p)
                return 0, 0

            timed("request", source.stratum.mailbox, path, examine)
        for _ in range(BATCHES_PER_TURN):
            if not _fetch(session, source, source.batch(), level, timed, "fetch"):
                return
        turn += 1


def _fetch(
    session: ImapSession, source: _Source, uids: list[int], level: Level, timed: Timed, kind: str
) -> bool:
    """Fetch ``uids`` in one command when the level's budget allows; False when not."""
    size = source.stratum.typical * len(uids)
    if not uids or level.over or not level.reserve(size):
        return False
    got = (0, 0)

    def fetch() -> tuple[int, int]:
        nonlocal got
        got = session.fetch_bodies(uids)
        return got

    try:
        timed(kind, source.stratum.mailbox, source.stratum.path, fetch)
    finally:
        level.settle(size, got[1])
    return True
