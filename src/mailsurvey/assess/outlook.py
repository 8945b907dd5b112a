"""The forecast and the timeline of a stored scan, as the reports show them.

Computed at render time from the inventory (probe samples, folder figures) and the plan
of the config the scan ran with, so a re-render uses the current model and the current
moment: a start moment is always relative to now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from pydantic import ValidationError

from ..config import PlanSettings
from ..store import Inventory
from .dns_changes import measured_mx_ttl
from .estimate import Forecast, forecast
from .methods import PROFILES
from .plan import Timeline
from .wave_plan import wave_timeline
from .waves import Waves, p90_by_address, permission_graph, plan_waves


@dataclass(frozen=True)
class Outlook:
    plan: PlanSettings
    forecast: Forecast
    timeline: Timeline
    at: datetime  # the moment the timeline was computed for
    waves: Waves | None = None  # packed at the planned concurrency; the timeline plans them


def plan_of(inv: Inventory) -> PlanSettings:
    """The plan the scan's config held (defaults when it held none)."""
    summary = inv.info.config_summary if inv.info else {}
    raw = summary.get("plan") if isinstance(summary, dict) else None
    try:
        return PlanSettings.model_validate(raw or {})
    except ValidationError:
        return PlanSettings()  # the config was validated when scanned; a newer model may differ


def outlook(inv: Inventory, now: datetime | None = None) -> Outlook | None:
    """None when there is nothing to forecast (no IMAP mailbox in the store)."""
    if not any(u.kind.value == "account" for u in inv.units):
        return None
    settings = plan_of(inv)
    method = PROFILES[settings.method]
    at = now or datetime.now(UTC)

    @lru_cache(maxsize=32)
    def at_concurrency(k: int) -> Forecast:
        return forecast(inv, method, k, uplink_mbit=settings.uplink_mbit)

    graph = permission_graph(inv)
    packed: dict[int, Waves] = {}

    def waves_at(f: Forecast) -> Waves:
        """The waves at a forecast of ``at_concurrency`` (so one per concurrency)."""
        if f.concurrency not in packed:
            packed[f.concurrency] = plan_waves(
                graph,
                p90_by_address(f),
                concurrency=f.concurrency,
                window_s=settings.wave_window_hours * 3600,
                threshold=settings.set_aside_degree,
            )
        return packed[f.concurrency]

    planned = settings.concurrency or method.default_concurrency
    # the MX TTL the DNS scan measured, where the config does not give one
    measured = measured_mx_ttl(inv.dns_domains) if settings.mx_ttl is None else None
    plan = wave_timeline(settings, at_concurrency, waves_at, at, mx_ttl=measured)
    f = at_concurrency(planned)
    return Outlook(settings, f, plan, at, waves_at(f))
