"""The throughput model, per-mailbox durations, the schedule over concurrency slots, P50/P90.

The probe measured, per concurrency level, timed requests on the source (a round trip, a
message fetched alone, many fetched in one command). ``fit`` turns them into costs per
request, per message and per byte; ``forecast`` combines those with a method profile into
a duration per mailbox and schedules the mailboxes (longest first) over the slots.
P50/P90 come from refitting resampled measurements (bootstrap), so the band is as wide as
the measurements are noisy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .methods import MethodProfile


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


@dataclass(frozen=True)
class ThroughputModel:
    source: str
    measured_at: datetime
    rtt_s: float
    levels: tuple[LevelFit, ...]  # by concurrency, ascending
    stopped_by: str | None  # "time" | "volume" when a budget ended the probe early


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
    notes: tuple[str, ...]  # assumptions that shaped the figures (extrapolation, caps)

    @property
    def unknown(self) -> tuple[str, ...]:
        return tuple(m.address for m in self.mailboxes if m.p50_s is None)

    def delta_p90_s(self, days_since_bulk_start: float) -> float:
        return self.delta_base_p90_s + self.delta_per_day_p90_s * max(0.0, days_since_bulk_start)
