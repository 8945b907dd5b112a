"""The throughput probe: whole messages downloaded read-only at growing concurrency.

A sample of messages, stratified by the size histogram the scan found, is downloaded
with ``BODY.PEEK[]`` (never ``BODY[]``: no flag changes) on 1, 2, 4, ... connections at
once, up to the highest concurrency the plan needs. Every request is timed and kept with
its conditions: round trips (NOOP), logins, EXAMINE/SEARCH, one message alone, many in one
command. ``assess/estimate.py`` fits costs per request, message and byte from them.
The budget (time and volume) is split evenly over the levels.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ..config import Account, ProbeSettings
from ..model import SIZE_BUCKETS, Folder, ProbeSample, Reason, Status, Unit, UnitKind
from .imap import SourceContext, login
from .imap_session import ImapSession

MB = 1024 * 1024
BATCH = 10  # messages in one FETCH command: enough to see the per-message cost apart
BATCH_BYTES = 16 * MB  # ... without one command eating a level's volume


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


def levels(highest: int) -> list[int]:
    """1, 2, 4, ... and ``highest`` itself."""
    out, c = [], 1
    while c < highest:
        out.append(c)
        c *= 2
    return [*out, highest]


@dataclass
class _Level:
    """One concurrency level's budget and what its connections measured."""

    concurrency: int
    deadline: float
    volume: int
    stop: threading.Event
    samples: list[ProbeSample] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    spent: int = 0

    def reserve(self, octets: int) -> bool:
        with self.lock:
            if self.spent + octets > self.volume or time.monotonic() >= self.deadline:
                return False
            self.spent += octets
            return True

    def settle(self, reserved: int, actual: int) -> None:
        with self.lock:
            self.spent += actual - reserved

    @property
    def over(self) -> bool:
        return self.stop.is_set() or time.monotonic() >= self.deadline or self.spent >= self.volume


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

    def unit(status: Status, reason: Reason = Reason.NONE, message: str = "") -> Unit:
        return Unit(
            src.name, UnitKind.PROBE, src.name, status, reason, message, started, datetime.now(UTC)
        )

    if not pool:
        return unit(Status.SKIPPED, Reason.NONE, "no scanned folder holds a message"), []
    rng = random.Random(seed)
    steps = levels(highest)
    per_level_s = settings.seconds / len(steps)
    per_level_bytes = int(settings.megabytes * MB / len(steps))
    samples: list[ProbeSample] = []
    errors: list[BaseException] = []
    measured = 0
    for c in steps:
        level = _Level(c, time.monotonic() + per_level_s, per_level_bytes, ctx.stop)
        picks = _picks(pool, rng, per_level_bytes)
        threads = [
            threading.Thread(
                target=_connection, args=(ctx, by_address, level, picks, run), daemon=True
            )
            for _ in range(c)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        samples += level.samples
        errors += level.errors
        measured += any(s.kind == "fetch" for s in level.samples)
        if ctx.stop.is_set():
            break
    samples.sort(key=lambda s: s.at)
    samples = [_renumber(s, i) for i, s in enumerate(samples)]
    if errors and not measured:
        return unit(Status.FAILED, *ctx.classify(errors[0])), samples
    if errors or measured < len(steps):
        first = ctx.classify(errors[0]) if errors else (Reason.INTERRUPTED, "stopped")
        note = f"{measured} of {len(steps)} concurrency levels measured; first: {first[1]}"
        return unit(Status.PARTIAL, first[0], note), samples
    return unit(Status.OK), samples


def _renumber(s: ProbeSample, seq: int) -> ProbeSample:
    return ProbeSample(**{**s.__dict__, "seq": seq})


class _Picks:
    """The shared, endless sequence of strata to sample: buckets in turn (so every size
    class is measured at every level), a folder within a bucket by its share."""

    def __init__(self, by_bucket: list[list[Stratum]], rng: random.Random) -> None:
        self._buckets = by_bucket
        self._rng = rng
        self._lock = threading.Lock()
        self._next = 0

    def next(self, current: str) -> Stratum:
        """The next bucket's stratum; three times in four one of the ``current`` mailbox
        when it has that bucket, so a connection is not a login per sample."""
        with self._lock:
            bucket = self._buckets[self._next % len(self._buckets)]
            self._next += 1
            own = [s for s in bucket if s.mailbox == current]
            if own and self._rng.random() < 0.75:
                bucket = own
            return self._rng.choices(bucket, weights=[s.count for s in bucket])[0]


def _picks(pool: list[Stratum], rng: random.Random, level_bytes: int) -> _Picks:
    """Buckets whose typical message fits a quarter of a level's volume are sampled."""
    by_bucket: dict[int, list[Stratum]] = {}
    for s in pool:
        by_bucket.setdefault(s.bucket, []).append(s)
    fitting = [v for b, v in sorted(by_bucket.items()) if v[0].typical * 4 <= level_bytes]
    return _Picks(fitting or [by_bucket[min(by_bucket)]], rng)


def _connection(
    ctx: SourceContext,
    accounts: dict[str, Account],
    level: _Level,
    picks: _Picks,
    run: str,
) -> None:
    """One connection of a level: sample strata until the level's budget is spent."""
    src = ctx.source
    server = f"{src.host}:{src.effective_port}"
    session: ImapSession | None = None
    current = ""
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
        while not level.over:
            stratum = picks.next(current)
            if session is None or stratum.mailbox != current:
                if session is not None:
                    session.logout()
                    session = None
                at, t0 = datetime.now(UTC), time.perf_counter()
                session = _open(ctx, accounts[stratum.mailbox])
                record("login", stratum.mailbox, "", (0, 0), t0, at)
                current = stratum.mailbox
            _sample(session, stratum, level, timed)
    except Exception as exc:
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


def _sample(
    session: ImapSession,
    stratum: Stratum,
    level: _Level,
    timed: Callable[[str, str, str, Callable[[], tuple[int, int]]], None],
) -> None:
    """EXAMINE the folder, one round trip, the bucket's UIDs; then one message alone and
    up to BATCH in one command, as far as the level's volume allows."""
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
        return  # the folder changed since the scan; another stratum next time
    rng = random.Random(len(level.samples) * 7919 + stratum.count)
    size = stratum.typical
    chosen = rng.sample(found, min(len(found), BATCH + 1))
    per_batch = max(1, min(BATCH, BATCH_BYTES // max(size, 1)))
    for uids in (chosen[:1], chosen[1 : 1 + per_batch]):
        if not uids or level.over or not level.reserve(size * len(uids)):
            return
        got = (0, 0)

        def fetch(u: list[int] = uids) -> tuple[int, int]:
            nonlocal got
            got = session.fetch_bodies(u)
            return got

        try:
            timed("fetch", mailbox, path, fetch)
        finally:
            level.settle(size * len(uids), got[1])
