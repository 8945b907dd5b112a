"""The config's settings: the throughput probe, the plan, the pricing."""

from __future__ import annotations

import re
from datetime import datetime, time
from decimal import Decimal
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    Field,
    field_validator,
)

from .config_base import _Strict


class ProbeSettings(_Strict):
    """The throughput probe: a sample of whole messages downloaded (read-only) at growing
    concurrency, within a budget of time and volume."""

    enabled: bool = True
    seconds: float = Field(60.0, gt=0, le=3600, description="time budget per source")
    megabytes: float = Field(200.0, gt=0, le=100_000, description="volume budget per source")
    max_concurrency: int | None = Field(
        None,
        ge=1,
        le=64,
        description="highest concurrency tried; default: the plan's, else the source's concurrency",
    )


_HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-4]):[0-5][0-9]$"


class PlanSettings(_Strict):
    """When users switch, and how the copy is run: the forecast's and timeline's inputs."""

    cutover: datetime | None = Field(
        None, description="from this moment users work in the new environment (local time)"
    )
    timezone: str = "Europe/Amsterdam"
    country: str | None = Field(None, description="ISO country code for public holidays")
    working_hours: str = "08:00-18:00"
    strategy: Literal["cutover", "staged"] = "cutover"
    method: str = Field("mbsync", description="migration method profile (assess/methods.py)")
    concurrency: int | None = Field(None, ge=1, le=1000)
    uplink_mbit: float | None = Field(
        None, gt=0, description="the migrating host's link; measured by the probe when unset"
    )
    mx_ttl: int | None = Field(None, ge=0, description="current MX TTL in seconds, if known")
    not_before: datetime | None = Field(
        None, description="the earliest moment the copy may start (default: now)"
    )
    wave_window_hours: float = Field(
        48.0, gt=0, le=24 * 31, description="one migration window (a wave must fit it)"
    )
    set_aside_degree: int | None = Field(
        None,
        ge=2,
        description="an account sharing rights with this many mailboxes or more moves on its "
        "own (default: 10, or a tenth of the mailboxes when that is more)",
    )

    @field_validator("cutover", "not_before", mode="before")
    @classmethod
    def _moment(cls, v: Any) -> Any:
        if isinstance(v, str):
            try:
                return datetime.fromisoformat(v)
            except ValueError:
                raise ValueError("a local date and time such as 2027-01-11T07:00") from None
        return v

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                "an IANA time zone such as Europe/Amsterdam or Europe/Warsaw"
            ) from None
        return v

    @field_validator("working_hours")
    @classmethod
    def _hours(cls, v: str) -> str:
        if not re.fullmatch(_HHMM, v):
            raise ValueError("a time range HH:MM-HH:MM, such as 08:00-18:00")
        return v

    @field_validator("country")
    @classmethod
    def _country(cls, v: str | None) -> str | None:
        if v is None:
            return None
        import holidays  # a heavy import, only when a country is given

        code = v.strip().upper()
        if code not in holidays.list_supported_countries():
            raise ValueError("an ISO 3166 country code with public holidays (NL, PL, ...)")
        return code

    @field_validator("method")
    @classmethod
    def _method(cls, v: str) -> str:
        from .assess.methods import PROFILES

        if v not in PROFILES:
            raise ValueError(f"one of {', '.join(sorted(PROFILES))}")
        return v

    @property
    def hours(self) -> tuple[time, time]:
        start, end = self.working_hours.split("-")
        return time.fromisoformat(start), (time.max if end == "24:00" else time.fromisoformat(end))


# At most a billion: far above any price, and far below where the quote's sums would
# outgrow Decimal's 28 digits (rounding them to cents would fail in every report)
Money = Annotated[Decimal, Field(ge=0, le=Decimal(10**9), allow_inf_nan=False)]
Excludable = Literal["inactive", "empty", "duplicate"]
EXCLUDABLE: tuple[Excludable, ...] = ("inactive", "empty", "duplicate")


class PricingSettings(_Strict):
    """The quote's prices (assess/quote.py). Money is Decimal, never float; amounts are
    rounded half up to cents only where they are shown and in the totals."""

    currency: str = Field(description="ISO 4217 code, e.g. EUR or PLN")
    per_mailbox: Money
    per_gb: Money = Field(Decimal(0), description="per GiB of a mailbox's size")
    fixed: Money = Field(Decimal(0), description="once per project")
    per_shared_mailbox: Money | None = Field(
        None, description="shared, room and equipment mailboxes (default: per_mailbox)"
    )
    per_archive: Money | None = Field(
        None, description="an online archive, migrated as extra work (default: not priced)"
    )
    per_hour: Money | None = Field(
        None, description="per hour of the forecast bulk copy, P90 (default: not priced)"
    )
    exclude: list[Excludable] = Field(
        default_factory=lambda: list(EXCLUDABLE),
        description="mailboxes not billed: inactive, empty, duplicate (of another source's)",
    )

    @field_validator("currency")
    @classmethod
    def _currency(cls, v: str) -> str:
        from babel.numbers import is_currency

        code = v.strip().upper()
        if len(code) != 3 or not is_currency(code):
            raise ValueError("an ISO 4217 currency code such as EUR or PLN")
        return code

    @field_validator("exclude")
    @classmethod
    def _unique(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("each of inactive, empty, duplicate at most once")
        return v


def _target_id(v: str) -> str:
    from .assess.targets import PROFILES

    if v not in PROFILES:
        raise ValueError(f"a target profile: one of {', '.join(sorted(PROFILES))}")
    return v
