"""What the IMAP and the EWS throughput probe share: the concurrency levels (1, 2, 4, ...
up to the highest the plan needs), the ``probe:`` budget split evenly over them, one
level's connections run side by side, their samples in one sequence, and the unit the
probe ends with."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ..config import ProbeSettings
from ..model import ProbeSample, Reason, Status, Unit, UnitKind

MB = 1024 * 1024


def levels(highest: int) -> list[int]:
    """1, 2, 4, ... and ``highest`` itself."""
    out, c = [], 1
    while c < highest:
        out.append(c)
        c *= 2
    return [*out, highest]


@dataclass
class Level:
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

    def wait_for_others(self, ready: threading.Barrier) -> None:
        """Until every connection is set up; a slow one does not hold the others past the
        level's deadline (the barrier breaks and the bulk phase starts without it)."""
        with contextlib.suppress(threading.BrokenBarrierError):
            ready.wait(timeout=max(0.0, self.deadline - time.monotonic()))


@dataclass(frozen=True)
class Budget:
    """The ``probe:`` budget split evenly over the levels."""

    steps: list[int]
    seconds: float  # per level
    volume: int  # bytes per level

    @classmethod
    def of(cls, settings: ProbeSettings, highest: int) -> Budget:
        steps = levels(highest)
        return cls(steps, settings.seconds / len(steps), int(settings.megabytes * MB / len(steps)))


Connections = Callable[[Level, threading.Barrier], list[Callable[[], None]]]


def run_levels(budget: Budget, stop: threading.Event, connections: Connections) -> list[Level]:
    """Each level in turn: its connections (``connections`` gives one callable each, as
    many as the level's concurrency) on threads of their own, until a stop."""
    done = []
    for c in budget.steps:
        level = Level(c, time.monotonic() + budget.seconds, budget.volume, stop)
        threads = [
            threading.Thread(target=run, daemon=True)
            for run in connections(level, threading.Barrier(c))
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        done.append(level)
        if stop.is_set():
            break
    return done


def in_sequence(samples: Iterable[ProbeSample]) -> list[ProbeSample]:
    """The samples of every connection in the order they were taken, numbered from 0."""
    ordered = sorted(samples, key=lambda s: s.at)
    return [ProbeSample(**{**s.__dict__, "seq": i}) for i, s in enumerate(ordered)]


@dataclass(frozen=True)
class ProbeUnit:
    """Makes the probe's unit of source ``source``, started at ``started``."""

    source: str
    started: datetime

    def __call__(self, status: Status, reason: Reason = Reason.NONE, message: str = "") -> Unit:
        return Unit(
            self.source, UnitKind.PROBE, self.source, status, reason, message,
            self.started, datetime.now(UTC),
        )  # fmt: skip


def outcome(
    unit: ProbeUnit,
    classify: Callable[[BaseException], tuple[Reason, str]],
    stop: threading.Event,
    settings: ProbeSettings,
    steps: int,
    measured: int,
    errors: list[BaseException],
    *,
    verb: str,
) -> Unit:
    """The unit: errors first, then a stop, then a budget too small for every level
    (``verb``: what the levels that were not measured did not get to do)."""
    if errors and not measured:
        return unit(Status.FAILED, *classify(errors[0]))
    if errors:
        reason, why = classify(errors[0])
        note = f"{measured} of {steps} concurrency levels measured; first error: {why}"
        return unit(Status.PARTIAL, reason, note)
    if stop.is_set():
        note = f"stopped after {measured} of {steps} concurrency levels"
        return unit(Status.PARTIAL, Reason.INTERRUPTED, note)
    if measured < steps:
        note = (
            f"{measured} of {steps} concurrency levels measured: the budget "
            f"({settings.seconds:g} s, {settings.megabytes:g} MB) ran out before the others "
            f"{verb}; raise probe.seconds or probe.megabytes"
        )
        return unit(Status.PARTIAL, Reason.BUDGET, note)
    return unit(Status.OK)
