"""What the probe measured, as costs: per request, per message and per byte, per
concurrency level, and the link the connections shared.

Each level timed, on every connection at once, batches of whole messages; ``fit`` turns
them into one connection's costs (a constrained least-squares fit on relative error),
``costs_at`` reads them at any concurrency, ``resample`` gives bootstrap replicates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from ..model import ProbeSample

# The timed bulk reads, by the probe that made them: IMAP FETCH batches, EWS GetItem
# batches with the MIME content. Each source's probe speaks one protocol.
BULK = {"fetch": "imap", "getitem_mime": "ews"}


@dataclass(frozen=True)
class LevelFit:
    """What one concurrency level of the probe measured, per connection."""

    concurrency: int
    per_request_s: float  # a round trip plus the server's cost of a command
    per_message_s: float  # the server's cost of one more message in a command
    per_byte_s: float  # one connection's cost of a byte (1 / its bytes per second)
    login_s: float  # connect, TLS, login
    samples: int
    messages_per_s: float  # all connections together, as measured
    bytes_per_s: float  # all connections together, as measured
    link_bps: float | None  # what the link gave them together while they moved bytes
    # (None: bytes took no measurable time)


@dataclass(frozen=True)
class ThroughputModel:
    source: str
    measured_at: datetime
    rtt_s: float
    levels: tuple[LevelFit, ...]  # by concurrency, ascending
    protocol: str = "imap"  # what the probe read the source with: imap | ews
    backoffs: tuple[float, ...] = ()  # the waits (s) the server asked of the probe

    @property
    def saturated(self) -> bool:
        """More connections at the top level brought less than half the gain they would
        have if each got as much as before: the link (or server) is full."""
        if len(self.levels) < 2 or self.levels[-2].bytes_per_s <= 0:
            return False
        prev, top = self.levels[-2], self.levels[-1]
        ideal = top.concurrency / prev.concurrency - 1
        return top.bytes_per_s / prev.bytes_per_s - 1 < ideal / 2

    @property
    def link_bps(self) -> float:
        """What the copies of this source share: when saturated, the most all connections
        got together; else the most the link gave them while they moved bytes (a lower
        bound; inf: bytes took no measurable time)."""
        if self.saturated:
            return max(lv.bytes_per_s for lv in self.levels)
        return max((lv.link_bps or float("inf") for lv in self.levels), default=float("inf"))


# -- fit ------------------------------------------------------------------------------------


def nonnegative_fit(x: np.ndarray, y: np.ndarray, scale: np.ndarray | None = None) -> np.ndarray:
    """Least squares on relative error (each row weighted by 1/``scale``, default ``y``, so a
    2 ms round trip counts as much as a 2 s download), every coefficient >= 0: the best of the
    column subsets whose unconstrained fit is non-negative (every subset is tried)."""
    w = 1.0 / np.maximum(y if scale is None else scale, 1e-5)
    xw, yw = x * w[:, None], y * w
    best, best_err = np.zeros(x.shape[1]), float("inf")
    for mask in range(1, 1 << x.shape[1]):
        cols = [i for i in range(x.shape[1]) if mask >> i & 1]
        if np.linalg.matrix_rank(xw[:, cols]) < len(cols):
            continue
        coef, *_ = np.linalg.lstsq(xw[:, cols], yw, rcond=None)
        if (coef < 0).any():
            continue
        err = float(np.sum((xw[:, cols] @ coef - yw) ** 2))
        if err < best_err:
            best_err, best = err, np.zeros(x.shape[1])
            best[cols] = coef
    return best


def fit(samples: Sequence[ProbeSample]) -> ThroughputModel | None:
    """One source's probe run -> its throughput model; None when nothing was fetched."""
    fetches = [s for s in samples if s.kind in BULK]
    if not fetches:
        return None
    levels = []
    for c in sorted({s.concurrency for s in samples}):
        at = [s for s in samples if s.concurrency == c]
        level = _level(c, at)
        if level is not None:
            levels.append(level)
    rtts = [s.seconds for s in samples if s.kind == "rtt"]
    return ThroughputModel(
        source=samples[0].source,
        measured_at=min(s.at for s in samples),
        rtt_s=float(np.median(rtts)) if rtts else 0.0,
        levels=tuple(levels),
        protocol=BULK[fetches[0].kind],
        backoffs=tuple(s.seconds for s in samples if s.kind == "backoff"),
    )


def _level(c: int, samples: Sequence[ProbeSample]) -> LevelFit | None:
    """Round trip: the median NOOP. Per message and per byte: fitted on the batches
    fetched while every connection of the level fetched, less one round trip each."""
    fetches = [s for s in samples if s.kind in BULK]
    if not fetches:
        return None
    rtts = [s.seconds for s in samples if s.kind == "rtt"]
    rho = float(np.median(rtts)) if rtts else 0.0
    x = np.array([[s.messages, s.bytes] for s in fetches], dtype=float)
    seconds = np.array([s.seconds for s in fetches], dtype=float)
    per_message, per_byte = (float(v) for v in nonnegative_fit(x, seconds - rho, seconds))
    # throttled: the waits the server asked for, spread over the messages read meanwhile
    # (each connection waits its own; a copy at this concurrency will be asked the same)
    waits = sum(s.seconds for s in samples if s.kind == "backoff")
    per_message += waits / max(1, sum(s.messages for s in fetches))
    logins = [s.seconds for s in samples if s.kind == "login"]
    wall = max(s.at.timestamp() + s.seconds for s in fetches) - min(
        s.at.timestamp() for s in fetches
    )
    octets = sum(s.bytes for s in fetches)
    # the share of the connections' fetching time that went into bytes; over the window
    # all of them fetched in, the link moved the bytes in that share of it
    moving = per_byte * octets / float(seconds.sum()) if seconds.sum() > 0 else 0.0
    link = octets / (wall * min(1.0, moving)) if wall > 0 and moving > 0 else None
    return LevelFit(
        concurrency=c,
        per_request_s=rho,
        per_message_s=per_message,
        per_byte_s=per_byte,
        login_s=float(np.median(logins)) if logins else rho * 4,
        samples=len(fetches),
        messages_per_s=sum(s.messages for s in fetches) / wall if wall > 0 else 0.0,
        bytes_per_s=octets / wall if wall > 0 else 0.0,
        link_bps=link,
    )


def resample(samples: Sequence[ProbeSample], rng: np.random.Generator) -> list[ProbeSample]:
    """A bootstrap replicate: each level's samples drawn with replacement."""
    out: list[ProbeSample] = []
    for c in sorted({s.concurrency for s in samples}):
        at = [s for s in samples if s.concurrency == c]
        out += [at[i] for i in rng.integers(0, len(at), len(at))]
    return out


# -- costs at a concurrency -----------------------------------------------------------------


@dataclass(frozen=True)
class Costs:
    """One connection's costs when ``concurrency`` connections run at once."""

    per_request_s: float
    per_message_s: float
    per_byte_s: float
    login_s: float
    extrapolated: bool  # above the highest concurrency measured: throughput held flat


def costs_at(model: ThroughputModel, k: int) -> Costs:
    """A connection's costs when k run at once: the measured level's, interpolated between
    levels. Above the highest, the server's work per message is taken to grow with k (no
    more messages per second in all than measured); bytes are left to the link share."""
    levels = model.levels
    if k >= levels[-1].concurrency:
        top = levels[-1]
        return Costs(
            top.per_request_s,
            top.per_message_s * k / top.concurrency,
            top.per_byte_s,
            top.login_s,
            extrapolated=k > top.concurrency,
        )
    if k <= levels[0].concurrency:
        low = levels[0]
        return Costs(low.per_request_s, low.per_message_s, low.per_byte_s, low.login_s, False)
    upper = next(i for i, lv in enumerate(levels) if lv.concurrency >= k)
    a, b = levels[upper - 1], levels[upper]
    t = (k - a.concurrency) / (b.concurrency - a.concurrency)

    def mix(u: float, v: float) -> float:
        return u + (v - u) * t

    return Costs(
        mix(a.per_request_s, b.per_request_s),
        mix(a.per_message_s, b.per_message_s),
        mix(a.per_byte_s, b.per_byte_s),
        mix(a.login_s, b.login_s),
        extrapolated=False,
    )
